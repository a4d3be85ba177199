// OIDC sign-in end to end against a real OpenID Provider (oidc-provider, in-process on 127.0.0.1):
// start → IdP login → redirect → page → Auth, through the generated client where an API call is made.
// Every refusal is checked to leave no user and no session behind.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addOidcProvider,
  authenticateOidc,
  getOidcProviders,
  getOidcStates,
  type Client,
} from '../../clients/typescript/index.js';
import { startOidcIdp, followLogin, type OidcIdp } from '../support/oidc-idp.js';
import { startTestApp, TestClock, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { errorPageOf, expectPrivateFailure } from '../support/error-page.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';
import { AUTH_CLAIM_LEASE_MS, sha256 } from '../../src/sso/login.js';
import { ACCOUNT_CLAIM_LEASE_MS } from '../../src/sso/accounts.js';
import { createFlowStore } from '../../src/storage/flow-store.js';
import { createLinkStore } from '../../src/storage/link-store.js';
import { createProviderStore } from '../../src/storage/provider-store.js';

const ACCOUNTS = {
  'sub-alice': {
    preferred_username: 'alice',
    email: 'alice@example.com',
    groups: ['jellyfin-users', 'jellyfin-admins'],
  },
  'sub-bob': { preferred_username: 'bob', email: 'bob@example.com', groups: ['jellyfin-users'] },
  'sub-eve': { preferred_username: 'eve', email: 'eve@example.com', groups: ['strangers'] },
  'sub-mallory': { preferred_username: 'alice', email: 'mallory@example.com', groups: ['jellyfin-users'] },
  'sub-carol': {
    preferred_username: 'carol',
    email: 'carol@example.com',
    email_verified: true,
    groups: ['jellyfin-users'],
  },
  // Username claim = e-mail: an adoption by username would take over these users.
  ...Object.fromEntries(
    ['dan', 'gina'].map((name) => [
      `sub-${name}`,
      {
        preferred_username: `${name}@example.com`,
        email: `${name}@example.com`,
        email_verified: true,
        groups: ['jellyfin-users'],
      },
    ]),
  ),
  'sub-frank': {
    preferred_username: 'frank@example.com',
    email: 'frank@example.com',
    email_verified: false,
    groups: ['jellyfin-users'],
  },
  'sub-gina-elsewhere': { preferred_username: 'gina@example.com', groups: ['jellyfin-users'] },
};

let idp: OidcIdp;
let t: TestApp;
let clock: TestClock;
let port: number;

async function directoryUsers(): Promise<string[]> {
  const directory = t.app.mediaServer as unknown as { listUsers(): Promise<{ name: string }[]> };
  return (await directory.listUsers()).map((u) => u.name).sort();
}

async function configure(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const { response } = await addOidcProvider({
    client: t.admin,
    path: { provider: name },
    body: {
      oidEndpoint: idp.issuer,
      oidClientId: 'jellyfin',
      oidSecret: 'jellyfin-secret',
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      roles: ['jellyfin-users'],
      adminRoles: ['jellyfin-admins'],
      roleClaim: 'groups',
      oidScopes: ['groups', 'email'],
      ...extra,
    },
  });
  expect(response.status).toBe(200);
}

/** Start → IdP login as `sub` → our redirect page; returns the page response and the jar. */
async function signInAt(provider: string, sub: string, jar = new CookieJar(), query = '') {
  const start = await browserGet(`${t.baseUrl}/sso/OID/start/${provider}${query}`, jar);
  expect(start.status).toBe(302);
  const callback = await followLogin(start.headers.get('location') ?? '', sub);
  const page = await browserGet(callback, jar);
  return { start, callback, page, jar };
}

async function auth(provider: string, data: string, jar: CookieJar, client: Client = t.anonymous) {
  return authenticateOidc({
    client,
    path: { provider },
    body: authBody(data),
    headers: { cookie: jar.header() },
  });
}

beforeAll(async () => {
  port = await freePort();
  idp = await startOidcIdp({
    clients: [
      {
        client_id: 'jellyfin',
        client_secret: 'jellyfin-secret',
        redirect_uris: ['test', 'other', 'adopt'].map(
          (p) => `http://127.0.0.1:${port}/sso/OID/redirect/${p}`,
        ),
      },
    ],
    accounts: ACCOUNTS,
  });
});
afterAll(async () => {
  await idp.close();
});
beforeEach(async () => {
  clock = new TestClock();
  t = await startTestApp(
    { SSO_PUBLIC_URL: `http://127.0.0.1:${port}`, SSO_FLOW_TTL: '600' },
    { clock, port },
  );
  await configure('test');
});
afterEach(async () => {
  await t.close();
});

describe('OIDC sign-in', () => {
  it('when a member signs in, then the page carries a one-time token and Auth returns a working session', async () => {
    const { start, page, jar } = await signInAt('test', 'sub-bob');
    const location = new URL(start.headers.get('location') ?? '');
    // PAR is advertised by the test IdP, so the front channel carries only request_uri (RFC 9126 §4).
    expect(location.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const cookie = start.headers.getSetCookie().find((c) => c.startsWith('sso_flow_')) ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);

    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    const params = pageParams(page.text);
    expect(params).toMatchObject({ mode: 'OID', provider: 'test', isLinking: false, target: 'standalone' });

    const { data, response } = await auth('test', params.data, jar);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(data?.User.Name).toBe('bob');
    expect(data?.User.Policy?.IsAdministrator).toBe(false);
    expect(data?.AccessToken).toMatch(/^[0-9a-f]{32}$/);

    // The access token is a credential like Jellyfin's: a member may not administer.
    const member = t.clientWith(data?.AccessToken ?? '');
    expect((await getOidcProviders({ client: member })).response.status).toBe(403);
  });

  it('when an admin-role member signs in, then their token is elevated', async () => {
    const { page, jar } = await signInAt('test', 'sub-alice');
    const { data } = await auth('test', pageParams(page.text).data, jar);
    expect(data?.User.Policy?.IsAdministrator).toBe(true);
    const admin = t.clientWith(data?.AccessToken ?? '');
    expect((await getOidcProviders({ client: admin })).response.status).toBe(200);
  });

  it('when the same account signs in twice, then it lands in the same user (bound to sub)', async () => {
    const first = await signInAt('test', 'sub-bob');
    const a = await auth('test', pageParams(first.page.text).data, first.jar);
    const second = await signInAt('test', 'sub-bob');
    const b = await auth('test', pageParams(second.page.text).data, second.jar);
    expect(b.data?.User.Id).toBe(a.data?.User.Id);
    expect(await directoryUsers()).toEqual(['bob']);
  });

  it('when another IdP account uses an existing username, then it gets its own user, never the existing one', async () => {
    const alice = await signInAt('test', 'sub-alice');
    const aliceResult = await auth('test', pageParams(alice.page.text).data, alice.jar);
    const mallory = await signInAt('test', 'sub-mallory');
    const malloryResult = await auth('test', pageParams(mallory.page.text).data, mallory.jar);
    expect(malloryResult.data?.User.Id).not.toBe(aliceResult.data?.User.Id);
    expect(malloryResult.data?.User.Name).toBe('alice-2');
    expect(malloryResult.data?.User.Policy?.IsAdministrator).toBe(false);
  });

  describe('adopting existing users (adoptExistingUsers)', () => {
    /** Signs `sub` in at the adopting provider; returns the user Auth signed in. */
    async function adoptingSignIn(sub: string) {
      const { page, jar } = await signInAt('adopt', sub);
      const { data, response } = await auth('adopt', pageParams(page.text).data, jar);
      expect(response.status).toBe(200);
      return data?.User;
    }
    beforeEach(async () => {
      await configure('adopt', { adoptExistingUsers: true });
    });

    it('when the IdP vouches for the e-mail that names an existing user, then that user is adopted and the log records it', async () => {
      const existing = await t.app.mediaServer.createUser('carol@example.com');
      expect((await adoptingSignIn('sub-carol'))?.Id).toBe(existing.id);
      const line = t
        .logs()
        .split('\n')
        .find((entry) => entry.includes('existing user adopted'));
      expect(line).toBeDefined();
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        level: 30,
        providerId: expect.any(String),
        userId: existing.id,
        subjectHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
      expect(line).not.toContain('sub-carol');
      expect(await directoryUsers()).toEqual(['carol@example.com']);
    });

    it('when only the username claim names an existing user, then it is not adopted (no username claim is verified)', async () => {
      const existing = await t.app.mediaServer.createUser('bob');
      const user = await adoptingSignIn('sub-bob');
      expect(user?.Id).not.toBe(existing.id);
      expect(user?.Name).toBe('bob-2');
    });

    it('when the IdP says the e-mail is not verified, then the user of that name is not adopted', async () => {
      const existing = await t.app.mediaServer.createUser('frank@example.com');
      const user = await adoptingSignIn('sub-frank');
      expect(user?.Id).not.toBe(existing.id);
      expect(user?.Name).toBe('frank@example.com-2');
    });

    it('when the verified e-mail names an administrator, then the administrator is not adopted', async () => {
      const admin = await t.app.mediaServer.createUser('dan@example.com');
      await t.app.mediaServer.updatePolicy(admin.id, (policy) => ({ ...policy, IsAdministrator: true }));
      const user = await adoptingSignIn('sub-dan');
      expect(user?.Id).not.toBe(admin.id);
      expect(user?.Name).toBe('dan@example.com-2');
      expect(user?.Policy?.IsAdministrator).toBe(false);
      expect(t.logs()).not.toContain('existing user adopted');
    });

    it('when the verified e-mail names a user another identity is linked to, then it is not adopted', async () => {
      const { page, jar } = await signInAt('test', 'sub-gina-elsewhere');
      const theirs = (await auth('test', pageParams(page.text).data, jar)).data?.User;
      expect(theirs?.Name).toBe('gina@example.com');
      const user = await adoptingSignIn('sub-gina');
      expect(user?.Id).not.toBe(theirs?.Id);
      expect(user?.Name).toBe('gina@example.com-2');
    });
  });

  it('when the token is used a second time, then Auth refuses it', async () => {
    const { page, jar } = await signInAt('test', 'sub-bob');
    const token = pageParams(page.text).data;
    expect((await auth('test', token, jar)).response.status).toBe(200);
    const again = await auth('test', token, jar);
    expect(again.response.status).toBe(400);
    expect(again.error?.code).toBe('flow_used');
  });

  it('when two Auth calls race with the same token, then exactly one wins', async () => {
    const { page, jar } = await signInAt('test', 'sub-bob');
    const token = pageParams(page.text).data;
    const results = await Promise.all([
      auth('test', token, jar),
      auth('test', token, jar),
      auth('test', token, jar),
    ]);
    expect(results.filter((r) => r.response.status === 200)).toHaveLength(1);
    expect(await directoryUsers()).toEqual(['bob']);
  });

  it('when an Auth attempt died holding the flow, then the same token works again once its lease ran out', async () => {
    const { page, jar } = await signInAt('test', 'sub-bob');
    const token = pageParams(page.text).data;
    // What a process killed mid-Auth leaves behind: the flow claimed by an attempt that never finishes.
    const provider = await createProviderStore(t.app.database).get('oidc', 'test');
    const now = clock.now();
    const dead = await createFlowStore(t.app.database).claim({
      tokenHash: sha256(token),
      providerId: provider?.id ?? '',
      now,
      attemptId: 'killed',
      leaseUntil: new Date(now.getTime() + AUTH_CLAIM_LEASE_MS),
    });
    expect(dead).not.toBeNull();
    const meanwhile = await auth('test', token, jar);
    expect(meanwhile.response.status).toBe(400);
    expect(meanwhile.error?.code).toBe('flow_used');
    clock.advance(AUTH_CLAIM_LEASE_MS);
    const { data, response } = await auth('test', token, jar);
    expect(response.status).toBe(200);
    expect(data?.User.Name).toBe('bob');
    expect((await auth('test', token, jar)).response.status).toBe(400);
  });

  it('when a first sign-in died holding its account claim, then the next one waits and takes over once it lapsed', async () => {
    const { page, jar } = await signInAt('test', 'sub-bob');
    // What a process killed while making the account leaves behind: the identity claimed, no user.
    const provider = await createProviderStore(t.app.database).get('oidc', 'test');
    const now = clock.now();
    const claimed = await createLinkStore(t.app.database).claim({
      providerId: provider?.id ?? '',
      subject: 'sub-bob',
      label: null,
      claimId: 'killed',
      leaseUntil: new Date(now.getTime() + ACCOUNT_CLAIM_LEASE_MS),
      now,
    });
    expect(claimed).toBe(true);
    const pending = auth('test', pageParams(page.text).data, jar);
    await sleep(500);
    expect(await directoryUsers()).toEqual([]);
    clock.advance(ACCOUNT_CLAIM_LEASE_MS);
    const { data, response } = await pending;
    expect(response.status).toBe(200);
    expect(data?.User.Name).toBe('bob');
    expect(await directoryUsers()).toEqual(['bob']);
  });

  it('when Auth comes without the flow cookie, then it is refused and the flow stays usable', async () => {
    const { page, jar } = await signInAt('test', 'sub-bob');
    const token = pageParams(page.text).data;
    const stranger = await auth('test', token, new CookieJar());
    expect(stranger.response.status).toBe(401);
    expect(stranger.error?.code).toBe('browser_mismatch');
    expect(await directoryUsers()).toEqual([]);
    expect((await auth('test', token, jar)).response.status).toBe(200);
  });

  it('when a device field is empty, then Auth answers 400 before the flow is consumed', async () => {
    const { page, jar } = await signInAt('test', 'sub-bob');
    const token = pageParams(page.text).data;
    const bad = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'test' },
      body: { ...authBody(token), deviceId: '' },
      headers: { cookie: jar.header() },
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error?.errors?.[0]?.field).toBe('/body/deviceId');
    expect((await auth('test', token, jar)).response.status).toBe(200);
  });

  it('when a flow of provider A is finished at provider B, then it is refused', async () => {
    await configure('other');
    const { page, jar } = await signInAt('test', 'sub-bob');
    const wrong = await auth('other', pageParams(page.text).data, jar);
    expect(wrong.response.status).toBe(400);
    expect(wrong.error?.code).toBe('provider_mismatch');
  });

  it('when the callback of provider A arrives at provider B, then the page refuses it', async () => {
    await configure('other');
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
    callback.pathname = '/sso/OID/redirect/other';
    const page = await browserGet(callback, jar);
    expect(page.status).toBe(400);
    expect(page.text).toContain('started with another provider');
  });

  it('when the callback arrives in another browser, then it is refused', async () => {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
    const page = await browserGet(callback, new CookieJar());
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('another browser');
  });

  it('when a stranger replays the state with error= or a bad code, then the victim still signs in', async () => {
    // The callback is bound to the browser by the flow cookie before anything changes the flow, so a
    // stolen state (visible in the authorization URL without PAR) cannot spoil the victim's sign-in.
    await configure('test', { disablePushedAuthorization: true });
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    expect(state).not.toBe('');
    for (const query of [`error=access_denied&state=${state}`, `code=forged&state=${state}`]) {
      const forged = await browserGet(`${t.baseUrl}/sso/OID/redirect/test?${query}`, new CookieJar());
      expect(forged.status).toBe(401);
      expect(errorPageOf(forged.text).reason).toBe('browser_mismatch');
    }
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
    const page = await browserGet(callback, jar);
    expect(page.status).toBe(200);
    const { response } = await auth('test', pageParams(page.text).data, jar);
    expect(response.status).toBe(200);
  });

  it('when the state is unknown or missing, then the page says so with a 400', async () => {
    const jar = new CookieJar();
    const missing = await browserGet(`${t.baseUrl}/sso/OID/redirect/test?code=abc`, jar);
    expect(missing.status).toBe(400);
    expectPrivateFailure(missing, t.logs(), { reason: 'flow_not_found', logged: ['sent no state'] });
    const unknown = await browserGet(`${t.baseUrl}/sso/OID/redirect/test?code=abc&state=nope`, jar);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('unknown');
  });

  it('when the flow has expired, then the callback is refused', async () => {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
    clock.advance(601_000);
    const page = await browserGet(callback, jar);
    expect(page.status).toBe(400);
    expect(page.text).toContain('expired');
  });

  it('when the IdP answers with an error, then the page shows its description escaped', async () => {
    // Without PAR the state travels on the front channel, so the IdP's error redirect can carry it.
    await configure('test', { disablePushedAuthorization: true });
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    expect(state).not.toBe('');
    const description = encodeURIComponent('<b>nope</b>');
    const url = `${t.baseUrl}/sso/OID/redirect/test?error=access_denied&error_description=${description}&state=${state}`;
    const page = await browserGet(url, jar);
    expect(page.status).toBe(401);
    // The page names the registered error code as its reason; the IdP's free text goes to the log only.
    expectPrivateFailure(page, t.logs(), {
      reason: 'idp_access_denied',
      hidden: ['nope'],
      logged: ['access_denied – <b>nope</b>'],
    });
  });

  it('when the user presses cancel at the IdP, then the page names the IdP error', async () => {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob', undefined, {
      deny: true,
    });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const page = await browserGet(callback, jar);
    expect(page.status).toBe(401);
    expect(errorPageOf(page.text).reason).toBe('idp_access_denied');
    expect(page.text).toContain('<h1>Sign-in cancelled</h1>');
    expect(page.text).toContain('You cancelled the sign-in, or the identity provider declined it.');
  });

  it('when a sign-in starts at an unknown provider, then the page offers no "Try again" that would fail the same way; an IdP refusal does', async () => {
    const unknown = await browserGet(`${t.baseUrl}/sso/OID/start/no-such-provider`, new CookieJar());
    expect(unknown.status).toBe(404);
    expect(errorPageOf(unknown.text).reason).toBe('provider_not_found');
    expect(unknown.text).not.toContain('Try again');
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob', undefined, {
      deny: true,
    });
    const cancelled = await browserGet(callback, jar);
    expect(cancelled.text).toContain(
      `<a id="retry" href="${t.config.publicUrl}/sso/OID/start/test">Try again</a>`,
    );
  });

  it('when the account has none of the required roles, then it is denied naming the rule and nothing is created', async () => {
    const { page } = await signInAt('test', 'sub-eve');
    expect(page.status).toBe(403);
    expectPrivateFailure(page, t.logs(), {
      reason: 'not_permitted',
      hidden: ['jellyfin-users'],
      logged: ['jellyfin-users'],
    });
    expect(page.text).toContain(`href="http://127.0.0.1:${port}/sso/OID/start/test"`);
    expect(await directoryUsers()).toEqual([]);
  });

  it('when the provider is unknown or disabled, then start answers 404 or 403 pages', async () => {
    const jar = new CookieJar();
    expect((await browserGet(`${t.baseUrl}/sso/OID/start/nobody`, jar)).status).toBe(404);
    await configure('test', { enabled: false });
    const disabled = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
    expect(disabled.status).toBe(403);
    expectPrivateFailure(disabled, t.logs(), { reason: 'provider_disabled', logged: ['switched off'] });
  });

  it('when flows are open, then States lists them without any secret', async () => {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/test?isLinking=true`, jar);
    const { data } = await getOidcStates({ client: t.admin });
    const flows = Object.values(data ?? {});
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({
      provider: 'test',
      protocol: 'oidc',
      status: 'started',
      isLinking: true,
    });
    const text = JSON.stringify(data);
    const cookieValue = (start.headers.getSetCookie()[0] ?? '').split(';')[0]?.split('=')[1] ?? '';
    expect(text).not.toContain(cookieValue);
    expect(Object.keys(flows[0] ?? {}).sort()).toEqual([
      'created',
      'expires',
      'isLinking',
      'protocol',
      'provider',
      'status',
    ]);
  });

  it('when a linking flow reaches Auth, then it cannot be used to sign in', async () => {
    const { page, jar } = await signInAt('test', 'sub-bob', new CookieJar(), '?isLinking=true');
    const params = pageParams(page.text);
    expect(params.isLinking).toBe(true);
    const result = await auth('test', params.data, jar);
    expect(result.response.status).toBe(400);
    expect(result.error?.code).toBe('flow_purpose_mismatch');
  });

  it('when the login succeeds, then no secret, code or token appears in the logs', async () => {
    const { page, jar, callback } = await signInAt('test', 'sub-bob');
    const token = pageParams(page.text).data;
    const { data } = await auth('test', token, jar);
    const logs = t.logs();
    expect(logs).toContain('session created');
    expect(logs).not.toContain('jellyfin-secret');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(callback.searchParams.get('code') ?? 'no-code');
    expect(logs).not.toContain(data?.AccessToken ?? 'no-token');
  });
});
