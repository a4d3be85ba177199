// The one typed request helper of the Jellyfin client: the `MediaBrowser` Authorization header, the timeout,
// no redirects, and every answer turned into a value or a JellyfinRequestError.
//
// Why a helper and not a client generated from Jellyfin's OpenAPI document: docs/jellyfin-client.md.

import { isRecord } from '../../sso/basics.js';
import type { DeviceInfo } from '../../sso/ports.js';

/** What we call ourselves in Jellyfin's device list and activity log. */
export const CLIENT_NAME = 'jellyfin-sso';
export const CLIENT_VERSION = '0.1.0';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Jellyfin's error texts are short; never carry a huge body into a log or a problem. */
const MAX_MESSAGE_LENGTH = 300;

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Who a request is sent as. */
export type Caller =
  /** The admin API key, with our own client/device fields. */
  | { kind: 'apiKey' }
  /**
   * A caller's token being checked. Only `Token` is sent: Jellyfin fills the other fields from the token's
   * device row and would *rename* that row after any Device/Version we sent.
   */
  | { kind: 'token'; token: string }
  /** No token, the browser's device fields (Quick Connect initiate and exchange). */
  | { kind: 'device'; device: DeviceInfo }
  /** No token, our own client fields (anonymous endpoints). */
  | { kind: 'anonymous' };

// ---------------------------------------------------------------------------------------------------------
// Errors

/** Why a request failed: no answer, too slow, an unexpected status, or a 2xx with a body we cannot use. */
export type JellyfinFailure = 'network' | 'timeout' | 'status' | 'shape';

/**
 * A request that did not get the answer we expected. `status` is the HTTP status when there was one.
 * `jellyfinMessage` is the text Jellyfin sent (a JSON string, a ProblemDetails title/detail, or plain text),
 * or our description of what went wrong; safe to show an admin.
 */
export class JellyfinRequestError extends Error {
  readonly operation: string;
  readonly failure: JellyfinFailure;
  readonly status: number | null;
  readonly jellyfinMessage: string;

  constructor(
    operation: string,
    failure: JellyfinFailure,
    status: number | null,
    jellyfinMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      status === null
        ? `Jellyfin ${operation}: ${jellyfinMessage}`
        : `Jellyfin ${operation} answered ${status}${jellyfinMessage ? `: ${jellyfinMessage}` : ''}`,
      options,
    );
    this.name = 'JellyfinRequestError';
    this.operation = operation;
    this.failure = failure;
    this.status = status;
    this.jellyfinMessage = jellyfinMessage;
  }

  /** Jellyfin did not answer (in time), or answered with a server error. */
  get unreachable(): boolean {
    return (
      this.failure === 'network' || this.failure === 'timeout' || (this.status !== null && this.status >= 500)
    );
  }
}

export function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The text of an error answer, whatever form Jellyfin chose: `StatusCode(403, "…")`/`Unauthorized("…")`
 * serialise a JSON string, bare `BadRequest()`/`NotFound()` a ProblemDetails, and its exception middleware
 * writes text/plain.
 */
