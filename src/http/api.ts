// The HTTP edge: express 5 + the spec, wired by operationId only (no hand-written routes).
// Request walk: request id → body parsing → case-insensitive path → dispatch.ts (routing, credential, access
// rule, rate limit, schema validation with the query coerced to the declared types, storable body strings,
// typed handler) → reply (validated against the spec in tests). Every failure becomes an SsoError and
// leaves through error-replies.ts.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import type { Logger } from '../logger.js';
import type { SsoError } from '../sso/errors.js';
import { isElevated, type MediaServer, type Principal } from '../sso/ports.js';
import { accountPageUrl, browserStepsOf, protocolOf, startUrl } from './browser-steps.js';
import { parseAuthorizationHeader, type AuthorizationFields } from './credentials.js';
import { createDispatcher, type Dispatcher } from './dispatch.js';
import { bodyParserError, sendFailure } from './error-replies.js';
import { foreignErrorToSsoError } from './errors.js';
import type { Handlers, RegisteredHandler, RequestState } from './handler.js';
import { checkReplyContract, writeReply } from './replies.js';
import { createRequestSecurity } from './request-security.js';
import { parseCookies, pendingRequest, type Pending } from './request-shape.js';
import { createRequestValidation, type RequestValidation } from './request-validation.js';
import { createPathCanonicaliser } from './routing.js';
import { loadSpec } from './spec-file.js';

export { accessRule, type AccessRule } from './request-security.js';
export { loadSpec } from './spec-file.js';

/** openapi-backend validates definitions against OpenAPI 3.0 only; ours is 3.1. */
class Backend extends OpenAPIBackend {
  override validateDefinition(): Document {
    return this.document;
  }
}

export interface HttpAppOptions {
  specPath: string;
  log: Logger;
  mediaServer: MediaServer;
  handlers: Handlers;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  trustProxy: string;
  /** Validate every JSON reply against the spec (tests and development). */
  validateResponses: boolean;
  /** SSO_PUBLIC_URL, for the "try again" links of browser error pages. */
  publicUrl: string;
  /** Where "back to the login page" goes (jellyfin-web), or null when there is none (embedded). */
  homeUrl: string | null;
}

export interface HttpApp {
  app: express.Express;
  operationIds: string[];
  /** The operationIds that have a handler. */
  handled: string[];
}

export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const definition = loadSpec(options.specPath);
  // Loads and dereferences the spec; validators are compiled per operation on first use
  // (request-validation.ts). `quick`: the synchronous dereference of a document that is already in memory
  // (a third of the asynchronous one's start-up time, the same result); the definition check it also skips
  // is skipped anyway (Backend above), and CI lints the spec.
  const api = new Backend({ definition, strict: true, validate: false, quick: true });
  await api.init();
  const operations = api.getOperations();
  const validation = createRequestValidation(api.definition);
  const registered: Record<string, RegisteredHandler> = options.handlers;
  const dispatcher = createDispatcher({
    operations,
    handlers: registered,
    security: createRequestSecurity(options),
    validation,
  });

  const app = express();
  app.disable('x-powered-by');
  // Only GetNames and States carry an ETag (strong, written by replies.ts) and may answer 304, as the
  // contract says. express would hash every body it sends (error replies still go through its `send`) into
  // a weak ETag that no request can use.
  app.set('etag', false);
  app.set('trust proxy', trustProxyValue(options.trustProxy));
  const json = express.json({
    limit: options.bodyLimitBytes,
    strict: false, // Unregister's body is a bare JSON string
    type: ['application/json', 'application/*+json'],
  });
  const urlencoded = express.urlencoded({
    extended: false,
    limit: options.bodyLimitBytes,
    parameterLimit: 50,
  });
  const handle = operationMiddleware(dispatcher, validation, definition, options);
  // One express layer for every request (each layer costs a router step): the security headers, the body
  // parsers only when a body was sent (RFC 9112 §6.3), then the operation.
  const edge = (req: Request, res: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    res.locals['requestId'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const run = (): void => void handle(req, res).catch(next);
    if (!hasBody(req)) {
      run();
      return;
    }
    json(req, res, (jsonError?: unknown) => {
      if (isError(jsonError)) next(jsonError);
      else urlencoded(req, res, (formError?: unknown) => (isError(formError) ? next(formError) : run()));
    });
  };

  // Errors of the body parsers (malformed JSON, too large, bad charset) never reach express's HTML page.
  const edgeError = (thrown: unknown, req: Request, res: Response, next: NextFunction): void => {
    void next;
    const requestId = requestIdOf(res);
    const error = bodyParserError(thrown) ?? foreignErrorToSsoError(thrown);
    sendFailure(req, res, options.log.child({ requestId }), error, {
      requestId,
      operationId: undefined,
      path: req.path,
      cookies: {},
      browserStep: false,
      elevated: false,
      retryUrl: undefined,
      homeUrl: options.homeUrl,
      allow: undefined,
    });
  };
  app.use(edge);
  app.use(edgeError);
  skipRouterFor(app, ROUTERLESS_TARGETS, edge, edgeError);

  const operationIds = operations.map((operation) => operation.operationId ?? '');
  return { app, operationIds, handled: dispatcher.handled };
}

