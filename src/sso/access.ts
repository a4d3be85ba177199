// The role rules (docs/plugin-compatibility.md §7) and how their decision is written into the user's policy (§8.2).
// Comparisons are exact and case-sensitive, as in the plugin; roles only ever grant.
import type { AccessDecision, UserPolicy } from './ports.js';
import type { SharedProviderSettings } from './provider-settings.js';

export function evaluateAccess(roles: string[], settings: SharedProviderSettings): AccessDecision {
  const has = (list: string[]): boolean => roles.some((role) => list.includes(role));
  const folders = settings.enableFolderRoles
    ? settings.folderRoleMapping.filter((m) => roles.includes(m.role)).flatMap((m) => m.folders)
    : [...settings.enabledFolders];
  return {
    allowed: settings.roles.length === 0 || has(settings.roles),
    isAdmin: has(settings.adminRoles),
    folders: [...new Set(folders)],
    enableLiveTv: settings.enableLiveTv || (settings.enableLiveTvRoles && has(settings.liveTvRoles)),
    enableLiveTvManagement:
      settings.enableLiveTvManagement || (settings.enableLiveTvRoles && has(settings.liveTvManagementRoles)),
  };
}

/** A denial that names the rule, so the person (and their admin) know what to change. */
export function denialMessage(settings: SharedProviderSettings): string {
  const required = settings.roles.slice(0, 10).join(', ');
  return `Your account has none of the roles this server requires (${required}). Ask your admin to give you one of them at the identity provider.`;
}

/**
 * The policy after a sign-in (docs/plugin-compatibility.md §8.2), applied only when the provider manages
 * authorization. Fields the provider does not manage are left as they are, so an admin's edits survive.
 */
export function applyDecision(
  policy: UserPolicy,
  settings: SharedProviderSettings,
  decision: AccessDecision,
  isNewUser: boolean,
): UserPolicy {
  const next: UserPolicy = { ...policy };
  if (settings.enableAuthorization) {
    next.IsAdministrator = decision.isAdmin || (settings.preserveAdminPermissions && policy.IsAdministrator);
    next.EnableAllFolders = settings.enableAllFolders;
    if (!settings.enableAllFolders) next.EnabledFolders = decision.folders;
    if (
      settings.enableContentDownloading !== null &&
      (isNewUser || settings.applyContentDownloadPermissionOnEveryLogin)
    ) {
      next.EnableContentDownloading = settings.enableContentDownloading;
    }
    next.EnableLiveTvAccess = decision.enableLiveTv;
    next.EnableLiveTvManagement = decision.enableLiveTvManagement;
  } else if (isNewUser) {
    // A provider that does not manage authorization gives new accounts no library until an admin does.
    next.EnableAllFolders = false;
    next.EnabledFolders = [];
  }
  if (settings.defaultProvider !== null) next.AuthenticationProviderId = settings.defaultProvider;
  return next;
}
