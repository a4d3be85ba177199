// The settings of an identity provider as the domain sees them: the plugin's configuration fields in
// camelCase (docs/plugin-compatibility.md §4.2–4.4), with lists normalised to arrays and secrets kept apart; the
// stored record, discriminated by protocol; and the typed input of an `Add`.

export type ProtocolName = 'oidc' | 'saml';

export interface FolderRoleMapping {
  role: string;
  folders: string[];
}

/** Fields shared by OIDC and SAML providers (docs/plugin-compatibility.md §4.2). */
export interface SharedProviderSettings {
  enabled: boolean;
  enableAuthorization: boolean;
  enableAllFolders: boolean;
  enabledFolders: string[];
  enableContentDownloading: boolean | null;
  applyContentDownloadPermissionOnEveryLogin: boolean;
  adminRoles: string[];
  preserveAdminPermissions: boolean;
  roles: string[];
  enableFolderRoles: boolean;
  folderRoleMapping: FolderRoleMapping[];
  enableLiveTvRoles: boolean;
  enableLiveTv: boolean;
  enableLiveTvManagement: boolean;
  liveTvRoles: string[];
  liveTvManagementRoles: string[];
  defaultProvider: string | null;
  schemeOverride: string | null;
  portOverride: number | null;
  /** Opt-in: a first login may take over an existing account with the same name (off by default). */
  adoptExistingUsers: boolean;
  /** Whether its users may make app passwords (app-passwords.ts); absent means allowed. */
  allowAppPasswords?: boolean;
  /** The landing page starts this provider's sign-in without a click (`?local=1` still shows it). Absent on older records: off. */
  autoRedirect?: boolean;
  /**
   * Where `/sso/logout` sends the browser when the IdP advertises no logout endpoint; null: the login page.
   * Absent on providers stored before the field existed.
   */
  logoutRedirectUrl?: string | null;
}

/** OIDC-only fields (docs/plugin-compatibility.md §4.3), without the client secret. */
export interface OidcProviderSettings extends SharedProviderSettings {
  oidEndpoint: string;
  oidClientId: string;
  roleClaim: string | null;
  oidScopes: string[];
  overrideDefaultScopes: boolean;
  oidAuthorizationParameters: string | null;
  defaultUsernameClaim: string | null;
  avatarUrlFormat: string | null;
  disableHttps: boolean;
  disablePushedAuthorization: boolean;
  doNotValidateEndpoints: boolean;
  doNotValidateIssuerName: boolean;
  doNotLoadProfile: boolean;
  /**
   * Tenant ids (lower case) allowed on a multi-tenant issuer template (Entra ID's `{tenantid}`); empty = any.
   * Absent on providers stored before the field existed, which reads as empty.
   */
  allowedTenants?: string[];
}

/** SAML-only fields (docs/plugin-compatibility.md §4.4). */
export interface SamlProviderSettings extends SharedProviderSettings {
  samlEndpoint: string;
  samlClientId: string;
  /** Base64 DER of the IdP's signing certificate, normalised (no PEM armour, no white space). */
  samlCertificate: string;
  /** Expected `Issuer` of responses; null = not checked. */
  samlIdpEntityId: string | null;
  /** Attribute holding the roles (default `Role`). */
  samlRoleAttribute: string;
  /** Attribute holding the username; null = the NameID. */
  samlUsernameAttribute: string | null;
  /** The IdP's SingleLogoutService URL (HTTP-Redirect binding); null or absent: no SAML logout is sent. */
  samlSloEndpoint?: string | null;
}

export type ProviderSettings = OidcProviderSettings | SamlProviderSettings;

/** Secrets never leave the service: they are encrypted at rest and write-only over the API. */
export interface ProviderSecrets {
  /** OIDC client secret. */
  clientSecret: string | null;
  /** PEM private key the SP signs AuthnRequests with (SAML, optional). */
  spSigningKey: string | null;
}

interface ProviderRecordFields {
  id: string;
  name: string;
  secrets: ProviderSecrets;
  /** Changes on every save, so caches of per-provider objects can tell they are stale. */
  version: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface OidcProviderRecord extends ProviderRecordFields {
  protocol: 'oidc';
  settings: OidcProviderSettings;
}

export interface SamlProviderRecord extends ProviderRecordFields {
  protocol: 'saml';
  settings: SamlProviderSettings;
}

/**
 * A stored provider, discriminated by `protocol`: checking it gives the settings of that protocol.
 * `ProviderRecord<OidcProviderSettings>` names the OIDC record alone (and likewise for SAML).
 */
export type ProviderRecord<S extends ProviderSettings = ProviderSettings> = Extract<
  OidcProviderRecord | SamlProviderRecord,
  { settings: S }
>;

/** The record of one protocol. */
export type ProviderOf<P extends ProtocolName> = Extract<ProviderRecord, { protocol: P }>;

/** Narrows a record to the protocol a caller asked the store for. */
export function isProviderOf<P extends ProtocolName>(
  record: ProviderRecord,
  protocol: P,
): record is ProviderOf<P> {
  return record.protocol === protocol;
}

// ---------------------------------------------------------------------------------------------------------
// What an `Add` body may hold. Field names and types mirror `OidcProviderInput` / `SamlProviderInput` of
// openapi.yaml, so the type generated from the contract can be passed as it is. Absent or null fields take
// their defaults.

export interface SharedProviderInput {
  enabled?: boolean;
  enableAuthorization?: boolean;
  enableAllFolders?: boolean;
  enabledFolders?: string[] | null;
  enableContentDownloading?: boolean | null;
  applyContentDownloadPermissionOnEveryLogin?: boolean;
  adminRoles?: string[] | null;
  preserveAdminPermissions?: boolean;
  roles?: string[] | null;
  enableFolderRoles?: boolean;
  folderRoleMapping?: FolderRoleMapping[] | null;
  enableLiveTvRoles?: boolean;
  enableLiveTv?: boolean;
  enableLiveTvManagement?: boolean;
  liveTvRoles?: string[] | null;
  liveTvManagementRoles?: string[] | null;
  defaultProvider?: string | null;
  schemeOverride?: string | null;
  portOverride?: number | null;
  adoptExistingUsers?: boolean;
  allowAppPasswords?: boolean;
  autoRedirect?: boolean;
  logoutRedirectUrl?: string | null;
}

export interface OidcProviderInput extends SharedProviderInput {
  oidEndpoint: string;
  oidClientId: string;
  /** Write-only: absent or null keeps the stored secret, an empty string clears it. */
  oidSecret?: string | null;
  roleClaim?: string | null;
  oidScopes?: string[] | null;
  overrideDefaultScopes?: boolean;
  oidAuthorizationParameters?: string | null;
  defaultUsernameClaim?: string | null;
  avatarUrlFormat?: string | null;
  disableHttps?: boolean;
  disablePushedAuthorization?: boolean;
  doNotValidateEndpoints?: boolean;
  doNotValidateIssuerName?: boolean;
  doNotLoadProfile?: boolean;
  allowedTenants?: string[] | null;
}

export interface SamlProviderInput extends SharedProviderInput {
  samlEndpoint: string;
  samlClientId: string;
  samlCertificate: string;
  samlIdpEntityId?: string | null;
  samlRoleAttribute?: string | null;
  samlUsernameAttribute?: string | null;
  samlSloEndpoint?: string | null;
  /** Write-only: absent or null keeps the stored key, an empty string clears it. */
  samlSpSigningKey?: string | null;
}

export interface ProviderInputs {
  oidc: OidcProviderInput;
  saml: SamlProviderInput;
}

export type ProviderInput = ProviderInputs[ProtocolName];
