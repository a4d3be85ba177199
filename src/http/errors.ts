// The only place where errors become HTTP: the code → status table, RFC 9457 problem documents for API
// callers, and the HTML error page for browser navigations (ARCHITECTURE.md §9).
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
  name_conflict: 409,
  media_server_refused: 409,
  rate_limited: 429,
  upstream_unavailable: 502,
  quick_connect_disabled: 503,
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

export interface ProblemDocument {
  type: 'about:blank';
  title: string;
  status: number;
  code: SsoErrorCode;
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
  if (error === null || typeof error !== 'object') return null;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 499 ? value : null;
}

/**
 * Anything thrown becomes an SsoError. A foreign error with a 4xx status keeps a 4xx; anything else that is
 * not ours is `internal`. Foreign messages go to the log only.
 */
export function toSsoError(error: unknown): SsoError {
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

export function problemFor(error: SsoError, requestId: string): ProblemDocument {
  const status = statusByCode[error.code];
  const problem: ProblemDocument = {
    type: 'about:blank',
    title: STATUS_TITLES[status] ?? 'Error',
    status,
    code: error.code,
    detail: error.message,
    requestId,
  };
  if (error.errors !== undefined && error.errors.length > 0) problem.errors = error.errors;
  return problem;
}

/** A browser navigation gets a page; anything that asks for JSON (or does not ask for HTML) gets a problem. */
export function wantsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const types = accept
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim().toLowerCase(), q: q === undefined ? 1 : Number(q.slice(2)) };
    })
    .filter((t) => t.q > 0)
    .sort((a, b) => b.q - a.q);
  const html = types.find((t) => t.type === 'text/html');
  const json = types.find((t) => t.type === 'application/json' || t.type === 'application/problem+json');
  if (html === undefined) return false;
  return json === undefined || html.q > json.q;
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
    accept: string | undefined;
    browserStep: boolean;
    retryUrl?: string | undefined;
    homeUrl?: string | null;
  },
): ErrorResponse {
  const problem = problemFor(error, options.requestId);
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (error.code === 'rate_limited') headers['Retry-After'] = '60';
  if (options.browserStep && wantsHtml(options.accept)) {
    return {
      status: problem.status,
      contentType: 'text/html; charset=utf-8',
      body: errorPage({ problem, retryUrl: options.retryUrl, homeUrl: options.homeUrl ?? null }),
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
