// Building blocks of the seeded fuzz of every operation (test/http/fuzz.test.ts): a small seeded PRNG,
// hostile values (control characters, lone surrogates, very long strings, wrong types, deep nesting,
// `__proto__`, traversal, bad percent-encoding), values shaped by a JSON schema of openapi.yaml with some
// fields made hostile, and a raw HTTP client (node:http) that sends exactly the bytes given: paths that
// fetch would normalise, bodies in any media type or Content-Encoding, corrupt ones included.
import { request } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

/** mulberry32: tiny, fast, and the same sequence for the same seed on every machine. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const CONTROL = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\u000b',
  '\f',
  '\r',
  '\u001b',
  '\u001f',
  '\u007f',
];
const ODD = [
  '\ud800',
  '\udfff',
  '\ufffe',
  '\uffff',
  '\u2028',
  '\u2029',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\u0085',
];
const UNICODE = ['é', 'e\u0301', 'ß', 'İ', 'ﬁ', '日本語', '💥', '👩‍👩‍👧', '𝔘', 'Ω', 'ΐ', '\u0130'];

/** Fixed hostile strings: each is a known way to break a parser, a query, a path or a page. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'provider\u0000',
  '\u0001\u001f\u007f',
  '\r\nSet-Cookie: x=1',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\u2028\u2029',
  '\u202eevil',
  '\ufeffbom',
  'A'.repeat(65),
  'A'.repeat(513),
  'A'.repeat(5000),
  'é'.repeat(300),
  '../../etc/passwd',
  '..',
  '.',
  '%2e%2e%2f',
  '%00',
  '%',
  '%ZZ',
  '\\',
  '/',
  "' OR '1'='1' --",
  '"; drop table provider; --',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '${jndi:ldap://x}',
  '{{7*7}}',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'http://127.0.0.1:1/',
  'https://idp.example.com/realms/home',
  'https://user:pass@[::1]:99999/x?#',
  'data:text/html,<b>x</b>',
  '0123456789abcdef0123456789abcdef',
  '00000000-0000-0000-0000-000000000000',
];

/** A random string over a mix of plain, control, odd and non-Latin characters. */
export function randomString(rng: Rng, maxLength = 40): string {
  const length = rng.int(maxLength + 1);
  let out = '';
  for (let i = 0; i < length; i++) {
    const roll = rng.next();
    if (roll < 0.6) out += String.fromCharCode(0x20 + rng.int(0x5f));
    else if (roll < 0.72) out += rng.pick(CONTROL);
    else if (roll < 0.84) out += rng.pick(ODD);
    else out += rng.pick(UNICODE);
  }
  return out;
}

export function hostileString(rng: Rng): string {
  const roll = rng.next();
  if (roll < 0.55) return rng.pick(HOSTILE_STRINGS);
  if (roll < 0.95) return randomString(rng);
  return randomString(rng, 3000);
}

/** Nested arrays or objects `depth` deep, as JSON text (a value no schema expects). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Any JSON value of a wrong or extreme kind. */
export function hostileValue(rng: Rng): unknown {
  switch (rng.int(14)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, -0, 2 ** 53 + 1, 1e308, -1e308, 65536, 4294967296]);
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return [hostileString(rng), hostileString(rng)];
    case 6:
      return [[[[[[[[hostileString(rng)]]]]]]]];
    case 7:
      return { [hostileString(rng)]: hostileString(rng) };
    case 8:
      return JSON.parse('{"__proto__":{"isAdmin":true,"enabled":true}}') as unknown;
    case 9:
      return [null, 1, 'x', {}, []];
    default:
      return hostileString(rng);
  }
}

export type Schema = Record<string, unknown>;

