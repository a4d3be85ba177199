// Bad input gets a 4xx, never a 5xx, on SQLite and PostgreSQL alike: control characters in names and ids
// are refused by the contract (openapi.yaml patterns), a NUL or a lone surrogate in any body string is
// refused at the edge with a 400 naming the field (src/http/body-strings.ts) and changes nothing, a body
// that does not decompress is a 400 problem, and a foreign error that carries a 4xx status keeps it.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOidcProvider, getOidcProviders } from '../../clients/typescript/index.js';
import { foreignErrorToSsoError } from '../../src/http/errors.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import { sendRaw, type RawResponse } from '../support/fuzz.js';
import { directoryOf } from '../support/users.js';
import { appDatabaseTargets, describeOn } from '../support/db.js';

const AUTH = `MediaBrowser Token="${BOOTSTRAP_KEY}"`;
const OIDC = { oidEndpoint: 'https://idp.example.com/realms/home', oidClientId: 'jellyfin' };
const DEVICE = {
  deviceId: 'TW96aWxsYS81LjB8MTczMjkwMDAwMDAwMA11',
  deviceName: 'Firefox',
  appName: 'Jellyfin Web',
  appVersion: '10.11.0',
  data: 'Xq3v7J0c9mWbQe2t5yK8sN1aL4pR6uZo0hGdFfCiT-M',
};
const USER_ID = '5f0c6a0e8d2b4c53a1c9a0f0e3b7d111';

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

function expectProblem(response: RawResponse, status: number, code: string): Problem {
  expect(response.status, response.body).toBe(status);
  expect(response.contentType).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(response.body) as Problem;
  expect(problem).toMatchObject({ status, code });
  return problem;
}

function fields(problem: Problem): string[] {
  return (problem.errors ?? []).map((error) => error.field);
}

