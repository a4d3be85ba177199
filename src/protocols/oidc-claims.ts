// The claim set a login produced (src/sso/ports.ts `Claims`): the validated ID token first, then userinfo,
// then the access token's payload when it is a JWT. A later source only adds claims the earlier ones lack,
// so a userinfo or access-token value never overrides what the signed ID token said.

import type { Claims } from './engines.js';

/**
 * Claims of an access token that describe the token or the session, not the user. The access token is
 * decoded without verification (it is meant for resource servers, RFC 9068 §4): it may add claims such as
 * `realm_access` or `groups`, never identity or protocol claims.
 */
const ACCESS_TOKEN_IGNORED = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'azp',
  'client_id',
  'scope',
  'scp',
  'nonce',
  'auth_time',
  'acr',
  'amr',
  'sid',
  'at_hash',
  'c_hash',
  's_hash',
  'cnf',
  'typ',
  'act',
  'may_act',
  'session_state',
]);

export function mergeClaims(idToken: Claims, userinfo: Claims | null, accessToken: string | null): Claims {
  const claims: Claims = { ...idToken };
  const add = (name: string, value: unknown): void => {
    // defineProperty: a claim named "__proto__" stays a plain data property.
    if (!Object.hasOwn(claims, name))
      Object.defineProperty(claims, name, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const [name, value] of Object.entries(userinfo ?? {})) add(name, value);
  const payload = accessToken === null ? null : decodeJwtPayload(accessToken);
  for (const [name, value] of Object.entries(payload ?? {})) {
    if (!ACCESS_TOKEN_IGNORED.has(name)) add(name, value);
  }
  return claims;
}

/** The payload of a compact JWS (three base64url parts), or null for opaque tokens. Not verified. */
export function decodeJwtPayload(token: string): Claims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Claims)
      : null;
  } catch {
    return null;
  }
}
