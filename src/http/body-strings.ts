// Strings a database cannot keep as sent: a NUL character or a lone UTF-16 surrogate (JSON.parse makes them
// from the escapes "\u0000" and "\ud800"). PostgreSQL refuses both in text and jsonb, SQLite would keep
// what PostgreSQL refuses, and UTF-8 has no encoding for a lone surrogate. Refusing them in every parsed
// body, with the JSON pointer of the first one, makes a request fail the same clear way on both databases.
import { isRecord } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableString(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** RFC 6901: `~` and `/` in a key are escaped. */
function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON pointer of the first string (value or key) in `value` that cannot be stored, or null. Walks with
 * an explicit stack: a body may nest arrays as deep as its size allows.
 */
export function firstUnstorableString(value: unknown): string | null {
  const stack: { value: unknown; pointer: string; key?: string }[] = [{ value, pointer: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: current, pointer, key } = next;
    if (key !== undefined && !isStorableString(key)) return pointer;
    if (typeof current === 'string') {
      if (!isStorableString(current)) return pointer;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], pointer: `${pointer}/${i}` });
    } else if (isRecord(current)) {
      const entries = Object.entries(current).reverse();
      for (const [childKey, child] of entries) {
        stack.push({ value: child, pointer: `${pointer}/${pointerToken(childKey)}`, key: childKey });
      }
    }
  }
  return null;
}

/** Throws `invalid_request` naming the field when a parsed body holds a string that cannot be stored. */
export function assertStorableBody(body: unknown): void {
  const pointer = firstUnstorableString(body);
  if (pointer === null) return;
  const field = `/body${pointer}`;
  const message =
    'contains a NUL character or a lone surrogate (\\u0000, \\ud800–\\udfff), which is not allowed';
  throw new SsoError('invalid_request', `${field}: ${message}`, {
    step: 'request',
    errors: [{ field, message }],
  });
}