for (const target of appDatabaseTargets('bad-input cases')) {
  describeOn(target, `bad input [${target.dialect}]`, () => {
    let t: TestApp;
    let cleanup: () => Promise<void> = async () => undefined;

    beforeAll(async () => {
      const prepared = await target.prepare();
      cleanup = prepared.cleanup;
      t = await startTestApp({ ...prepared.env, SSO_RATE_LIMIT: '0' });
      await addOidcProvider({ client: t.admin, path: { provider: 'kept' }, body: OIDC, throwOnError: true });
    });
    afterAll(async () => {
      await t?.close();
      await cleanup();
    });

    const get = (path: string, headers: Record<string, string> = {}) =>
      sendRaw(t.baseUrl, { method: 'GET', path, headers: { accept: 'application/json', ...headers } });
    const post = (path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
      sendRaw(t.baseUrl, {
        method: 'POST',
        path,
        headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
        body: Buffer.from(body),
      });
    const storedOidc = async () => (await getOidcProviders({ client: t.admin, throwOnError: true })).data;

    describe('control characters in names and ids', () => {
      it('when a provider name holds a NUL or another control character, then every operation answers 400 naming path.provider', async () => {
        for (const name of ['a%00b', '%00', 'x%0Ay', '%7F', '%C2%85']) {
          const answers = [
            await get(`/sso/OID/start/${name}`),
            await get(`/sso/SAML/metadata/${name}`),
            await get(`/sso/OID/redirect/${name}?state=x&code=y`),
            await get(`/sso/OID/Del/${name}`, { authorization: AUTH }),
            await post(`/sso/OID/Add/${name}`, JSON.stringify(OIDC), { authorization: AUTH }),
            await post(`/sso/OID/Auth/${name}`, JSON.stringify(DEVICE)),
            await post(`/sso/oid/Link/${name}/${USER_ID}`, JSON.stringify(DEVICE), { authorization: AUTH }),
          ];
          for (const answer of answers)
            expect(fields(expectProblem(answer, 400, 'invalid_request'))).toContain('path.provider');
        }
        expect(Object.keys(await storedOidc())).toEqual(['kept']);
      });

      it('when canonicalName, username or state hold a NUL, then 400 naming the parameter', async () => {
        const unlink = await sendRaw(t.baseUrl, {
          method: 'DELETE',
          path: `/sso/oid/Link/kept/${USER_ID}/sub%00x`,
          headers: { authorization: AUTH, accept: 'application/json' },
        });
        expect(fields(expectProblem(unlink, 400, 'invalid_request'))).toContain('path.canonicalName');
        const unregister = await post('/sso/Unregister/al%00ice', JSON.stringify('Provider'), {
          authorization: AUTH,
        });
        expect(fields(expectProblem(unregister, 400, 'invalid_request'))).toContain('path.username');
        const redirect = await get('/sso/OID/redirect/kept?state=a%00b&code=c');
        expect(fields(expectProblem(redirect, 400, 'invalid_request'))).toContain('query.state');
      });

      it('when an Auth device field holds a control character, then 400 naming the field', async () => {
        for (const field of ['deviceId', 'deviceName', 'appName', 'appVersion', 'data'] as const) {
          for (const bad of ['Fire\u0000fox', 'Fire\u0007fox', 'Fire\nfox']) {
            const answer = await post('/sso/OID/Auth/kept', JSON.stringify({ ...DEVICE, [field]: bad }));
            expect(fields(expectProblem(answer, 400, 'invalid_request'))).toContain(`/body/${field}`);
          }
        }
      });
    });

    describe('NUL and lone surrogates in stored strings', () => {
      it('when provider settings hold "\\u0000" or "\\ud800", then 400 naming the field and the provider is unchanged', async () => {
        const before = await storedOidc();
        for (const bad of ['\u0000', 'a\u0000', '\ud800', 'x\udfff']) {
          const cases: [unknown, string][] = [
            [{ ...OIDC, oidClientId: bad }, '/body/oidClientId'],
            [{ ...OIDC, roles: ['users', bad] }, '/body/roles/1'],
            [{ ...OIDC, oidAuthorizationParameters: `{"x":"${bad}"}` }, '/body/oidAuthorizationParameters'],
          ];
          for (const [body, field] of cases) {
            const answer = await post('/sso/OID/Add/kept', JSON.stringify(body), { authorization: AUTH });
            const problem = expectProblem(answer, 400, 'invalid_request');
            expect(fields(problem)).toEqual([field]);
            expect(problem.detail).toContain(field);
          }
        }
        expect(await storedOidc()).toEqual(before);
      });

      it('when a key of the body holds a NUL, then 400 naming it', async () => {
        const answer = await post(
          '/sso/OID/Add/kept',
          JSON.stringify({ ...OIDC, canonicalLinks: { 'a\u0000': 1 } }),
          {
            authorization: AUTH,
          },
        );
        expect(fields(expectProblem(answer, 400, 'invalid_request'))).toEqual([
          '/body/canonicalLinks/a\u0000',
        ]);
      });

      it('when the Unregister body is "\\u0000" or "\\ud800", then 400 naming /body and the user\'s policy is unchanged', async () => {
        const directory = directoryOf(t);
        const user = await directory.createUser('policy-kept');
        for (const bad of ['\u0000', 'Provider\u0000', '\ud800']) {
          const answer = await post('/sso/Unregister/policy-kept', JSON.stringify(bad), {
            authorization: AUTH,
          });
          expect(fields(expectProblem(answer, 400, 'invalid_request'))).toEqual(['/body']);
        }
        expect((await directory.getUserById(user.id))?.policy).toEqual(user.policy);
      });
    });

    describe('bodies that do not decompress', () => {
      it('when a gzip, deflate or br body is corrupt, then every operation with a body answers a 400 problem', async () => {
        const corrupt = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05]);
        for (const encoding of ['gzip', 'deflate', 'br']) {
          const headers = { authorization: AUTH, 'content-encoding': encoding };
          for (const path of ['/sso/OID/Add/kept', '/sso/Unregister/policy-kept', '/sso/OID/Auth/kept']) {
            expectProblem(await post(path, corrupt, headers), 400, 'invalid_request');
          }
          const acs = await sendRaw(t.baseUrl, {
            method: 'POST',
            path: '/sso/SAML/post/kept',
            headers: {
              accept: 'application/json',
              'content-type': 'application/x-www-form-urlencoded',
              'content-encoding': encoding,
            },
            body: corrupt,
          });
          expectProblem(acs, 400, 'invalid_request');
        }
      });

      it('when a gzip body is well formed, then it is read (control)', async () => {
        const answer = await post('/sso/OID/Add/zipped', gzipSync(JSON.stringify(OIDC)), {
          authorization: AUTH,
          'content-encoding': 'gzip',
        });
        expect(answer.status, answer.body).toBe(200);
        expect(Object.keys(await storedOidc())).toContain('zipped');
      });
    });
  });
}

describe('foreign errors', () => {
  const withStatus = (fields: Record<string, unknown>) => Object.assign(new Error('foreign'), fields);

  it('when a thrown error carries a 4xx status or statusCode, then it is never internal', () => {
    expect(foreignErrorToSsoError(withStatus({ status: 400 })).code).toBe('invalid_request');
    expect(foreignErrorToSsoError(withStatus({ status: 404 })).code).toBe('not_found');
    expect(foreignErrorToSsoError(withStatus({ statusCode: 413 })).code).toBe('payload_too_large');
    expect(foreignErrorToSsoError(withStatus({ statusCode: 415 })).code).toBe('unsupported_media_type');
    expect(foreignErrorToSsoError(withStatus({ status: 418 })).code).toBe('invalid_request');
    // Only our own checks decide about credentials.
    expect(foreignErrorToSsoError(withStatus({ status: 401 })).code).toBe('invalid_request');
    expect(foreignErrorToSsoError(withStatus({ statusCode: 403 })).code).toBe('invalid_request');
  });

  it('when a thrown error carries no status, a 5xx or a non-number, then it is internal and says nothing of itself', () => {
    for (const error of [
      new Error('x'),
      withStatus({ status: 500 }),
      withStatus({ status: '400' }),
      'text',
      null,
    ]) {
      const mapped = foreignErrorToSsoError(error);
      expect(mapped.code).toBe('internal');
      expect(mapped.message).not.toContain('foreign');
    }
  });
});
