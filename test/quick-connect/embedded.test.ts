// A TV signs in through SSO in embedded mode: the service is the TV's Jellyfin (Initiate, Connect polling,
// AuthenticateWithQuickConnect) and the person authorizes its code at /sso/device through the in-process
// OpenID Provider (and the SAML test IdP). Refused users, wrong, expired and reused codes authorize nothing;
// guessing codes hits the attempt limits; a TV's flow serves no other step and no other flow serves a TV.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  authenticateOidc,
  getDevicePage,
  getOidcStates,
  listOidcLinks,
} from '../../clients/typescript/index.js';
import { startTestApp, TestClock, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import { appDatabaseTargets, describeOn } from '../support/db.js';
import { errorPageOf } from '../support/error-page.js';
import { followLogin, jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { createTestSamlIdp } from '../support/linked-users.js';
import { DEVICE_ATTEMPTS_PER_CLIENT, DEVICE_ATTEMPTS_PER_CODE } from '../../src/http/handlers/device.js';
import {
  TV_DEVICE,
  addCorpSamlProvider,
  addGatedOidcProvider,
  authorizeFromPage,
  tvAtService,
  typeCodeAndSignIn,
} from './tv.js';

const ACCOUNTS = {
  'sub-alice': { preferred_username: 'alice', groups: ['jellyfin-users'] },
  'sub-eve': { preferred_username: 'eve', groups: ['strangers'] },
};

let idp: OidcIdp;
let t: TestApp;
let clock: TestClock;
let port: number;

function configureOidc(roles = ['jellyfin-users']): Promise<void> {
  return addGatedOidcProvider(t.admin, idp.issuer, roles);
}

beforeAll(async () => {
  port = await freePort();
  idp = await startOidcIdp({ clients: [jellyfinClient(port, 'idp')], accounts: ACCOUNTS });
});
afterAll(async () => {
  await idp.close();
});
// Codes live in the database: every case runs on SQLite and, with TEST_PG_URL, on PostgreSQL.
for (const target of appDatabaseTargets('Quick Connect in embedded mode')) {
  describeOn(target, `a TV signed in through SSO (embedded, ${target.dialect})`, () => {
    let cleanup: () => Promise<void> = async () => undefined;
    beforeEach(async () => {
      const prepared = await target.prepare();
      cleanup = prepared.cleanup;
      clock = new TestClock();
      t = await startTestApp(
        { SSO_PUBLIC_URL: `http://127.0.0.1:${port}`, ...prepared.env },
        { clock, port },
      );
      await configureOidc();
    });
    afterEach(async () => {
      await t.close();
      await cleanup();
    });

    it('when alice types the TV code and signs in at the OIDC IdP, then the TV polls, exchanges once and is signed in as alice', async () => {
      const tv = tvAtService(t.anonymous);
      const request = await tv.initiate();
      expect(request.Code).toMatch(/^\d{6}$/);
      expect((await tv.poll(request.Secret)).Authenticated).toBe(false);

      const form = await getDevicePage({
        client: t.anonymous,
        query: { code: request.Code },
        parseAs: 'text',
      });
      expect(form.response.headers.get('cache-control')).toBe('no-store');
      expect(String(form.data)).toContain(`value="${request.Code}"`);

      const { start, page, jar } = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-alice');
      expect(start.status).toBe(302);
      expect(page?.text).not.toContain(request.Code);
      expect(page?.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
      const authorized = await authorizeFromPage(t.anonymous, page ?? { text: '' }, jar);
      expect(authorized.response.status).toBe(200);
      expect(authorized.data?.userName).toBe('alice');
      expect(t.logs()).not.toContain(request.Code);

      expect((await tv.poll(request.Secret)).Authenticated).toBe(true);
      const session = await tv.authenticate(request.Secret);
      expect(session.status).toBe(200);
      const result = session.body as {
        User: { Name: string; Id: string };
        AccessToken: string;
        SessionInfo: { DeviceId: string };
      };
      expect(result.User.Name).toBe('alice');
      expect(result.SessionInfo.DeviceId).toBe(TV_DEVICE.DeviceId);
      // The TV's token is a credential of the service like any session.
      const links = await listOidcLinks({
        client: t.clientWith(result.AccessToken),
        path: { jellyfinUserId: result.User.Id },
      });
      expect(links.data).toEqual({ idp: ['sub-alice'] });
      // Exchanged once: a replayed secret gets nothing.
      expect((await tv.authenticate(request.Secret)).status).toBe(403);
    });

    it('when alice signs in through SAML, then the TV is signed in as alice', async () => {
      const samlIdp = createTestSamlIdp();
      await addCorpSamlProvider(t.admin, samlIdp);
      const tv = tvAtService(t.anonymous);
      const request = await tv.initiate();
      const jar = new CookieJar();
      const start = await browserGet(
        `${t.baseUrl}/sso/device/start?code=${request.Code}&provider=saml:corp`,
        jar,
      );
      expect(start.status).toBe(302);
      const answer = await samlIdp.respond(start.headers.get('location') ?? '', { nameId: 'alice' });
      const page = await browserPostForm(
        `${t.baseUrl}/sso/SAML/post/corp`,
        { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
        null,
      );
      expect(page.status).toBe(200);
      const authorized = await authorizeFromPage(t.anonymous, page, jar, 'saml');
      expect(authorized.data?.userName).toBe('alice');
      const session = await tv.authenticate(request.Secret);
      expect((session.body as { User: { Name: string } }).User.Name).toBe('alice');
    });

    it('when a user the role rules refuse signs in, then the TV code stays unauthorized', async () => {
      const tv = tvAtService(t.anonymous);
      const request = await tv.initiate();
      const { page } = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-eve');
      expect(page?.status).toBe(403);
      expect((await tv.poll(request.Secret)).Authenticated).toBe(false);
      expect((await tv.authenticate(request.Secret)).status).toBe(403);
    });

    it('when the role is taken away between the IdP and the authorization, then the code stays unauthorized', async () => {
      const tv = tvAtService(t.anonymous);
      const request = await tv.initiate();
      const { page, jar } = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-alice');
      await configureOidc(['nobody-has-this']);
      const refused = await authorizeFromPage(t.anonymous, page ?? { text: '' }, jar);
      expect(refused.response.status).toBe(403);
      expect((await tv.poll(request.Secret)).Authenticated).toBe(false);
    });

    it('when the code is wrong or malformed, then the person is told before any IdP round trip', async () => {
      const request = await tvAtService(t.anonymous).initiate();
      const wrong = String((Number(request.Code) + 1) % 1_000_000).padStart(6, '0');
      const unknown = await typeCodeAndSignIn(t.baseUrl, wrong, 'sub-alice');
      expect(unknown.start.status).toBe(404);
      expect(errorPageOf(unknown.start.text).reason).toBe('device_code_unknown');
      expect(unknown.start.text).toContain('wrong or has expired');
      const malformed = await typeCodeAndSignIn(t.baseUrl, 'abc', 'sub-alice');
      expect(malformed.start.status).toBe(400);
      // No flow was started: nothing went to the IdP.
      const open = await getOidcStates({ client: t.admin });
      expect(Object.keys(open.data ?? {})).toEqual([]);
    });

    it('when the code has expired, then it is refused before the IdP', async () => {
      const request = await tvAtService(t.anonymous).initiate();
      clock.advance(11 * 60_000);
      const { start } = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-alice');
      expect(start.status).toBe(404);
      expect(errorPageOf(start.text).reason).toBe('device_code_unknown');
    });

    it('when an authorized code is typed again, then it is refused as used and nothing changes', async () => {
      const tv = tvAtService(t.anonymous);
      const request = await tv.initiate();
      const first = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-alice');
      expect(
        (await authorizeFromPage(t.anonymous, first.page ?? { text: '' }, first.jar)).response.status,
      ).toBe(200);
      const again = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-alice');
      expect(again.start.status).toBe(400);
      expect(errorPageOf(again.start.text).reason).toBe('device_code_used');
      // The first page's token was consumed: posting it again authorizes nothing more.
      const replay = await authorizeFromPage(t.anonymous, first.page ?? { text: '' }, first.jar);
      expect(replay.response.status).toBe(400);
    });

    it('when one address guesses codes, then it hits the limit', async () => {
      for (let attempt = 0; attempt < DEVICE_ATTEMPTS_PER_CLIENT; attempt++) {
        const { start } = await typeCodeAndSignIn(t.baseUrl, `00000${attempt}`, 'sub-alice');
        expect(start.status).toBe(404);
      }
      const { start } = await typeCodeAndSignIn(t.baseUrl, '000099', 'sub-alice');
      expect(start.status).toBe(429);
      expect(errorPageOf(start.text).reason).toBe('device_attempts_limit');
    });

    it('when many addresses try one code, then the code hits its own limit', async () => {
      const tryFrom = (address: string) =>
        fetch(`${t.baseUrl}/sso/device/start?code=123456&provider=oidc:idp`, {
          redirect: 'manual',
          headers: { 'x-forwarded-for': address, accept: 'text/html' },
        });
      for (let i = 1; i <= DEVICE_ATTEMPTS_PER_CODE; i++) {
        expect((await tryFrom(`198.51.100.${i}`)).status).toBe(404);
      }
      expect((await tryFrom('198.51.100.200')).status).toBe(429);
    });

    it('when a TV flow token is posted to Auth, or a sign-in token to authorize a TV, then both are refused', async () => {
      const request = await tvAtService(t.anonymous).initiate();
      const device = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-alice');
      const deviceToken = pageParams(device.page?.text ?? '').data;
      const asLogin = await authenticateOidc({
        client: t.anonymous,
        path: { provider: 'idp' },
        body: authBody(deviceToken),
        headers: { cookie: device.jar.header() },
      });
      expect(asLogin.response.status).toBe(400);
      expect((asLogin.error as { code?: string }).code).toBe('flow_purpose_mismatch');

      const jar = new CookieJar();
      const start = await browserGet(`${t.baseUrl}/sso/OID/start/idp`, jar);
      const loginPage = await browserGet(
        await followLogin(start.headers.get('location') ?? '', 'sub-alice'),
        jar,
      );
      const asDevice = await authorizeFromPage(t.anonymous, loginPage, jar);
      expect(asDevice.response.status).toBe(400);
      expect((asDevice.error as { code?: string }).code).toBe('flow_purpose_mismatch');
      expect((await tvAtService(t.anonymous).poll(request.Secret)).Authenticated).toBe(false);
    });
  });
}
