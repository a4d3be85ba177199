// PostgreSQL for the `[PostgreSQL]` cases: BENCH_PG_URL when given, otherwise a throwaway cluster of our
// own started by .ci/pg.sh in a temp folder of our own (never the default one, which tests may be using).
// Either way the bench works in a scratch database it drops afterwards. Without the server binaries the
// PostgreSQL cases are skipped with a note. The throwaway cluster keeps production durability (fsync,
// synchronous_commit and full_page_writes on: PG_DURABLE=1), and the settings the server really runs with
// are read back and reported, whichever server it is.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';

import { createPgScratchDatabase } from '../../scripts/pg-scratch.js';
import { REPO_ROOT } from './children.js';

const run = promisify(execFile);

export type Postgres =
  | {
      ok: true;
      url: string;
      source: string;
      /** fsync, synchronous_commit, full_page_writes as the server runs them (`SHOW`). */
      durability: Record<string, string>;
      stop(): Promise<void>;
    }
  /** `failed`: PostgreSQL should have been usable (binaries present or BENCH_PG_URL given) but was not. */
  | { ok: false; reason: string; failed: boolean };

function serverBinariesPresent(): boolean {
  const onPath = (process.env['PATH'] ?? '')
    .split(':')
    .some((dir) => dir !== '' && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb')));
  if (onPath) return true;
  try {
    return readdirSync('/usr/lib/postgresql').some((version) =>
      existsSync(join('/usr/lib/postgresql', version, 'bin', 'initdb')),
    );
  } catch {
    return false;
  }
}

export async function startPostgres(log: (line: string) => void): Promise<Postgres> {
  const given = process.env['BENCH_PG_URL'];
  let serverUrl: string;
  let source: string;
  let stopServer: () => Promise<void> = async () => undefined;
  if (given !== undefined && given !== '') {
    serverUrl = given;
    source = 'BENCH_PG_URL';
  } else {
    if (!serverBinariesPresent()) {
      return {
        ok: false,
        reason: 'PostgreSQL server binaries not found and BENCH_PG_URL not set',
        failed: false,
      };
    }
    // Directly under the temp dir (not inside our 0700 bench folder): as root the cluster belongs to `postgres`.
    const pgDir = mkdtempSync(join(tmpdir(), 'sso-bench-pg-'));
    const env = { ...process.env, PG_DIR: pgDir, PG_PORT: '55500', PG_DB: 'sso_bench', PG_DURABLE: '1' };
    stopServer = async () => {
      await run(join(REPO_ROOT, '.ci/pg.sh'), ['stop'], { env }).catch((error: unknown) =>
        log(`warning: .ci/pg.sh stop failed: ${String(error)}`),
      );
    };
    try {
      const { stdout } = await run(join(REPO_ROOT, '.ci/pg.sh'), ['start'], { env, timeout: 120_000 });
      serverUrl = stdout.trim().split('\n').pop() ?? '';
      source = `.ci/pg.sh (throwaway cluster in ${pgDir})`;
    } catch (error) {
      await stopServer();
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      return {
        ok: false,
        reason: `.ci/pg.sh start failed: ${stderr.trim().split('\n').slice(-2).join(' ')}`,
        failed: true,
      };
    }
  }
  try {
    const scratch = await createPgScratchDatabase(serverUrl, 'sso_bench_');
    return {
      ok: true,
      url: scratch.url,
      source,
      durability: await durabilityOf(scratch.url),
      stop: async () => {
        await scratch
          .drop()
          .catch((error: unknown) => log(`warning: dropping ${scratch.name} failed: ${String(error)}`));
        await stopServer();
      },
    };
  } catch (error) {
    await stopServer();
    return {
      ok: false,
      reason: `cannot create a scratch database on ${redact(serverUrl)}: ${String(error)}`,
      failed: true,
    };
  }
}

/** The URL without its password, for printing. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

const DURABILITY_SETTINGS = ['fsync', 'synchronous_commit', 'full_page_writes'] as const;

/** What the server really runs with: a BENCH_PG_URL server may be configured either way. */
async function durabilityOf(url: string): Promise<Record<string, string>> {
  const orm = await MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: 1 },
  });
  try {
    const rows = await orm.em
      .getConnection()
      .execute<{ name: string; setting: string }[]>(
        'select name, setting from pg_settings where name in (?, ?, ?)',
        [...DURABILITY_SETTINGS],
      );
    return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
  } finally {
    await orm.close(true);
  }
}

/** True when every durability setting is on, as in production. */
export function durable(settings: Record<string, string>): boolean {
  return DURABILITY_SETTINGS.every((name) => settings[name] === 'on');
}
