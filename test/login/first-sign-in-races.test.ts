// Concurrent first sign-ins of one identity: every Auth lands in the same single account, none leaves a
// stray user behind — in the embedded directory and in (the fake) Jellyfin, on one instance over SQLite and
// on two instances sharing one PostgreSQL database. The same for the re-point path (the linked user was
// deleted). Needs TEST_PG_URL for the PostgreSQL ones.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { addOidcProvider, authenticateOidc } from '../../clients/typescript/index.js';
import { createPgScratchDatabase } from '../../scripts/pg-scratch.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';
import { dbTargets, describeOn, randomSecretKey } from '../support/db.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import { followLogin, startOidcIdp, type OidcIdp, jellyfinClient } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { directoryOf } from '../support/users.js';

const PARALLEL = 4;
requireJellyfinDocuments();
const modes = ['embedded', 'jellyfin'] as const;
const topologies = dbTargets().map((target) => ({
  target,
  name:
    target.dialect === 'sqlite'
      ? ('one instance on SQLite' as const)
      : ('two instances on PostgreSQL' as const),
}));

for (const mode of modes) {
  for (const { target, name: topology } of topologies) {
    describeOn(target, `first sign-ins racing, ${mode} mode, ${topology}`, () => {
      let idp: OidcIdp;
      let fake: FakeJellyfin | undefined;
      let instances: TestApp[];
      let dropDatabase: () => Promise<void>;

      beforeEach(async () => {
        const port = await freePort();
        idp = await startOidcIdp({
          clients: [jellyfinClient(port, 'idp')],
          accounts: { 'sub-zoe': { preferred_username: 'zoe', groups: ['users'] } },
        });
        fake = mode === 'jellyfin' ? await startFakeJellyfin({ version: '10.11.11' }) : undefined;
        const env: Record<string, string> = {
          SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
          SSO_SECRET_KEY: randomSecretKey(),
          ...(fake === undefined
            ? {}
            : { SSO_MEDIA_SERVER: 'jellyfin', JELLYFIN_URL: fake.url, JELLYFIN_API_KEY: fake.apiKey }),
        };
        dropDatabase = async () => undefined;
        if (topology === 'one instance on SQLite') {
          instances = [await startTestApp(env, { port })];
        } else {
          const scratch = await createPgScratchDatabase(process.env.TEST_PG_URL ?? '');
          dropDatabase = scratch.drop;
          const shared = { ...env, SSO_DATABASE_URL: scratch.url };
          const first = await startTestApp(shared, { port });
          instances = [first, await startTestApp(shared)];
        }
        const admin = fake === undefined ? instances[0]!.admin : instances[0]!.clientWith(fake.apiKey);
        const added = await addOidcProvider({
          client: admin,
          path: { provider: 'idp' },
          body: {
            oidEndpoint: idp.issuer,
            oidClientId: 'jellyfin',
            oidSecret: 'jellyfin-secret',
            enabled: true,
            enableAuthorization: true,
            enableAllFolders: true,
            roles: ['users'],
            roleClaim: 'groups',
            oidScopes: ['groups'],
          },
        });
        expect(added.response.status).toBe(200);
      });
      afterEach(async () => {
        for (const instance of instances) await instance.close();
        await dropDatabase();
        await idp.close();
        await fake?.close();
      });

      /** Every user but the fake's own admin, by name. */
      async function accounts(): Promise<{ id: string; name: string }[]> {
        if (fake !== undefined) return [...fake.users.values()].filter((user) => user.id !== fake?.admin.id);
        return directoryOf(instances[0]!).listUsers();
      }

      /** PARALLEL sign-ins of sub-zoe up to the page, then every Auth at once, spread over the instances. */
      async function raceSignIns() {
        const ready: { token: string; jar: CookieJar }[] = [];
        for (let i = 0; i < PARALLEL; i++) {
          const jar = new CookieJar();
          const start = await browserGet(`${instances[0]!.baseUrl}/sso/OID/start/idp`, jar);
          const page = await browserGet(
            await followLogin(start.headers.get('location') ?? '', 'sub-zoe'),
            jar,
          );
          ready.push({ token: pageParams(page.text).data, jar });
        }
        return Promise.all(
          ready.map(({ token, jar }, i) =>
            authenticateOidc({
              client: instances[i % instances.length]!.anonymous,
              path: { provider: 'idp' },
              body: authBody(token),
              headers: { cookie: jar.header() },
            }),
          ),
        );
      }

      it('when one identity signs in for the first time in parallel, then every Auth lands in the one account made', async () => {
        const results = await raceSignIns();
        expect(results.map((result) => result.response.status)).toEqual(Array(PARALLEL).fill(200));
        const made = await accounts();
        expect(made.map((user) => user.name)).toEqual(['zoe']);
        expect(new Set(results.map((result) => result.data?.User.Id))).toEqual(new Set([made[0]?.id]));
        expect(fake?.violations ?? []).toEqual([]);
      });

      it('when one token is posted several times at once, spread over the instances, then exactly one Auth succeeds', async () => {
        const jar = new CookieJar();
        const start = await browserGet(`${instances[0]!.baseUrl}/sso/OID/start/idp`, jar);
        const page = await browserGet(await followLogin(start.headers.get('location') ?? '', 'sub-zoe'), jar);
        const token = pageParams(page.text).data;
        const results = await Promise.all(
          Array.from({ length: PARALLEL }, (_, i) =>
            authenticateOidc({
              client: instances[i % instances.length]!.anonymous,
              path: { provider: 'idp' },
              body: authBody(token),
              headers: { cookie: jar.header() },
            }),
          ),
        );
        expect(results.filter((result) => result.response.status === 200)).toHaveLength(1);
        expect(results.filter((result) => result.error?.code === 'flow_used')).toHaveLength(PARALLEL - 1);
        expect((await accounts()).map((user) => user.name)).toEqual(['zoe']);
      });

      it('when its linked user was deleted and it signs in again in parallel, then exactly one new account is made', async () => {
        const first = await raceSignIns();
        const gone = first[0]?.data?.User.Id ?? '';
        if (fake !== undefined) fake.users.delete(gone);
        else
          await instances[0]!.app.database.orm.em
            .fork()
            .getConnection()
            .execute(`delete from media_user where id = '${gone}'`);
        expect(await accounts()).toEqual([]);

        const again = await raceSignIns();
        expect(again.map((result) => result.response.status)).toEqual(Array(PARALLEL).fill(200));
        const made = await accounts();
        expect(made).toHaveLength(1);
        expect(made[0]?.id).not.toBe(gone);
        expect(new Set(again.map((result) => result.data?.User.Id))).toEqual(new Set([made[0]?.id]));
      });
    });
  }
}
