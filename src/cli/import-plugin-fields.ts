// The SSO plugin's provider fields (9p4 4.x and K0lin 5.x, `OidConfig` / `SamlConfig`) and what each becomes
// in an `Add` body of this service (openapi.yaml `OidcProviderInput` / `SamlProviderInput`, whose names are
// the plugin's in camelCase), with the type each value must have. A field with no equivalent says why.
import { isRecord } from '../sso/basics.js';
import type { ProtocolName } from '../sso/provider-settings.js';

/** How a field's value is written: XML text or children, or a JSON value. */
export type FieldKind = 'bool' | 'nullableBool' | 'text' | 'int' | 'list' | 'folderRoles' | 'links';

export interface FieldSpec {
  /** The plugin's name (PascalCase, as XML and Jellyfin's JSON write it). */
  plugin: string;
  kind: FieldKind;
  /** The `Add` body field; null when this service has no equivalent. */
  add: string | null;
  /** Why there is no equivalent, or what the field becomes instead of an `Add` field. */
  note?: string;
  /** Only for this protocol; both when absent. */
  only?: ProtocolName;
  /** Added by the K0lin 5.x generation (the report says which generation a file is). */
  since5?: boolean;
  /** The XML element name, when the plugin's serializer renames it. */
  xml?: string;
}

const camel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

function field(plugin: string, kind: FieldKind, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { plugin, kind, add: camel(plugin), ...extra };
}

export const PLUGIN_FIELDS: readonly FieldSpec[] = [
  field('OidEndpoint', 'text', { only: 'oidc' }),
  field('OidClientId', 'text', { only: 'oidc' }),
  field('OidSecret', 'text', { only: 'oidc' }),
  field('SamlEndpoint', 'text', { only: 'saml' }),
  field('SamlClientId', 'text', { only: 'saml' }),
  field('SamlCertificate', 'text', { only: 'saml' }),
  field('Enabled', 'bool'),
  field('EnableAuthorization', 'bool'),
  field('EnableAllFolders', 'bool'),
  field('EnabledFolders', 'list'),
  field('AdminRoles', 'list'),
  field('PreserveAdminPermissions', 'bool', { since5: true }),
  field('Roles', 'list'),
  field('EnableFolderRoles', 'bool'),
  field('EnableLiveTvRoles', 'bool'),
  field('EnableLiveTv', 'bool'),
  field('EnableLiveTvManagement', 'bool'),
  field('LiveTvRoles', 'list'),
  field('LiveTvManagementRoles', 'list'),
  field('FolderRoleMapping', 'folderRoles', { xml: 'FolderRoleMappings' }),
  field('EnableContentDownloading', 'nullableBool', { since5: true }),
  field('ApplyContentDownloadPermissionOnEveryLogin', 'bool', { since5: true }),
  field('DefaultProvider', 'text'),
  field('SchemeOverride', 'text'),
  field('PortOverride', 'int'),
  field('RoleClaim', 'text', { only: 'oidc' }),
  field('OidScopes', 'list', { only: 'oidc' }),
  field('OverrideDefaultScopes', 'bool', { only: 'oidc', since5: true }),
  field('OidAuthorizationParameters', 'text', { only: 'oidc', since5: true }),
  field('DefaultUsernameClaim', 'text', { only: 'oidc' }),
  field('AvatarUrlFormat', 'text', { only: 'oidc' }),
  field('DisableHttps', 'bool', { only: 'oidc' }),
  field('DisablePushedAuthorization', 'bool', { only: 'oidc' }),
  field('DoNotValidateEndpoints', 'bool', { only: 'oidc' }),
  field('DoNotValidateIssuerName', 'bool', { only: 'oidc' }),
  field('DoNotLoadProfile', 'bool', { only: 'oidc', since5: true }),
  {
    plugin: 'NewPath',
    kind: 'bool',
    add: null,
    note:
      'the plugin chose its callback path by the login URL used (/start/ → /redirect/, /p/ → /r/); ' +
      'this service always sends /sso/OID/redirect/',
  },
  {
    plugin: 'CanonicalLinks',
    kind: 'links',
    add: null,
    note: 'imported as pending links (name → user), bound to the IdP subject at the first sign-in',
  },
];

/** The spec of a field as a file names it: XML element or JSON key, in any letter case (as the plugin bound it). */
export function fieldSpec(protocol: ProtocolName, name: string): FieldSpec | undefined {
  const lower = name.toLowerCase();
  return PLUGIN_FIELDS.find(
    (spec) =>
      (spec.only === undefined || spec.only === protocol) &&
      (spec.plugin.toLowerCase() === lower || spec.xml?.toLowerCase() === lower),
  );
}

/** A value of the wrong type: the message names the field and what it must be. */
export class PluginFieldError extends Error {}

const MUST_BE: Record<FieldKind, string> = {
  bool: 'true or false',
  nullableBool: 'true, false or nil',
  text: 'text',
  int: 'a whole number',
  list: 'a list of text',
  folderRoles: 'a list of {Role, Folders}',
  links: 'a map of name to user id',
};

/** The value checked against its kind, as an `Add` body holds it; nil (null) stays null (the field's default). */
export function checkedValue(spec: FieldSpec, value: unknown, where: string): unknown {
  if (value === null) return null;
  if (!KIND_CHECKS[spec.kind](value)) throw new PluginFieldError(`${where}: must be ${MUST_BE[spec.kind]}`);
  return spec.kind === 'folderRoles' && Array.isArray(value) ? value.filter(isRecord).map(folderRole) : value;
}

const isTextList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

function entry(record: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

function isFolderRole(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const role = entry(value, 'role');
  const folders = entry(value, 'folders');
  return typeof role === 'string' && (folders === undefined || folders === null || isTextList(folders));
}

/** A folder-role entry as the plugin writes it: `Role` and `Folders`, keys in any letter case. */
function folderRole(value: Record<string, unknown>): { role: string; folders: string[] } {
  const folders = entry(value, 'folders');
  return { role: String(entry(value, 'role')), folders: isTextList(folders) ? folders : [] };
}

const KIND_CHECKS: Record<FieldKind, (value: unknown) => boolean> = {
  bool: (value) => typeof value === 'boolean',
  nullableBool: (value) => typeof value === 'boolean',
  text: (value) => typeof value === 'string',
  int: (value) => typeof value === 'number' && Number.isInteger(value),
  list: isTextList,
  folderRoles: (value) => Array.isArray(value) && value.every(isFolderRole),
  links: (value) => isRecord(value) && Object.values(value).every((id) => typeof id === 'string'),
};
