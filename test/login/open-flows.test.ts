// Open sign-ins per client (SSO_MAX_OPEN_FLOWS): every start, OIDC and SAML, both aliases, counts against
// the client's open flows, so that one address cannot fill the database; over the limit the start answers
// 429 with a readable page and stores nothing. Finished and expired flows free their place.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addOidcProvider, addSamlProvider, authenticateOidc } from '../../clients/typescript/index.js';
import { startTestApp, TestClock, type TestApp } from '../support/app.js';
import { authBody, CookieJar, browserGet, pageParams } from '../support/browser.js';
import { followLogin, startOidcIdp, type OidcIdp, jellyfinClient } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

const IDP_CERTIFICATE = readFileSync(new URL('../fixtures/saml/idp-cert.pem', import.meta.url), 'utf8')
  .replace(/-----[A-Z ]+-----/g, '')
  .replace(/\s+/g, '');

let idp: OidcIdp;
let t: TestApp;
let clock: TestClock;
let port: number;

beforeAll(async () => {
  port = await freePort();
  idp = await startOidcIdp({
    clients: [jellyfinClient(port, 'home')],
    accounts: { 'sub-bob': { preferred_username: 'bob', groups: ['jellyfin-users'] } },
  });
});
afterAll(async () => {
  await idp.close();
});
beforeEach(async () => {
  clock = new TestClock();
  t = await startTestApp(
    {
      SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      SSO_MAX_OPEN_FLOWS: '2',
      SSO_FLOW_TTL: '600',
      // Behind a trusted proxy the client address comes from X-Forwarded-For.
      SSO_TRUST_PROXY: 'true',
    },
    { clock, port },
  );
  const oidc = await addOidcProvider({
    client: t.admin,
    path: { provider: 'home' },
    body: { oidEndpoint: idp.issuer, oidClientId: 'jellyfin', oidSecret: 'jellyfin-secret', enabled: true },
  });
  expect(oidc.response.status).toBe(200);
  const saml = await addSamlProvider({
    client: t.admin,
    path: { provider: 'corp' },
    body: {
      samlEndpoint: 'https://idp.example.test/sso',
      samlClientId: 'jellyfin',
      samlCertificate: IDP_CERTIFICATE,
      enabled: true,
    },
  });
  expect(saml.response.status).toBe(200);
});
afterEach(async () => {
  await t.close();
});

/** A start from `address`, as a browser behind the proxy would send it. */
async function startFrom(address: string, path: string, jar = new CookieJar()) {
  const response = await fetch(`${t.baseUrl}${path}`, {
    redirect: 'manual',
    headers: { 'X-Forwarded-For': address, accept: 'text/html' },
  });
  jar.store(response);
  return { status: response.status, headers: response.headers, text: await response.text(), jar };
}

async function storedFlows(): Promise<number> {
  const rows = await t.app.database.orm.em
    .getConnection()
    .execute<{ n: number | string }[]>('select count(*) as n from sso_login_flow');
  return Number(rows[0]?.n);
}

describe('open sign-ins per client', () => {
  it('when a client has as many open sign-ins as allowed, then every kind of start is refused with a readable 429 page', async () => {
    expect((await startFrom('203.0.113.10', '/sso/OID/start/home')).status).toBe(302);
    expect((await startFrom('203.0.113.10', '/sso/SAML/p/corp')).status).toBe(302);
    expect(await storedFlows()).toBe(2);

    for (const path of [
      '/sso/OID/start/home',
      '/sso/OID/p/home',
      '/sso/SAML/start/corp',
      '/sso/SAML/p/corp',
    ]) {
      const refused = await startFrom('203.0.113.10', path);
      expect(refused.status, path).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
      expect(refused.headers.get('retry-after')).toBe('60');
      expect(refused.text).toContain('Too many sign-ins are open from your address');
      expect(refused.text).toContain('open_sign_ins_limit');
    }
    expect(await storedFlows()).toBe(2);

    // Another client is not affected.
    expect((await startFrom('203.0.113.11', '/sso/OID/p/home')).status).toBe(302);
  });

  it('when one machine rotates through addresses of its IPv6 /64, then they count as one client', async () => {
    expect((await startFrom('2001:db8:1:2::a', '/sso/SAML/start/corp')).status).toBe(302);
    expect((await startFrom('2001:db8:1:2::b', '/sso/OID/start/home')).status).toBe(302);
    expect((await startFrom('2001:db8:1:2:ffff:1:2:3', '/sso/SAML/p/corp')).status).toBe(429);
    expect((await startFrom('2001:db8:1:3::a', '/sso/SAML/p/corp')).status).toBe(302);
  });

  it('when an open sign-in is finished or expires, then it no longer counts', async () => {
    const first = await startFrom('203.0.113.20', '/sso/OID/start/home');
    expect((await startFrom('203.0.113.20', '/sso/SAML/start/corp')).status).toBe(302);
    expect((await startFrom('203.0.113.20', '/sso/OID/start/home')).status).toBe(429);

    const callback = await followLogin(first.headers.get('location') ?? '', 'sub-bob');
    const page = await browserGet(callback, first.jar);
    const { response } = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'home' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: first.jar.header() },
    });
    expect(response.status).toBe(200);
    expect((await startFrom('203.0.113.20', '/sso/OID/start/home')).status).toBe(302);
    expect((await startFrom('203.0.113.20', '/sso/OID/start/home')).status).toBe(429);

    clock.advance(600_000);
    expect((await startFrom('203.0.113.20', '/sso/SAML/start/corp')).status).toBe(302);
    expect((await startFrom('203.0.113.20', '/sso/SAML/start/corp')).status).toBe(302);
  });
});
