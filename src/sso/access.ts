// The role rules (docs/plugin-compatibility.md §7) and how their decision is written into the user's policy (§8.2).
// Comparisons are exact and case-sensitive, as in the plugin; roles only ever grant.
import { SsoError } from './errors.js';
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

/** The refusal of the role gate (`evaluateAccess` said no), naming the rule for the admin. */
export function roleGateRefusal(settings: SharedProviderSettings, roles: string[]): SsoError {
  return new SsoError('not_permitted', denialMessage(settings), {
    step: 'authorize',
    detail: `roles=${JSON.stringify(roles.slice(0, 20))}`,
    rule: {
      id: 'access.required_role',
      fixAtIdp: 'Give the account one of the required roles at the identity provider, or change "roles".',
    },
  });
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
  return { ...policy, ...writtenPolicy(policy.IsAdministrator, settings, decision, isNewUser) };
}

/** The policy fields a sign-in writes; `wasAdmin` is the user's `IsAdministrator` before it. */
export function writtenPolicy(
  wasAdmin: boolean,
  settings: SharedProviderSettings,
  decision: AccessDecision,
  isNewUser: boolean,
): Partial<UserPolicy> {
  const next: Partial<UserPolicy> = {};
  if (settings.enableAuthorization) {
    next.IsAdministrator = decision.isAdmin || (settings.preserveAdminPermissions && wasAdmin);
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
