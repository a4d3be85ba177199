// The HTTP edge (src/http/api.ts, errors.ts, routing.ts): routing in any letter case, provider names
// case-sensitive, problem documents for every failure of an API call (with the request id), HTML pages for
// browser steps, and JSON log lines carrying the request id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addOidcProvider,
  deleteOidcProvider,
  getOidcProviderNames,
  getOidcProviders,
  startOidcLogin,
} from '../../clients/typescript/index.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';

const OIDC = { oidEndpoint: 'https://idp.example.com/realms/home', oidClientId: 'jellyfin' };
const AUTH = `MediaBrowser Token="${BOOTSTRAP_KEY}"`;

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  requestId: string;
  errors?: { field: string; message: string }[];
}

let t: TestApp;
/** Request ids of every problem answer seen, to find their log lines. */
const problemRequestIds: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ SSO_BODY_LIMIT: '4096' });
});
afterAll(async () => {
  await t.close();
});

function raw(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${t.baseUrl}${path}`, { redirect: 'manual', ...init });
}

/** Asserts an RFC 9457 problem with the given status and code, whose requestId is the X-Request-Id. */
async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const text = await response.text();
  expect(text.trimStart().startsWith('<')).toBe(false);
  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({ type: 'about:blank', status, code });
  expect(problem.detail.length).toBeGreaterThan(0);
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(problem.requestId).toBe(requestId);
  problemRequestIds.push(problem.requestId);
  return problem;
}

async function names(): Promise<string[]> {
  const { data, response } = await getOidcProviderNames({ client: t.anonymous });
  expect(response.status).toBe(200);
  return data ?? [];
}

describe('routing', () => {
  it('when literal segments are in lower or upper case, then the operation is found', async () => {
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'routing-probe' },
      body: OIDC,
      throwOnError: true,
    });
    const expected = await names();
    expect(expected).toContain('routing-probe');
    for (const path of ['/sso/oid/getnames', '/SSO/OID/GETNAMES', '/sSo/OiD/gEtNaMeS']) {
      const response = await raw(path);
      expect(response.status, path).toBe(200);
      expect(await response.json()).toEqual(expected);
    }
  });

  it('when the path ends with a slash, then it is the same operation', async () => {
    const response = await raw('/sso/OID/GetNames/');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(await names());
    const get = await raw('/sso/oid/get/', { headers: { Authorization: AUTH } });
    expect(get.status).toBe(200);
  });

  it('when a provider differs only in letter case, then it is another provider', async () => {
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'Authentik' },
      body: OIDC,
      throwOnError: true,
    });
    expect(await names()).toContain('Authentik');
    expect(await names()).not.toContain('authentik');

    const del = await deleteOidcProvider({ client: t.admin, path: { provider: 'authentik' } });
    expect(del.response.status).toBe(404);
    expect((del.error as Problem).code).toBe('provider_not_found');
    const { data: providers } = await getOidcProviders({ client: t.admin, throwOnError: true });
    expect(Object.keys(providers)).toContain('Authentik');
    expect(Object.keys(providers)).not.toContain('authentik');

    await addOidcProvider({
      client: t.admin,
      path: { provider: 'authentik' },
      body: { ...OIDC, oidClientId: 'lower' },
      throwOnError: true,
    });
    const both = (await getOidcProviders({ client: t.admin, throwOnError: true })).data;
    expect(both['Authentik']?.oidClientId).toBe('jellyfin');
    expect(both['authentik']?.oidClientId).toBe('lower');

    // Literal segments in lower case, the provider in its own case.
    const response = await raw('/sso/oid/del/Authentik', { headers: { Authorization: AUTH } });
    expect(response.status).toBe(200);
    expect(await names()).not.toContain('Authentik');
    expect(await names()).toContain('authentik');
  });

  it('when the route is unknown, then the answer is a 404 problem', async () => {
    await expectProblem(await raw('/sso/nope'), 404, 'not_found');
    await expectProblem(await raw('/sso/OID/Add'), 404, 'not_found');
    await expectProblem(
      await raw('/elsewhere/entirely', { headers: { Accept: 'text/html' } }),
      404,
      'not_found',
    );
  });

  it('when the method is wrong for an existing path, then the answer is a 405 problem', async () => {
    await expectProblem(
      await raw('/sso/OID/Get', { method: 'PUT', headers: { Authorization: AUTH } }),
      405,
      'method_not_allowed',
    );
    await expectProblem(await raw('/sso/OID/GetNames', { method: 'POST' }), 405, 'method_not_allowed');
    await expectProblem(
      await raw('/sso/OID/Add/x', { method: 'GET', headers: { Authorization: AUTH } }),
      405,
      'method_not_allowed',
    );
    await expectProblem(await raw('/sso/SAML/post/x', { method: 'GET' }), 405, 'method_not_allowed');
  });
});

describe('405 answers', () => {
  it('when the method is wrong, then the 405 lists the allowed methods in Allow (RFC 9110 §15.5.6)', async () => {
    const get = await raw('/sso/OID/Get', { method: 'PUT', headers: { Authorization: AUTH } });
    await expectProblem(get.clone(), 405, 'method_not_allowed');
    expect(get.headers.get('allow')).toBe('GET');
    const both = await raw('/sso/saml/P/x', { method: 'DELETE' });
    await expectProblem(both.clone(), 405, 'method_not_allowed');
    expect(
      (both.headers.get('allow') ?? '')
        .split(',')
        .map((m) => m.trim())
        .sort(),
    ).toEqual(['GET', 'POST']);
  });
});

describe('provider names with encoded reserved characters', () => {
  it('when a provider name holds an encoded "?", then it is refused and nothing is stored under a cut name', async () => {
    const before = await names();
    const result = await addOidcProvider({ client: t.admin, path: { provider: 'q?x' }, body: OIDC });
    expect(result.response.status).toBe(400);
    expect(await names()).toEqual(before);
    expect(await names()).not.toContain('q');
  });

  it('when Del names a provider with an encoded "?", then a provider named by the part before it is not deleted', async () => {
    await addOidcProvider({ client: t.admin, path: { provider: 'keep-me' }, body: OIDC, throwOnError: true });
    const result = await deleteOidcProvider({ client: t.admin, path: { provider: 'keep-me?really' } });
    expect(result.response.status).toBe(404);
    expect(await names()).toContain('keep-me');
  });

  it('when a provider name holds an encoded "%", then the answer is a client error, never a 500', async () => {
    const add = await addOidcProvider({ client: t.admin, path: { provider: '50%off' }, body: OIDC });
    expect(add.response.status).toBe(400);
    const del = await deleteOidcProvider({ client: t.admin, path: { provider: '50%off' } });
    expect(del.response.status).toBe(404);
    const start = await raw('/sso/OID/start/100%25', { headers: { Accept: 'application/json' } });
    expect(start.status).toBeGreaterThanOrEqual(400);
    expect(start.status).toBeLessThan(500);
  });

  it('when a provider name holds an encoded "/", then it is refused (400 or 404) and not stored', async () => {
    const before = await names();
    const result = await addOidcProvider({ client: t.admin, path: { provider: 'a/b' }, body: OIDC });
    expect([400, 404]).toContain(result.response.status);
    expect(await names()).toEqual(before);
  });
});

describe('request validation', () => {
  it('when a field has the wrong type, then the 400 problem names the field', async () => {
    const result = await addOidcProvider({
      client: t.admin,
      path: { provider: 'typed' },
      body: { ...OIDC, enabled: 'yes' as unknown as boolean },
    });
    expect(result.response.status).toBe(400);
    const problem = result.error as Problem;
    expect(problem.code).toBe('invalid_request');
    expect(problem.errors?.map((e) => e.field)).toContain('/body/enabled');
    expect(problem.requestId).toBe(result.response.headers.get('x-request-id'));
  });

  it('when a required field is missing, then the 400 problem names it', async () => {
    const result = await addOidcProvider({
      client: t.admin,
      path: { provider: 'missing' },
      body: { oidEndpoint: OIDC.oidEndpoint } as typeof OIDC,
    });
    expect(result.response.status).toBe(400);
    expect((result.error as Problem).errors?.map((e) => e.field)).toContain('/body/oidClientId');
  });

  it('when an unknown field is sent, then the 400 problem names it', async () => {
    const result = await addOidcProvider({
      client: t.admin,
      path: { provider: 'unknown-field' },
      body: { ...OIDC, bogusSetting: 1 } as typeof OIDC,
    });
    expect(result.response.status).toBe(400);
    expect((result.error as Problem).errors).toContainEqual({
      field: '/body/bogusSetting',
      message: expect.any(String),
    });
  });

  it('when the body is malformed JSON, then the answer is a 400 problem, never an HTML page', async () => {
    for (const accept of ['application/json', 'text/html', '*/*']) {
      const response = await raw('/sso/OID/Add/x', {
        method: 'POST',
        headers: { Authorization: AUTH, 'Content-Type': 'application/json', Accept: accept },
        body: '{"oidEndpoint": "https://idp", ',
      });
      const problem = await expectProblem(response, 400, 'invalid_request');
      expect(problem.detail).not.toMatch(/SyntaxError|at JSON\.parse|node_modules/);
    }
  });

  it('when the body is over the size limit, then the answer is a 413 problem', async () => {
    const response = await raw('/sso/OID/Add/x', {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...OIDC, roles: Array.from({ length: 400 }, (_, i) => `role-${i}`) }),
    });
    await expectProblem(response, 413, 'payload_too_large');
  });

  it('when the body is not of a media type the operation takes, then the answer is a 415 problem', async () => {
    await expectProblem(
      await raw('/sso/OID/Add/x', {
        method: 'POST',
        headers: { Authorization: AUTH, 'Content-Type': 'text/plain' },
        body: JSON.stringify(OIDC),
      }),
      415,
      'unsupported_media_type',
    );
    await expectProblem(
      await raw('/sso/OID/Add/x', {
        method: 'POST',
        headers: { Authorization: AUTH, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'oidEndpoint=https%3A%2F%2Fidp&oidClientId=x',
      }),
      415,
      'unsupported_media_type',
    );
    await expectProblem(
      await raw('/sso/Unregister/alice', {
        method: 'POST',
        headers: { Authorization: AUTH, 'Content-Type': 'text/plain' },
        body: '"Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider"',
      }),
      415,
      'unsupported_media_type',
    );
  });

  it('when the Content-Type has parameters, then the media type still matches', async () => {
    const response = await raw('/sso/OID/Add/charset-param', {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify(OIDC),
    });
    expect(response.status).toBe(200);
  });

  it('when the body has a "__proto__" key, then it is an unknown field and nothing it carries is applied', async () => {
    const response = await raw('/sso/OID/Add/proto', {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
      body: `{"oidEndpoint":"${OIDC.oidEndpoint}","oidClientId":"x","__proto__":{"enabled":true,"roles":["smuggled"]}}`,
    });
    const problem = await expectProblem(response, 400, 'invalid_request');
    expect(problem.errors?.map((e) => e.field)).toContain('/body/__proto__');
    expect(await names()).not.toContain('proto');
  });

  it('when keys repeat in different letter cases, then the 400 problem names the field', async () => {
    const response = await raw('/sso/OID/Add/dupe', {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...OIDC, enabled: true, Enabled: false }),
    });
    const problem = await expectProblem(response, 400, 'invalid_request');
    expect(problem.errors?.map((e) => e.field)).toContain('/body/enabled');
  });
});

describe('browser steps', () => {
  const provider = 'no-such-provider-<img src=x onerror=alert(1)>';

  it('when a browser asks for a failing browser step, then it gets an HTML page with a strict CSP and no-store', async () => {
    const result = await startOidcLogin({
      client: t.anonymous,
      path: { provider },
      headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
      redirect: 'manual',
    });
    const response = result.response;
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = result.error as unknown as string;
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(response.headers.get('x-request-id') ?? 'missing request id');
    // Whatever the page echoes is escaped.
    expect(html).not.toContain('<img');
  });

  it('when the same step is called with Accept: application/json, then it gets the problem JSON with the same status', async () => {
    const asBrowser = await startOidcLogin({
      client: t.anonymous,
      path: { provider },
      headers: { Accept: 'text/html' },
      redirect: 'manual',
    });
    const asApi = await raw(`/sso/OID/start/${encodeURIComponent(provider)}`, {
      headers: { Accept: 'application/json' },
    });
    const problem = await expectProblem(asApi, asBrowser.response.status, 'provider_not_found');
    expect(problem.status).toBe(404);
  });

  it('when an API operation fails for a browser, then it still answers problem JSON', async () => {
    const response = await raw('/sso/OID/Get', { headers: { Accept: 'text/html' } });
    await expectProblem(response, 401, 'unauthenticated');
  });
});

describe('logs', () => {
  it('when requests were served, then every log line is JSON and every request line carries its request id', async () => {
    const response = await raw('/sso/OID/GetNames');
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = t
      .logs()
      .split('\n')
      .filter((line) => line !== '');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLines = entries.filter((e) => e['msg'] === 'request' || 'operationId' in e || 'code' in e);
    expect(requestLines.length).toBeGreaterThan(0);
    for (const entry of requestLines) expect(typeof entry['requestId']).toBe('string');
    expect(entries.some((e) => e['requestId'] === requestId)).toBe(true);
    expect(problemRequestIds.length).toBeGreaterThan(5);
    for (const id of problemRequestIds) {
      expect(
        entries.some((e) => e['requestId'] === id),
        id,
      ).toBe(true);
    }
  });

  it('when a credential is sent, then it appears in no log line', () => {
    expect(t.logs()).not.toContain(BOOTSTRAP_KEY);
  });
});
