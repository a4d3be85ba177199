// Error rendering: every failure of a request is logged with its specifics under the request id and
// answered as errors.ts renders it: a page on a browser step that a browser navigated to, else problem JSON.
import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { SsoError } from '../sso/errors.js';
import { clientErrorStatus, renderError, statusByCode } from './errors.js';

export interface FailureContext {
  requestId: string;
  /** The routed operation, when routing got that far. */
  operationId: string | undefined;
  /** The path the log names. */
  path: string;
  /** The browser's cookies, for the flows the log names. */
  cookies: Record<string, string>;
  /** The operation is a browser step (`x-sso-browser-step`): a browser gets a page. */
  browserStep: boolean;
  /** The caller is an administrator or an API key: specifics may be shown. */
  elevated: boolean;
  /** The "try again" link of a browser step's page. */
  retryUrl: string | undefined;
  homeUrl: string | null;
  /** The account page a failed linking flow returns to (its `returnTo`), or null. */
  accountUrl?: string | null;
  /** The methods the path supports, for the Allow header of a 405 (RFC 9110 §15.5.6). */
  allow: string[] | undefined;
}

export function sendFailure(
  req: Request,
  res: Response,
  log: Logger,
  error: SsoError,
  context: FailureContext,
): void {
  logFailure(log, error, context);
  const prefersHtml =
    req.accepts(['application/json', 'application/problem+json', 'text/html']) === 'text/html';
  const rendered = renderError(error, {
    requestId: context.requestId,
    page: context.browserStep && prefersHtml,
    elevated: context.elevated,
    retryUrl: context.retryUrl,
    homeUrl: context.homeUrl,
    accountUrl: context.accountUrl ?? null,
  });
  if (error.code === 'method_not_allowed' && context.allow !== undefined) {
    rendered.headers['Allow'] = context.allow.join(', ');
  }
  res.status(rendered.status).set(rendered.headers).type(rendered.contentType).send(rendered.body);
}

/**
 * Every failure is logged with the specifics the caller may not have seen (message, detail) under the
 * request id of the child logger; a 5xx at error level, with the provider of the path, the flow (the one
 * the error names, else those the browser holds a cookie for: sso_flow_<id>), the operation and the step.
 */
function logFailure(log: Logger, error: SsoError, where: FailureContext): void {
  const fields = {
    code: error.code,
    reason: error.reason,
    step: error.step,
    operationId: where.operationId,
    provider: providerOfPath(where.path),
    flows:
      error.flowId === undefined
        ? Object.keys(where.cookies)
            .filter((name) => name.startsWith('sso_flow_'))
            .map((name) => name.slice('sso_flow_'.length))
        : [error.flowId],
    detail: error.detail,
    rule: error.rule,
  };
  if (statusByCode[error.code] >= 500) log.error({ ...fields, err: error.cause ?? error }, error.message);
  else log.info(fields, error.message);
}

/** The `{provider}` segment of `/sso/<mode>/<step>/<provider>`, decoded; undefined for other paths. */
function providerOfPath(path: string): string | undefined {
  const encoded = /^\/sso\/[^/]+\/[^/]+\/([^/]+)$/.exec(path)?.[1];
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded).slice(0, 100);
  } catch {
    return undefined;
  }
}

/** The SsoError for a failure of express's body parsers (malformed JSON, too large, bad charset), or null. */
export function bodyParserError(thrown: unknown): SsoError | null {
  if (thrown === null || typeof thrown !== 'object') return null;
  if (!('type' in thrown)) return undecodableBodyError(thrown);
  switch (thrown.type) {
    case 'entity.parse.failed':
      return new SsoError('invalid_request', 'The body is not valid JSON.', {
        step: 'request',
        cause: thrown,
      });
    case 'entity.too.large':
      return new SsoError('payload_too_large', 'The request body is larger than this service accepts.', {
        step: 'request',
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new SsoError('unsupported_media_type', 'Send the body as UTF-8.', { step: 'request' });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new SsoError('invalid_request', 'The request body could not be read.', {
        step: 'request',
        cause: thrown,
      });
    default:
      return null;
  }
}

/**
 * A body that does not decompress (a corrupt gzip, deflate or br stream) reaches us as the zlib error with
 * status 400 and no `type`: it is the client's body that is wrong.
 */
function undecodableBodyError(thrown: unknown): SsoError | null {
  if (clientErrorStatus(thrown) !== 400) return null;
  return new SsoError(
    'invalid_request',
    'The request body could not be read; if it is compressed, check it against its Content-Encoding.',
    { step: 'request', cause: thrown },
  );
}
