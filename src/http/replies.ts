// Reply writing: a handler's reply onto the wire (status, headers, cookies, body by kind), after checking a
// JSON body against the spec when asked to (tests and development). A prepared JSON body goes out as its
// bytes, with its ETag, or as a 304 to a request that already holds it.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Operation } from 'openapi-backend';
import { SsoError } from '../sso/errors.js';
import type { PreparedJson, Reply } from './operations.js';
import type { RequestValidation } from './request-validation.js';

/** Refuses (500) a JSON reply that breaks the operation's response schema. */
export function checkReplyContract(validation: RequestValidation, operation: Operation, reply: Reply): void {
  if (reply.kind !== 'json') return;
  const errors = validation.replyErrors(operation, reply.status, reply.body);
  if (errors !== null) {
    throw new SsoError('internal', 'The service produced a reply that breaks its own contract.', {
      detail: JSON.stringify(errors),
    });
  }
  if (reply.prepared !== undefined && !reply.prepared.bytes.equals(prepareJson(reply.body).bytes)) {
    throw new SsoError('internal', 'A prepared reply does not hold the bytes of its body.');
  }
}

/** Serialises a JSON body once; its ETag is a digest of the bytes, so equal bodies share it. */
export function prepareJson(body: unknown): PreparedJson {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const digest = createHash('sha256').update(bytes).digest('base64url').slice(0, 22);
  return { bytes, etag: `"${digest}"` };
}

export function writeReply(req: Request, res: Response, reply: Reply): void {
  // The status is one the spec declares (typed replies): express's range check of `res.status` is not needed.
  res.statusCode = reply.status;
  if (reply.headers !== undefined) res.set(reply.headers);
  for (const cookie of reply.cookies ?? []) {
    res.cookie(cookie.name, cookie.value, {
      path: cookie.path,
      maxAge: cookie.maxAgeSeconds * 1000,
      sameSite: cookie.sameSite,
      httpOnly: cookie.httpOnly,
      secure: cookie.secure,
    });
  }
  switch (reply.kind) {
    case 'json':
      if (reply.prepared !== undefined) writePrepared(req, res, reply.prepared);
      else writeBody(req, res, 'application/json; charset=utf-8', JSON.stringify(reply.body));
      return;
    case 'empty':
      res.end();
      return;
    case 'redirect':
      res.set('Cache-Control', 'no-store').location(reply.location).end();
      return;
    case 'html':
      res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': reply.csp });
      writeBody(req, res, 'text/html; charset=utf-8', reply.html);
      return;
    case 'text':
      writeBody(req, res, reply.contentType, reply.text);
      return;
  }
}

/**
 * Node's own writes rather than express's `send`, which would answer 304 to any `If-None-Match: *` (a
 * status the contract gives only GetNames and States) and parse the content type again on every reply.
 */
function writeBody(req: Request, res: Response, contentType: string, body: string | Buffer): void {
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The prepared bytes with their own ETag, or a 304 to a request that holds it. */
function writePrepared(req: Request, res: Response, prepared: PreparedJson): void {
  res.setHeader('ETag', prepared.etag);
  // Any cache may keep the list but must ask again before using it: it can change at any time.
  res.setHeader('Cache-Control', 'no-cache');
  if (res.statusCode === 200 && holdsCurrent(req, prepared.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  writeBody(req, res, 'application/json; charset=utf-8', prepared.bytes);
}

/**
 * RFC 9110 §13.1.2: If-None-Match on a GET or HEAD holds `*` or a list of entity tags, compared weakly
 * (`W/"x"` matches `"x"`).
 */
function holdsCurrent(req: Request, etag: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const header = req.headers['if-none-match'];
  if (header === undefined) return false;
  for (const candidate of header.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}
