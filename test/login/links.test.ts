// Account links and the linking flow through the generated client: a signed-in user links a second
// provider's identity, the next sign-in through it lands in that user, conflicts and permissions hold.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addOidcProvider,
  authenticateOidc,
  createAppPassword,
  createLink,
  deleteLink,
  listLinkDetails,
  listOidcLinks,
  listSamlLinks,
} from '../../clients/typescript/index.js';
import { startOidcIdp, followLogin, type OidcIdp } from '../support/oidc-idp.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';

let idp: OidcIdp;
let t: TestApp;
let port: number;

const ACCOUNTS = {
  'sub-bob': { preferred_username: 'bob', groups: ['users'] },
  'sub-carol': { preferred_username: 'carol', groups: ['users'] },
  'sub-dave': { preferred_username: 'dave', groups: ['users'] },
};

async function configure(name: string): Promise<void> {
  const { response } = await addOidcProvider({
    client: t.admin,
    path: { provider: name },
    body: { oidEndpoint: idp.issuer, oidClientId: 'jellyfin', oidSecret: 'jellyfin-secret', enabled: true },
  });
  expect(response.status).toBe(200);
}

/** Runs start → IdP → page; returns the page's token and the browser's jar. */
async function verifiedFlow(provider: string, sub: string, linking: boolean) {
  const jar = new CookieJar();
  const start = await browserGet(
    `${t.baseUrl}/sso/OID/start/${provider}${linking ? '?isLinking=true' : ''}`,
    jar,
  );
  const callback = await followLogin(start.headers.get('location') ?? '', sub);
  const page = await browserGet(callback, jar);
  expect(page.status).toBe(200);
  return { data: pageParams(page.text).data, jar };
}

async function signIn(provider: string, sub: string) {
  const { data, jar } = await verifiedFlow(provider, sub, false);
  const result = await authenticateOidc({
    client: t.anonymous,
    path: { provider },
    body: authBody(data),
    headers: { cookie: jar.header() },
  });
  expect(result.response.status).toBe(200);
  return { id: result.data?.User.Id ?? '', token: result.data?.AccessToken ?? '' };
}

async function link(provider: string, sub: string, userId: string, token: string | null) {
  const { data, jar } = await verifiedFlow(provider, sub, true);
  return createLink({
    client: token === null ? t.anonymous : t.clientWith(token),
    path: { mode: 'oid', provider, jellyfinUserId: userId },
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
        redirect_uris: ['home', 'work'].map((p) => `http://127.0.0.1:${port}/sso/OID/redirect/${p}`),
      },
    ],
    accounts: ACCOUNTS,
  });
});
afterAll(async () => {
  await idp.close();
});
beforeEach(async () => {
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  await configure('home');
  await configure('work');
});
afterEach(async () => {
  await t.close();
});

