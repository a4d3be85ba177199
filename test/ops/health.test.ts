// Liveness and readiness through the generated client: both public and never cached; readiness follows the
// database (gone, not migrated) and, in jellyfin mode, Jellyfin (down, API key revoked), reuses its answer
// for a few seconds, and its body names states only (no address, no key).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { getHealth, getReadiness } from '../../clients/typescript/index.js';
import { READINESS_CACHE_MS } from '../../src/http/health.js';
import { startTestApp, TestClock, type TestApp } from '../support/app.js';
import { appDatabaseTargets, describeOn, rawRows } from '../support/db.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { requireJellyfinDocuments } from '../support/jellyfin-openapi.js';

/** The readiness answer as a probe sees it: status, body and caching header. */
async function probe(t: TestApp) {
  const { response, data, error } = await getReadiness({ client: t.anonymous });
  return { status: response.status, body: data ?? error, cache: response.headers.get('cache-control') };
}

for (const target of appDatabaseTargets('readiness')) {
  describeOn(target, `health and readiness, embedded mode [${target.dialect}]`, () => {
    let t: TestApp;
    let clock: TestClock;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const prepared = await target.prepare();
      cleanup = prepared.cleanup;
      clock = new TestClock();
      t = await startTestApp(prepared.env, { clock });
    });
    afterEach(async () => {
      await t.close();
      await cleanup();
    });

    it('when the process runs, then /sso/health answers 200 ok, uncached, without a credential', async () => {
      const { response, data } = await getHealth({ client: t.anonymous });
      expect(response.status).toBe(200);
      expect(data).toEqual({ status: 'ok' });
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('when the database is migrated, then /sso/ready answers 200 with every component up', async () => {
      expect(await probe(t)).toEqual({
        status: 200,
        body: { status: 'ready', components: { database: 'up', mediaServer: 'up' } },
        cache: 'no-store',
      });
    });

    it('when a migration is missing, then 503 not_migrated once the cached answer is older than the window', async () => {
      expect((await probe(t)).status).toBe(200);
      const [last] = await rawRows(t.app.database, 'select max(name) as name from mikro_orm_migrations');
      await rawRows(t.app.database, `delete from mikro_orm_migrations where name = '${String(last?.name)}'`);
      expect((await probe(t)).status, 'the answer of the window is reused').toBe(200);
      clock.advance(READINESS_CACHE_MS);
      expect(await probe(t)).toEqual({
        status: 503,
        body: { status: 'not_ready', components: { database: 'not_migrated', mediaServer: 'up' } },
        cache: 'no-store',
      });
    });

    it('when the database is gone, then 503 with the database unreachable, and health still answers', async () => {
      await t.app.database.orm.close(true);
      clock.advance(READINESS_CACHE_MS);
      expect(await probe(t)).toEqual({
        status: 503,
        body: { status: 'not_ready', components: { database: 'unreachable', mediaServer: 'up' } },
        cache: 'no-store',
      });
      expect((await getHealth({ client: t.anonymous })).response.status).toBe(200);
    });
  });
}

requireJellyfinDocuments();
describeOn({ skipReason: null }, 'readiness in jellyfin mode', () => {
  let fake: FakeJellyfin;
  let t: TestApp;
  let clock: TestClock;

  beforeEach(async () => {
    fake = await startFakeJellyfin({ version: '10.11.11' });
    clock = new TestClock();
    t = await startTestApp(
      { SSO_MEDIA_SERVER: 'jellyfin', JELLYFIN_URL: fake.url, JELLYFIN_API_KEY: fake.apiKey },
      { clock },
    );
  });
  afterEach(async () => {
    await t.close();
    await fake.close();
    expect(fake.violations).toEqual([]);
  });

  it('when Jellyfin accepts the key, then 200, and a burst of probes costs one Jellyfin call', async () => {
    const before = fake.count('GetKeys');
    const answers = await Promise.all(Array.from({ length: 20 }, () => probe(t)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers[0]?.body).toEqual({ status: 'ready', components: { database: 'up', mediaServer: 'up' } });
    expect(fake.count('GetKeys') - before).toBe(1);
  });

  it('when the API key is revoked, then 503 unauthorized, naming neither the key nor the address', async () => {
    const index = fake.apiKeys.findIndex((key) => key.token === fake.apiKey);
    fake.apiKeys.splice(index, 1);
    clock.advance(READINESS_CACHE_MS);
    const answer = await probe(t);
    expect(answer).toEqual({
      status: 503,
      body: { status: 'not_ready', components: { database: 'up', mediaServer: 'unauthorized' } },
      cache: 'no-store',
    });
  });

  it('when Jellyfin is down, then 503 unreachable, naming neither the key nor the address', async () => {
    await fake.close();
    clock.advance(READINESS_CACHE_MS);
    const { response, error } = await getReadiness({ client: t.anonymous });
    const text = JSON.stringify(error);
    expect(response.status).toBe(503);
    expect(error).toEqual({
      status: 'not_ready',
      components: { database: 'up', mediaServer: 'unreachable' },
    });
    expect(text).not.toContain(fake.apiKey);
    expect(text).not.toContain(new URL(fake.url).port);
  });
});
