// Maps openid-client / oauth4webapi / fetch failures onto SsoError, by who is at fault:
//   the IdP said no (callback `error=`, an OAuth error body)      → idp_error
//   a response failed a check (state, nonce, signature, …)        → idp_response_invalid (step `verify`)
//   the IdP is down, slow or unreachable (network, 5xx, timeout)  → upstream_unavailable
// Messages name the failed check and keep the IdP's own description (capped), but never carry codes,
// tokens or secrets. The library error stays available as `cause` for the log.

import * as client from 'openid-client';

import { isRecord } from '../sso/basics.js';
import { SsoError, idpErrorReason } from '../sso/errors.js';
import type { SsoStep } from '../sso/errors.js';

export type OidcOperation = 'discovery' | 'authorization request' | 'code exchange' | 'userinfo request';

/** The checks of OIDC Core §3.1.3.7 / §5.3.2, RFC 7636 and RFC 9207 a response can fail. */
export type OidcCheck =
  | 'state'
  | 'nonce'
  | 'signature'
  | 'audience'
  | 'issuer'
  | 'expiry'
  | 'not-before'
  | 'issued-at'
  | 'authentication time'
  | 'code hash'
  | 'userinfo subject'
  | 'subject'
  | 'response format';

const IDP_TEXT_LIMIT = 300;
const IDP_CODE_LIMIT = 100;

