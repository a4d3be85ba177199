// What the embedded directory costs a sign-in, through the real service: the SQL statements of
// `POST /sso/OID/Auth` (knex `query` events on the app's ORM), a policy left unwritten when the sign-in
// changes nothing, and the avatar fetched after the reply and only when the picture changed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { addOidcProvider, authenticateOidc, getOidcProviders } from '../../clients/typescript/index.js';
import { startOidcIdp, followLogin, type OidcIdp } from '../support/oidc-idp.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { appDatabaseTargets, describeOn } from '../support/db.js';
import { freePort } from '../support/ports.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

/** An avatar server that answers after `delayMs`, counting its requests. */
interface AvatarServer {
  url: string;
  fetches: number;
  delayMs: number;
  close(): Promise<void>;
}

async function startAvatarServer(): Promise<AvatarServer> {
  const state = { fetches: 0, delayMs: 0 };
  const server: Server = createServer((_request, response) => {
    state.fetches++;
    setTimeout(() => response.writeHead(200, { 'content-type': 'image/png' }).end(PNG), state.delayMs);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo; // listening on TCP: the address is an AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get fetches() {
      return state.fetches;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get delayMs() {
      return state.delayMs;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

let idp: OidcIdp;
let port: number;
let avatars: AvatarServer;

const groupsOf: Record<string, string[]> = {};

beforeAll(async () => {
  port = await freePort();
  avatars = await startAvatarServer();
  const account = (name: string) => ({
    preferred_username: name,
    get groups() {
      return groupsOf[name] ?? ['jellyfin-users'];
    },
    picture: `${avatars.url}/${name}.png`,
  });
  idp = await startOidcIdp({
    clients: [
      {
        client_id: 'jellyfin',
        client_secret: 'jellyfin-secret',
        redirect_uris: [`http://127.0.0.1:${port}/sso/OID/redirect/test`],
      },
    ],
    accounts: Object.fromEntries(['ann', 'ben', 'cat', 'dee'].map((name) => [`sub-${name}`, account(name)])),
  });
});
afterAll(async () => {
  await idp.close();
  await avatars.close();
});

for (const target of appDatabaseTargets('sign-in statement counts')) {
  describeOn(target, `Auth through the embedded directory [${target.dialect}]`, () => {
    let t: TestApp;
    let cleanup: () => Promise<void>;
    let statements: string[] = [];
    /** Every statement since the app started, the avatar's background work included. */
    let allStatements: string[] = [];

    beforeEach(async () => {
      const prepared = await target.prepare();
      cleanup = prepared.cleanup;
      allStatements = [];
      t = await startTestApp(
        {
          ...prepared.env,
          SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
          SSO_AVATAR_ALLOW_PRIVATE_HOSTS: 'true',
        },
        { port },
      );
      t.app.database.orm.em.getKnex().on('query', (query: { sql?: string }) => {
        statements.push(query.sql ?? '');
        allStatements.push(query.sql ?? '');
      });
      const { response } = await addOidcProvider({
        client: t.admin,
        path: { provider: 'test' },
        body: {
          ...{ oidEndpoint: idp.issuer, oidClientId: 'jellyfin', oidSecret: 'jellyfin-secret' },
          ...{ enabled: true, enableAuthorization: true, enableAllFolders: true },
          ...{ roleClaim: 'groups', roles: ['jellyfin-users'], adminRoles: ['jellyfin-admins'] },
          oidScopes: ['groups', 'profile'],
        },
      });
      expect(response.status).toBe(200);
    });
    afterEach(async () => {
      await t.close();
      await cleanup();
    });

    /** One sign-in of `sub`; returns the statements of its Auth step and its result. */
    async function signIn(sub: string) {
      const jar = new CookieJar();
      const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
      const page = await browserGet(await followLogin(start.headers.get('location') ?? '', sub), jar);
      statements = [];
      const body = authBody(pageParams(page.text).data);
      const headers = { cookie: jar.header() };
      const result = await authenticateOidc({
        client: t.anonymous,
        path: { provider: 'test' },
        body,
        headers,
      });
      expect(result.response.status).toBe(200);
      const auth = statements;
      statements = [];
      return { statements: auth, user: result.data };
    }

    /** Statements on the directory's own tables (the avatar's meta row and image are counted apart). */
    const directoryStatements = (list: string[]): string[] =>
      list.filter((sql) => /\bmedia_(user|session|api_key)\b/.test(sql));
    const policyWrites = (list: string[]): string[] =>
      list.filter(
        (sql) =>
          /update\s+\W?media_user\W?\s+set\s+\W?policy/i.test(sql) ||
          /update\W+sso_meta\W.*policy_lock/.test(sql),
      );

    async function until(what: string, check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((done) => setTimeout(done, 20));
      }
    }

    const storedPictures = async (userId: string): Promise<number> =>
      (
        await t.app.database.orm.em
          .getKnex()
          .raw<unknown>('select 1 from media_avatar where user_id = ?', [userId])
          .then((result) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows))
      ).length;

    it('when a user signs in again with unchanged roles, then Auth writes no policy and the directory reads the user and writes the session only', async () => {
      const first = await signIn('sub-ann');
      expect(policyWrites(first.statements)).toHaveLength(1); // a new user gets the provider's rights
      const again = await signIn('sub-ann');
      expect(policyWrites(again.statements)).toEqual([]);
      // The user by id, then the session: one statement on PostgreSQL, two on SQLite (no writing CTEs).
      expect(directoryStatements(again.statements)).toHaveLength(target.dialect === 'postgresql' ? 2 : 3);
      expect(again.user?.User.Id).toBe(first.user?.User.Id);
    });

    it("when a returning user's roles changed, then Auth writes the new policy in one statement", async () => {
      groupsOf['ben'] = ['jellyfin-users'];
      await signIn('sub-ben');
      groupsOf['ben'] = ['jellyfin-users', 'jellyfin-admins'];
      const promoted = await signIn('sub-ben');
      expect(policyWrites(promoted.statements)).toHaveLength(1);
      expect(promoted.user?.User.Policy?.IsAdministrator).toBe(true);
    });

    it('when a new user signs in, then the directory makes them in at most five statements', async () => {
      await signIn('sub-dee'); // the directory's first use (server identity) is not part of a sign-in
      const created = await signIn('sub-cat');
      expect(created.user?.User.Name).toBe('cat');
      // Free names, the user, its policy, the session (two on SQLite).
      expect(directoryStatements(created.statements).length).toBeLessThanOrEqual(5);
    });

    it("when an admin request carries an API key or an administrator's token, then one select resolves it", async () => {
      groupsOf['dee'] = ['jellyfin-users', 'jellyfin-admins'];
      const signedIn = await signIn('sub-dee');
      await until('the avatar', () => allStatements.some((sql) => /insert into sso_meta/.test(sql)));
      for (const client of [t.admin, t.clientWith(signedIn.user?.AccessToken ?? '')]) {
        statements = [];
        expect((await getOidcProviders({ client })).response.status).toBe(200);
        expect(directoryStatements(statements)).toHaveLength(1);
      }
    });

    it('when the avatar server is slow, then Auth answers without waiting; a second sign-in with the same picture fetches nothing', async () => {
      const before = avatars.fetches;
      avatars.delayMs = 3000;
      try {
        const started = Date.now();
        const first = await signIn('sub-ann');
        expect(Date.now() - started).toBeLessThan(2000);
        const userId = first.user?.User.Id ?? '';
        await until('the avatar', async () => (await storedPictures(userId)) === 1);
        expect(avatars.fetches).toBe(before + 1);
        // Wait for the picture to be recorded after the image was saved.
        await until('the recorded picture', () =>
          allStatements.some((sql) => /insert into sso_meta/.test(sql)),
        );
        avatars.delayMs = 0;
        await signIn('sub-ann');
        await until(
          'the picture check',
          () => allStatements.filter((sql) => /from sso_meta where key/.test(sql)).length === 2,
        );
        await new Promise((done) => setTimeout(done, 200));
        expect(avatars.fetches).toBe(before + 1);
      } finally {
        avatars.delayMs = 0;
      }
    });
  });
}
