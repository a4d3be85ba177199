// The HTTP edge: express 5 + openapi-backend, wired by operationId only (no hand-written routes).
// Request walk: request id → body parsing → case-insensitive path → routing → credential → access rule →
// rate limit → schema validation (query coerced to the declared types) → storable body strings → typed
// handler → reply (validated against the spec in tests). Every failure becomes an SsoError and leaves
// through error-replies.ts.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '../logger.js';
import { SsoError } from '../sso/errors.js';
import { isElevated, type MediaServer } from '../sso/ports.js';
import { assertStorableBody } from './body-strings.js';
import { browserStepsOf, protocolOf, startUrl } from './browser-steps.js';
import { bodyParserError, sendFailure } from './error-replies.js';
import { foreignErrorToSsoError } from './errors.js';
import { inputOf, type Handlers, type RegisteredHandler, type RequestState } from './handler.js';
import type { Reply } from './operations.js';
import { checkReplyContract, writeReply } from './replies.js';
import { registerRequestSecurity } from './request-security.js';
import {
  handlerBody,
  invalidRequest,
  parseCookies,
  pendingRequest,
  routedParams,
  shapeRoutedRequest,
  type Pending,
} from './request-shape.js';
import { createPathCanonicaliser } from './routing.js';

export { accessRule, type AccessRule } from './request-security.js';

/** openapi-backend validates definitions against OpenAPI 3.0 only; ours is 3.1. */
class Backend extends OpenAPIBackend {
  override validateDefinition(): Document {
    return this.document;
  }
}

// ajv-formats is CommonJS: the default import is its module object whatever the loader, and the plugin
// is also its `default` property (it sets `exports.default` on itself).
const addFormats = addFormatsModule.default;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

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
  api: OpenAPIBackend;
  operationIds: string[];
}

export function loadSpec(specPath: string): Document {
  // YAML parses to an untyped value; openapi-backend checks the document's structure when it starts.
  return parseYaml(readFileSync(specPath, 'utf8')) as Document;
}

export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const definition = loadSpec(options.specPath);
  const api = await createBackend(definition, options);
  const operationIds = api.getOperations().map((operation) => operation.operationId ?? '');

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxyValue(options.trustProxy));
  app.use((_req: Request, res: Response, next: NextFunction) => {
    const requestId = randomUUID();
    res.locals['requestId'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.use(
    express.json({
      limit: options.bodyLimitBytes,
      strict: false, // Unregister's body is a bare JSON string
      type: ['application/json', 'application/*+json'],
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: options.bodyLimitBytes, parameterLimit: 50 }));
  app.use(operationMiddleware(api, definition, options));

  // Errors of the body parsers (malformed JSON, too large, bad charset) never reach express's HTML page.
  app.use((thrown: unknown, req: Request, res: Response, next: NextFunction) => {
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
  });

  return { app, api, operationIds };
}

/** openapi-backend with our hooks and the typed handlers registered, initialised. */
async function createBackend(definition: Document, options: HttpAppOptions): Promise<OpenAPIBackend> {
  const api = new Backend({
    definition,
    strict: true,
    quick: false,
    validate: true,
    // Query and path parameters reach the handlers as the types the spec declares (`isLinking` boolean).
    coerceTypes: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv) => addFormats(ajv),
  });
  const checkRateLimit = registerRequestSecurity(api, definition, options);
  api.register({
    notFound: () => {
      throw new SsoError('not_found', 'There is no such endpoint. Check the path against the API reference.');
    },
    methodNotAllowed: () => {
      throw new SsoError('method_not_allowed', 'This endpoint does not accept this HTTP method.');
    },
    postRoutingHandler: (c: Context, pending: Pending) => {
      if (c.operation === undefined) return;
      pending.operation = c.operation;
      pending.params = routedParams(c);
      shapeRoutedRequest(c.operation, pending);
      // openapi-backend parsed the request before this hook; hand the handlers the canonical forms.
      c.request.query = pending.request.query;
      c.request.requestBody = handlerBody(pending);
      checkRateLimit(c.operation, pending);
    },
    validationFail: (c: Context) => {
      throw invalidRequest(c.validation.errors ?? []);
    },
    notImplemented: (c: Context) => {
      throw new SsoError(
        'not_implemented',
        `${c.operation?.operationId ?? 'This operation'} has no handler in this version of the service.`,
      );
    },
  });
  const registered: Record<string, RegisteredHandler> = options.handlers;
  for (const [operationId, handler] of Object.entries(registered)) {
    api.register(operationId, (c: Context, pending: Pending) => {
      assertStorableBody(pending.parsedBody);
      return handler(inputOf(c), pending.state);
    });
  }
  await api.init();
  return api;
}

/** The express middleware that runs every request through openapi-backend and writes its outcome. */
function operationMiddleware(api: OpenAPIBackend, definition: Document, options: HttpAppOptions) {
  const canonicaliser = createPathCanonicaliser(Object.keys(definition.paths ?? {}));
  const browserSteps = browserStepsOf(definition);
  const methodsByPath = new Map(
    Object.entries(definition.paths ?? {}).map(([path, item]) => [
      path,
      HTTP_METHODS.filter((method) => item !== undefined && method in item).map((m) => m.toUpperCase()),
    ]),
  );
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = requestIdOf(res);
    const log = options.log.child({ requestId });
    const started = process.hrtime.bigint();
    const state: RequestState = {
      requestId,
      log,
      principal: null,
      cookies: parseCookies(req.headers.cookie),
      clientAddress: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      requestOrigin: `${req.protocol}://${req.host ?? ''}`,
      navigation: isNavigation(req),
    };
    const canonical = canonicaliser.canonicalise(req.path);
    const pending = pendingRequest(req, state, canonical.path);
    try {
      // openapi-backend hands back, untyped, what the registered handler returned: a Reply.
      const reply = (await api.handleRequest(pending.request, pending)) as Reply;
      if (options.validateResponses && pending.operation !== undefined) {
        checkReplyContract(api, pending.operation, reply);
      }
      writeReply(res, reply);
    } catch (thrown) {
      const operationId = pending.operation?.operationId;
      const browserStep = operationId !== undefined && browserSteps.has(operationId);
      sendFailure(req, res, log, foreignErrorToSsoError(thrown), {
        requestId,
        operationId,
        path: pending.request.path,
        cookies: state.cookies,
        browserStep,
        elevated: state.principal !== null && isElevated(state.principal),
        retryUrl: browserStep ? retryUrlOf(options.publicUrl, pending) : undefined,
        homeUrl: options.homeUrl,
        allow: canonical.template === null ? undefined : methodsByPath.get(canonical.template),
      });
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const operationId = pending.operation?.operationId;
    log.debug(
      { method: req.method, path: pending.request.path, operationId, status: res.statusCode, ms },
      'request',
    );
  };
}

/** A browser step's "try again" link: start the same provider's sign-in afresh. */
function retryUrlOf(publicUrl: string, pending: Pending): string | undefined {
  const protocol = pending.operation === undefined ? undefined : protocolOf(pending.operation);
  const provider = pending.params?.['provider'];
  if (protocol === undefined || typeof provider !== 'string') return undefined;
  return startUrl(publicUrl, protocol, provider);
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
