// Reply writing: a handler's reply onto the wire (status, headers, cookies, body by kind), after checking a
// JSON body against the spec when asked to (tests and development).
import type { Response } from 'express';
import type { OpenAPIBackend, Operation } from 'openapi-backend';
import { SsoError } from '../sso/errors.js';
import type { Reply } from './operations.js';

/** Refuses (500) a JSON reply that breaks the operation's response schema. */
export function checkReplyContract(api: OpenAPIBackend, operation: Operation, reply: Reply): void {
  if (reply.kind !== 'json') return;
  const result = api.validateResponse(reply.body, operation, reply.status);
  if (result.errors) {
    throw new SsoError('internal', 'The service produced a reply that breaks its own contract.', {
      detail: JSON.stringify(result.errors),
    });
  }
}

export function writeReply(res: Response, reply: Reply): void {
  res.status(reply.status);
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
