// Provider settings for tests that build records without the admin API: the fields every provider has,
// at the plugin's defaults (docs/plugin-compatibility.md §4.2), for fixtures to spread and override.
import type { SharedProviderSettings } from '../../src/sso/provider-settings.js';

export function sharedSettings(overrides: Partial<SharedProviderSettings> = {}): SharedProviderSettings {
  return {
    enabled: true,
    enableAuthorization: false,
    enableAllFolders: true,
    enabledFolders: [],
    enableContentDownloading: null,
    applyContentDownloadPermissionOnEveryLogin: false,
    adminRoles: [],
    preserveAdminPermissions: false,
    roles: [],
    enableFolderRoles: false,
    folderRoleMapping: [],
    enableLiveTvRoles: false,
    enableLiveTv: false,
    enableLiveTvManagement: false,
    liveTvRoles: [],
    liveTvManagementRoles: [],
    defaultProvider: null,
    schemeOverride: null,
    portOverride: null,
    adoptExistingUsers: false,
    ...overrides,
  };
}