export function errorText(contentType: string, body: string): string {
  let text = body.trim();
  if (/json/i.test(contentType)) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'string') text = parsed;
      else if (isRecord(parsed)) {
        const detail = optionalString(parsed.detail) ?? optionalString(parsed.Message) ?? '';
        const title = optionalString(parsed.title) ?? '';
        text = detail && title ? `${title}: ${detail}` : detail || title;
      }
    } catch {
      // not JSON after all: keep the raw text
    }
  } else if (/html/i.test(contentType)) {
    text = ''; // a proxy's error page says nothing useful and may be large
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

// ---------------------------------------------------------------------------------------------------------
// The Authorization header

/**
 * `MediaBrowser Client="…", Device="…", DeviceId="…", Version="…", Token="…"` with every value
 * `encodeURIComponent`-ed, as `@jellyfin/sdk` does: Jellyfin URL-decodes each value (WebUtility.UrlDecode,
 * which also turns `+` into a space), and browser device ids contain `+`, `/` and `=`.
 */
export function authorizationHeader(fields: {
  client?: string;
  device?: string;
  deviceId?: string;
  version?: string;
  token?: string;
}): string {
  const parts: string[] = [];
  const add = (key: string, value: string | undefined): void => {
    // encodeURIComponent throws on a lone surrogate; a browser-supplied device name may contain one.
    const wellFormed = value?.replace(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '\uFFFD',
    );
    if (wellFormed !== undefined) parts.push(`${key}="${encodeURIComponent(wellFormed)}"`);
  };
  add('Client', fields.client);
  add('Device', fields.device);
  add('DeviceId', fields.deviceId);
  add('Version', fields.version);
  add('Token', fields.token);
  return `MediaBrowser ${parts.join(', ')}`;
}

function headerFor(caller: Caller, apiKey: string): string {
  const ours = { client: CLIENT_NAME, device: CLIENT_NAME, deviceId: CLIENT_NAME, version: CLIENT_VERSION };
  switch (caller.kind) {
    case 'apiKey':
      return authorizationHeader({ ...ours, token: apiKey });
    case 'token':
      return authorizationHeader({ token: caller.token });
    case 'device':
      return authorizationHeader({
        client: caller.device.appName,
        device: caller.device.deviceName,
        deviceId: caller.device.deviceId,
        version: caller.device.appVersion,
      });
    case 'anonymous':
      return authorizationHeader(ours);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The request helper

/** One call: the operation as Jellyfin's OpenAPI document names it, and what to send. */
export interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  /** The document's path; each `{name}` is filled, URL-encoded, from `params`. */
  path: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  caller: Caller;
  json?: unknown;
  /** A non-JSON body with its content type (the Base64 text of `POST /UserImage`). */
  text?: { contentType: string; body: string };
}

/** An answer with a status the caller expects, and the ways to read its body. */
export interface Answer {
  readonly status: number;
  /** The body as JSON, checked by `guard`; anything else is a `shape` failure. */
  json<T>(guard: (value: unknown) => value is T): T;
  /** A `shape` failure for a body that parsed but does not say what it must. */
  unexpected(message: string): JellyfinRequestError;
}

/** How to read each expected status; every other status becomes a JellyfinRequestError. */
export type Readers<T> = Record<number, (answer: Answer) => T>;

/** Sends one call and reads its answer with the reader of its status. */
export type Request = <T>(endpoint: Endpoint, readers: Readers<T>) => Promise<T>;

/** `204 No Content`, the answer of every write. */
export const noContent: Readers<void> = { 204: () => undefined };

/** `200` with a JSON body checked by `guard`. */
export function jsonBody<T>(guard: (value: unknown) => value is T): Readers<T> {
  return { 200: (answer) => answer.json(guard) };
}

export interface RequestOptions {
  /** Jellyfin's address as this service reaches it, including any BaseUrl path (`http://jellyfin:8096`). */
  baseUrl: string;
  apiKey: string;
  fetch?: FetchLike;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Wraps every call (the metrics time them by endpoint); the calls as they are when absent. */
  wrap?: (request: Request) => Request;
}

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  location: string | null;
}

/** The `Request` of one Jellyfin server, and that server's address without a trailing slash. */
export function createRequest(options: RequestOptions): { baseUrl: string; request: Request } {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const send = sender(baseUrl, options);
  const request: Request = async (endpoint, readers) => {
    const operation = `${endpoint.method} ${endpoint.path}`;
    const response = await send(endpoint, operation);
    const read = readers[response.status];
    if (!read) throw statusFailure(operation, response);
    return read(answerOf(operation, response));
  };
  return { baseUrl, request: options.wrap?.(request) ?? request };
}

function sender(
  baseUrl: string,
  options: RequestOptions,
): (endpoint: Endpoint, operation: string) => Promise<RawResponse> {
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return async (endpoint, operation) => {
    const { body, contentType } = bodyOf(endpoint);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: headerFor(endpoint.caller, options.apiKey),
      ...(contentType ? { 'content-type': contentType } : {}),
    };
    try {
      const response = await doFetch(urlOf(baseUrl, endpoint), {
        method: endpoint.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      const location = response.headers.get('location');
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        text,
        location,
      };
    } catch (error) {
      throw transportFailure(operation, error, baseUrl, timeoutMs);
    }
  };
}

function urlOf(baseUrl: string, endpoint: Endpoint): URL {
  const path = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(endpoint.params?.[name] ?? ''),
  );
  const url = new URL(baseUrl + path);
  for (const [key, value] of Object.entries(endpoint.query ?? {})) url.searchParams.set(key, value);
  return url;
}

function bodyOf(endpoint: Endpoint): { body?: string; contentType?: string } {
  if (endpoint.json !== undefined)
    return { body: JSON.stringify(endpoint.json), contentType: 'application/json' };
  if (endpoint.text) return { body: endpoint.text.body, contentType: endpoint.text.contentType };
  return {};
}

function transportFailure(operation: string, error: unknown, baseUrl: string, timeoutMs: number): Error {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new JellyfinRequestError(operation, 'timeout', null, `no answer within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  const why = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return new JellyfinRequestError(operation, 'network', null, `cannot reach ${baseUrl}${why}`, {
    cause: error,
  });
}

function statusFailure(operation: string, response: RawResponse): JellyfinRequestError {
  // Redirects are not followed: the API key must not travel to another address. Say where it pointed, so
  // the admin can put the final address in JELLYFIN_URL.
  const message =
    response.status >= 300 && response.status < 400
      ? `redirects to ${response.location ?? '(no Location)'}; set JELLYFIN_URL to the address Jellyfin answers on`
      : errorText(response.contentType, response.text);
  return new JellyfinRequestError(operation, 'status', response.status, message);
}

function answerOf(operation: string, response: RawResponse): Answer {
  const unexpected = (message: string, cause?: unknown): JellyfinRequestError =>
    new JellyfinRequestError(operation, 'shape', null, message, cause === undefined ? undefined : { cause });
  return {
    status: response.status,
    unexpected,
    json<T>(guard: (value: unknown) => value is T): T {
      let value: unknown;
      try {
        value = JSON.parse(response.text);
      } catch (error) {
        throw unexpected('answered with something that is not JSON', error);
      }
      if (!guard(value)) throw unexpected('answered with an unexpected JSON shape');
      return value;
    },
  };
}
