// Reading an `Add` body into settings: the fields both protocols share, and the small readers each
// protocol's settings parser (in its connector) uses. The body's types were already checked against the
// contract; absent and null mean "the default", and these rules only trim, normalise and check meaning.
import { SsoError, invalidField } from './errors.js';
import type { FolderRoleMapping, SharedProviderInput, SharedProviderSettings } from './provider-settings.js';

/** Trimmed text; absent, null or blank → null. */
export function optionalText(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

/** Trimmed text that must not be blank; the error names the body field. */
export function requiredText(value: string | null | undefined, field: string): string {
  const text = optionalText(value);
  if (text === null) throw invalidField(`/body/${field}`, 'must not be empty', 'admin');
  return text;
}

/** Blank entries are trimmed away; a null inside a list was already refused by the schema. */
export function textList(values: string[] | null | undefined): string[] {
  return (values ?? []).map((value) => value.trim()).filter((value) => value !== '');
}

/** Folder ids are stored as 32 lower-case hex, whichever GUID form was sent. */
function folderIds(values: string[] | null | undefined): string[] {
  return textList(values).map((id) => id.replace(/-/g, '').toLowerCase());
}

function folderRoleMapping(mappings: FolderRoleMapping[] | null | undefined): FolderRoleMapping[] {
  return (mappings ?? []).flatMap((mapping) => {
    const role = mapping.role.trim();
    if (role === '') return [];
    return [{ role, folders: mapping.folders.map((id) => id.replace(/-/g, '').toLowerCase()) }];
  });
}

/** Absent or null keeps the stored secret, an empty string clears it, anything else replaces it. */
export function secretUpdate(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return undefined;
  return value.trim() === '' ? null : value.trim();
}

export function sharedSettings(input: SharedProviderInput): SharedProviderSettings {
  const schemeOverride = optionalText(input.schemeOverride);
  if (schemeOverride !== null && schemeOverride !== 'http' && schemeOverride !== 'https') {
    throw invalidField('/body/schemeOverride', 'must be "http", "https" or empty', 'admin');
  }
  return {
    enabled: input.enabled ?? false,
    enableAuthorization: input.enableAuthorization ?? false,
    enableAllFolders: input.enableAllFolders ?? false,
    enabledFolders: folderIds(input.enabledFolders),
    enableContentDownloading: input.enableContentDownloading ?? null,
    applyContentDownloadPermissionOnEveryLogin: input.applyContentDownloadPermissionOnEveryLogin ?? false,
    adminRoles: textList(input.adminRoles),
    preserveAdminPermissions: input.preserveAdminPermissions ?? false,
    roles: textList(input.roles),
    enableFolderRoles: input.enableFolderRoles ?? false,
    folderRoleMapping: folderRoleMapping(input.folderRoleMapping),
    enableLiveTvRoles: input.enableLiveTvRoles ?? false,
    enableLiveTv: input.enableLiveTv ?? false,
    enableLiveTvManagement: input.enableLiveTvManagement ?? false,
    liveTvRoles: textList(input.liveTvRoles),
    liveTvManagementRoles: textList(input.liveTvManagementRoles),
    defaultProvider: optionalText(input.defaultProvider),
    schemeOverride,
    portOverride: input.portOverride ?? null,
    adoptExistingUsers: input.adoptExistingUsers ?? false,
    // Kept only when off: absent means allowed, so providers saved before it, and a form that sends the
    // default, read and store the same.
    ...(input.allowAppPasswords === false ? { allowAppPasswords: false } : {}),
    ...logoutRedirectUrl(input.logoutRedirectUrl),
  };
}

/** An absolute http(s) URL (the browser is sent there); kept only when set, like providers stored before it. */
function logoutRedirectUrl(value: string | null | undefined): { logoutRedirectUrl?: string } {
  const url = optionalText(value) ?? null;
  if (url === null) return {};
  checkHttpUrl('/body/logoutRedirectUrl', url);
  return { logoutRedirectUrl: url };
}

/** Refuses anything but an absolute http(s) URL, naming the body field. */
export function checkHttpUrl(field: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidField(field, 'must be an http(s) URL', 'admin');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidField(field, 'must be an http(s) URL', 'admin');
  }
}

/** Rules that name fields plainly (`oidEndpoint`, `a.b`) name body fields (`/body/a/b`) when run at Add. */
export function asBodyField<T>(rule: () => T): T {
  try {
    return rule();
  } catch (error) {
    if (!(error instanceof SsoError) || error.errors === undefined) throw error;
    const errors = error.errors.map((e) => ({
      field: e.field.startsWith('/') ? e.field : `/body/${e.field.split('.').join('/')}`,
      message: e.message,
    }));
    const first = errors[0];
    throw new SsoError(error.code, first === undefined ? error.message : `${first.field}: ${first.message}`, {
      step: 'admin',
      errors,
      cause: error,
    });
  }
}
