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
      out.push({
        operationId: String((op as Json)['operationId']),
        method,
        path,
        ...(contentType === undefined ? {} : { example: { contentType, value: media?.['example'] } }),
      });
    }
  }
  return out;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
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

  it('when every operation has a tag, then it is one of oidc, saml, links, admin, console', () => {
    const spec = loadSpec(SPEC_PATH);
    for (const item of Object.values(spec.paths ?? {})) {
      for (const op of Object.values(item ?? {})) {
        if (typeof op === 'object' && op !== null && 'tags' in op) {
          expect(['oidc', 'saml', 'links', 'admin', 'console']).toContain((op.tags as string[])[0]);
        }
      }
    }
  });

  it('when every operation is called, then none answers 501 not_implemented', async () => {
    const answering501: string[] = [];
    for (const op of specOperations()) {
      const path = op.path
        .replace('{provider}', 'nobody')
        .replace('{mode}', 'oid')
        .replace('{jellyfinUserId}', '5f0c6a0e8d2b4c53a1c9a0f0e3b7d111')
        .replace('{canonicalName}', 'alice')
        .replace('{username}', 'alice');
      const headers: Record<string, string> = {
        Authorization: 'MediaBrowser Token="test-bootstrap-key-0123456789abcdef"',
        Accept: 'application/json',
      };
      let body: string | undefined;
      if (op.example !== undefined) {
        headers['Content-Type'] = op.example.contentType;
        body =
          op.example.contentType === 'application/json'
            ? JSON.stringify(op.example.value)
            : new URLSearchParams(op.example.value as Record<string, string>).toString();
      }
      const init: RequestInit = { method: op.method.toUpperCase(), redirect: 'manual', headers, body };
      const response = await fetch(`${t.baseUrl}${path}`, init);
      if (response.status === 501) {
        const body = (await response.json()) as { code: string };
        expect(body.code).toBe('not_implemented');
        answering501.push(op.operationId);
      }
    }
    expect(answering501).toEqual([]);
  });
});
