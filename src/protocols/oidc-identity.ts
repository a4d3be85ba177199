// The identity an OIDC sign-in proves, read from its claims (OIDC Core §5.1): roles at a dotted path, the
// username, the e-mail the IdP vouches for, and the avatar URL. Pure: no I/O.

import { SsoError } from '../sso/errors.js';
import type { IdentityReading, RoleSource, VerifiedIdentity } from '../sso/ports.js';
import type { OidcProviderSettings } from '../sso/provider-settings.js';
import type { Claims } from './engines.js';
import { checkTenantAllowed } from './oidc-tenant-issuer.js';

type ClaimSettings = Pick<OidcProviderSettings, 'defaultUsernameClaim' | 'roleClaim' | 'avatarUrlFormat'>;

/**
 * What the claims of a sign-in prove, read with the provider's claim settings, or the refusal a sign-in
 * with them gets. With `allowedTenants`, the `tid` claim must name one of them (a sign-in checks it at the
 * exchange, on a multi-tenant issuer: the only kind the setting is for).
 */
export function readOidcIdentity(
  settings: ClaimSettings,
  subject: string,
  claims: Claims,
  allowedTenants: readonly string[] = [],
): IdentityReading {
  const roleClaim = settings.roleClaim?.trim() || null;
  const proposal = proposedUsername(claims, settings.defaultUsernameClaim);
  const known = { subject, usernameSource: proposal.source };
  try {
    checkTenantAllowed(claims['tid'], allowedTenants);
    const roles = readRoles(claims, roleClaim);
    const email = typeof claims['email'] === 'string' ? claims['email'] : null;
    const identity: VerifiedIdentity = {
      subject,
      preferredUsername: proposal.value,
      label: proposal.value ?? email,
      // Only the e-mail can be vouched for: OIDC Core §5.1 `email_verified`; no username claim has a
      // verified flag (`preferred_username` may be any string the user picks, §5.7).
      verifiedEmail: email !== null && claims['email_verified'] === true ? email : null,
      roles: roles.roles,
      avatarUrl: avatarUrlFromClaims(settings.avatarUrlFormat, claims),
    };
    const roleSource: RoleSource = { kind: 'claim', name: roleClaim, present: roles.present };
    return { ...known, roleSource, identity, refusal: null };
  } catch (error) {
    if (!(error instanceof SsoError)) throw error;
    const first = roleClaim === null ? undefined : splitClaimPath(roleClaim)[0];
    const present = first !== undefined && claims[first] !== undefined && claims[first] !== null;
    return {
      ...known,
      roleSource: { kind: 'claim', name: roleClaim, present },
      identity: null,
      refusal: error,
    };
  }
}

// -------------------------------------------------------------------------------------------------------
// Roles

/**
 * Splits a role-claim path on unescaped dots; `\.` is a literal dot:
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
  return readRoles(claims, roleClaim?.trim() || null).roles;
}

/** The roles at the (trimmed) `roleClaim`, and whether the claims hold it at all. */
function readRoles(claims: Claims, path: string | null): { roles: string[]; present: boolean } {
  const none = { roles: [], present: false };
  if (path === null) return none;
  const segments = splitClaimPath(path);
  refuseUndeliveredClaim(claims, segments[0] ?? path, path);

  let value: unknown = claims;
  for (const [index, segment] of segments.entries()) {
    if (value === undefined || value === null) return none;
    if (!isPlainObject(value))
      throw unexpectedShape(path, `"${segments.slice(0, index).join('.')}" is ${describe(value)}`);
    value = Object.hasOwn(value, segment) ? value[segment] : undefined;
    // A claim whose name has unescaped dots (`https://example.com/groups`) is still found as a whole.
    if (index === 0 && value === undefined && segments.length > 1 && Object.hasOwn(claims, path)) {
      value = claims[path];
      break;
    }
  }
  if (value === undefined || value === null) return none;
  return { roles: dedupe(rolesFromValue(path, value)), present: true };
}

/**
 * A role claim the IdP left out and only points to (OIDC Core §5.6.2 aggregated/distributed claims, or
 * Entra ID's `hasgroups`): Entra ID does this when a user is in too many groups ("groups overage"). The
 * user has roles we cannot see, so treating them as having none would be wrong either way: refuse, and
 * say what to change at the IdP.
 */
function refuseUndeliveredClaim(claims: Claims, name: string, path: string): void {
  if (claims[name] !== undefined) return;
  const names = claims['_claim_names'];
  const pointed = isPlainObject(names) && Object.hasOwn(names, name);
  const entraOverage = name === 'groups' && claims['hasgroups'] === true;
  if (!pointed && !entraOverage) return;
  throw new SsoError(
    'not_permitted',
    `The identity provider left the role claim "${path}" out of the sign-in and only points to where it ` +
      'could be fetched (too many groups: Entra ID "groups overage"). Configure the IdP to send fewer ' +
      '(Entra ID: "Groups assigned to the application" or a group filter) or use app roles ' +
      '(Entra ID: set "roleClaim" to "roles").',
    {
      step: 'claims',
      reason: 'role_claim_not_delivered',
      rule: {
        id: 'oidc.role_claim_not_delivered',
        fixAtIdp: 'Send the role claim in the sign-in itself: fewer groups, or app roles.',
      },
    },
  );
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
    {
      step: 'claims',
      rule: {
        id: 'oidc.role_claim_shape',
        fixAtIdp: 'Point "roleClaim" at a claim holding the roles, or send them in one of the shapes read.',
      },
    },
  );
}

// -------------------------------------------------------------------------------------------------------
// Username

/**
 * The username the IdP proposes: the claim named by
 * `defaultUsernameClaim` (trimmed; blank → `preferred_username`) when it is a non-empty string (or a
 * number), else `sub`, else null.
 */
export function resolveUsername(claims: Claims, defaultUsernameClaim: string | null): string | null {
  return proposedUsername(claims, defaultUsernameClaim).value;
}

/** The proposed username and the claim it came from. */
function proposedUsername(
  claims: Claims,
  defaultUsernameClaim: string | null,
): { value: string | null; source: string } {
  const name = defaultUsernameClaim?.trim() || 'preferred_username';
  const named = scalarText(claims[name]);
  if (named !== null) return { value: named, source: name };
  return { value: scalarText(claims.sub), source: 'sub' };
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

// -------------------------------------------------------------------------------------------------------
// Avatar

const PLACEHOLDER = /@\{([^}]*)\}/g;

/**
 * The avatar URL. With a non-empty `format`, every
 * `@{claim}` is replaced by the URL-encoded claim value (first element of a list); a template that is
 * exactly one placeholder (`@{picture}`) takes the value as the whole URL. Without a format, the `picture`
 * claim. Null when a placeholder has no value or the result is not an http(s) URL. The fetch itself is
 * guarded elsewhere (images only, size- and time-limited, no private addresses).
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
