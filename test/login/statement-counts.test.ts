// How many SQL statements each step of a sign-in costs, through the real service on each database: a start
// is one INSERT, the IdP's answer one read and one update, Auth a handful (issue's goals: 1 / ≤ 2 / ≤ 4 for
// a returning user / ≤ 8 for a new one). Each statement costs CPU in the driver and the database, so a
// change that adds one to a step shows here first.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { addOidcProvider, authenticateOidc } from '../../clients/typescript/index.js';
import { authBody, browserGet, CookieJar, pageParams } from '../support/browser.js';
import { appDatabaseTargets, describeOn } from '../support/db.js';
import { followLogin, jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { countStatements, type StatementCounter } from '../support/statements.js';

/** The tables of the sign-in core; the others (`media_*`, `sso_meta`) are the embedded directory's. */
const CORE_TABLE = /\bsso_(login_flow|account_link|pending_link|provider|replay_entry|activity|session)\b/;

let idp: OidcIdp;
let port: number;

beforeAll(async () => {
  port = await freePort();
  idp = await startOidcIdp({
    clients: [jellyfinClient(port, 'test')],
    accounts: { 'sub-ann': { preferred_username: 'ann', groups: ['jellyfin-users'] } },
  });
});
afterAll(async () => {
  await idp.close();
});

for (const target of appDatabaseTargets('statement counts per sign-in step')) {
  describeOn(target, `statements per sign-in step [${target.dialect}]`, () => {
    let t: TestApp;
    let cleanup: () => Promise<void>;
    let statements: StatementCounter;

    beforeEach(async () => {
      const prepared = await target.prepare();
      cleanup = prepared.cleanup;
      t = await startTestApp({ ...prepared.env, SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
      const { response } = await addOidcProvider({
        client: t.admin,
        path: { provider: 'test' },
        body: {
          oidEndpoint: idp.issuer,
          oidClientId: 'jellyfin',
          oidSecret: 'jellyfin-secret',
          enabled: true,
          enableAuthorization: true,
          enableAllFolders: true,
          roles: ['jellyfin-users'],
          roleClaim: 'groups',
          oidScopes: ['groups', 'profile'],
        },
      });
      expect(response.status).toBe(200);
      statements = countStatements(t.app);
    });
    afterEach(async () => {
      await t.close();
      await cleanup();
    });

    /** One sign-in of ann, with the statements of each step. */
    async function signIn() {
      const jar = new CookieJar();
      await statements.take();
      const started = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
      expect(started.status).toBe(302);
      const start = await statements.take();
      const callbackUrl = await followLogin(started.headers.get('location') ?? '', 'sub-ann');
      await statements.take(); // nothing of ours runs while the IdP signs ann in
      const page = await browserGet(callbackUrl, jar);
      expect(page.status).toBe(200);
      const callback = await statements.take();
      const auth = await authenticateOidc({
        client: t.anonymous,
        path: { provider: 'test' },
        body: authBody(pageParams(page.text).data),
        headers: { cookie: jar.header() },
      });
      expect(auth.response.status).toBe(200);
      return { start, callback, auth: await statements.take() };
    }

    it('when ann signs in for the first time and again, then each step runs the statements it must, and no more', async () => {
      // The first start reads the provider once; every later step reads it from memory.
      await browserGet(`${t.baseUrl}/sso/OID/start/test`, new CookieJar());
      const first = await signIn();
      const again = await signIn();
      // The sign-in core's statements (flows, links, providers, activity) are pinned; the embedded
      // directory's (users, sessions, policy) may only go down.
      const core = (statements: string[]) => statements.filter((sql) => CORE_TABLE.test(sql)).length;
      const counts = {
        firstStart: first.start.length,
        start: again.start.length,
        callback: again.callback.length,
        authNewUserCore: core(first.auth),
        authReturningUserCore: core(again.auth),
      };
      const shown = JSON.stringify({ first, again }, null, 1);
      expect(counts, shown).toEqual({
        firstStart: 1,
        start: 1,
        callback: 2,
        // the claim (which reads the link), the link claimed and completed, the finish, the SSO session
        // record (single logout finds the session by it), the activity entry, and the lookup of a pending link
        // imported from the SSO plugin (only when the subject has no link)
        authNewUserCore: 7,
        // the claim (which reads the link), the finish, the SSO session record, the activity entry
        authReturningUserCore: 4,
      });
      expect(first.auth.length, shown).toBeLessThanOrEqual(24);
      expect(again.auth.length, shown).toBeLessThanOrEqual(15);
    });
  });
}
