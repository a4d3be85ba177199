// The last line of defence for values that reach a query. MikroORM inlines every parameter into the SQL
// text (Platform.formatQuery) instead of binding it, so a NUL character cuts the statement (SQLite:
// "unrecognized token"; PostgreSQL: "invalid message format"), a lone UTF-16 surrogate is silently stored
// as U+FFFD, and PostgreSQL's jsonb refuses the escapes "\u0000" and "\ud800" that JSON.stringify writes
// for them. MikroORM offers no bound-parameter mode, so its `onQuery` hook — which every statement passes
// through — checks the parameters here, once for every store and the embedded directory.
//
// Such a value is the sender's (an API client's or an identity provider's), never ours, so the outcome is
// `invalid_request`: the same clear 4xx on both databases, and nothing is written. A lookup is refused too
// rather than answered "not found": a value that could never have been stored is malformed, not absent.
// The HTTP edge refuses these values earlier, naming the field; this guard catches whatever else gets here.
import { DriverException } from '@mikro-orm/core';

/** A surrogate that is not half of a pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * In JSON text: a `\u0000` or `\ud800`–`\udfff` escape (an odd number of backslashes before the `u`, so an
 * escaped backslash followed by "u0000" is not one). JSON.stringify writes a paired surrogate as the
 * character itself, so an escaped one is always lone.
 */
const JSON_UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;

/** JSON columns arrive as JSON text; only those are read for escapes. */
function looksLikeJson(text: string): boolean {
  return (text.startsWith('{') && text.endsWith('}')) || (text.startsWith('[') && text.endsWith(']'));
}

export function isStorableParameter(value: unknown): boolean {
  if (typeof value !== 'string') return true;
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) return false;
  return !(looksLikeJson(value) && JSON_UNSTORABLE.test(value));
}

/**
 * What the guard throws. A DriverException, so MikroORM passes it on unchanged (it wraps anything else),
 * and storageError (shared.ts) turns it into `invalid_request`; its status 400 says "client error" to any
 * other error mapper that meets it.
 */
export class UnstorableValueError extends DriverException {
  readonly status = 400;
  constructor() {
    super(new Error('a query parameter holds a NUL character or a lone surrogate'));
  }
}

/** MikroORM's `onQuery` hook: passes the SQL through, or throws before any parameter can break it. */
export function refuseUnstorableParameters(sql: string, params: readonly unknown[]): string {
  if (params.every(isStorableParameter)) return sql;
  throw new UnstorableValueError();
}
