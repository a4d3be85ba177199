// The one error type of the domain: a machine code, a stable public reason, a message for the admin (shown to
// elevated callers and logged; a stranger sees only the public text of the code, src/http/errors.ts), and a
// private detail and cause for the log. The mapping from code to HTTP status lives only in src/http/errors.ts.

/** Every machine code the service can answer with. `openapi.yaml` `Problem.code` lists exactly these. */
export const ssoErrorCodes = [
  'invalid_request',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'unauthenticated',
  'forbidden',
  'not_permitted',
  'provider_not_found',
  'provider_disabled',
  'user_not_found',
  'link_not_found',
  'flow_not_found',
  'flow_expired',
  'flow_used',
  'provider_mismatch',
  'browser_mismatch',
  'flow_purpose_mismatch',
  'idp_error',
  'idp_response_invalid',
  'link_conflict',
  'device_shared',
  'name_conflict',
  'media_server_refused',
  'rate_limited',
  'upstream_unavailable',
  'quick_connect_disabled',
  'console_not_built',
  'not_implemented',
  'internal',
] as const;

export type SsoErrorCode = (typeof ssoErrorCodes)[number];

/** Where in a flow the failure happened: for logs only, never sent to a client. */
export type SsoStep =
  | 'start'
  | 'state'
  | 'exchange'
  | 'verify'
  | 'claims'
  | 'authorize'
  | 'session'
  | 'link'
  | 'admin'
  | 'credentials'
  | 'request';

/** One offending input field, for `invalid_request`. `field` is a JSON pointer or a parameter name. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The rule an IdP's answer broke (a structural SAML rule, the role gate, a claim rule), for the admin (the
 * log, and any admin view of a failed sign-in): a stable id such as `saml.destination_missing` or
 * `access.required_role`, and one sentence on what to change at the IdP.
 * Never sent to a caller without elevated rights: the id tells which check failed.
 */
export interface IdpRule {
  id: string;
  fixAtIdp: string;
}

/** The page a linking flow's browser goes back to once it is done: `account`, the user's account page. */
export type FlowReturnTo = 'account';

export interface SsoErrorOptions {
  step?: SsoStep;
  /**
   * Stable public reason (lower-case words joined by `_`, e.g. `saml_signature_invalid`), shown to anyone
   * with the request id; defaults to the code. It must not depend on configuration or on which internal
   * check failed where that would help an attacker.
   */
  reason?: string;
  /** Private detail for the log; never returned. */
  detail?: string;
  /** The login flow the failure happened in, for the log; never returned. */
  flowId?: string;
  cause?: unknown;
  errors?: FieldError[];
  rule?: IdpRule;
  /**
   * The page the failed flow was started from and returns to (ports.ts `FlowReturnTo`): a browser's error
   * page leads back there instead of offering to start the flow again.
   */
  returnTo?: FlowReturnTo;
}

export class SsoError extends Error {
  readonly code: SsoErrorCode;
  readonly step: SsoStep | undefined;
  readonly reason: string;
  readonly detail: string | undefined;
  readonly flowId: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly rule: IdpRule | undefined;
  readonly returnTo: FlowReturnTo | undefined;

  /** `message` is for the admin and the log: it may name configuration, never a secret. */
  constructor(code: SsoErrorCode, message: string, options: SsoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SsoError';
    this.code = code;
    this.step = options.step;
    this.reason = options.reason ?? code;
    this.detail = options.detail;
    this.flowId = options.flowId;
    this.errors = options.errors;
    this.rule = options.rule;
    this.returnTo = options.returnTo;
  }
}

/** An `invalid_request` error naming one field. */
export function invalidField(field: string, message: string, step: SsoStep = 'request'): SsoError {
  return new SsoError('invalid_request', `${field}: ${message}`, { step, errors: [{ field, message }] });
}

/** Error codes an OAuth 2.0 / OIDC server may send back (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6). */
const IDP_ERROR_CODES = new Set([
  'access_denied',
  'invalid_request',
  'unauthorized_client',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
]);

/** The public reason of an IdP refusal: `idp_<error>` for a registered error code, else `idp_refused`. */
export function idpErrorReason(error: string | undefined): string {
  return error !== undefined && IDP_ERROR_CODES.has(error) ? `idp_${error}` : 'idp_refused';
}

/**
 * The same error naming the flow it happened in (an unexpected error becomes `internal`, cause kept), and
 * the page that flow returns to, if any.
 */
export function inFlow(error: unknown, flowId: string, returnTo?: FlowReturnTo): SsoError {
  const back = returnTo === undefined ? {} : { returnTo };
  if (!(error instanceof SsoError)) {
    return new SsoError('internal', 'Unexpected failure while finishing a sign-in.', {
      cause: error,
      flowId,
      ...back,
    });
  }
  return copyOf(error, { flowId: error.flowId ?? flowId, returnTo: error.returnTo ?? returnTo });
}

/** The same error leading back to the page its flow was started from; without one, the error as it is. */
export function returningTo(error: unknown, returnTo: FlowReturnTo | undefined): unknown {
  if (returnTo === undefined || !(error instanceof SsoError)) return error;
  return copyOf(error, { returnTo: error.returnTo ?? returnTo });
}

function copyOf(error: SsoError, changes: Pick<SsoErrorOptions, 'flowId' | 'returnTo'>): SsoError {
  return new SsoError(error.code, error.message, {
    step: error.step,
    reason: error.reason,
    detail: error.detail,
    errors: error.errors,
    rule: error.rule,
    cause: error.cause,
    flowId: error.flowId,
    returnTo: error.returnTo,
    ...changes,
  });
}
