// A first sign-in that outlives its account claim: while its user is still being made in (the fake)
// Jellyfin, the claim's lease runs out and a second sign-in of the same identity takes over and makes the
// account. The slow one must then remove the user it made and land in the winner's account, so exactly one
// Jellyfin user is left.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addOidcProvider, authenticateOidc } from '../../clients/typescript/index.js';
import { ACCOUNT_CLAIM_LEASE_MS } from '../../src/sso/accounts.js';
import { startTestApp, TestClock, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import { followLogin, startOidcIdp, type OidcIdp, jellyfinClient } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

requireJellyfinDocuments();
describe('an account claim that lapses while its user is being made', () => {
  let fake: FakeJellyfin;
  let idp: OidcIdp;
  let t: TestApp;
  let clock: TestClock;

  beforeEach(async () => {
    const port = await freePort();
    clock = new TestClock();
    fake = await startFakeJellyfin({ version: '10.11.11' });
    idp = await startOidcIdp({
      clients: [jellyfinClient(port, 'idp')],
      accounts: { 'sub-bob': { preferred_username: 'bob', groups: ['users'] } },
    });
    t = await startTestApp(
      {
        SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
        SSO_MEDIA_SERVER: 'jellyfin',
        JELLYFIN_URL: fake.url,
        JELLYFIN_API_KEY: fake.apiKey,
      },
      { port, clock },
    );
    const added = await addOidcProvider({
      client: t.clientWith(fake.apiKey),
      path: { provider: 'idp' },
      body: {
        oidEndpoint: idp.issuer,
        oidClientId: 'jellyfin',
        oidSecret: 'jellyfin-secret',
        enabled: true,
      },
    });
    expect(added.response.status).toBe(200);
  });
  afterEach(async () => {
    await t.close();
    await idp.close();
    await fake.close();
  });

  async function verifiedSignIn(): Promise<{ token: string; jar: CookieJar }> {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/idp`, jar);
    const page = await browserGet(await followLogin(start.headers.get('location') ?? '', 'sub-bob'), jar);
    return { token: pageParams(page.text).data, jar };
  }

  function auth({ token, jar }: { token: string; jar: CookieJar }) {
    return authenticateOidc({
      client: t.anonymous,
      path: { provider: 'idp' },
      body: authBody(token),
      headers: { cookie: jar.header() },
    });
  }

  it('when the slow sign-in finishes after another took over, then its user is removed and both land in one account', async () => {
    const slow = await verifiedSignIn();
    const second = await verifiedSignIn();
    const held = fake.holdNext('CreateUserByName');
    const slowAuth = auth(slow);
    await held.arrived;

    clock.advance(ACCOUNT_CLAIM_LEASE_MS + 1_000);
    const secondAuth = await auth(second);
    expect(secondAuth.response.status).toBe(200);
    held.release();
    const slowResult = await slowAuth;

    expect(slowResult.response.status).toBe(200);
    expect(slowResult.data?.User.Id).toBe(secondAuth.data?.User.Id);
    const users = [...fake.users.values()].filter((user) => user.id !== fake.admin.id);
    expect(users.map((user) => user.name)).toEqual(['bob']);
    expect(fake.count('DeleteUser')).toBe(1);
    expect(t.logs()).toMatch(/account claim lapsed while its user was made; that user was removed/);
    expect(fake.violations).toEqual([]);
  });
});
