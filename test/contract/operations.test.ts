// The contract and the server agree: every operation in openapi.yaml has exactly one handler, the error
// codes of the spec are the domain's, and the operations not built yet are exactly the listed ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/http/api.js';
import { browserStepsOf } from '../../src/http/browser-steps.js';
import { SPEC_PATH } from '../../src/app.js';
import { ssoErrorCodes } from '../../src/sso/errors.js';
import { startTestApp, type TestApp } from '../support/app.js';

interface SpecOperation {
  operationId: string;
  method: string;
  path: string;
  /** The request body example of the spec, with its media type. */
  example?: { contentType: string; value: unknown };
  /** The body schema of that media type. */
  bodySchema?: Json;
  /** The path and query parameters, `$ref`s resolved. */
  parameters: { name: string; in: string; schema: Json }[];
}

type Json = Record<string, unknown>;

function resolveRef(spec: Json, node: unknown): Json | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const ref = (node as Json)['$ref'];
  if (typeof ref !== 'string') return node as Json;
  let target: unknown = spec;
  for (const part of ref.replace(/^#\//, '').split('/')) target = (target as Json)[part];
  return resolveRef(spec, target);
}

function specOperations(): SpecOperation[] {
  const spec = loadSpec(SPEC_PATH) as unknown as Json;
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries(spec['paths'] as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || op === null || !('operationId' in op)) continue;
      const body = resolveRef(spec, (op as Json)['requestBody']);
      const content = body?.['content'] as Record<string, Json> | undefined;
      const [contentType, media] = Object.entries(content ?? {})[0] ?? [];
      const declared = [
        ...((item['parameters'] as unknown[]) ?? []),
        ...(((op as Json)['parameters'] as unknown[]) ?? []),
      ];
      const parameters = declared
        .map((parameter) => resolveRef(spec, parameter))
        .filter((parameter): parameter is Json => parameter !== undefined)
        .map((parameter) => ({
          name: String(parameter['name']),
          in: String(parameter['in']),
          schema: resolveRef(spec, parameter['schema']) ?? {},
        }));
      const bodySchema = resolveRef(spec, media?.['schema']);
      out.push({
        operationId: String((op as Json)['operationId']),
        method,
        path,
        parameters,
        ...(contentType === undefined ? {} : { example: { contentType, value: media?.['example'] } }),
        ...(bodySchema === undefined ? {} : { bodySchema }),
      });
    }
  }
  return out;
}

let t: TestApp;
beforeAll(async () => {
  // Every operation is called many times from one address: the public ones must not meet the rate limit.
  t = await startTestApp({ SSO_RATE_LIMIT: '0' });
});
afterAll(async () => {
  await t.close();
});

