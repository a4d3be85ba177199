// GetNames answers prepared bytes with a strong ETag (src/http/replies.ts): a request holding the current
// tag gets 304 without a body, and a change of the provider list through this instance changes the tag at
// once. Its exact targets skip express's router (src/http/api.ts, skipRouterFor): they answer as the
// routed spellings do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOidcProvider, deleteOidcProvider } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';

const OIDC = { oidEndpoint: 'https://idp.example.com/realms/home', oidClientId: 'jellyfin' };

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

function getNames(mode: 'OID' | 'SAML', ifNoneMatch?: string): Promise<Response> {
  const headers: Record<string, string> = ifNoneMatch === undefined ? {} : { 'If-None-Match': ifNoneMatch };
  return fetch(`${t.baseUrl}/sso/${mode}/GetNames`, { headers });
}

async function currentTag(mode: 'OID' | 'SAML'): Promise<string> {
  const response = await getNames(mode);
  expect(response.status).toBe(200);
  const etag = response.headers.get('etag');
  expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/); // strong: no W/ prefix
  return etag ?? '';
}

describe('GetNames ETag', () => {
  it('when the list is asked for, then it comes with a strong ETag, no-cache and the security headers', async () => {
    for (const mode of ['OID', 'SAML'] as const) {
      const response = await getNames(mode);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(await response.json()).toEqual([]);
    }
  });

  it('when If-None-Match holds the current tag, then 304 without a body, with the tag and the security headers', async () => {
    const etag = await currentTag('OID');
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await getNames('OID', header);
      expect(response.status, header).toBe(304);
      expect(response.headers.get('etag')).toBe(etag);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-request-id')).not.toBeNull();
      expect(await response.text()).toBe('');
    }
  });

  it('when If-None-Match holds another tag, then the whole list', async () => {
    const response = await getNames('OID', '"not-the-tag"');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });

  it('when a provider is added or deleted through this instance, then the next GetNames has a new tag at once', async () => {
    const empty = await currentTag('OID');
    const saml = await currentTag('SAML');
    await addOidcProvider({ client: t.admin, path: { provider: 'etag-a' }, body: OIDC, throwOnError: true });

    const afterAdd = await getNames('OID', empty);
    expect(afterAdd.status).toBe(200);
    expect(await afterAdd.json()).toEqual(['etag-a']);
    const added = afterAdd.headers.get('etag');
    expect(added).not.toBe(empty);
    expect((await getNames('OID', added ?? '')).status).toBe(304);
    // The other protocol's list did not change, nor did its tag.
    expect((await getNames('SAML', saml)).status).toBe(304);

    await deleteOidcProvider({ client: t.admin, path: { provider: 'etag-a' }, throwOnError: true });
    const afterDelete = await getNames('OID', added ?? '');
    expect(afterDelete.status).toBe(200);
    expect(await afterDelete.json()).toEqual([]);
    // The tag is a digest of the bytes: the same list has the same tag again.
    expect(afterDelete.headers.get('etag')).toBe(empty);
  });
});

/** Status, headers but the per-request ones (X-Request-Id, Date), and body of a request. */
async function answerOf(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.baseUrl}${path}`, { headers });
  const shown = [...response.headers].filter(([name]) => name !== 'x-request-id' && name !== 'date');
  expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  return { status: response.status, headers: shown, body: await response.text() };
}

describe('GetNames without the router', () => {
  it('when GetNames is asked for at its exact path, then it answers as the routed spellings do', async () => {
    await addOidcProvider({ client: t.admin, path: { provider: 'alike' }, body: OIDC, throwOnError: true });
    try {
      for (const mode of ['OID', 'SAML'] as const) {
        const exact = await answerOf(`/sso/${mode}/GetNames`);
        expect(exact.status).toBe(200);
        expect(await answerOf(`/sso/${mode.toLowerCase()}/getnames`)).toEqual(exact);
        expect(await answerOf(`/sso/${mode}/GetNames?unused=1`)).toEqual(exact);
        const etag = exact.headers.find(([name]) => name === 'etag')?.[1] ?? '';
        const notModified = await answerOf(`/sso/${mode}/GetNames`, { 'If-None-Match': etag });
        expect(notModified.status).toBe(304);
        expect(await answerOf(`/sso/${mode}/getNames`, { 'If-None-Match': etag })).toEqual(notModified);
      }
    } finally {
      await deleteOidcProvider({ client: t.admin, path: { provider: 'alike' }, throwOnError: true });
    }
  });

  it('when another method asks for the exact path, then the router answers it as before (405 with Allow)', async () => {
    for (const method of ['HEAD', 'POST', 'DELETE']) {
      const response = await fetch(`${t.baseUrl}/sso/OID/GetNames`, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