/**
 * The exact request targets (method GET, no query) that bypass express's router: the public name lists, on
 * every login page. The router's walk costs more than all of what follows for them (bench/README.md,
 * GetNames); anything else — another spelling, a query, another method — takes the router as before.
 */
const ROUTERLESS_TARGETS: ReadonlySet<string> = new Set(['/sso/OID/GetNames', '/sso/SAML/GetNames']);

/** express's app.handle, which its types leave out: it sets a request up and runs the router. */
type AppHandle = (req: Request, res: Response, callback?: NextFunction) => void;

/**
 * Requests for `targets` enter `edge` straight from the server: set up as express's app.handle and router
 * would set them up (prototypes, back references, locals, originalUrl), with `edgeError` for what `edge`
 * passes on, as the router would call it. Same code path from there, so the same reply, headers, rate
 * limit and log line.
 */
function skipRouterFor(
  app: express.Express,
  targets: ReadonlySet<string>,
  edge: (req: Request, res: Response, next: NextFunction) => void,
  edgeError: (thrown: unknown, req: Request, res: Response, next: NextFunction) => void,
): void {
  const withHandle = app as unknown as { handle: AppHandle };
  const routed = withHandle.handle.bind(app);
  withHandle.handle = (req, res, callback) => {
    if (req.method !== 'GET' || !targets.has(req.url)) {
      routed(req, res, callback);
      return;
    }
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals = Object.create(null) as Record<string, unknown>;
    req.originalUrl = req.url;
    req.baseUrl = '';
    // Whatever `edge` passes on goes to `edgeError`, as the router would send it; should that throw, the
    // answer is what express's final handler would give (the router is not there to catch it).
    edge(req, res, (thrown?: unknown) => {
      try {
        edgeError(thrown ?? new Error('request passed on unanswered'), req, res, () => undefined);
      } catch {
        if (res.headersSent) res.destroy();
        else res.writeHead(500).end();
      }
    });
  };
}

