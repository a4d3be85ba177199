// OIDC logout, both directions. RP-Initiated Logout 1.0 §2: the URL of the IdP's `end_session_endpoint`
// with `id_token_hint`, `post_logout_redirect_uri` and `client_id`. Back-Channel Logout 1.0 §2.4–2.6: a
// `logout_token` is validated like an ID token — signature by the provider's keys, iss, aud, iat — plus the
// `events` member naming a back-channel logout, no `nonce`, and a `sub` or a `sid`; its `jti` goes to the
// replay cache (the caller's). Every refusal is an `invalid_request` (§2.8 answers it with 400).

import * as client from 'openid-client';
import * as jose from 'jose';

import { isRecord } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';
import type { LogoutNotice } from '../sso/ports.js';
import type { DiscoveredProvider } from './oidc-discovery.js';
import { signingAlgorithms } from './oidc-exchange.js';
import type { SigningKeys } from './oidc-keys.js';

export const BACK_CHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Clocks disagree a little; a token from further ahead than this is refused. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** A logout token older than this is refused (§2.6 step 6 lets the RP bound it), which bounds its jti's life. */
const MAX_AGE_MS = 10 * 60 * 1000;

/** The IdP's logout URL for this session, or null when discovery advertises no `end_session_endpoint`. */
export function endSessionUrl(
  discovered: DiscoveredProvider,
  input: { idToken: string | null; postLogoutRedirectUri: string },
): string | null {
  if (typeof discovered.metadata.end_session_endpoint !== 'string') return null;
  const parameters: Record<string, string> = { post_logout_redirect_uri: input.postLogoutRedirectUri };
  if (input.idToken !== null) parameters['id_token_hint'] = input.idToken;
  // openid-client adds client_id, which §2 asks for beside post_logout_redirect_uri.
  return client.buildEndSessionUrl(discovered.config, parameters).href;
}

export interface LogoutTokenInput {
  providerId: string;
  discovered: DiscoveredProvider;
  clientId: string;
  keys: SigningKeys;
  logoutToken: string;
  now: Date;
}

function refused(why: string, cause?: unknown): SsoError {
  return new SsoError('invalid_request', `The logout token is not acceptable: ${why}.`, {
    step: 'verify',
    reason: 'logout_token_invalid',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Validates a back-channel `logout_token` (§2.6) and says which IdP session it ends. */
export async function verifyLogoutToken(input: LogoutTokenInput): Promise<LogoutNotice> {
  const { discovered, logoutToken } = input;
  const header = decoded(() => jose.decodeProtectedHeader(logoutToken));
  // §2.4 recommends explicit typing; a token typed as anything else (an ID token, an access token) is not one.
  if (header.typ !== undefined && !/^(logout\+jwt|jwt)$/i.test(header.typ))
    refuse('its typ is not logout+jwt');
  await input.keys
    .verify({
      providerId: input.providerId,
      jwksUri: String(discovered.metadata.jwks_uri),
      fetch: discovered.fetch,
      idToken: logoutToken,
      algorithms: signingAlgorithms(discovered.metadata),
    })
    .catch((error: unknown) => {
      if (error instanceof SsoError && error.code === 'upstream_unavailable') throw error;
      throw refused('its signature does not verify with the provider’s keys', error);
    });
  const claims = decoded(() => jose.decodeJwt(logoutToken));
  checkClaims(claims, input);
  return noticeOf(claims);
}

function decoded<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw refused('it is not a JWT', error);
  }
}

function refuse(why: string): never {
  throw refused(why);
}

/** iss, aud, iat (and exp when present), the event, no nonce (§2.6 steps 3–5, 7–8). */
function checkClaims(claims: jose.JWTPayload, input: LogoutTokenInput): void {
  const now = input.now.getTime();
  if (claims.iss !== input.discovered.metadata.issuer) refuse('iss is not the provider’s issuer');
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.includes(input.clientId)) refuse('aud does not name this client');
  if (typeof claims.iat !== 'number') refuse('iat is missing');
  if (claims.iat * 1000 > now + CLOCK_SKEW_MS) refuse('iat is in the future');
  if (claims.iat * 1000 < now - MAX_AGE_MS) refuse('iat is too old');
  if (typeof claims.exp === 'number' && claims.exp * 1000 < now - CLOCK_SKEW_MS) refuse('it has expired');
  const events = claims['events'];
  if (!isRecord(events) || !isRecord(events[BACK_CHANNEL_LOGOUT_EVENT])) {
    refuse('events does not name a back-channel logout');
  }
  if ('nonce' in claims) refuse('it carries a nonce (an ID token, not a logout token)');
}

function noticeOf(claims: jose.JWTPayload): LogoutNotice {
  const subject = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : null;
  const sid = typeof claims['sid'] === 'string' && claims['sid'] !== '' ? claims['sid'] : null;
  if (subject === null && sid === null) refuse('it names neither sub nor sid');
  if (typeof claims.jti !== 'string' || claims.jti === '') refuse('jti is missing');
  // iat was checked: the token is refused as too old after this, so its jti need not be kept longer.
  const expiresAt = new Date((claims.iat ?? 0) * 1000 + MAX_AGE_MS + CLOCK_SKEW_MS);
  return { subject, sid, jti: claims.jti, expiresAt };
}
