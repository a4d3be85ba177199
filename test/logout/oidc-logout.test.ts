// Single logout against the in-process OpenID Provider, through the generated client, in both modes
// (embedded directory; Jellyfin through the fake that checks every request against the official documents):
// `/sso/logout` ends the media-server session and sends the browser to the IdP's end_session_endpoint, after
// which the IdP asks for credentials again; the IdP's own back-channel logout ends the sessions it names.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { endLogout, type Client } from '../../clients/typescript/index.js';
import { browserGet } from '../support/browser.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { CookieJar, jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { addTestProvider, signIn as signInAs } from './support.js';

const DEVICE = 'TG9nb3V0VGVzdHwxNzMyOTAwMDAwMDAw';

interface Mode {
  name: 'embedded' | 'jellyfin';
  env(fake: FakeJellyfin | null): Record<string, string>;
}
const MODES: Mode[] = [
  { name: 'embedded', env: () => ({}) },
  {
    name: 'jellyfin',
    env: (fake) => ({
      SSO_MEDIA_SERVER: 'jellyfin',
      JELLYFIN_URL: fake?.url ?? '',
      JELLYFIN_API_KEY: fake?.apiKey ?? '',
    }),
  },
];

/** Follows the IdP's logout like a browser: its confirmation form is posted, and the final redirect returned. */
async function followLogout(url: string, jar: CookieJar): Promise<URL> {
  const page = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.store(page);
  const html = await page.text();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  const action = /action="([^"]+)"/.exec(html)?.[1];
  if (xsrf === undefined || action === undefined) throw new Error(`no logout form in: ${html.slice(0, 300)}`);
  const confirmed = await fetch(new URL(action, url), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
  jar.store(confirmed);
  return new URL(confirmed.headers.get('location') ?? '', url);
}

/** Whether the IdP asks this browser to sign in (its login form) rather than answering at once. */
async function asksForLogin(authorizationUrl: string, jar: CookieJar): Promise<boolean> {
  let next = new URL(authorizationUrl);
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(response);
    const text = await response.text();
    if (response.status === 200) return text.includes('/login"');
    const location = new URL(response.headers.get('location') ?? '', next);
    if (location.origin !== next.origin) return false; // back at the service: no login asked
    next = location;
  }
  throw new Error('too many redirects');
}

describe.each(MODES)('single logout, $name mode', (mode) => {
  let idp: OidcIdp;
  let port: number;
  let fake: FakeJellyfin | null = null;
  let t: TestApp;
  let admin: Client;

  beforeAll(async () => {
    port = await freePort();
    const service = `http://127.0.0.1:${port}`;
    idp = await startOidcIdp({
      clients: [
        {
          ...jellyfinClient(port, 'test'),
          post_logout_redirect_uris: [`${service}/`, `${service}/web/index.html`],
          backchannel_logout_uri: `${service}/sso/OID/BackChannelLogout/test`,
          backchannel_logout_session_required: true,
        },
      ],
      accounts: {
        'sub-ann': { preferred_username: 'ann', groups: ['jellyfin-users'] },
        'sub-bea': { preferred_username: 'bea', groups: ['jellyfin-users'] },
      },
    });
  });
  afterAll(async () => {
    await idp.close();
  });
  beforeEach(async () => {
    fake = mode.name === 'jellyfin' ? await startFakeJellyfin({ version: '10.11.11' }) : null;
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}`, ...mode.env(fake) }, { port });
    admin = fake === null ? t.admin : t.clientWith(fake.apiKey);
    await addTestProvider(admin, idp.issuer);
  });
  afterEach(async () => {
    await t.close();
    if (fake !== null) {
      expect(fake.violations).toEqual([]);
      await fake.close();
    }
  });

  const signIn = (sub: string, idpJar: CookieJar, deviceId = DEVICE) => signInAs(t, sub, deviceId, idpJar);

  async function sessionAlive(token: string): Promise<boolean> {
    if (fake !== null) return fake.tokens.has(token);
    return (await t.app.mediaServer.resolveToken(token)) !== null;
  }

  async function newStartAsksForLogin(idpJar: CookieJar): Promise<boolean> {
    const started = await browserGet(`${t.baseUrl}/sso/OID/start/test`, new CookieJar());
    return asksForLogin(started.headers.get('location') ?? '', idpJar);
  }

  it('when the user logs out, then the session is gone, the browser goes to the IdP with the ID token, and the IdP asks for login again', async () => {
    const idpJar = new CookieJar();
    const token = await signIn('sub-ann', idpJar);
    expect(await newStartAsksForLogin(idpJar)).toBe(false); // the IdP remembers ann until the logout
    const answer = await endLogout({ client: t.anonymous, body: { accessToken: token, deviceId: DEVICE } });
    expect(answer.response.status).toBe(200);
    expect(answer.response.headers.get('cache-control')).toBe('no-store');
    const redirect = new URL(answer.data?.redirect ?? '');
    expect(redirect.origin + redirect.pathname).toBe(`${idp.issuer}/session/end`);
    expect(redirect.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    const home = mode.name === 'jellyfin' ? '/web/index.html' : '/';
    expect(redirect.searchParams.get('post_logout_redirect_uri')).toBe(`${t.baseUrl}${home}`);
    expect(await sessionAlive(token)).toBe(false);
    const back = await followLogout(redirect.href, idpJar);
    expect(back.href).toBe(`${t.baseUrl}${home}`);
    expect(await newStartAsksForLogin(idpJar)).toBe(true);
    // The record went with the logout: a second logout of the same browser knows no IdP session.
    const again = await endLogout({ client: t.anonymous, body: { accessToken: token, deviceId: DEVICE } });
    expect(again.data?.redirect).toBe(`${t.baseUrl}${home}`);
  });

  it('when a browser with no stored session logs out, then it is sent to the login page', async () => {
    const answer = await endLogout({ client: t.anonymous, body: { accessToken: null, deviceId: null } });
    expect(answer.response.status).toBe(200);
    expect(answer.data?.redirect).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/(web\/index\.html)?$/);
  });

  it("when the IdP ends its session, then its back-channel logout ends that user's sessions and no other", async () => {
    const annJar = new CookieJar();
    const ann = await signIn('sub-ann', annJar, 'ann-device');
    const bea = await signIn('sub-bea', new CookieJar(), 'bea-device');
    // Logging out at the IdP alone (another application's sign-out): the IdP posts its logout token.
    const started = await browserGet(`${idp.issuer}/session/end`, annJar);
    expect(started.status).toBe(200);
    await followLogout(`${idp.issuer}/session/end`, annJar);
    await expect.poll(() => sessionAlive(ann)).toBe(false);
    expect(await sessionAlive(bea)).toBe(true);
  });
});