/** The express middleware that runs every request through the dispatcher and writes its outcome. */
function operationMiddleware(
  dispatcher: Dispatcher,
  validation: RequestValidation,
  definition: Document,
  options: HttpAppOptions,
) {
  const canonicaliser = createPathCanonicaliser(Object.keys(definition.paths ?? {}));
  const browserSteps = browserStepsOf(definition);
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = requestIdOf(res);
    const logRequest = options.log.isLevelEnabled('debug');
    const started = logRequest ? process.hrtime.bigint() : 0n;
    const state = new EdgeRequestState(requestId, req, options.log);
    const canonical = canonicaliser.canonicalise(req.path);
    const pending = pendingRequest(req, state, canonical.path);
    try {
      const reply = await dispatcher.dispatch(pending, canonical);
      if (options.validateResponses && pending.operation !== undefined) {
        checkReplyContract(validation, pending.operation, reply);
      }
      writeReply(req, res, reply);
    } catch (thrown) {
      const operationId = pending.operation?.operationId;
      const browserStep = operationId !== undefined && browserSteps.has(operationId);
      const error = foreignErrorToSsoError(thrown);
      sendFailure(req, res, state.log, error, {
        requestId,
        operationId,
        path: pending.request.path,
        cookies: state.cookies,
        browserStep,
        elevated: state.principal !== null && isElevated(state.principal),
        retryUrl: browserStep ? retryUrlOf(options.publicUrl, pending) : undefined,
        homeUrl: options.homeUrl,
        accountUrl: browserStep ? accountUrlOf(options.publicUrl, error, pending) : null,
        allow: canonical.template === null ? undefined : dispatcher.methodsOf(canonical.template),
      });
    }
    // One line per request, and only when it is written: the level is checked before anything is built.
    if (!logRequest) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const operationId = pending.operation?.operationId;
    state.log.debug(
      { method: req.method, path: pending.request.path, operationId, status: res.statusCode, ms },
      'request',
    );
  };
}

/**
 * The request's state. Its logger (a pino child naming the request id) and the client address (read
 * through the trusted proxies) are made on first use: most requests need neither.
 */
class EdgeRequestState implements RequestState {
  principal: Principal | null = null;
  readonly cookies: Record<string, string>;
  #log: Logger | undefined;
  #clientAddress: string | undefined;

  constructor(
    readonly requestId: string,
    private readonly req: Request,
    private readonly rootLog: Logger,
  ) {
    this.cookies = parseCookies(req.headers.cookie);
  }

  get log(): Logger {
    this.#log ??= this.rootLog.child({ requestId: this.requestId });
    return this.#log;
  }

  get clientAddress(): string {
    this.#clientAddress ??= this.req.ip ?? this.req.socket.remoteAddress ?? 'unknown';
    return this.#clientAddress;
  }

  get requestOrigin(): string {
    return `${this.req.protocol}://${this.req.host ?? ''}`;
  }

  get navigation(): boolean {
    return isNavigation(this.req);
  }

  get clientFields(): AuthorizationFields | null {
    return (
      parseAuthorizationHeader(this.req.get('authorization')) ??
      parseAuthorizationHeader(this.req.get('x-emby-authorization'))
    );
  }

  get queryString(): string {
    const url = this.req.originalUrl;
    return url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  }
}

/** What a middleware hands to `next`: nothing (or null) when it went well, else its error. */
function isError(passed: unknown): boolean {
  return passed !== undefined && passed !== null;
}

/** RFC 9112 §6.3: a request has a body when it says how the body is framed. */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

/** A browser step's "try again" link: start the same provider's sign-in afresh. */
function retryUrlOf(publicUrl: string, pending: Pending): string | undefined {
  const protocol = pending.operation === undefined ? undefined : protocolOf(pending.operation);
  const provider = pending.params?.['provider'];
  if (protocol === undefined || typeof provider !== 'string') return undefined;
  return startUrl(publicUrl, protocol, provider);
}

/**
 * A failed linking flow's way back to the account page it was started from: named by the flow (the error's
 * `returnTo`, from its sealed secrets) or, at its start, by the start's own query.
 */
function accountUrlOf(publicUrl: string, error: SsoError, pending: Pending): string | null {
  const asked = error.returnTo ?? pending.request.query['returnTo'];
  return asked === 'account' ? accountPageUrl(publicUrl) : null;
}

/** A browser's top-level navigation; a browser too old to send Sec-Fetch-Mode counts when it asks for HTML. */
function isNavigation(req: Request): boolean {
  const mode = req.get('sec-fetch-mode');
  return mode === undefined
    ? req.accepts(['application/json', 'text/html']) === 'text/html'
    : mode === 'navigate';
}

function requestIdOf(res: Response): string {
  const requestId: unknown = res.locals['requestId'];
  return typeof requestId === 'string' ? requestId : 'unknown';
}

function trustProxyValue(setting: string): boolean | number | string {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting;
}
