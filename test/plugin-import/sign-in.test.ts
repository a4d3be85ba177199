// The import's end to end: a real-shaped plugin XML with an OIDC and a SAML provider and canonical links is
// imported with the CLI, then users sign in through the in-process OpenID Provider and SAML IdP. The first
// sign-in of a linked name lands on the linked user and binds its subject; the pending link is used once;
// an administrator is adopted only when the import allowed it; a link to a deleted user is dropped.
import { afterEach, describe, expect, it } from 'vitest';
import { authenticateOidc, authenticateSaml, previewOidcSignIn } from '../../clients/typescript/index.js';
import type { MediaUser } from '../../src/sso/ports.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import { followLogin, jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { genuineAndRogueIdps } from '../support/saml-idp.js';
import { createUserWithToken, directoryOf } from '../support/users.js';
import { dashed, fileIn, importReport, pluginFixture } from './fixtures.js';

const MEMBER = ['jellyfin-users'];
const saml = genuineAndRogueIdps().idp;

interface Setup {
  t: TestApp;
  idp: OidcIdp;
  users: Record<'alice' | 'root' | 'sam', MediaUser>;
}

let setup: Setup | undefined;

afterEach(async () => {
  await setup?.t.close();
  await setup?.idp.close();
  setup = undefined;
});

/** The service, the OpenID Provider, the three users the plugin's links name, and the plugin file imported. */
async function importedSetup(...flags: string[]): Promise<Setup> {
  const port = await freePort();
  const idp = await startOidcIdp({
    clients: [jellyfinClient(port, 'authentik')],
    accounts: {
      // The plugin matched names without letter case, as Jellyfin does.
      'sub-alice': { preferred_username: 'ALICE', groups: MEMBER },
      'sub-other': { preferred_username: 'alice', groups: MEMBER },
      'sub-root': { preferred_username: 'root', groups: ['jellyfin-users', 'jellyfin-admins'] },
    },
  });
  const t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  const users = {
    alice: (await createUserWithToken(t, { name: 'alice' })).user,
    root: (await createUserWithToken(t, { name: 'root', admin: true })).user,
    sam: (await createUserWithToken(t, { name: 'sam' })).user,
  };
  const xml = pluginFixture('SSO-Auth-4x.xml', {
    OIDC_ENDPOINT: idp.issuer,
    ALICE_ID: dashed(users.alice.id),
    ROOT_ID: dashed(users.root.id),
    SAM_ID: dashed(users.sam.id),
  });
  const report = await importReport(t, fileIn(t, 'SSO-Auth.xml', xml), ...flags);
  expect(report.providers.map((provider) => provider.outcome)).toEqual(['created', 'created']);
  setup = { t, idp, users };
  return setup;
}

/** A whole OIDC sign-in of `sub` (start, the IdP, the callback page, Auth); the user it landed on. */
async function oidcSignIn(t: TestApp, sub: string): Promise<{ Id: string; Name: string }> {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/OID/start/authentik`, jar);
  const page = await browserGet(await followLogin(start.headers.get('location') ?? '', sub), jar);
  const auth = await authenticateOidc({
    client: t.anonymous,
    path: { provider: 'authentik' },
    body: authBody(pageParams(page.text).data),
    headers: { cookie: jar.header() },
  });
  expect(auth.response.status, JSON.stringify(auth.error)).toBe(200);
  return { Id: auth.data?.User.Id ?? '', Name: auth.data?.User.Name ?? '' };
}

/** A whole SAML sign-in of `nameId` (start, the IdP's signed answer, the ACS page, Auth). */
async function samlSignIn(t: TestApp, nameId: string): Promise<string> {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/SAML/start/corp`, jar);
  const answer = await saml.respond(start.headers.get('location') ?? '', {
    nameId,
    attributes: { Role: MEMBER },
  });
  const page = await browserPostForm(
    `${t.baseUrl}/sso/SAML/post/corp`,
    { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
    null,
  );
  expect(page.status).toBe(200);
  const auth = await authenticateSaml({
    client: t.anonymous,
    path: { provider: 'corp' },
    body: authBody(pageParams(page.text).data),
    headers: { cookie: jar.header() },
  });
  expect(auth.response.status, JSON.stringify(auth.error)).toBe(200);
  return auth.data?.User.Id ?? '';
}

describe('a plugin configuration imported without --allow-admin-links', () => {
  it('when a linked name signs in first, then it lands on the linked user, and its subject stays linked', async () => {
    const { t, users } = await importedSetup();
    // The admin's Preview decides as the sign-in will, without using the link.
    const preview = await previewOidcSignIn({
      client: t.admin,
      path: { provider: 'authentik' },
      body: { claims: { sub: 'sub-alice', preferred_username: 'ALICE', groups: MEMBER } },
    });
    expect(preview.data?.account).toMatchObject({ action: 'existing', existingUser: { id: users.alice.id } });
    expect((await oidcSignIn(t, 'sub-alice')).Id).toBe(users.alice.id);
    expect((await oidcSignIn(t, 'sub-alice')).Id).toBe(users.alice.id);
    expect(await samlSignIn(t, 'sam@example.com')).toBe(users.sam.id);
  });

  it('when a second identity with the same name signs in, then the used link gives it nothing: a new account', async () => {
    const { t, users } = await importedSetup();
    expect((await oidcSignIn(t, 'sub-alice')).Id).toBe(users.alice.id);
    const other = await oidcSignIn(t, 'sub-other');
    expect(other.Id).not.toBe(users.alice.id);
    expect(other.Name).toBe('alice-2');
  });

  it('when the link names an administrator, then it is refused: a new account, the administrator untouched', async () => {
    const { t, users } = await importedSetup();
    const signedIn = await oidcSignIn(t, 'sub-root');
    expect(signedIn.Id).not.toBe(users.root.id);
    expect(signedIn.Name).toBe('root-2');
    expect(t.logs()).toContain('imported pending link dropped');
    expect((await directoryOf(t).getUserById(users.root.id))?.policy.IsAdministrator).toBe(true);
  });

  it('when the linked user was deleted, then the link is dropped and the sign-in makes a new account', async () => {
    const { t, users } = await importedSetup();
    await directoryOf(t).deleteUser(users.alice.id);
    const signedIn = await oidcSignIn(t, 'sub-alice');
    expect(signedIn.Id).not.toBe(users.alice.id);
    expect(signedIn.Name).toBe('ALICE');
  });
});

describe('a plugin configuration imported with --allow-admin-links', () => {
  it('when the link names an administrator, then the first sign-in of that name lands on it', async () => {
    const { t, users } = await importedSetup('--allow-admin-links');
    expect((await oidcSignIn(t, 'sub-root')).Id).toBe(users.root.id);
  });
});
