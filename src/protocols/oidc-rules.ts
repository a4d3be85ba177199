// Pure OIDC configuration rules: the discovery base of `oidEndpoint`, the scope list, and the extra
// authorization parameters. No I/O: the same rules check a provider at `Add` and build every request.

import { invalidField } from '../sso/errors.js';
import {
  DuplicateKeyError,
  JsonSyntaxError,
  isJsonObject,
  parseStrictJson,
  type JsonValue,
} from './strict-json.js';
import type { OidcProviderSettings } from '../sso/provider-settings.js';

const WELL_KNOWN_SUFFIX = '/.well-known/openid-configuration';

/**
 * A loopback host (RFC 1122 §3.2.1.3, RFC 6761 §6.3): `localhost`, any `127.x.y.z`, or `[::1]`
 * (URL.hostname spells IPv6 with brackets and lower-cases names).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The https rule for every URL of an OIDC provider, applied when a provider is added
 * and on every request to its IdP: https always; http only to a loopback host or with `disableHttps`.
 */
export function isAllowedScheme(url: URL, allowHttp: boolean): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  return allowHttp || isLoopbackHost(url.hostname);
}

/**
 * The issuer base of an `oidEndpoint`: trimmed, an http(s) URL, without the
 * `/.well-known/openid-configuration` suffix and without a trailing slash. Discovery appends the suffix again
 * (OpenID Connect Discovery 1.0 §4).
 */
export function normaliseOidEndpoint(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed === '') {
    throw invalidField('oidEndpoint', 'is required: the issuer URL of the identity provider');
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw invalidField(
      'oidEndpoint',
      'must be an absolute http(s) URL, e.g. https://idp.example.com/realms/x',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidField('oidEndpoint', `must be an http(s) URL, not ${url.protocol.slice(0, -1)}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidField('oidEndpoint', 'must not contain a user name or password');
  }
  if (url.search !== '' || url.hash !== '') {
    throw invalidField('oidEndpoint', 'must not contain a query string or a fragment');
  }
  let base = stripTrailingSlashes(url.href);
  if (base.endsWith(WELL_KNOWN_SUFFIX)) {
    base = stripTrailingSlashes(base.slice(0, -WELL_KNOWN_SUFFIX.length));
  }
  return base;
}

function stripTrailingSlashes(text: string): string {
  return text.replace(/\/+$/, '');
}

/**
 * The `scope` parameter (OIDC Core §3.1.2.1): `openid`, `profile` unless
 * `overrideDefaultScopes`, then the trimmed non-blank `oidScopes`; de-duplicated (ordinal, first kept).
 * An entry holding several space-separated scopes counts as several scopes.
 */
export function buildScopes(
  settings: Pick<OidcProviderSettings, 'oidScopes' | 'overrideDefaultScopes'>,
): string {
  const scopes: string[] = ['openid'];
  if (!settings.overrideDefaultScopes) scopes.push('profile');
  for (const entry of settings.oidScopes) {
    for (const scope of entry.trim().split(/\s+/)) {
      if (scope !== '') scopes.push(scope);
    }
  }
  return [...new Set(scopes)].join(' ');
}

// -------------------------------------------------------------------------------------------------------
// oidAuthorizationParameters

const FIELD = 'oidAuthorizationParameters';
const MAX_ENTRIES = 16;
const MAX_VALUE_LENGTH = 8192;
const MAX_TOTAL_LENGTH = 16384;
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
/** Parameters this service sets itself; an admin may not override them. */
const RESERVED_NAMES = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'resource',
  'request',
  'request_uri',
]);

/**
 * The extra front-channel authorization parameters (OIDC Core §3.1.2.1): a JSON object without
 * duplicate keys, at most 16 entries, names `^[A-Za-z][A-Za-z0-9._-]{0,63}$` and not reserved, scalar values
 * (bool → "true"/"false", numbers in invariant form) except `claims`, an object sent as compact JSON
 * (OIDC Core §5.5). Each value ≤ 8192 characters; names plus values ≤ 16384. Null or blank text → none.
 */
export function parseAuthorizationParameters(text: string | null): Record<string, string> {
  if (text === null || text.trim() === '') return {};
  let parsed: JsonValue;
  try {
    parsed = parseStrictJson(text);
  } catch (error) {
    if (error instanceof DuplicateKeyError) {
      const key = error.path[error.path.length - 1] ?? '';
      throw invalidField(`${FIELD}.${error.path.join('.')}`, `the key "${key}" appears more than once`);
    }
    const reason = error instanceof JsonSyntaxError ? error.message : 'invalid JSON';
    throw invalidField(FIELD, `must be a JSON object (${reason})`);
  }
  if (!isJsonObject(parsed)) {
    throw invalidField(FIELD, `must be a JSON object, not ${describeJson(parsed)}`);
  }
  const names = Object.keys(parsed);
  if (names.length > MAX_ENTRIES) {
    throw invalidField(FIELD, `has ${names.length} entries; at most ${MAX_ENTRIES} are allowed`);
  }
  const result: Record<string, string> = {};
  let total = 0;
  for (const name of names) {
    const field = entryField(name);
    if (!NAME_PATTERN.test(name)) {
      throw invalidField(
        field,
        'the name must start with a letter and contain only letters, digits, ".", "_" or "-" (at most 64)',
      );
    }
    if (RESERVED_NAMES.has(name.toLowerCase())) {
      throw invalidField(field, `"${name}" is set by the service itself and cannot be overridden`);
    }
    const value = serialiseParameter(name, parsed[name] ?? null, field);
    if (value.length > MAX_VALUE_LENGTH) {
      throw invalidField(
        field,
        `the value has ${value.length} characters; at most ${MAX_VALUE_LENGTH} are allowed`,
      );
    }
    total += name.length + value.length;
    if (total > MAX_TOTAL_LENGTH) {
      throw invalidField(
        FIELD,
        `names and values together exceed ${MAX_TOTAL_LENGTH} characters (at "${name}")`,
      );
    }
    result[name] = value;
  }
  return result;
}

function entryField(name: string): string {
  return `${FIELD}.${name}`;
}

function serialiseParameter(name: string, value: JsonValue, field: string): string {
  if (name === 'claims') {
    // OIDC Core §5.5: the claims request parameter is a JSON object.
    if (!isJsonObject(value)) throw invalidField(field, `must be a JSON object, not ${describeJson(value)}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  throw invalidField(field, `must be a string, a number or a boolean, not ${describeJson(value)}`);
}

function describeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
