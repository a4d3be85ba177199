// The whole service in jellyfin mode against the fake Jellyfin (every request and answer validated against
// Jellyfin's official OpenAPI document): OIDC and SAML sign-ins return Jellyfin's own AuthenticationResult,
// users, policies and links land in Jellyfin, libraries and Unregister go through its REST API.
// Jellyfin's documents are in test/fixtures/jellyfin-openapi/.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addOidcProvider,
  addSamlProvider,
  authenticateOidc,
  authenticateSaml,
  getOidcProviders,
  listLibraries,
  listOidcLinks,
  unregisterUser,
  type Client,
} from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import { followLogin, startOidcIdp, type OidcIdp, jellyfinClient } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { createSamlIdp } from '../support/saml-idp.js';
import { DEFAULT_AUTH_PROVIDER_ID, SSO_AUTH_PROVIDER_ID } from '../../src/sso/ports.js';

describe('start-up in jellyfin mode', () => {
  it('when JELLYFIN_URL points at nothing, then the service refuses to start naming JELLYFIN_URL', async () => {
    const nowhere = await freePort();
    await expect(
      startTestApp({
        SSO_MEDIA_SERVER: 'jellyfin',
        JELLYFIN_URL: `http://127.0.0.1:${nowhere}`,
        JELLYFIN_API_KEY: 'k',
      }),
    ).rejects.toThrow(/JELLYFIN_URL/);
  });
});

