// The request as the operation's validators see it, and the shaping it needs before validation: the canonical path,
// the declared query names in any letter case, the media type, keys in any letter case, and validation
// errors turned into the problem document's field list.
import type { Request } from 'express';
import type { ErrorObject } from 'ajv';
import type { Operation } from 'openapi-backend';
import { SsoError } from '../sso/errors.js';
import { canonicaliseKeys } from './body-keys.js';
import type { RequestState } from './handler.js';

/** The request as validated; mutable so keys can be canonicalised before validation. */
export interface BackendRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Request['headers'];
  body: unknown;
}

/** One request on its way from routing to its handler. */
export interface Pending {
  state: RequestState;
  request: BackendRequest;
  /** The query as sent, before undeclared parameters are dropped: credentials may be in it. */
  rawQuery: Record<string, string | string[]>;
  /** The body as express parsed it. */
  parsedBody: unknown;
  /** Once routed: the operation and its path parameters (each decoded once). */
  operation?: Operation;
  params?: Record<string, unknown>;
}

export function pendingRequest(req: Request, state: RequestState, canonicalPath: string): Pending {
  const rawQuery = queryStrings(req.query);
  const parsedBody: unknown = req.body;
  return {
    state,
    rawQuery,
    parsedBody,
    request: {
      method: req.method,
      path: canonicalPath,
      query: { ...rawQuery },
      headers: req.headers,
      body: parsedBody,
    },
  };
}

/**
 * After routing, before validation: the media type is checked, the query and body keys take the spec's
 * spelling, and the parsed request handed to the handlers gets the same canonical forms.
 */
export function shapeRoutedRequest(operation: Operation, pending: Pending): void {
  checkContentType(operation, pending.request);
  canonicaliseQuery(operation, pending.request);
  const schema = jsonBodySchema(operation);
  if (schema !== undefined && typeof pending.request.body === 'object') {
    pending.request.body = canonicaliseKeys(pending.request.body, schema);
  }
}

/** The media types of the operation's body; openapi-backend has dereferenced every `$ref` by now. */
function bodyContent(operation: Operation): Record<string, { schema?: object }> | undefined {
  const body = operation.requestBody;
  return body !== undefined && 'content' in body ? body.content : undefined;
}

function jsonBodySchema(operation: Operation): object | undefined {
  return bodyContent(operation)?.['application/json']?.schema;
}

/** A body in a media type the operation does not take is refused before validation (415). */
function checkContentType(operation: Operation, request: BackendRequest): void {
  const content = bodyContent(operation);
  if (content === undefined) return;
  const contentType = headerValue(request.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
  const length = Number(headerValue(request.headers['content-length']) ?? '0');
  const hasBody = length > 0 || headerValue(request.headers['transfer-encoding']) !== undefined;
  if (!hasBody) return;
  const accepted = Object.keys(content);
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
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.query)) {
    const name = names.find((n) => n.toLowerCase() === key.toLowerCase());
    if (name !== undefined) out[name] = value;
  }
  request.query = out;
}

/** Schema validation failed: the problem names every offending field. */
export function invalidRequest(errors: ErrorObject[]): SsoError {
  const fields = errors.map(describeValidationError);
  const first = fields[0];
  return new SsoError(
    'invalid_request',
    first === undefined ? 'The request is invalid.' : `${first.field}: ${first.message}`,
    { step: 'request', errors: fields },
  );
}

function describeValidationError(error: ErrorObject): { field: string; message: string } {
  // openapi-backend validates { path, query, headers, requestBody } as one object.
  let field = error.instancePath
    .replace(/^\/requestBody/, '/body')
    .replace(/^\/query\//, 'query.')
    .replace(/^\/path\//, 'path.');
  const params: Record<string, unknown> = error.params;
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

/** The cookies the browser sent; the first of a repeated name wins. */
export function parseCookies(header: string | undefined): Record<string, string> {
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
function queryStrings(query: Request['query']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