describe('operations', () => {
  it('when the app starts, then the registered handlers are exactly the operations of the spec', () => {
    expect(new Set(t.app.http.handled)).toEqual(new Set(specOperations().map((op) => op.operationId)));
  });

  it('when the spec lists error codes, then they are exactly the domain error codes', () => {
    const spec = loadSpec(SPEC_PATH) as unknown as {
      components: { schemas: { Problem: { properties: { code: { enum: string[] } } } } };
    };
    expect(spec.components.schemas.Problem.properties.code.enum).toEqual([...ssoErrorCodes]);
  });

  it('when an operation answers a redirect or a page, then the spec marks it as a browser step', () => {
    const spec = loadSpec(SPEC_PATH) as unknown as Json;
    const answersBrowser: string[] = [];
    for (const item of Object.values(spec['paths'] as Record<string, Json>)) {
      for (const op of Object.values(item)) {
        if (typeof op !== 'object' || op === null || !('operationId' in op)) continue;
        const responses = Object.entries((op as Json)['responses'] as Json);
        const browser = responses.some(([status, response]) => {
          const content = resolveRef(spec, response)?.['content'] as Json | undefined;
          return status === '302' || (status === '200' && content?.['text/html'] !== undefined);
        });
        if (browser) answersBrowser.push(String((op as Json)['operationId']));
      }
    }
    expect(answersBrowser.length).toBeGreaterThan(0);
    expect(browserStepsOf(loadSpec(SPEC_PATH))).toEqual(new Set(answersBrowser));
  });

  it('when every operation has a tag, then it is one of oidc, saml, links, admin, console, device, quickconnect, health, landing, logout, account', () => {
    const spec = loadSpec(SPEC_PATH);
    for (const item of Object.values(spec.paths ?? {})) {
      for (const op of Object.values(item ?? {})) {
        if (typeof op === 'object' && op !== null && 'tags' in op) {
          expect([
            'oidc',
            'saml',
            'links',
            'admin',
            'console',
            'device',
            'quickconnect',
            'health',
            'landing',
            'logout',
            'account',
          ]).toContain((op.tags as string[])[0]);
        }
      }
    }
  });

  it('when every operation is called, then none answers 501 not_implemented', async () => {
    const answering501: string[] = [];
    for (const op of specOperations()) {
      const response = await callOperation(op, {});
      if (response.status === 501) {
        const body = (await response.json()) as { code: string };
        expect(body.code).toBe('not_implemented');
        answering501.push(op.operationId);
      }
    }
    expect(answering501).toEqual([]);
  });

  it('when any declared input of any operation breaks its schema, then the operation answers 400 naming it', async () => {
    const refusals: string[] = [];
    const checked: string[] = [];
    for (const op of specOperations()) {
      for (const parameter of op.parameters) {
        const bad = valueBreaking(parameter.schema);
        const response = await callOperation(op, { [parameter.in]: { [parameter.name]: bad } });
        const problem = (await response.json()) as { code?: string; errors?: { field: string }[] };
        checked.push(`${op.operationId} ${parameter.in}.${parameter.name}`);
        if (response.status !== 400 || problem.code !== 'invalid_request') {
          refusals.push(`${op.operationId} ${parameter.in}.${parameter.name}: ${response.status}`);
        } else {
          expect(problem.errors?.map((e) => e.field)).toContain(`${parameter.in}.${parameter.name}`);
        }
      }
      if (op.bodySchema !== undefined) {
        const wrongType = op.bodySchema['type'] === 'string' ? 42 : 'not an object';
        const response = await callOperation(op, { body: wrongType });
        const problem = (await response.json()) as { code?: string };
        checked.push(`${op.operationId} body`);
        if (response.status !== 400 || problem.code !== 'invalid_request') {
          refusals.push(`${op.operationId} body: ${response.status}`);
        }
      }
    }
    expect(refusals).toEqual([]);
    // Every operation with a path parameter or a body is among them (most of the spec).
    expect(checked.length).toBeGreaterThan(40);
  });
});

/** A value the schema refuses: past its length limit, outside its enum or pattern, or of another type. */
function valueBreaking(schema: Json): string {
  if (Array.isArray(schema['enum'])) return 'not-listed';
  if (schema['type'] === 'integer' || schema['type'] === 'number') return 'not-a-number';
  if (schema['type'] === 'boolean') return 'maybe';
  if (typeof schema['maxLength'] === 'number') return 'a'.repeat(schema['maxLength'] + 1);
  if (schema['format'] === 'date-time') return 'not-a-date';
  const pattern = typeof schema['pattern'] === 'string' ? new RegExp(schema['pattern']) : null;
  const breaking = ['zz', '\u0001'].find((value) => pattern !== null && !pattern.test(value));
  if (breaking === undefined) throw new Error(`no value breaks ${JSON.stringify(schema)}`);
  return breaking;
}

/**
 * Calls an operation with the bootstrap key, valid path values, and its spec example as body; `replace`
 * puts other values in the path, the query or the body.
 */
function callOperation(
  op: SpecOperation,
  replace: { path?: Record<string, string>; query?: Record<string, string>; body?: unknown },
): Promise<Response> {
  const values: Record<string, string> = {
    provider: 'nobody',
    mode: 'oid',
    jellyfinUserId: '5f0c6a0e8d2b4c53a1c9a0f0e3b7d111',
    canonicalName: 'alice',
    username: 'alice',
    asset: 'index.js',
    deviceId: 'TW96aWxsYS81LjAgKFgxMTsgTGludXg',
    ...replace.path,
  };
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
  const query = new URLSearchParams(replace.query ?? {}).toString();
  const headers: Record<string, string> = {
    Authorization: 'MediaBrowser Token="test-bootstrap-key-0123456789abcdef"',
    Accept: 'application/json',
  };
  let body: string | undefined;
  if (op.example !== undefined) {
    headers['Content-Type'] = op.example.contentType;
    const value = 'body' in replace ? replace.body : op.example.value;
    body =
      op.example.contentType === 'application/json'
        ? JSON.stringify(value)
        : new URLSearchParams(typeof value === 'object' ? (value as Record<string, string>) : {}).toString();
  }
  const init: RequestInit = { method: op.method.toUpperCase(), redirect: 'manual', headers, body };
  return fetch(`${t.baseUrl}${path}${query === '' ? '' : `?${query}`}`, init);
}