requireJellyfinDocuments();
describe('sign-in in jellyfin mode', () => {
  let fake: FakeJellyfin;
  let idp: OidcIdp;
  let t: TestApp;
  let admin: Client;
  let port: number;

  beforeEach(async () => {
    port = await freePort();
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
      { port },
    );
    admin = t.clientWith(fake.apiKey);
    const folder = fake.libraries[0]?.id ?? '';
    const added = await addOidcProvider({
      client: admin,
      path: { provider: 'idp' },
      body: {
        oidEndpoint: idp.issuer,
        oidClientId: 'jellyfin',
        oidSecret: 'jellyfin-secret',
        enabled: true,
        enableAuthorization: true,
        enableAllFolders: false,
        enabledFolders: [folder],
        roles: ['users'],
        roleClaim: 'groups',
        oidScopes: ['groups'],
      },
    });
    expect(added.response.status).toBe(200);
  });
  afterEach(async () => {
    await t.close();
    await idp.close();
    await fake.close();
  });

  it('when a user signs in through OIDC, then Jellyfin mints the session and holds the user, policy and link', async () => {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/idp`, jar);
    const page = await browserGet(await followLogin(start.headers.get('location') ?? '', 'sub-bob'), jar);
    const params = pageParams(page.text);
    expect(params.target).toBe('jellyfin-web');

    const deviceId = 'TW96aWxsYS81LjAgKFgxMTsgTGludXgp+/Nz1';
    const { data, response } = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'idp' },
      body: authBody(params.data, deviceId),
      headers: { cookie: jar.header() },
    });
    expect(response.status).toBe(200);
    expect(data?.ServerId).toBe(fake.serverId);
    const bob = fake.findUserByName('bob');
    expect(bob).not.toBeNull();
    expect(data?.User.Id).toBe(bob?.id);
    expect(bob?.policy['AuthenticationProviderId']).toBe(SSO_AUTH_PROVIDER_ID);
    expect(bob?.policy['EnableAllFolders']).toBe(false);
    expect(bob?.policy['EnabledFolders']).toEqual([fake.libraries[0]?.id]);
    expect(bob?.password).not.toBeNull();
    expect(fake.tokensOf(bob?.id ?? '').map((token) => token.deviceId)).toContain(deviceId);

    // The Jellyfin token is a credential of this service too (resolved through GET /Users/Me).
    const asBob = t.clientWith(data?.AccessToken ?? '');
    expect((await getOidcProviders({ client: asBob })).response.status).toBe(403);
    const links = await listOidcLinks({ client: asBob, path: { jellyfinUserId: bob?.id ?? '' } });
    expect(links.data).toEqual({ idp: ['sub-bob'] });
    expect(fake.violations).toEqual([]);
  });

  it('when a user signs in again with unchanged roles, then Jellyfin is asked for the user and the session only', async () => {
    /** One sign-in of bob; the operations the service asked Jellyfin for during its Auth step. */
    const signIn = async (): Promise<(string | null)[]> => {
      const jar = new CookieJar();
      const start = await browserGet(`${t.baseUrl}/sso/OID/start/idp`, jar);
      const page = await browserGet(await followLogin(start.headers.get('location') ?? '', 'sub-bob'), jar);
      const before = fake.requests.length;
      const body = authBody(pageParams(page.text).data);
      const headers = { cookie: jar.header() };
      const { response } = await authenticateOidc({
        client: t.anonymous,
        path: { provider: 'idp' },
        body,
        headers,
      });
      expect(response.status).toBe(200);
      return fake.requests.slice(before).map((request) => request.operationId);
    };
    expect(await signIn()).toContain('UpdateUserPolicy'); // a new user gets the provider's rights
    expect(await signIn()).toEqual([
      'GetUserById',
      'InitiateQuickConnect',
      'AuthorizeQuickConnect',
      'AuthenticateWithQuickConnect',
    ]);
    expect(fake.violations).toEqual([]);
  });

  it('when Quick Connect is off, then Auth answers 503 telling the admin to enable it', async () => {
    fake.quickConnectEnabled = false;
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/idp`, jar);
    const page = await browserGet(await followLogin(start.headers.get('location') ?? '', 'sub-bob'), jar);
    const result = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'idp' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: jar.header() },
    });
    expect(result.response.status).toBe(503);
    expect(result.error?.code).toBe('quick_connect_disabled');
    expect(result.error?.detail).toMatch(/Quick Connect/);
    expect(fake.violations).toEqual([]);
  });

  it('when Jellyfin refuses the session once, then the same one-time token works on the next try, and only once', async () => {
    fake.quickConnectEnabled = false;
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/idp`, jar);
    const page = await browserGet(await followLogin(start.headers.get('location') ?? '', 'sub-bob'), jar);
    const attempt = () =>
      authenticateOidc({
        client: t.anonymous,
        path: { provider: 'idp' },
        body: authBody(pageParams(page.text).data),
        headers: { cookie: jar.header() },
      });
    expect((await attempt()).response.status).toBe(503);
    fake.quickConnectEnabled = true;
    const retried = await attempt();
    expect(retried.response.status).toBe(200);
    expect(retried.data?.User.Id).toBe(fake.findUserByName('bob')?.id);
    const third = await attempt();
    expect(third.response.status).toBe(400);
    expect(third.error?.code).toBe('flow_used');
    expect([...fake.users.values()].map((user) => user.name).sort()).toEqual(['admin', 'bob']);
    expect(fake.violations).toEqual([]);
  });

  it('when a first sign-in must skip taken names, then Jellyfin is asked for its user list once', async () => {
    for (const name of ['Bob', 'bob-2', 'BOB-3']) fake.addUser({ name });
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/idp`, jar);
    const page = await browserGet(await followLogin(start.headers.get('location') ?? '', 'sub-bob'), jar);
    const listingsBefore = fake.count('GetUsers');
    const { data, response } = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'idp' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: jar.header() },
    });
    expect(response.status).toBe(200);
    expect(data?.User.Name).toBe('bob-4');
    expect(fake.count('GetUsers') - listingsBefore).toBe(1);
    expect(fake.violations).toEqual([]);
  });

  it('when a user signs in through SAML, then Jellyfin mints the session', async () => {
    const fixture = (name: string): string =>
      readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
    const samlIdp = createSamlIdp({
      entityId: 'https://idp.example.test',
      privateKeyPem: fixture('idp-key.pem'),
      certPem: fixture('idp-cert.pem'),
    });
    const added = await addSamlProvider({
      client: admin,
      path: { provider: 'corp' },
      body: {
        samlEndpoint: 'https://idp.example.test/sso',
        samlClientId: 'jellyfin',
        samlCertificate: samlIdp.certificateBase64,
        enabled: true,
      },
    });
    expect(added.response.status).toBe(200);
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/SAML/start/corp`, jar);
    const answer = await samlIdp.respond(start.headers.get('location') ?? '', { nameId: 'carol' });
    const page = await browserPostForm(
      `${t.baseUrl}/sso/SAML/post/corp`,
      { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
      null,
    );
    expect(page.status).toBe(200);
    const { data, response } = await authenticateSaml({
      client: t.anonymous,
      path: { provider: 'corp' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: jar.header() },
    });
    expect(response.status).toBe(200);
    expect(data?.User.Name).toBe('carol');
    expect(fake.findUserByName('carol')?.id).toBe(data?.User.Id);
    expect(fake.violations).toEqual([]);
  });

  it('when an admin lists libraries and unregisters a user, then both go through Jellyfin', async () => {
    const libraries = await listLibraries({ client: admin });
    expect(libraries.data?.map((l) => l.Id)).toEqual(
      fake.libraries.filter((l) => !l.hidden).map((l) => l.id),
    );
    const dave = fake.addUser({ name: 'Dave', policy: { AuthenticationProviderId: SSO_AUTH_PROVIDER_ID } });
    const result = await unregisterUser({
      client: admin,
      path: { username: 'dave' },
      body: DEFAULT_AUTH_PROVIDER_ID,
    });
    expect(result.error).toBeUndefined();
    expect(result.response.status).toBe(200);
    expect(fake.users.get(dave.id)?.policy['AuthenticationProviderId']).toBe(DEFAULT_AUTH_PROVIDER_ID);
    expect(fake.violations).toEqual([]);
  });
});