/** Follows `$ref`s inside the spec. */
export function resolveSchema(spec: Schema, node: unknown): Schema | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const ref = (node as Schema)['$ref'];
  if (typeof ref !== 'string') return node as Schema;
  let target: unknown = spec;
  for (const part of ref.replace(/^#\//, '').split('/')) target = (target as Schema)[part];
  return resolveSchema(spec, target);
}

/**
 * A value for `schema`: mostly of the right shape so that it passes validation and reaches the handler
 * and the database, with `hostility` the chance that any one value is replaced by a hostile one.
 */
export function valueFor(rng: Rng, spec: Schema, node: unknown, hostility: number, depth = 0): unknown {
  const schema = resolveSchema(spec, node) ?? {};
  if (rng.chance(hostility)) return rng.chance(0.7) ? hostileString(rng) : hostileValue(rng);
  const types = ([] as unknown[]).concat(schema['type'] ?? 'string').filter((t) => t !== 'null');
  const type = rng.pick(types as string[]);
  if (Array.isArray(schema['enum'])) return rng.pick(schema['enum'] as unknown[]);
  switch (type) {
    case 'boolean':
      return rng.chance(0.5);
    case 'integer':
    case 'number':
      return rng.pick([1, 443, 8096, 65535, 0, 70000]);
    case 'array': {
      if (depth > 3) return [];
      const items: unknown[] = [];
      for (let i = rng.int(4); i > 0; i--)
        items.push(valueFor(rng, spec, schema['items'], hostility, depth + 1));
      return items;
    }
    case 'object': {
      if (depth > 3) return {};
      const out: Record<string, unknown> = {};
      const properties = (schema['properties'] ?? {}) as Record<string, unknown>;
      const required = new Set((schema['required'] ?? []) as string[]);
      for (const [name, child] of Object.entries(properties)) {
        if (required.has(name) || rng.chance(0.3))
          out[name] = valueFor(rng, spec, child, hostility, depth + 1);
      }
      return out;
    }
    default: {
      const example = schema['example'];
      if (typeof example === 'string' && rng.chance(0.5)) return example;
      return rng.chance(0.5) ? hostileString(rng) : `fuzz-${rng.int(1000)}`;
    }
  }
}

/** A copy of a valid example with one to three of its fields replaced by hostile or schema-made values. */
export function mutateExample(rng: Rng, spec: Schema, schema: Schema, example: unknown): unknown {
  if (example === null || typeof example !== 'object' || Array.isArray(example)) {
    return rng.chance(0.5) ? hostileString(rng) : hostileValue(rng);
  }
  const out: Record<string, unknown> = { ...(example as Record<string, unknown>) };
  const properties = (resolveSchema(spec, schema)?.['properties'] ?? {}) as Record<string, unknown>;
  const names = Object.keys(properties);
  for (let i = 1 + rng.int(3); i > 0 && names.length > 0; i--) {
    const name = rng.pick(names);
    out[name] = rng.chance(0.5)
      ? hostileString(rng)
      : valueFor(rng, spec, properties[name], rng.chance(0.5) ? 0.5 : 0.1);
  }
  if (rng.chance(0.05))
    out[rng.pick(['Unknown', 'OIDENDPOINT', '__proto__', 'constructor'])] = hostileValue(rng);
  return out;
}

/** Percent-encodes a path segment, sometimes leaving traversal or broken escapes raw on purpose. */
export function pathSegment(rng: Rng, value: string): string {
  const roll = rng.next();
  if (roll < 0.8) return encodeLoose(value);
  if (roll < 0.85) return '..%2F..%2F' + encodeLoose(value);
  if (roll < 0.9) return '%2e%2e';
  if (roll < 0.95) return rng.pick(['%', '%ZZ', '%C0%AF', '%E0%A4%A', '%ED%A0%80', '%00', '%FF%FE']);
  return encodeLoose(value) + '%2F' + encodeLoose(value);
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) becomes ill-formed UTF-8 bytes. */
export function encodeLoose(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.charCodeAt(0);
    out += code >= 0xd800 && code <= 0xdfff && char.length === 1 ? '%ED%A0%80' : encodeURIComponent(char);
  }
  return out;
}

export type BodyEncoding = 'identity' | 'gzip' | 'deflate' | 'br';

/** Compresses correctly, or returns bytes that claim to be compressed and are not. */
export function encodeBody(rng: Rng, body: Buffer, encoding: BodyEncoding, corrupt: boolean): Buffer {
  if (encoding === 'identity') return body;
  if (corrupt) {
    const junk = Buffer.from(randomString(rng, 64), 'utf8');
    // A valid header followed by junk, or junk alone.
    const header = {
      gzip: Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
      deflate: Buffer.from([0x78, 0x9c]),
      br: Buffer.alloc(0),
    };
    return rng.chance(0.5) ? Buffer.concat([header[encoding], junk]) : junk;
  }
  if (encoding === 'gzip') return gzipSync(body);
  if (encoding === 'deflate') return deflateSync(body);
  return brotliCompressSync(body);
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Sends exactly this request (no URL normalisation) and reads the whole answer. */
export function sendRaw(baseUrl: string, raw: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: raw.method,
        path: raw.path,
        headers:
          raw.body === undefined
            ? raw.headers
            : { ...raw.headers, 'content-length': String(raw.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(raw.body);
  });
}
