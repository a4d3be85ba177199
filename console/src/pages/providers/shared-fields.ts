// The fields OIDC and SAML providers share: who may sign in, what they become (administrator, libraries,
// Live TV, downloads), and how the service names itself to the IdP.
import type { OidcProviderInput, SamlProviderInput } from '../../../../clients/typescript/index.ts';
import type { FieldTable } from './field-table.ts';

type Shared = Pick<OidcProviderInput, Extract<keyof OidcProviderInput, keyof SamlProviderInput>>;

export const ENABLED_FIELD: FieldTable<Pick<Shared, 'enabled'>> = {
  enabled: {
    label: 'Enabled',
    kind: 'bool',
    group: 'connection',
    hint: 'Off: sign-ins with this provider are refused (its links are kept).',
  },
};

export const ROLE_FIELDS: FieldTable<
  Omit<Shared, 'enabled' | 'defaultProvider' | 'schemeOverride' | 'portOverride' | 'adoptExistingUsers'>
> = {
  autoRedirect: {
    label: 'Start this provider from the landing page',
    kind: 'bool',
    group: 'advanced',
    hint: 'The landing page (/sso/) sends the browser straight to this provider without a click; /sso/?local=1 still shows the buttons.',
  },
  logoutRedirectUrl: {
    label: 'After logout, go to',
    kind: 'text',
    group: 'advanced',
    hint: 'Where /sso/logout sends the browser when the IdP advertises no logout endpoint. Empty: the login page.',
  },
  allowAppPasswords: {
    label: 'Allow app passwords',
    kind: 'bool',
    absentMeans: true,
    group: 'advanced',
    hint: 'Users of this provider may make an app password for apps that only take a password.',
  },
  roles: {
    label: 'Roles allowed to sign in',
    kind: 'list',
    group: 'roles',
    hint: 'One per line. Empty lets everyone in; otherwise a user needs one of these roles (exact, case-sensitive).',
  },
  adminRoles: {
    label: 'Administrator roles',
    kind: 'list',
    group: 'roles',
    hint: 'One per line. A user with one of these roles becomes a Jellyfin administrator.',
  },
  enableAuthorization: {
    label: 'Manage permissions at every sign-in',
    kind: 'bool',
    group: 'roles',
    hint: 'Rewrites the administrator flag, libraries, downloads and Live TV rights at each sign-in. Off: they stay as they are, and a new user gets no library.',
  },
  preserveAdminPermissions: {
    label: 'Keep administrators without an administrator role',
    kind: 'bool',
    group: 'roles',
    hint: 'Otherwise an administrator with none of the administrator roles is demoted at sign-in (never the last one).',
  },
  enableAllFolders: {
    label: 'All libraries',
    kind: 'bool',
    group: 'roles',
    hint: 'Members see every library.',
  },
  enabledFolders: {
    label: 'Libraries',
    kind: 'folders',
    group: 'roles',
    shownWhen: { key: 'enableAllFolders', is: false },
    hint: 'The libraries members see when "All libraries" is off.',
  },
  enableFolderRoles: {
    label: 'Libraries by role',
    kind: 'bool',
    group: 'roles',
    hint: 'Give the libraries of the mapping below to the roles a user has, instead of the libraries above.',
  },
  folderRoleMapping: {
    label: 'Library mapping',
    kind: 'folder-roles',
    group: 'roles',
    shownWhen: { key: 'enableFolderRoles', is: true },
    hint: 'Each role gives the libraries ticked on its row.',
  },
  enableLiveTv: {
    label: 'Live TV',
    kind: 'bool',
    group: 'roles',
    hint: 'Members may watch Live TV.',
  },
  enableLiveTvManagement: {
    label: 'Live TV management',
    kind: 'bool',
    group: 'roles',
    hint: 'Members may manage Live TV recordings.',
  },
  enableLiveTvRoles: {
    label: 'Live TV by role',
    kind: 'bool',
    group: 'roles',
    hint: 'Also give Live TV rights to the roles below; roles only add rights.',
  },
  liveTvRoles: {
    shownWhen: { key: 'enableLiveTvRoles', is: true },
    label: 'Live TV roles',
    kind: 'list',
    group: 'roles',
    hint: 'One per line: roles that may watch Live TV.',
  },
  liveTvManagementRoles: {
    shownWhen: { key: 'enableLiveTvRoles', is: true },
    label: 'Live TV management roles',
    kind: 'list',
    group: 'roles',
    hint: 'One per line: roles that may manage Live TV.',
  },
  enableContentDownloading: {
    label: 'Downloads',
    kind: 'tristate',
    group: 'roles',
    hint: 'Applied to new users, or at every sign-in with the next option; "Leave unchanged" never touches it.',
  },
  applyContentDownloadPermissionOnEveryLogin: {
    label: 'Apply the download permission at every sign-in',
    kind: 'bool',
    group: 'roles',
    hint: 'Otherwise only a new user gets it.',
  },
};

export const ADVANCED_SHARED_FIELDS: FieldTable<
  Pick<Shared, 'defaultProvider' | 'schemeOverride' | 'portOverride'>
> = {
  defaultProvider: {
    label: 'Authentication provider id',
    kind: 'text',
    group: 'advanced',
    hint: "Written to the user's AuthenticationProviderId at every sign-in (so password sign-in keeps working). Empty: left as it is.",
  },
  schemeOverride: {
    label: 'Scheme override',
    kind: 'scheme',
    group: 'advanced',
    hint: "The scheme of the URLs the IdP sends its answer to, instead of SSO_PUBLIC_URL's.",
  },
  portOverride: {
    label: 'Port override',
    kind: 'port',
    group: 'advanced',
    hint: "The port of the URLs the IdP sends its answer to, instead of SSO_PUBLIC_URL's.",
  },
};
