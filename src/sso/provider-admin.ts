// Provider administration (PLUGIN-BEHAVIOR.md §3.4–3.7, §3.12; PRODUCT.md §3): turns an `Add` body into
// settings with the plugin's defaults and our semantic checks, keeps secrets write-only, and lists,
// describes and deletes providers. The body's types were already checked against the contract.
import { X509Certificate } from 'node:crypto';
import { SsoError, invalidField, type FieldError } from './errors.js';
import { isAllowedScheme, normaliseOidEndpoint, parseAuthorizationParameters } from './oidc-rules.js';
import type { Clock, ProviderStore, ProviderWrite } from './ports.js';
import { SpKeyError, readSpSigningKey } from './saml-sp-key.js';
import type {
  FolderRoleMapping,
  OidcProviderSettings,
  ProtocolName,
  ProviderRecord,
  SamlProviderSettings,
  SharedProviderSettings,
} from './provider-settings.js';

export type ProviderInput = Record<string, unknown>;

export interface SavedProvider {
  record: ProviderRecord;
  warnings: string[];
}

/** What `Get` shows of a provider: its settings, whether secrets are set, never the secrets. */
export type ProviderView =
  | (OidcProviderSettings & { hasOidSecret: boolean; version: string })
  | (SamlProviderSettings & { hasSpSigningKey: boolean; version: string });

export interface ProviderAdmin {
  save(protocol: ProtocolName, name: string, input: ProviderInput, now: Date): Promise<SavedProvider>;
  remove(protocol: ProtocolName, name: string): Promise<void>;
  list(protocol: ProtocolName): Promise<Record<string, ProviderView>>;
  names(protocol: ProtocolName): Promise<string[]>;
}

/**
 * How long the public name list may be served from memory. A change made through this instance shows at
 * once; one made through another instance sharing the database shows within this time. The login steps
 * always read the provider itself, so an instance never signs anyone in with stale settings.
 */
export const NAMES_CACHE_MS = 2_000;

export function createProviderAdmin(deps: { providers: ProviderStore; clock: Clock }): ProviderAdmin {
  const namesCache = new Map<ProtocolName, { names: string[]; until: number }>();
  return {
    async save(protocol, name, input, now) {
      checkProviderName(name);
      const warnings: string[] = [];
      const write = protocol === 'oidc' ? oidcWrite(input) : samlWrite(input, now, warnings);
      const record = await deps.providers.save(protocol, name, write);
      namesCache.delete(protocol);
      return { record, warnings };
    },
    async remove(protocol, name) {
      const removed = await deps.providers.delete(protocol, name);
      namesCache.delete(protocol);
      if (!removed) throw providerNotFound(protocol, name);
    },
    async list(protocol) {
      const records = await deps.providers.list(protocol);
      return Object.fromEntries(records.map((record) => [record.name, viewOf(record)]));
    },
    async names(protocol) {
      // GetNames is public and on every login page: serve it from memory for a moment (bench/README.md).
      const now = deps.clock.now().getTime();
      const cached = namesCache.get(protocol);
      if (cached !== undefined && cached.until > now) return [...cached.names];
      const names = (await deps.providers.list(protocol)).map((record) => record.name);
      namesCache.set(protocol, { names, until: now + NAMES_CACHE_MS });
      return [...names];
    },
  };
}

export function providerNotFound(protocol: ProtocolName, name: string): SsoError {
  return new SsoError(
    'provider_not_found',
    `There is no ${protocol.toUpperCase()} provider named "${name}".`,
  );
}

export function viewOf(record: ProviderRecord): ProviderView {
  if (record.protocol === 'oidc') {
    return {
      ...(record.settings as OidcProviderSettings),
      hasOidSecret: record.secrets.clientSecret !== null,
      version: record.version,
    };
  }
  return {
    ...(record.settings as SamlProviderSettings),
    hasSpSigningKey: record.secrets.spSigningKey !== null,
    version: record.version,
  };
}

/**
 * Provider names travel in URL path segments and page titles: 1–64 characters, no slash, backslash,
 * `?`, `#`, `%`, `..`, control characters, or leading/trailing white space.
 */
