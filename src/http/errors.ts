// The only place where errors become HTTP: the code → status table, RFC 9457 problem documents for API
// callers, and the HTML error page for browser navigations (docs/ARCHITECTURE.md "Errors"). A caller without elevated
// rights gets the public text of the code, the public reason and the request id, never the admin message:
// that can name the configured entity id, ACS URL, audience, discovery URL or role names, and which XML check
// failed (an aid to signature-wrapping attempts). The specifics are logged under the request id.
import { isRecord } from '../sso/basics.js';
import { SsoError, type SsoErrorCode } from '../sso/errors.js';
import { PAGE_STYLE_HASH } from './html.js';
import { errorPage } from './pages.js';

export const statusByCode = {
  invalid_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  forbidden: 403,
  not_permitted: 403,
  provider_not_found: 404,
  provider_disabled: 403,
  user_not_found: 404,
  link_not_found: 404,
  flow_not_found: 400,
  flow_expired: 400,
  flow_used: 400,
  provider_mismatch: 400,
  browser_mismatch: 401,
  flow_purpose_mismatch: 400,
  idp_error: 401,
  idp_response_invalid: 401,
  link_conflict: 409,
  device_shared: 409,
  name_conflict: 409,
  media_server_refused: 409,
  rate_limited: 429,
  upstream_unavailable: 502,
  quick_connect_disabled: 503,
  console_not_built: 503,
  not_implemented: 501,
  internal: 500,
} as const satisfies Record<SsoErrorCode, number>;

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** What a stranger is told per code: short, and what they can do about it. */
export const publicTextByCode = {
  invalid_request: 'The request is not valid; see the listed fields.',
  not_found: 'There is no such endpoint.',
  method_not_allowed: 'This endpoint does not accept this HTTP method.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'The request body has a media type or charset this endpoint does not take.',
  unauthenticated: 'Sign in first: a valid access token or API key is required.',
  forbidden: 'You are not allowed to do this.',
  not_permitted:
    'Your account is not allowed to sign in to this server. Ask your admin to give you access at the identity provider.',
  provider_not_found: 'There is no such sign-in provider. Start again from the login page.',
  provider_disabled: 'Sign-in with this provider is not available. Tell your admin.',
  user_not_found: 'There is no such user.',
  link_not_found: 'There is no such linked account.',
  flow_not_found: 'This sign-in is unknown or too old. Start again from the login page.',
  flow_expired: 'This sign-in has expired. Start again from the login page.',
  flow_used: 'This sign-in was already used or has failed. Start again from the login page.',
  provider_mismatch: 'This sign-in was started with another provider. Start again from the login page.',
  browser_mismatch:
    'This sign-in was started in another browser (or its cookie is missing). Start again in this browser.',
  flow_purpose_mismatch: 'This sign-in was started for something else. Start again from the login page.',
  idp_error: 'The identity provider did not sign you in. Try again; if it persists, tell your admin.',
  idp_response_invalid:
    "The identity provider's answer could not be accepted. Start again from the login page; if it persists, tell your admin.",
  link_conflict: 'This identity is already linked to another account.',
  device_shared:
    'Another account is signed in on this device too: sign out on the device itself, or ask your admin.',
  name_conflict: 'That name is already taken.',
  media_server_refused: 'The media server refused the change. Tell your admin.',
  rate_limited: 'Too many requests from your address; wait a minute and try again.',
  upstream_unavailable: 'The identity provider or the media server cannot be reached. Try again later.',
  quick_connect_disabled: 'Quick Connect is switched off on this server.',
  console_not_built: 'The admin console has not been built on this server (npm run build:console).',
  not_implemented: 'This operation is not available in this version of the service.',
  internal: 'Something went wrong on our side. Try again; if it persists, tell your admin.',
} as const satisfies Record<SsoErrorCode, string>;

/**
 * Where one code covers refusals that need different advice, the public text of the reason. Keyed by
 * reason, never by message, so that nothing configured can reach a stranger.
 */
export const publicTextByReason: Readonly<Record<string, string>> = {
  // RFC 6749 §4.1.2.1: what an IdP answers when the user presses "cancel" (or it declines to ask them).
  idp_access_denied:
    'You cancelled the sign-in, or the identity provider declined it. Start again when you are ready.',
  open_sign_ins_limit:
    'Too many sign-ins are open from your address. Finish one, or wait until the older ones expire, and try again.',
  // A TV's Quick Connect code (src/sso/device-codes.ts): what the person holding the TV can do about it.
  device_code_unknown:
    'This code is wrong or has expired. Check the code on your TV, or start again there for a new one.',
  device_code_used: 'This code was already used to sign a TV in. Start again on your TV for a new one.',
  device_code_malformed: 'Type the six digits your TV shows.',
  quick_connect_not_authorized:
    'This Quick Connect request is not authorized yet, has expired, or was already used.',
  // An app's password sign-in (/Users/AuthenticateByName): the app shows this to its user.
  wrong_password:
    'Wrong user name or password. With single sign-on, apps take an app password: make one on your account page.',
  device_attempts_limit:
    'Too many tries with TV codes from your address or for this code; wait a minute and try again.',
  // The account page's refusals (src/sso/links.ts, src/sso/app-passwords.ts): read by the user themself.
  app_passwords_not_allowed:
    'App passwords are turned off on this server, or for the providers you sign in with. Ask your admin if an app needs one.',
  last_way_in:
    'This is the only way this account can sign in: it has no password and no other linked account. Link another account or create an app password first.',
};

