// Every field of an OIDC provider (OidcProviderInput) as the form shows it; hints from the contract's
// field descriptions where it has them.
import type { OidcProviderInput } from '../../../../clients/typescript/index.ts';
import type { FieldTable } from './field-table.ts';
import { ADVANCED_SHARED_FIELDS, ENABLED_FIELD, ROLE_FIELDS } from './shared-fields.ts';

export const OIDC_FIELDS: FieldTable<OidcProviderInput> = {
  oidEndpoint: {
    label: 'Issuer URL',
    kind: 'text',
    group: 'connection',
    required: true,
    hint: 'The issuer URL, with or without /.well-known/openid-configuration.',
  },
  oidClientId: {
    label: 'Client id',
    kind: 'text',
    group: 'connection',
    required: true,
    hint: 'The client id registered at the identity provider.',
  },
  oidSecret: {
    label: 'Client secret',
    kind: 'secret',
    group: 'connection',
    hint: 'Write-only: it is never shown again. Leave it empty for a public client.',
  },
  ...ENABLED_FIELD,
  roleClaim: {
    label: 'Role claim',
    kind: 'text',
    group: 'roles',
    hint: 'Dotted claim path, e.g. groups or resource_access.jellyfin.roles; \\. is a literal dot.',
  },
  oidScopes: {
    label: 'Extra scopes',
    kind: 'list',
    group: 'roles',
    hint: 'One per line, asked for beyond openid and profile (e.g. groups, when the role claim needs it).',
  },
  ...ROLE_FIELDS,
  overrideDefaultScopes: {
    label: 'Do not ask for the profile scope',
    kind: 'bool',
    group: 'advanced',
    hint: 'Only openid and the extra scopes are asked for.',
  },
  oidAuthorizationParameters: {
    label: 'Extra authorization parameters',
    kind: 'multiline',
    group: 'advanced',
    hint: 'A JSON object (as text) of extra authorization-request parameters, e.g. {"prompt": "login"}.',
  },
  defaultUsernameClaim: {
    label: 'Username claim',
    kind: 'text',
    group: 'advanced',
    hint: 'The claim that names a new user. Empty: preferred_username, then sub.',
  },
  avatarUrlFormat: {
    label: 'Avatar URL format',
    kind: 'text',
    group: 'advanced',
    hint: 'A URL with @{claim} placeholders. Empty: the picture claim.',
  },
  disableHttps: {
    label: 'Allow a plain-http identity provider',
    kind: 'bool',
    group: 'advanced',
    hint: 'Every URL of the provider must be https unless this is set (loopback hosts are always allowed).',
  },
  disablePushedAuthorization: {
    label: 'Do not use pushed authorization requests (PAR)',
    kind: 'bool',
    group: 'advanced',
    hint: 'Otherwise PAR is used whenever the provider advertises it.',
  },
  doNotValidateEndpoints: {
    label: 'Accept endpoints outside the issuer',
    kind: 'bool',
    group: 'advanced',
    hint: "Discovery endpoints must otherwise start with the issuer or share the issuer URL's origin.",
  },
  doNotValidateIssuerName: {
    label: 'Accept a different issuer name',
    kind: 'bool',
    group: 'advanced',
    hint: "The discovery document's issuer must otherwise equal the issuer URL.",
  },
  doNotLoadProfile: {
    label: 'Do not call the userinfo endpoint',
    kind: 'bool',
    group: 'advanced',
    hint: 'Roles and names come from the ID token (and a JWT access token) only.',
  },
  allowedTenants: {
    label: 'Allowed tenants (Entra ID)',
    kind: 'list',
    group: 'advanced',
    hint: 'One tenant id per line, for the multi-tenant endpoints (…/common/v2.0, …/organizations/v2.0). Empty: any tenant. Ignored for a single-tenant issuer.',
  },
  ...ADVANCED_SHARED_FIELDS,
  adoptExistingUsers: {
    label: 'Adopt existing users',
    kind: 'bool',
    group: 'advanced',
    hint: 'Let a first sign-in take over an existing user named exactly as the email claim, only when email_verified is true. An administrator, or a user linked to another identity, is never taken over.',
  },
};
