// Every field of a SAML provider (SamlProviderInput) as the form shows it; hints from the contract's
// field descriptions.
import type { SamlProviderInput } from '../../../../clients/typescript/index.ts';
import type { FieldTable } from './field-table.ts';
import { ADVANCED_SHARED_FIELDS, ENABLED_FIELD, ROLE_FIELDS } from './shared-fields.ts';

export const SAML_FIELDS: FieldTable<SamlProviderInput> = {
  samlEndpoint: {
    label: 'SSO URL',
    kind: 'text',
    group: 'connection',
    required: true,
    hint: "The IdP's single sign-on URL (HTTP-Redirect binding).",
  },
  samlCertificate: {
    label: 'IdP certificate',
    kind: 'multiline',
    group: 'connection',
    required: true,
    hint: "The IdP's signing certificate, base64 DER or PEM.",
  },
  samlClientId: {
    label: 'SP entity id',
    kind: 'text',
    group: 'connection',
    required: true,
    hint: "This service provider's entity id; also the expected Audience.",
  },
  samlIdpEntityId: {
    label: 'IdP entity id',
    kind: 'text',
    group: 'connection',
    hint: 'Expected Issuer of responses; when empty it is not checked.',
  },
  samlSloEndpoint: {
    label: 'Single logout URL',
    kind: 'text',
    group: 'connection',
    hint: "The IdP's SingleLogoutService (HTTP-Redirect); /sso/logout sends a signed LogoutRequest there. Filled by the metadata import.",
  },
  ...ENABLED_FIELD,
  samlRoleAttribute: {
    label: 'Role attribute',
    kind: 'text',
    group: 'roles',
    hint: 'The attribute holding the roles (default Role).',
  },
  ...ROLE_FIELDS,
  samlUsernameAttribute: {
    label: 'Username attribute',
    kind: 'text',
    group: 'advanced',
    hint: 'The attribute holding the username (default the NameID).',
  },
  samlSpSigningKey: {
    label: 'SP signing key',
    kind: 'secret-multiline',
    group: 'advanced',
    hint: 'Write-only PEM private key to sign AuthnRequests, followed by its PEM certificate to publish it in the SP metadata.',
  },
  ...ADVANCED_SHARED_FIELDS,
  adoptExistingUsers: {
    label: 'Adopt existing users',
    kind: 'bool',
    group: 'advanced',
    hint: 'Kept for compatibility; SAML never takes over an existing user, since a SAML response marks no attribute as verified.',
  },
};