describe('account links', () => {
  it('when a signed-in user links a second identity, then the next sign-in through it lands in that user', async () => {
    const bob = await signIn('home', 'sub-bob');
    const linked = await link('work', 'sub-carol', bob.id, bob.token);
    expect(linked.response.status).toBe(204);

    const { data } = await listOidcLinks({
      client: t.clientWith(bob.token),
      path: { jellyfinUserId: bob.id },
    });
    expect(data).toEqual({ home: ['sub-bob'], work: ['sub-carol'] });

    const again = await signIn('work', 'sub-carol');
    expect(again.id).toBe(bob.id);

    // The details carry a readable label, recorded from the IdP's username when the link was made.
    // (The sign-in above used the same device id, so it replaced bob's earlier token, as Jellyfin does.)
    const details = await listLinkDetails({
      client: t.clientWith(again.token),
      path: { jellyfinUserId: bob.id },
    });
    expect(details.error).toBeUndefined();
    expect(details.data?.map((d) => [d.provider, d.canonicalName, d.label])).toEqual([
      ['home', 'sub-bob', 'bob'],
      ['work', 'sub-carol', 'carol'],
    ]);
    const dave = await signIn('home', 'sub-dave');
    const forbidden = await listLinkDetails({
      client: t.clientWith(dave.token),
      path: { jellyfinUserId: bob.id },
    });
    expect(forbidden.response.status).toBe(403);
  });

  it('when the same identity is linked again to the same user, then it succeeds (idempotent)', async () => {
    const bob = await signIn('home', 'sub-bob');
    expect((await link('work', 'sub-carol', bob.id, bob.token)).response.status).toBe(204);
    expect((await link('work', 'sub-carol', bob.id, bob.token)).response.status).toBe(204);
  });

  it('when the identity is linked to another user, then linking answers 409', async () => {
    const bob = await signIn('home', 'sub-bob');
    const dave = await signIn('home', 'sub-dave');
    expect((await link('work', 'sub-carol', bob.id, bob.token)).response.status).toBe(204);
    const conflict = await link('work', 'sub-carol', dave.id, dave.token);
    expect(conflict.response.status).toBe(409);
    expect(conflict.error?.code).toBe('link_conflict');
  });

  it('when a login flow is used to link, then it is refused', async () => {
    const bob = await signIn('home', 'sub-bob');
    const { data, jar } = await verifiedFlow('work', 'sub-carol', false);
    const result = await createLink({
      client: t.clientWith(bob.token),
      path: { mode: 'OID', provider: 'work', jellyfinUserId: bob.id },
      body: authBody(data),
      headers: { cookie: jar.header() },
    });
    expect(result.response.status).toBe(400);
    expect(result.error?.code).toBe('flow_purpose_mismatch');
  });

  it('when callers differ, then only the user themself, admins and API keys may link or list', async () => {
    const bob = await signIn('home', 'sub-bob');
    const dave = await signIn('home', 'sub-dave');
    expect((await link('work', 'sub-carol', bob.id, null)).response.status).toBe(401);
    expect((await link('work', 'sub-carol', bob.id, dave.token)).response.status).toBe(403);
    expect(
      (await link('work', 'sub-carol', bob.id, 'test-bootstrap-key-0123456789abcdef')).response.status,
    ).toBe(204);

    const path = { jellyfinUserId: bob.id };
    expect((await listOidcLinks({ client: t.anonymous, path })).response.status).toBe(401);
    expect((await listOidcLinks({ client: t.clientWith(dave.token), path })).response.status).toBe(403);
    expect((await listOidcLinks({ client: t.admin, path })).response.status).toBe(200);
    expect((await listSamlLinks({ client: t.admin, path })).data).toEqual({});
  });

  it('when user ids are dashed GUIDs, malformed or unknown, then 200, 400 and 404', async () => {
    const bob = await signIn('home', 'sub-bob');
    const dashed = `${bob.id.slice(0, 8)}-${bob.id.slice(8, 12)}-${bob.id.slice(12, 16)}-${bob.id.slice(16, 20)}-${bob.id.slice(20)}`;
    expect((await listOidcLinks({ client: t.admin, path: { jellyfinUserId: dashed } })).response.status).toBe(
      200,
    );
    expect(
      (await listOidcLinks({ client: t.admin, path: { jellyfinUserId: 'not-a-guid' } })).response.status,
    ).toBe(400);
    const unknown = await listOidcLinks({ client: t.admin, path: { jellyfinUserId: '0'.repeat(32) } });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.code).toBe('user_not_found');
  });

  it('when links are deleted, then own links go, others give 409, unknown ones 404', async () => {
    const bob = await signIn('home', 'sub-bob');
    const dave = await signIn('home', 'sub-dave');
    const bobClient = t.clientWith(bob.token);
    const other = await deleteLink({
      client: t.admin,
      path: { mode: 'oid', provider: 'home', jellyfinUserId: bob.id, canonicalName: 'sub-dave' },
    });
    expect(other.response.status).toBe(409);
    const unknown = await deleteLink({
      client: bobClient,
      path: { mode: 'oid', provider: 'home', jellyfinUserId: bob.id, canonicalName: 'nobody' },
    });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.code).toBe('link_not_found');
    const noProvider = await deleteLink({
      client: bobClient,
      path: { mode: 'oid', provider: 'nope', jellyfinUserId: bob.id, canonicalName: 'sub-bob' },
    });
    expect(noProvider.response.status).toBe(404);
    expect(noProvider.error?.code).toBe('provider_not_found');
    // bob has no password and no other link: his last way in stays until he has another one.
    const last = await deleteLink({
      client: bobClient,
      path: { mode: 'oid', provider: 'home', jellyfinUserId: bob.id, canonicalName: 'sub-bob' },
    });
    expect(last.error).toMatchObject({ code: 'link_conflict', reason: 'last_way_in' });
    const app = await createAppPassword({ client: bobClient, path: { jellyfinUserId: bob.id } });
    expect(app.response.status).toBe(201);
    const mine = await deleteLink({
      client: bobClient,
      path: { mode: 'Oid', provider: 'home', jellyfinUserId: bob.id, canonicalName: 'sub-bob' },
    });
    expect(mine.response.status).toBe(200);
    expect((await listOidcLinks({ client: bobClient, path: { jellyfinUserId: bob.id } })).data).toEqual({
      home: [],
      work: [],
    });
    void dave;
  });
});