/** Refusals a "Try again" link cannot cure: the error page offers none. */
const NO_RETRY_CODES: ReadonlySet<SsoErrorCode> = new Set(['provider_not_found', 'provider_disabled']);

export interface ProblemDocument {
  type: 'about:blank';
  title: string;
  status: number;
  code: SsoErrorCode;
  reason: string;
  detail: string;
  requestId: string;
  errors?: { field: string; message: string }[];
}

/**
 * The domain code for a client-error status a foreign error carries; any other is `invalid_request`. Never
 * `unauthenticated` or `forbidden`: only our own credential checks decide those.
 */
const CODE_BY_CLIENT_STATUS: Partial<Record<number, SsoErrorCode>> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * The 4xx status a foreign error says it has (`status` or `statusCode`, as http-errors, body-parser and
 * its zlib errors set it), or null: such an error is the client's fault and never `internal`.
 */
export function clientErrorStatus(error: unknown): number | null {
  if (!isRecord(error)) return null;
  const { status, statusCode } = error;
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 499 ? value : null;
}

/**
 * Anything thrown becomes an SsoError. A foreign error with a 4xx status keeps a 4xx; anything else that is
 * not ours is `internal`. Foreign messages go to the log only.
 */
export function foreignErrorToSsoError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  const clientStatus = clientErrorStatus(error);
  if (clientStatus !== null) {
    return new SsoError(
      CODE_BY_CLIENT_STATUS[clientStatus] ?? 'invalid_request',
      'The request could not be processed as sent; check it against the API reference.',
      { step: 'request', cause: error, detail: error instanceof Error ? error.message : String(error) },
    );
  }
  return new SsoError(
    'internal',
    'Something went wrong on our side. Try again; if it persists, tell the admin.',
    {
      cause: error,
    },
  );
}

/**
 * The problem document. `elevated` callers (administrators, API keys) get the specific message; everyone else
 * the public text of the code, plus the field list of a request they sent themselves.
 */
export function problemFor(error: SsoError, requestId: string, elevated = false): ProblemDocument {
  const status = statusByCode[error.code];
  const problem: ProblemDocument = {
    type: 'about:blank',
    title: STATUS_TITLES[status] ?? 'Error',
    status,
    code: error.code,
    reason: error.reason,
    detail: elevated ? error.message : (publicTextByReason[error.reason] ?? publicTextByCode[error.code]),
    requestId,
  };
  const ownInput = elevated || error.step === 'request';
  if (ownInput && error.errors !== undefined && error.errors.length > 0) problem.errors = error.errors;
  return problem;
}

export interface ErrorResponse {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

/** Renders an error for the wire: an HTML page for browsers on browser steps, else problem JSON. */
export function renderError(
  error: SsoError,
  options: {
    requestId: string;
    /** The request is a browser step and the browser prefers HTML to JSON. */
    page: boolean;
    /** The caller is an administrator or an API key: specifics may be shown. */
    elevated: boolean;
    retryUrl?: string | undefined;
    homeUrl?: string | null;
    /** The account page the failed flow returns to (see pages.ts `ErrorPageInput`). */
    accountUrl?: string | null;
  },
): ErrorResponse {
  const problem = problemFor(error, options.requestId, options.elevated);
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (error.code === 'rate_limited') headers['Retry-After'] = '60';
  if (options.page) {
    // Starting again at a provider that does not exist (or is off) would only show this page again.
    const retryUrl = NO_RETRY_CODES.has(error.code) ? undefined : options.retryUrl;
    return {
      status: problem.status,
      contentType: 'text/html; charset=utf-8',
      body: errorPage({
        problem,
        retryUrl,
        homeUrl: options.homeUrl ?? null,
        accountUrl: options.accountUrl ?? null,
      }),
      headers: { ...headers, 'Content-Security-Policy': ERROR_PAGE_CSP },
    };
  }
  return {
    status: problem.status,
    contentType: 'application/problem+json',
    body: JSON.stringify(problem),
    headers,
  };
}

export const ERROR_PAGE_CSP = `default-src 'none'; style-src ${PAGE_STYLE_HASH}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
