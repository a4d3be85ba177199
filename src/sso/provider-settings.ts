// The settings of an identity provider as the domain sees them: the plugin's configuration fields in
// camelCase (PLUGIN-BEHAVIOR.md §4.2–4.4), with lists normalised to arrays and secrets kept apart.

export type ProtocolName = 'oidc' | 'saml';

export interface FolderRoleMapping {
  role: string;
  folders: string[];
}

/** Fields shared by OIDC and SAML providers (PLUGIN-BEHAVIOR.md §4.2). */
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
}

/** OIDC-only fields (PLUGIN-BEHAVIOR.md §4.3), without the client secret. */
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
}

/** SAML-only fields (PLUGIN-BEHAVIOR.md §4.4). */
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
}

export type ProviderSettings = OidcProviderSettings | SamlProviderSettings;

/** Secrets never leave the service: they are encrypted at rest and write-only over the API. */
export interface ProviderSecrets {
  /** OIDC client secret. */
  clientSecret: string | null;
  /** PEM private key the SP signs AuthnRequests with (SAML, optional). */
  spSigningKey: string | null;
}

export interface ProviderRecord<S extends ProviderSettings = ProviderSettings> {
  id: string;
  protocol: ProtocolName;
  name: string;
  settings: S;
  secrets: ProviderSecrets;
  /** Changes on every save, so caches of per-provider objects can tell they are stale. */
  version: string;
  createdAt: Date;
  updatedAt: Date;
}
