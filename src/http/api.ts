// The HTTP edge: express 5 + openapi-backend, wired by operationId only (no hand-written routes).
// Request walk: request id → body parsing → case-insensitive path → routing → credential → access rule →
// rate limit → schema validation → storable body strings → handler → reply (validated against the spec in
// tests). Every failure becomes an SsoError and leaves through errors.ts.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import { OpenAPIBackend, type Context, type Document, type Operation } from 'openapi-backend';
import type { ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '../logger.js';
import { SsoError } from '../sso/errors.js';
import { isElevated, type MediaServer, type Principal } from '../sso/ports.js';
import { canonicaliseKeys } from './body-keys.js';
import { assertStorableBody } from './body-strings.js';
import { readToken } from './credentials.js';
import { clientErrorStatus, renderError, statusByCode, foreignErrorToSsoError } from './errors.js';
import type { Handler, Reply, RequestState, SetCookie } from './handler.js';
import { createRateLimiter } from './rate-limit.js';
import { createPathCanonicaliser } from './routing.js';

/** openapi-backend validates definitions against OpenAPI 3.0 only; ours is 3.1 (DEPENDENCIES.md §3). */
class Backend extends OpenAPIBackend {
  override validateDefinition(): Document {
    return this.document;
  }
}

// ajv-formats is CommonJS; its default export arrives wrapped or not depending on the loader.
type AddFormats = (ajv: import('ajv').default) => import('ajv').default;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

export type AccessRule = 'public' | 'elevated' | 'self-or-elevated';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Operations that are browser navigations: their errors are pages, not problem JSON. */
const BROWSER_STEPS = new Set([
  'startOidcLogin',
  'startOidcLoginAlias',
  'completeOidcLogin',
  'completeOidcLoginAlias',
  'startSamlLogin',
  'startSamlLoginAlias',
  'receiveSamlResponse',
  'receiveSamlResponseAlias',
]);

export interface HttpAppOptions {
  specPath: string;
  log: Logger;
  mediaServer: MediaServer;
  handlers: Record<string, Handler>;
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

/** The request object handed to openapi-backend; mutable so keys can be canonicalised before validation. */
interface BackendRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[]>;
  body: unknown;
}

interface Pending {
  state: RequestState;
  request: BackendRequest;
  /** The query as sent, before undeclared parameters are dropped: credentials may be in it. */
  rawQuery: Record<string, string | string[]>;
  /** The body as express parsed it. */
  parsedBody: unknown;
  operation?: Operation;
}

export function loadSpec(specPath: string): Document {
  return parseYaml(readFileSync(specPath, 'utf8')) as Document;
}

export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const definition = loadSpec(options.specPath);
  const canonicaliser = createPathCanonicaliser(Object.keys(definition.paths ?? {}));
  const methodsByPath = new Map(
    Object.entries(definition.paths ?? {}).map(([path, item]) => [
      path,
      HTTP_METHODS.filter((method) => item !== undefined && method in item).map((m) => m.toUpperCase()),
    ]),
  );
  const limiter = createRateLimiter(options.rateLimitPerMinute);

  const api = new Backend({
    definition,
    strict: true,
    quick: false,
    validate: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv) => addFormats(ajv),
  });

  const resolveCaller = async (pending: Pending): Promise<Principal | null> => {
    const token = readToken({ headers: pending.request.headers, query: pending.rawQuery });
    if (token === null) return null;
    const principal = await options.mediaServer.resolveToken(token);
    pending.state.principal = principal;
    return principal;
  };
  // Every scheme is one of Jellyfin's ways to carry the same token: resolve it once per request.
  const resolved = new WeakMap<Pending, Promise<Principal | null>>();
  const securityHandler = (_c: Context, pending: Pending): Promise<Principal | null> => {
    let result = resolved.get(pending);
    if (result === undefined) {
      result = resolveCaller(pending);
      resolved.set(pending, result);
    }
    return result;
  };
  for (const scheme of Object.keys(definition.components?.securitySchemes ?? {})) {
    api.registerSecurityHandler(scheme, securityHandler);
  }

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
      checkContentType(c.operation, pending.request);
      canonicaliseQuery(c.operation, pending.request);
      const schema = jsonBodySchema(c.operation);
      if (schema !== undefined && typeof pending.request.body === 'object') {
        pending.request.body = canonicaliseKeys(pending.request.body, schema);
      }
      // openapi-backend parsed the request before this hook; hand the handlers the canonical forms.
      c.request.query = pending.request.query;
      (c.request as { requestBody: unknown }).requestBody =
        typeof pending.parsedBody === 'string' ? pending.parsedBody : pending.request.body;
      if (accessRule(c.operation) === 'public' && !limiter.allow(pending.state.clientAddress)) {
        throw new SsoError(
          'rate_limited',
          'Too many requests from your address; wait a minute and try again.',
        );
      }
    },
    unauthorizedHandler: () => {
      throw new SsoError('unauthenticated', 'A valid Jellyfin access token or API key is required.', {
        step: 'credentials',
      });
    },
    postSecurityHandler: (c: Context, pending: Pending) => {
      if (c.operation === undefined) return;
      const rule = accessRule(c.operation);
      const principal = pending.state.principal;
      if (rule === 'public' || principal === null) return;
      if (isElevated(principal)) return;
      if (rule === 'elevated') {
        throw new SsoError('forbidden', 'This requires an administrator or an API key.', {
          step: 'credentials',
        });
      }
      const params = c.request.params as Record<string, string | undefined>;
      const target = normaliseUserIdParam(params['jellyfinUserId']);
      if (principal.kind === 'user' && target !== null && principal.user.id === target) {
        if (principal.user.policy.EnableUserPreferenceAccess) return;
        throw new SsoError('forbidden', 'Your account is not allowed to change its own settings.', {
          step: 'credentials',
        });
      }
      throw new SsoError('forbidden', "Only administrators may see or change another user's links.", {
        step: 'credentials',
      });
    },
    validationFail: (c: Context) => {
      const errors = (c.validation.errors ?? []).map(describeValidationError);
      const first = errors[0];
      throw new SsoError(
        'invalid_request',
        first === undefined ? 'The request is invalid.' : `${first.field}: ${first.message}`,
        { step: 'request', errors },
      );
    },
    notImplemented: (c: Context) => {
      throw new SsoError(
        'not_implemented',
        `${c.operation?.operationId ?? 'This operation'} has no handler in this version of the service.`,
      );
    },
  });
  for (const [operationId, handler] of Object.entries(options.handlers)) {
    api.register(operationId, (c: Context, pending: Pending) => {
      assertStorableBody(pending.parsedBody);
      return handler(c, pending.state);
    });
  }
  await api.init();
  const operationIds = api.getOperations().map((operation) => operation.operationId ?? '');

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxyValue(options.trustProxy));
  app.use((req: Request, res: Response, next: NextFunction) => {
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

  app.use(async (req: Request, res: Response) => {
    const requestId = res.locals['requestId'] as string;
    const log = options.log.child({ requestId });
    const started = process.hrtime.bigint();
    const state: RequestState = {
      requestId,
      log,
      principal: null,
      cookies: parseCookies(req.headers.cookie),
      clientAddress: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      accept: req.headers.accept,
    };
    const rawQuery = queryStrings(req.query);
    const canonical = canonicaliser.canonicalise(req.path);
    const pending: Pending = {
      state,
      rawQuery,
      parsedBody: req.body as unknown,
      request: {
        method: req.method,
        path: canonical.path,
        query: { ...rawQuery },
        headers: definedHeaders(req.headers),
        // openapi-backend JSON-parses a string body again: a bare JSON string (Unregister) goes in as text.
        body: typeof req.body === 'string' ? JSON.stringify(req.body) : (req.body as unknown),
      },
    };
    let operationId: string | undefined;
    try {
      const reply = (await api.handleRequest(pending.request, pending)) as Reply;
      operationId = pending.operation?.operationId;
      if (options.validateResponses && reply.kind === 'json' && pending.operation !== undefined) {
        const result = api.validateResponse(reply.body, pending.operation, reply.status);
        if (result.errors) {
          throw new SsoError('internal', 'The service produced a reply that breaks its own contract.', {
            detail: JSON.stringify(result.errors),
          });
        }
      }
      writeReply(res, reply);
    } catch (thrown) {
      operationId = pending.operation?.operationId;
      const error = foreignErrorToSsoError(thrown);
      logFailure(log, error, { operationId, path: pending.request.path, cookies: state.cookies });
      const browserStep = operationId !== undefined && BROWSER_STEPS.has(operationId);
      const rendered = renderError(error, {
        requestId,
        accept: req.headers.accept,
        browserStep,
        elevated: state.principal !== null && isElevated(state.principal),
        retryUrl: browserStep ? retryUrlFor(options.publicUrl, operationId, pending) : undefined,
        homeUrl: options.homeUrl,
      });
      // RFC 9110 §15.5.6: a 405 names the methods the resource does support.
      if (error.code === 'method_not_allowed' && canonical.template !== null) {
        rendered.headers['Allow'] = (methodsByPath.get(canonical.template) ?? []).join(', ');
      }
      res.status(rendered.status).set(rendered.headers).type(rendered.contentType).send(rendered.body);
    }
    log.debug(
      {
        method: req.method,
        path: pending.request.path,
        operationId,
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      },
      'request',
    );
  });

  // Errors of the body parsers (malformed JSON, too large, bad charset) never reach express's HTML page.
  app.use((thrown: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    const requestId = res.locals['requestId'] as string;
    const error = bodyParserError(thrown) ?? foreignErrorToSsoError(thrown);
    logFailure(options.log.child({ requestId }), error, {
      operationId: undefined,
      path: req.path,
      cookies: {},
    });
    const rendered = renderError(error, {
      requestId,
      accept: req.headers.accept,
      browserStep: false,
      elevated: false,
      homeUrl: options.homeUrl,
    });
    res.status(rendered.status).set(rendered.headers).type(rendered.contentType).send(rendered.body);
  });

  return { app, api, operationIds };
}

/** A browser step's "try again" link: start the same provider's sign-in afresh. */
function retryUrlFor(
  publicUrl: string,
  operationId: string | undefined,
  pending: Pending,
): string | undefined {
  const encoded = /^\/sso\/[^/]+\/[^/]+\/([^/]+)$/.exec(pending.request.path)?.[1];
  if (encoded === undefined || operationId === undefined) return undefined;
  let provider: string;
  try {
    provider = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  const mode = /Saml/.test(operationId) ? 'SAML' : 'OID';
  return `${publicUrl}/sso/${mode}/start/${encodeURIComponent(provider)}`;
}

export function accessRule(operation: Operation): AccessRule {
  const rule = (operation as Operation & { 'x-sso-access'?: AccessRule })['x-sso-access'];
  if (rule !== undefined) return rule;
  return operation.security !== undefined && operation.security.length === 0 ? 'public' : 'elevated';
}

/** 32-hex or dashed GUID → 32 lower-case hex; null for anything else. */
export function normaliseUserIdParam(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const hex = value.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex : null;
}

function jsonBodySchema(operation: Operation): Record<string, unknown> | undefined {
  const body = operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined;
  const schema = body?.content?.['application/json']?.schema;
  return schema !== null && typeof schema === 'object' ? (schema as Record<string, unknown>) : undefined;
}

/** A body in a media type the operation does not take is refused before validation (415). */
function checkContentType(operation: Operation, request: BackendRequest): void {
  const body = operation.requestBody as { content?: Record<string, unknown> } | undefined;
  if (body?.content === undefined) return;
  const contentType = headerValue(request.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
  const length = Number(headerValue(request.headers['content-length']) ?? '0');
  const hasBody = length > 0 || headerValue(request.headers['transfer-encoding']) !== undefined;
  if (!hasBody) return;
  const accepted = Object.keys(body.content);
  if (contentType === undefined || !accepted.includes(contentType)) {
    throw new SsoError('unsupported_media_type', `Send the body as ${accepted.join(' or ')}.`, {
      step: 'request',
    });
  }
}

/**
 * Query parameter names bind case-insensitively, as in ASP.NET (`IsLinking` = `isLinking`), and parameters
 * the operation does not declare are dropped rather than refused: IdPs and Jellyfin clients add their own
 * (credentials were read from the raw query).
 */
function canonicaliseQuery(operation: Operation, request: BackendRequest): void {
  const names = (operation.parameters ?? [])
    .filter((p): p is { name: string; in: string } => 'in' in p && p.in === 'query')
    .map((p) => p.name);
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(request.query)) {
    const name = names.find((n) => n.toLowerCase() === key.toLowerCase());
    if (name !== undefined) out[name] = value;
  }
  request.query = out;
}

function describeValidationError(error: ErrorObject): { field: string; message: string } {
  // openapi-backend validates { path, query, headers, requestBody } as one object.
  let field = error.instancePath
    .replace(/^\/requestBody/, '/body')
    .replace(/^\/query\//, 'query.')
    .replace(/^\/path\//, 'path.');
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
    return { field: `${field}/${params['additionalProperty']}`, message: 'is not a known field' };
  }
  if (error.keyword === 'required' && typeof params['missingProperty'] === 'string') {
    const missing = params['missingProperty'];
    if (field === '/query' || field === '/path') field = `${field.slice(1)}.${missing}`;
    else field = `${field}/${missing}`;
    return { field, message: 'is required' };
  }
  return { field: field === '' ? '/body' : field, message: error.message ?? 'is invalid' };
}

function bodyParserError(thrown: unknown): SsoError | null {
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

/**
 * Every failure is logged with the specifics the caller may not have seen (message, detail) under the
 * request id of the child logger; a 5xx at error level, with the provider of the path, the flow (the one
 * the error names, else those the browser holds a cookie for: sso_flow_<id>), the operation and the step.
 */
function logFailure(
  log: Logger,
  error: SsoError,
  where: { operationId: string | undefined; path: string; cookies: Record<string, string> },
): void {
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

function writeReply(res: Response, reply: Reply): void {
  res.status(reply.status);
  if (reply.headers !== undefined) res.set(reply.headers);
  for (const cookie of reply.cookies ?? []) res.append('Set-Cookie', serialiseCookie(cookie));
  switch (reply.kind) {
    case 'json':
      res.type('application/json; charset=utf-8').send(JSON.stringify(reply.body));
      return;
    case 'empty':
      res.end();
      return;
    case 'redirect':
      res.set('Cache-Control', 'no-store').location(reply.location).end();
      return;
    case 'html':
      res
        .set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': reply.csp })
        .type('text/html; charset=utf-8')
        .send(reply.html);
      return;
    case 'text':
      res.type(reply.contentType).send(reply.text);
      return;
  }
}

export function serialiseCookie(cookie: SetCookie): string {
  const parts = [
    `${cookie.name}=${encodeURIComponent(cookie.value)}`,
    `Path=${cookie.path}`,
    `Max-Age=${cookie.maxAgeSeconds}`,
    `SameSite=${cookie.sameSite}`,
  ];
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.secure) parts.push('Secure');
  return parts.join('; ');
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in cookies) continue;
    try {
      cookies[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      cookies[name] = part.slice(eq + 1).trim();
    }
  }
  return cookies;
}

/** Express's simple query parser yields strings and string arrays; anything else is dropped. */
function queryStrings(query: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (query === null || typeof query !== 'object') return out;
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

function definedHeaders(headers: Request['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function trustProxyValue(setting: string): boolean | number | string {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting;
}
