// The SQLite drivers MikroORM 6 supports, side by side on the service's own hot statements, for the steps a
// sign-in takes: CPU ms per operation (this process, every thread: driver, knex and the store), and how long
// the event loop was busy per operation. A driver that runs statements on the main thread (better-sqlite3)
// keeps the loop busy for each commit's wait on the disk (synchronous = FULL, the service's default), when
// no other request can be served; one that runs them on libuv's pool (sqlite3) does not.
//   node --import tsx bench/drivers.ts [iterations]
// Drivers that are not installed are reported as such (`@mikro-orm/sqlite` is; the others install with
// `npm install --no-save @mikro-orm/better-sqlite@<core version> @mikro-orm/libsql@<core version>`).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { loadMigrator, ormOptions, type Orm } from '../src/storage/orm.js';
import { createFlowStore } from '../src/storage/flow-store.js';
import { createLinkStore } from '../src/storage/link-store.js';
import { createProviderStore } from '../src/storage/provider-store.js';
import { createSecretBox } from '../src/storage/secret-box.js';
import { createReplayCache } from '../src/storage/replay-cache.js';
import { oidcSettings } from '../test/storage/fixtures.js';

const iterations = Number(process.argv[2] ?? 2000);
const DRIVERS = [
  { name: '@mikro-orm/sqlite (sqlite3)', module: '@mikro-orm/sqlite', export: 'SqliteDriver' },
  { name: '@mikro-orm/better-sqlite', module: '@mikro-orm/better-sqlite', export: 'BetterSqliteDriver' },
  { name: '@mikro-orm/libsql', module: '@mikro-orm/libsql', export: 'LibSqlDriver' },
] as const;

async function open(driver: unknown, file: string): Promise<Orm> {
  const base = await ormOptions({ dialect: 'sqlite', path: file });
  // Each driver gets its own pool; the pragmas are set once on the single connection below.
  const options = { ...base, driver, pool: { min: 1, max: 1 } } as Options<AbstractSqlDriver>; // driver given as a value
  const orm = await MikroORM.init<AbstractSqlDriver>(options);
  for (const pragma of [
    'PRAGMA journal_mode = WAL',
    'PRAGMA foreign_keys = ON',
    'PRAGMA busy_timeout = 5000',
    'PRAGMA synchronous = FULL',
  ])
    await orm.em.getConnection().execute(pragma);
  await (await loadMigrator(orm, 'sqlite')).up();
  return orm;
}

interface PerOp {
  cpuMs: number;
  /** Time the event loop was not idle (ran JavaScript or waited in a synchronous call), per call. */
  loopBusyMs: number;
}

/** CPU and event-loop busy ms per call of `step`, over `iterations` calls one after another. */
async function cpuPerOp(step: (i: number) => Promise<unknown>): Promise<PerOp> {
  for (let i = 0; i < 100; i++) await step(-1 - i); // warm-up
  const before = process.cpuUsage();
  const loopBefore = performance.eventLoopUtilization();
  for (let i = 0; i < iterations; i++) await step(i);
  const loop = performance.eventLoopUtilization(loopBefore);
  const used = process.cpuUsage(before);
  return { cpuMs: (used.user + used.system) / 1000 / iterations, loopBusyMs: loop.active / iterations };
}

async function measure(orm: Orm): Promise<Record<string, PerOp>> {
  const box = createSecretBox(randomBytes(32));
  const providers = createProviderStore({ orm, box });
  const flows = createFlowStore({ orm, box });
  const links = createLinkStore({ orm, box });
  const replay = createReplayCache({ orm });
  const provider = await providers.save('oidc', 'bench', { settings: oidcSettings(), secrets: {} });
  const now = new Date();
  const later = new Date(now.getTime() + 600_000);
  const id = (i: number) => `${i}-${randomUUID()}`;
  const newFlow = (i: number) => ({
    id: id(i),
    providerId: provider.id,
    providerName: provider.name,
    protocol: 'oidc' as const,
    purpose: 'login' as const,
    stateHash: id(i),
    browserHash: 'browser',
    clientKey: '127.0.0.1',
    samlRequestId: null,
    secrets: { protocol: 'oidc' as const, pkceVerifier: 'v', nonce: 'n', redirectUri: 'https://x/cb' },
    createdAt: now,
    expiresAt: later,
    providerVersion: provider.version,
    maxOpenPerClient: 1_000_000,
  });
  const identity = { subject: 'sub', preferredUsername: 'ann', label: null, roles: [], avatarUrl: null };
  await links.create({ providerId: provider.id, subject: 'sub', userId: 'u1', label: null });
  const tokens: string[] = [];
  return {
    'provider read (cache miss)': await cpuPerOp(() => providers.get('oidc', 'bench')),
    'start: flow insert': await cpuPerOp((i) => flows.create(newFlow(i))),
    'callback: flow read + verify': await cpuPerOp(async (i) => {
      const flow = newFlow(i);
      if (i >= 0) {
        tokens.push(`tok-${flow.id}`);
      }
      await flows.create(flow); // not counted apart: the step itself is the read and the update below
      const found = await flows.findByStateHash(flow.stateHash);
      await flows.markVerified(found?.id ?? '', { identity, tokenHash: `tok-${flow.id}` }, now);
    }),
    'Auth: claim (+ link) and finish': await cpuPerOp(async (i) => {
      const tokenHash = tokens[i];
      if (tokenHash === undefined) return;
      const claimed = await flows.claim({
        tokenHash,
        providerId: provider.id,
        now,
        attemptId: 'a',
        leaseUntil: later,
      });
      await flows.finishClaim(claimed?.id ?? '', 'a');
    }),
    'replay cache insert': await cpuPerOp((i) => replay.remember(id(i), later)),
  };
}

const rows: string[] = [];
for (const driver of DRIVERS) {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(driver.module)) as Record<string, unknown>; // a driver module, by name
  } catch {
    rows.push(`${driver.name}: not installed`);
    continue;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sso-drivers-'));
  const orm = await open(loaded[driver.export], join(dir, 'bench.sqlite'));
  try {
    const figures = await measure(orm);
    rows.push(
      `${driver.name}:`,
      ...Object.entries(figures).map(
        ([step, op]) =>
          `  ${step.padEnd(34)} ${op.cpuMs.toFixed(3)} ms CPU/op, event loop busy ${op.loopBusyMs.toFixed(3)} ms/op`,
      ),
    );
  } finally {
    await orm.close(true);
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(`${rows.join('\n')}\n(${iterations} iterations each, one at a time)\n`);