export function checkProviderName(name: string): void {
  const problem =
    name.length === 0 || name.length > 64
      ? 'must be 1 to 64 characters long'
      : name.trim() !== name
        ? 'must not start or end with white space'
        : /[/\\?#%]/.test(name)
          ? 'must not contain / \\ ? # or %'
          : name.includes('..') || name === '.'
            ? 'must not be "." or contain ".."'
            : // eslint-disable-next-line no-control-regex
              /[\u0000-\u001f\u007f-\u009f]/.test(name)
              ? 'must not contain control characters'
              : null;
  if (problem !== null) throw invalidField('path.provider', problem, 'admin');
}

// ---------------------------------------------------------------------------------------------------------
// Reading the validated body: types are guaranteed by the schema; absent and null mean "the default".

function bool(input: ProviderInput, key: string, fallback = false): boolean {
  const value = input[key];
  return typeof value === 'boolean' ? value : fallback;
}

function optionalText(input: ProviderInput, key: string): string | null {
  const value = input[key];
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function requiredText(input: ProviderInput, key: string): string {
  const value = optionalText(input, key);
  if (value === null) throw invalidField(`/body/${key}`, 'must not be empty', 'admin');
  return value;
}

/** Blank entries are trimmed away; a null inside a list was already refused by the schema. */
function list(input: ProviderInput, key: string): string[] {
  const value = input[key];
  if (!Array.isArray(value)) return [];
  return value
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Folder ids are stored as 32 lower-case hex, whichever GUID form was sent. */
function folderIds(input: ProviderInput, key: string): string[] {
  return list(input, key).map((id) => id.replace(/-/g, '').toLowerCase());
}

function folderRoleMapping(input: ProviderInput): FolderRoleMapping[] {
  const value = input['folderRoleMapping'];
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    const mapping = entry as { role: string; folders: string[] };
    const role = mapping.role.trim();
    if (role === '') return [];
    return [{ role, folders: mapping.folders.map((id) => id.replace(/-/g, '').toLowerCase()) }];
  });
}

function sharedSettings(input: ProviderInput): SharedProviderSettings {
  const schemeOverride = optionalText(input, 'schemeOverride');
  if (schemeOverride !== null && schemeOverride !== 'http' && schemeOverride !== 'https') {
    throw invalidField('/body/schemeOverride', 'must be "http", "https" or empty', 'admin');
  }
  const enableContentDownloading = input['enableContentDownloading'];
  const portOverride = input['portOverride'];
  return {
    enabled: bool(input, 'enabled'),
    enableAuthorization: bool(input, 'enableAuthorization'),
    enableAllFolders: bool(input, 'enableAllFolders'),
    enabledFolders: folderIds(input, 'enabledFolders'),
    enableContentDownloading: typeof enableContentDownloading === 'boolean' ? enableContentDownloading : null,
    applyContentDownloadPermissionOnEveryLogin: bool(input, 'applyContentDownloadPermissionOnEveryLogin'),
    adminRoles: list(input, 'adminRoles'),
    preserveAdminPermissions: bool(input, 'preserveAdminPermissions'),
    roles: list(input, 'roles'),
    enableFolderRoles: bool(input, 'enableFolderRoles'),
    folderRoleMapping: folderRoleMapping(input),
    enableLiveTvRoles: bool(input, 'enableLiveTvRoles'),
    enableLiveTv: bool(input, 'enableLiveTv'),
    enableLiveTvManagement: bool(input, 'enableLiveTvManagement'),
    liveTvRoles: list(input, 'liveTvRoles'),
    liveTvManagementRoles: list(input, 'liveTvManagementRoles'),
    defaultProvider: optionalText(input, 'defaultProvider'),
    schemeOverride,
    portOverride: typeof portOverride === 'number' ? portOverride : null,
    adoptExistingUsers: bool(input, 'adoptExistingUsers'),
  };
}

/** Absent or null keeps the stored secret, an empty string clears it, anything else replaces it. */
function secretUpdate(input: ProviderInput, key: string): string | null | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return undefined;
  return value.trim() === '' ? null : value.trim();
}