/** `error` / `error_description` from the IdP: control characters removed, length capped. */
export function cleanIdpText(text: string | undefined | null, limit = IDP_TEXT_LIMIT): string {
  if (typeof text !== 'string') return '';
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

function refusal(what: string, error: string | undefined, description: string | undefined): string {
  const code = cleanIdpText(error, IDP_CODE_LIMIT) || 'unknown_error';
  const text = cleanIdpText(description);
  return `The identity provider refused ${what}: ${code}${text ? ` – ${text}` : ''}`;
}

/** A response that failed one of our checks; always step `verify`. */
export function failedCheck(check: OidcCheck, explanation: string, cause?: unknown): SsoError {
  return new SsoError(
    'idp_response_invalid',
    `The sign-in response from the identity provider failed the ${check} check: ${explanation}.`,
    { step: 'verify', reason: 'oidc_response_rejected', cause, detail: `check=${check}` },
  );
}

const CHECK_TEXT: Record<OidcCheck, string> = {
  state: 'the callback does not belong to this login (state mismatch)',
  nonce: 'the ID token was not issued for this login (nonce mismatch)',
  signature: 'the ID token is not signed by a key the identity provider publishes',
  audience: 'the ID token was issued to another client (aud/azp)',
  issuer: 'the ID token or callback comes from another issuer',
  expiry: 'the ID token has expired (check the clocks of both servers)',
  'not-before': 'the ID token is not valid yet (check the clocks of both servers)',
  'issued-at': 'the ID token was issued too long ago',
  'authentication time': 'the authentication time is missing or too old',
  'code hash': 'the ID token does not match the authorization code',
  'userinfo subject': 'the userinfo endpoint describes a different user than the ID token',
  subject: 'the ID token does not name the user (no "sub" claim)',
  'response format': 'the identity provider answered with a malformed response',
};

export interface MapContext {
  operation: OidcOperation;
  /** Step for failures that are not a validation (network, refusals). */
  step: SsoStep;
  timeoutMs: number;
}

/** Turns anything thrown while talking to the IdP into an SsoError (SsoErrors pass through). */
export function oidcErrorToSsoError(error: unknown, context: MapContext): SsoError {
  const chain = causeChain(error);
  return (
    ownError(chain, error, context.step) ??
    authorizationRefusal(chain, error) ??
    endpointRefusal(chain, error, context) ??
    transportFailure(chain, error, context) ??
    failedLibraryCheck(chain, error, context) ??
    new SsoError(
      'internal',
      `Unexpected failure during the ${context.operation} with the identity provider.`,
      {
        step: context.step,
        cause: error,
      },
    )
  );
}

/** An SsoError of our own (e.g. the fetch's https rule) keeps its code, and gains a step if it has none. */
function ownError(chain: unknown[], error: unknown, step: SsoStep): SsoError | undefined {
  const own = chain.find((item): item is SsoError => item instanceof SsoError);
  if (own === undefined || own.step !== undefined) return own;
  return new SsoError(own.code, own.message, {
    step,
    reason: own.reason,
    detail: own.detail,
    cause: own.cause ?? error,
  });
}

/** RFC 6749 §4.1.2.1: the IdP redirected back with `error=` (e.g. access_denied). */
function authorizationRefusal(chain: unknown[], error: unknown): SsoError | undefined {
  const refused = chain.find(
    (item): item is client.AuthorizationResponseError => item instanceof client.AuthorizationResponseError,
  );
  if (refused === undefined) return undefined;
  return new SsoError('idp_error', refusal('the sign-in', refused.error, refused.error_description), {
    step: 'exchange',
    reason: idpErrorReason(refused.error),
    cause: error,
  });
}

/**
 * An endpoint answered with an OAuth error body (RFC 6749 §5.2) or a WWW-Authenticate challenge (RFC 6750
 * §3): the IdP refused, unless it answered 5xx, which means it is unavailable.
 */
function endpointRefusal(chain: unknown[], error: unknown, context: MapContext): SsoError | undefined {
  const { operation, step } = context;
  const bodyError = chain.find(
    (item): item is client.ResponseBodyError => item instanceof client.ResponseBodyError,
  );
  if (bodyError) {
    if (bodyError.status >= 500)
      return unavailable(`answered the ${operation} with HTTP ${bodyError.status}`, step, error);
    return new SsoError(
      'idp_error',
      refusal(`the ${operation}`, bodyError.error, bodyError.error_description),
      { step, reason: idpErrorReason(bodyError.error), cause: error },
    );
  }
  const challenge = chain.find(
    (item): item is client.WWWAuthenticateChallengeError =>
      item instanceof client.WWWAuthenticateChallengeError,
  );
  if (challenge) {
    if (challenge.status >= 500)
      return unavailable(`answered the ${operation} with HTTP ${challenge.status}`, step, error);
    const parameters = challenge.cause[0]?.parameters;
    return new SsoError(
      'idp_error',
      refusal(
        `the ${operation}`,
        parameters?.error ?? `HTTP ${challenge.status}`,
        parameters?.error_description,
      ),
      { step, cause: error },
    );
  }
  return undefined;
}

/** The IdP could not be reached, or did not answer in time. */
function transportFailure(chain: unknown[], error: unknown, context: MapContext): SsoError | undefined {
  const { operation, step } = context;
  if (chain.some(isTimeout)) {
    const seconds = Math.round(context.timeoutMs / 100) / 10;
    return unavailable(`did not answer the ${operation} within ${seconds} s`, step, error);
  }
  if (chain.some(isNetworkFailure))
    return unavailable(`could not be reached for the ${operation}`, step, error);
  return undefined;
}

/** What oauth4webapi's error (code, claim, attribute, message, HTTP response) says about the failure. */
interface LibraryFailure {
  code: string | undefined;
  claim: string | undefined;
  attribute: unknown;
  message: string;
  status: number;
}

function readLibraryFailure(chain: unknown[]): LibraryFailure {
  const detail = chain.find(
    (item): item is Record<string, unknown> =>
      isRecord(item) && !(item instanceof Error) && !(item instanceof Response),
  );
  const response = chain.find((item): item is Response => item instanceof Response);
  return {
    code: chain.map(codeOf).find((value) => value?.startsWith('OAUTH_')),
    claim: typeof detail?.claim === 'string' ? detail.claim : undefined,
    attribute: detail?.attribute,
    // The specific text sits on oauth4webapi's inner error; openid-client wraps it in a generic ClientError.
    message: chain
      .filter((item): item is Error => item instanceof Error)
      .map((item) => item.message)
      .join(' | '),
    status: response?.status ?? 0,
  };
}

/** An `OAUTH_*` failure of oauth4webapi: which check failed, or how the IdP's answer was unusable. */
function failedLibraryCheck(chain: unknown[], error: unknown, context: MapContext): SsoError | undefined {
  const { operation, step } = context;
  const failure = readLibraryFailure(chain);
  // A failed check of the token or userinfo answer is step `verify`; elsewhere the caller's step stays.
  const checkStep = operation === 'code exchange' || operation === 'userinfo request' ? undefined : step;
  switch (failure.code) {
    case undefined:
      return undefined;
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
      if (failure.status >= 500 || failure.status === 429)
        return unavailable(`answered the ${operation} with HTTP ${failure.status}`, step, error);
      return new SsoError(
        'idp_response_invalid',
        `The identity provider answered the ${operation} with an unexpected HTTP status (${failure.status}).`,
        { step, cause: error },
      );
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      return check(claimCheck(failure.claim), error);
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      return check(timestampCheck(failure.claim), error);
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
      return check(failure.attribute === 'sub' ? 'userinfo subject' : 'issuer', error);
    case 'OAUTH_KEY_SELECTION_FAILED':
      return failedCheck(
        'signature',
        'no key published by the identity provider matches the ID token',
        error,
      );
    case 'OAUTH_INVALID_RESPONSE':
    case 'OAUTH_PARSE_ERROR':
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
      return check(messageCheck(failure.message), error, checkStep);
    case 'OAUTH_UNSUPPORTED_OPERATION':
      return unsupportedOperation(failure.message, error, checkStep);
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
      return new SsoError(
        'idp_response_invalid',
        'The identity provider named an http endpoint; use https or set "disableHttps".',
        { step, cause: error },
      );
    case 'OAUTH_MISSING_SERVER_METADATA':
    case 'OAUTH_INVALID_SERVER_METADATA': {
      const attribute = typeof failure.attribute === 'string' ? failure.attribute : 'an endpoint';
      return new SsoError(
        'idp_response_invalid',
        `The identity provider's discovery document lacks a valid "${attribute}".`,
        { step, cause: error },
      );
    }
    default:
      return check('response format', error, checkStep);
  }
}

/** oauth4webapi refuses a JWS algorithm it does not verify (e.g. HS256) with OAUTH_UNSUPPORTED_OPERATION. */
function unsupportedOperation(message: string, error: unknown, checkStep: SsoStep | undefined): SsoError {
  if (/JWS|alg/i.test(message)) {
    return failedCheck(
      'signature',
      'the ID token is signed with an algorithm this service does not verify (use RS256, PS256, ES256 or EdDSA, not HS256)',
      error,
    );
  }
  return check('response format', error, checkStep);
}

function check(which: OidcCheck, cause: unknown, step?: SsoStep): SsoError {
  const error = failedCheck(which, CHECK_TEXT[which], cause);
  return step === undefined
    ? error
    : new SsoError(error.code, error.message, { step, reason: error.reason, cause, detail: error.detail });
}

function unavailable(what: string, step: SsoStep, cause: unknown): SsoError {
  return new SsoError('upstream_unavailable', `The identity provider ${what}. Try again later.`, {
    step,
    cause,
  });
}

function claimCheck(claim: string | undefined): OidcCheck {
  switch (claim) {
    case 'nonce':
      return 'nonce';
    case 'iss':
      return 'issuer';
    case 'aud':
    case 'azp':
      return 'audience';
    case 'c_hash':
    case 's_hash':
      return 'code hash';
    default:
      return 'response format';
  }
}

function timestampCheck(claim: string | undefined): OidcCheck {
  switch (claim) {
    case 'exp':
      return 'expiry';
    case 'nbf':
      return 'not-before';
    case 'iat':
      return 'issued-at';
    case 'auth_time':
      return 'authentication time';
    default:
      return 'expiry';
  }
}

/** oauth4webapi reports several checks as OAUTH_INVALID_RESPONSE; its message says which. */
function messageCheck(message: string): OidcCheck {
  if (/signature verification failed/i.test(message) || /"alg" header/.test(message)) return 'signature';
  if (/"state"/.test(message)) return 'state';
  if (/"iss"/.test(message)) return 'issuer';
  if (/"aud"|"azp"/.test(message)) return 'audience';
  if (/"exp"/.test(message)) return 'expiry';
  if (/"nonce"/.test(message)) return 'nonce';
  // A missing `sub` in the ID token (OIDC Core §2) is the token's fault, not userinfo's.
  if (/JWT "sub"/.test(message)) return 'subject';
  if (/"sub"/.test(message)) return 'userinfo subject';
  return 'response format';
}

function isTimeout(item: unknown): boolean {
  if (item instanceof Error && (item.name === 'TimeoutError' || item.name === 'AbortError')) return true;
  const code = codeOf(item);
  return code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isNetworkFailure(item: unknown): boolean {
  if (item instanceof TypeError && item.message === 'fetch failed') return true;
  const code = codeOf(item);
  return code !== undefined && NETWORK_CODES.has(code);
}

function codeOf(item: unknown): string | undefined {
  if (!isRecord(item)) return undefined;
  const code = item.code;
  return typeof code === 'string' ? code : undefined;
}

/** The error and its causes (errors, plain objects, Responses), at most 8 deep. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = isRecord(current) && 'cause' in current ? current.cause : undefined;
  }
  return chain;
}
