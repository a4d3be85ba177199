// The sign-in steps read providers from memory (src/sso/provider-cache.ts) and check the version in the
// statement each step runs anyway. A change made by another instance sharing the database (here: a store
// on the same database, past this service's memory) counts from the very next step.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { addOidcProvider, authenticateOidc } from '../../clients/typescript/index.js';
import { createProviderStore } from '../../src/storage/provider-store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { authBody, browserGet, CookieJar, pageParams } from '../support/browser.js';
import { followLogin, jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

let idp: OidcIdp;
let t: TestApp;
let port: number;

beforeAll(async () => {
  port = await freePort();
  idp = await startOidcIdp({
    clients: [jellyfinClient(port, 'home')],
    accounts: { 'sub-bob': { preferred_username: 'bob' } },
  });
});
afterAll(async () => {
  await idp.close();
});
beforeEach(async () => {
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  const added = await addOidcProvider({
    client: t.admin,
    path: { provider: 'home' },
    body: { oidEndpoint: idp.issuer, oidClientId: 'jellyfin', oidSecret: 'jellyfin-secret', enabled: true },
  });
  expect(added.response.status).toBe(200);
});
afterEach(async () => {
  await t.close();
});

/** Switches the provider off the way another instance would: straight in the shared database. */
async function switchOffElsewhere(): Promise<void> {
  const elsewhere = createProviderStore(t.app.database);
  const provider = await elsewhere.get('oidc', 'home');
  if (provider === null) throw new Error('the provider is missing');
  await elsewhere.save('oidc', 'home', { settings: { ...provider.settings, enabled: false }, secrets: {} });
}

it('when another instance switches the provider off, then the next start here refuses it', async () => {
  const first = await browserGet(`${t.baseUrl}/sso/OID/start/home`, new CookieJar());
  expect(first.status).toBe(302);
  await switchOffElsewhere();
  const next = await browserGet(`${t.baseUrl}/sso/OID/start/home`, new CookieJar());
  expect(next.status).toBe(403);
  expect(next.text).toContain('not available');
});

it('when another instance switches the provider off after the IdP answered, then Auth here refuses the token', async () => {
  const jar = new CookieJar();
  const started = await browserGet(`${t.baseUrl}/sso/OID/start/home`, jar);
  const page = await browserGet(await followLogin(started.headers.get('location') ?? '', 'sub-bob'), jar);
  expect(page.status).toBe(200);
  await switchOffElsewhere();
  const { response, error } = await authenticateOidc({
    client: t.anonymous,
    path: { provider: 'home' },
    body: authBody(pageParams(page.text).data),
    headers: { cookie: jar.header() },
  });
  expect(response.status).toBe(403);
  expect(error?.code).toBe('provider_disabled');
});