function oidcWrite(input: ProviderInput): ProviderWrite {
  const oidEndpoint = asBodyField(() => normaliseOidEndpoint(requiredText(input, 'oidEndpoint')));
  // Plain http is only for loopback IdPs or with the plugin's explicit `disableHttps` (§4.3): the rule every
  // request to the IdP is held to, so an endpoint accepted here is never refused at login.
  if (!isAllowedScheme(new URL(oidEndpoint), bool(input, 'disableHttps'))) {
    throw invalidField(
      '/body/oidEndpoint',
      'must be https (set disableHttps to allow a plain-http IdP)',
      'admin',
    );
  }
  const oidAuthorizationParameters = optionalText(input, 'oidAuthorizationParameters');
  // Validated now (PLUGIN-BEHAVIOR.md §5.1) so a bad value is refused at Add, not at the next login.
  asBodyField(() => parseAuthorizationParameters(oidAuthorizationParameters));
  const settings: OidcProviderSettings = {
    ...sharedSettings(input),
    oidEndpoint,
    oidClientId: requiredText(input, 'oidClientId'),
    roleClaim: optionalText(input, 'roleClaim'),
    oidScopes: list(input, 'oidScopes'),
    overrideDefaultScopes: bool(input, 'overrideDefaultScopes'),
    oidAuthorizationParameters,
    defaultUsernameClaim: optionalText(input, 'defaultUsernameClaim'),
    avatarUrlFormat: optionalText(input, 'avatarUrlFormat'),
    disableHttps: bool(input, 'disableHttps'),
    disablePushedAuthorization: bool(input, 'disablePushedAuthorization'),
    doNotValidateEndpoints: bool(input, 'doNotValidateEndpoints'),
    doNotValidateIssuerName: bool(input, 'doNotValidateIssuerName'),
    doNotLoadProfile: bool(input, 'doNotLoadProfile'),
  };
  const clientSecret = secretUpdate(input, 'oidSecret');
  return { settings, secrets: clientSecret === undefined ? {} : { clientSecret } };
}

function samlWrite(input: ProviderInput, now: Date, warnings: string[]): ProviderWrite {
  const samlEndpoint = requiredText(input, 'samlEndpoint');
  checkHttpUrl('/body/samlEndpoint', samlEndpoint);
  const certificate = parseCertificate(requiredText(input, 'samlCertificate'));
  if (certificate.validTo.getTime() < now.getTime()) {
    warnings.push(
      `samlCertificate expired on ${certificate.validTo.toISOString()}; signatures still verify with it, but ask the IdP for a new one.`,
    );
  }
  const settings: SamlProviderSettings = {
    ...sharedSettings(input),
    samlEndpoint,
    samlClientId: requiredText(input, 'samlClientId'),
    samlCertificate: certificate.base64,
    samlIdpEntityId: optionalText(input, 'samlIdpEntityId'),
    samlRoleAttribute: optionalText(input, 'samlRoleAttribute') ?? 'Role',
    samlUsernameAttribute: optionalText(input, 'samlUsernameAttribute'),
  };
  const spSigningKey = secretUpdate(input, 'samlSpSigningKey');
  // The same reader signs at login: a key accepted here always works there.
  try {
    readSpSigningKey(spSigningKey ?? null);
  } catch (error) {
    if (!(error instanceof SpKeyError)) throw error;
    throw invalidField('/body/samlSpSigningKey', error.message, 'admin');
  }
  return { settings, secrets: spSigningKey === undefined ? {} : { spSigningKey } };
}

/** The OIDC rules name fields plainly (`oidEndpoint`, `a.b`); at Add they are body fields (`/body/a/b`). */
function asBodyField<T>(rule: () => T): T {
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

function checkHttpUrl(field: string, value: string): void {
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

/** Accepts base64 DER (the `<X509Certificate>` text of IdP metadata) or PEM; stores base64 DER. */
export function parseCertificate(raw: string): { base64: string; validTo: Date } {
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(raw);
  const body = (pem === null ? raw : (pem[1] ?? '')).replace(/\s+/g, '');
  const errors: FieldError[] = [
    { field: '/body/samlCertificate', message: 'must be an X.509 certificate as base64 DER or PEM' },
  ];
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new SsoError('invalid_request', `samlCertificate: ${errors[0]?.message ?? ''}`, {
      step: 'admin',
      errors,
    });
  }
  try {
    const certificate = new X509Certificate(Buffer.from(body, 'base64'));
    return { base64: certificate.raw.toString('base64'), validTo: new Date(certificate.validTo) };
  } catch (cause) {
    throw new SsoError('invalid_request', `samlCertificate: ${errors[0]?.message ?? ''}`, {
      step: 'admin',
      errors,
      cause,
    });
  }
}
