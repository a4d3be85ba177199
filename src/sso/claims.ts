// Pure readers of OIDC claims: roles at a dotted path, the username and its Jellyfin-safe form, and the
// avatar URL (PLUGIN-BEHAVIOR.md §5.3 steps 4–6, USER-NEEDS.md §1.5, §1.9, §1.11). No I/O.

import { SsoError } from './errors.js';
import type { Claims } from './ports.js';

// -------------------------------------------------------------------------------------------------------
// Roles

/**
 * Splits a role-claim path on unescaped dots; `\.` is a literal dot (PLUGIN-BEHAVIOR.md §5.3.6):
 * `resource_access.jellyfin\.client.roles` → [`resource_access`, `jellyfin.client`, `roles`].
 */
export function splitClaimPath(path: string): string[] {
  return path.split(/(?<!\\)\./).map((segment) => segment.replace(/\\\./g, '.'));
}

/**
 * The roles at `roleClaim` (a dotted path with `\.` escaping). The value may be an array of strings, a
 * single string (several roles when comma- or space-separated), or an object whose keys are the roles
 * (Zitadel's `urn:zitadel:iam:org:project:roles`). A missing claim gives no roles; null entries of a list
 * are skipped; a value of any other shape is a denial (`not_permitted`), never a crash. Null or blank `roleClaim` → no roles.
 */
export function extractRoles(claims: Claims, roleClaim: string | null): string[] {
  const path = roleClaim?.trim() ?? '';
  if (path === '') return [];
  const segments = splitClaimPath(path);

  let value: unknown = claims;
  for (const [index, segment] of segments.entries()) {
    if (value === undefined || value === null) return [];
    if (!isPlainObject(value))
      throw unexpectedShape(path, `"${segments.slice(0, index).join('.')}" is ${describe(value)}`);
    value = Object.hasOwn(value, segment) ? value[segment] : undefined;
    // A claim whose name has unescaped dots (`https://example.com/groups`) is still found as a whole.
    if (index === 0 && value === undefined && segments.length > 1 && Object.hasOwn(claims, path)) {
      value = claims[path];
      break;
    }
  }
  if (value === undefined || value === null) return [];
  return dedupe(rolesFromValue(path, value));
}

function rolesFromValue(path: string, value: unknown): string[] {
  if (typeof value === 'string') return splitRoleString(value);
  if (Array.isArray(value)) {
    const roles: string[] = [];
    for (const item of value) {
      // The plugin drops null entries before it evaluates roles (AuthorizationEvaluator): the others count.
      if (item === null) continue;
      if (typeof item !== 'string') throw unexpectedShape(path, `it is a list containing ${describe(item)}`);
      if (item !== '') roles.push(item);
    }
    return roles;
  }
  if (isPlainObject(value)) return Object.keys(value).filter((key) => key !== '');
  throw unexpectedShape(path, `it is ${describe(value)}`);
}

/** "a, b" → [a, b] (comma lists keep inner spaces: "Jellyfin Users, Admins"); "a b" → [a, b]. */
function splitRoleString(value: string): string[] {
  const parts = value.includes(',') ? value.split(',') : value.split(/\s+/);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function unexpectedShape(path: string, found: string): SsoError {
  return new SsoError(
    'not_permitted',
    `The role claim "${path}" has an unexpected shape (${found}); expected a list of strings, a string, ` +
      'or an object whose keys are the roles. Check the provider\'s "roleClaim" setting.',
    { step: 'claims' },
  );
}

// -------------------------------------------------------------------------------------------------------
// Username

/**
 * The username the IdP proposes (PLUGIN-BEHAVIOR.md §5.3.5, K0lin): the claim named by
 * `defaultUsernameClaim` (trimmed; blank → `preferred_username`) when it is a non-empty string (or a
 * number), else `sub`, else null.
 */
export function resolveUsername(claims: Claims, defaultUsernameClaim: string | null): string | null {
  const name = defaultUsernameClaim?.trim() || 'preferred_username';
  return scalarText(claims[name]) ?? scalarText(claims.sub);
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Jellyfin's rule (JELLYFIN-API.md §2.1): `^(?!\s)[\w\ \-'._@+]+(?<!\s)$`, with .NET's Unicode `\w`. */
const DISALLOWED = /[^\p{L}\p{Mn}\p{Nd}\p{Pc} \-'.@+]+/gu;
const MAX_USERNAME_LENGTH = 64;

/**
 * A name Jellyfin accepts: NFC, each run of other characters replaced by `_` (`google-oauth2|123` →
 * `google-oauth2_123`), white space collapsed to one space, trimmed, at most 64 characters. Null when
 * nothing usable remains (no letter or digit).
 */
export function normaliseUsername(raw: string): string | null {
  let name = raw
    .normalize('NFC')
    .replace(/\s+/gu, ' ')
    .replace(DISALLOWED, '_')
    .replace(/_{2,}/g, '_')
    .trim();
  name = Array.from(name).slice(0, MAX_USERNAME_LENGTH).join('').trim();
  if (!/[\p{L}\p{Nd}]/u.test(name)) return null;
  return name;
}

// -------------------------------------------------------------------------------------------------------
// Avatar

const PLACEHOLDER = /@\{([^}]*)\}/g;

/**
 * The avatar URL (PLUGIN-BEHAVIOR.md §5.3.4, USER-NEEDS.md §1.11). With a non-empty `format`, every
 * `@{claim}` is replaced by the URL-encoded claim value (first element of a list); a template that is
 * exactly one placeholder (`@{picture}`) takes the value as the whole URL. Without a format, the `picture`
 * claim. Null when a placeholder has no value or the result is not an http(s) URL. The fetch itself is
 * guarded elsewhere (PRODUCT.md §3).
 */
export function avatarUrlFromClaims(format: string | null, claims: Claims): string | null {
  const template = format?.trim() ?? '';
  if (template === '') return httpUrlOrNull(claimText(claims.picture));

  const whole = /^@\{([^}]*)\}$/.exec(template);
  if (whole) return httpUrlOrNull(claimText(claims[whole[1] ?? '']));

  let unresolved = false;
  const url = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = claimText(claims[name]);
    if (value === null) {
      unresolved = true;
      return '';
    }
    return encodeURIComponent(value);
  });
  return unresolved ? null : httpUrlOrNull(url);
}

function claimText(value: unknown): string | null {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'boolean') return String(first);
  return scalarText(first);
}

function httpUrlOrNull(text: string | null): string | null {
  if (text === null) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

// -------------------------------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
