// Test databases for the storage and embedded-directory suites: the same cases run on a real SQLite FILE in
// a temp folder, and on PostgreSQL when TEST_PG_URL names a server (a fresh `sso_t_<random>` database per
// suite, dropped afterwards). Without TEST_PG_URL the PostgreSQL cases are registered as skipped (their
// suite's name says why), except under CI, where that is an error: CI must prove both dialects.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { createPgScratchDatabase } from '../../scripts/pg-scratch.js';
import { openDatabase, type Database, type Dialect } from '../../src/storage/orm.js';

export interface TestDatabase {
  dialect: Dialect;
  /** The SSO_DATABASE_URL of this database. */
  url: string;
  /** A temp folder for the key file and other data. */
  dataDir: string;
  /** The SSO_SECRET_KEY the suite opened with (64 hex). */
  secretKey: string;
  /** Present for SQLite: the database file. */
  file?: string;
  /** The open database (replaced by `reopen`). */
  db: Database;
  /** Closes and opens again with the same URL and key: a restart. */
  reopen(overrides?: { secretKey?: string | undefined }): Promise<Database>;
  destroy(): Promise<void>;
}

/** A database that exists but was never opened (no schema yet), with a data folder. */
export interface BlankDatabase {
  url: string;
  dataDir: string;
  file?: string;
  destroy(): Promise<void>;
}

export interface DbTarget {
  dialect: Dialect;
  /** Why this target cannot run here (its suites are registered as skipped), or null. */
  skipReason: string | null;
  blank(): Promise<BlankDatabase>;
  create(options?: { secretKey?: string | undefined }): Promise<TestDatabase>;
}

export function randomSecretKey(): string {
  return randomBytes(32).toString('hex');
}

function sqliteTarget(): DbTarget {
  const blank = async (): Promise<BlankDatabase> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sso-test-'));
    const file = join(dataDir, 'db', 'sso.sqlite');
    return {
      url: `sqlite:${file}`,
      dataDir,
      file,
      destroy: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  };
  return {
    dialect: 'sqlite',
    skipReason: null,
    blank,
    async create(options = {}) {
      return wrap('sqlite', await blank(), options);
    },
  };
}

function postgresTarget(serverUrl: string): DbTarget {
  const blank = async (): Promise<BlankDatabase> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sso-test-'));
    const scratch = await createPgScratchDatabase(serverUrl);
    return {
      url: scratch.url,
      dataDir,
      async destroy() {
        await scratch.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
  return {
    dialect: 'postgresql',
    skipReason: null,
    blank,
    async create(options = {}) {
      return wrap('postgresql', await blank(), options);
    },
  };
}

async function wrap(
  dialect: Dialect,
  { url, dataDir, file, destroy: cleanup }: BlankDatabase,
  options: { secretKey?: string | undefined },
): Promise<TestDatabase> {
  const secretKey = 'secretKey' in options ? options.secretKey : randomSecretKey();
  const open = (key: string | undefined) => openDatabase({ url, dataDir, secretKey: key });
  let first: Database;
  try {
    first = await open(secretKey);
  } catch (error) {
    await cleanup(); // do not leave a scratch database or temp folder behind
    throw error;
  }
  const test: TestDatabase = {
    dialect,
    url,
    dataDir,
    secretKey: secretKey ?? '',
    ...(file ? { file } : {}),
    db: first,
    async reopen(overrides = {}) {
      await test.db.close().catch(() => undefined); // may already be closed by a failed reopen
      test.db = await open('secretKey' in overrides ? overrides.secretKey : secretKey);
      return test.db;
    },
    async destroy() {
      await test.db.close().catch(() => undefined);
      await cleanup();
    },
  };
  return test;
}

const NO_PG = 'TEST_PG_URL is not set';

/** Under CI both dialects must run; elsewhere a missing PostgreSQL only skips its cases. */
function requirePgUnderCi(what: string): void {
  if (process.env['CI']) {
    throw new Error(`${NO_PG}: under CI the PostgreSQL ${what} must run (start PostgreSQL and set it)`);
  }
}

/** SQLite always; PostgreSQL when TEST_PG_URL is set, else a PostgreSQL target that is skipped. */
export function dbTargets(): DbTarget[] {
  const pgUrl = process.env['TEST_PG_URL'];
  if (pgUrl) return [sqliteTarget(), postgresTarget(pgUrl)];
  requirePgUnderCi('storage cases');
  const missing = (): never => {
    throw new Error(NO_PG);
  };
  return [sqliteTarget(), { dialect: 'postgresql', skipReason: NO_PG, blank: missing, create: missing }];
}

/** A describe block on one target: skipped, its title saying why, when the target cannot run here. */
export function describeOn(target: { skipReason: string | null }, title: string, body: () => void): void {
  const skipped = target.skipReason !== null;
  describe.skipIf(skipped)(skipped ? `${title} (skipped: ${target.skipReason})` : title, body);
}

/**
 * Registers `body` once per database target, in a describe block titled `title [dialect]`, with a fresh
 * database opened before its tests and destroyed after them.
 */
export function describeEachDatabase(
  title: string,
  body: (ctx: () => TestDatabase, target: DbTarget) => void,
): void {
  for (const target of dbTargets()) {
    describeOn(target, `${title} [${target.dialect}]`, () => {
      let current: TestDatabase | undefined;
      beforeAll(async () => {
        current = await target.create();
      });
      afterAll(async () => {
        await current?.destroy();
      });
      body(() => {
        if (!current) throw new Error('the test database is not open (beforeAll failed?)');
        return current;
      }, target);
    });
  }
}

/** Raw SQL on the current database, for assertions about what is really stored. */
export async function rawRows(db: Database, sql: string): Promise<Record<string, unknown>[]> {
  return db.orm.em.fork().getConnection().execute<Record<string, unknown>[]>(sql);
}

/** A database for a whole service under test (startTestApp): the environment that selects it, and its cleanup. */
export interface AppDatabaseTarget {
  dialect: Dialect;
  /** Why this target cannot run here (register its suite with `describeOn`), or null. */
  skipReason: string | null;
  prepare(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
}

/**
 * SQLite (the service's default file) and, with TEST_PG_URL, a scratch PostgreSQL database per `prepare`.
 * Without TEST_PG_URL the PostgreSQL target is skipped (`describeOn`), except under CI, where that is an
 * error. `what` names the cases in that error.
 */
export function appDatabaseTargets(what: string): AppDatabaseTarget[] {
  const sqlite: AppDatabaseTarget = {
    dialect: 'sqlite',
    skipReason: null,
    prepare: async () => ({ env: {}, cleanup: async () => undefined }),
  };
  const pgUrl = process.env['TEST_PG_URL'];
  if (!pgUrl) {
    requirePgUnderCi(what);
    const missing = (): never => {
      throw new Error(NO_PG);
    };
    return [sqlite, { dialect: 'postgresql', skipReason: NO_PG, prepare: missing }];
  }
  return [
    sqlite,
    {
      dialect: 'postgresql',
      skipReason: null,
      prepare: async () => {
        const scratch = await createPgScratchDatabase(pgUrl);
        return { env: { SSO_DATABASE_URL: scratch.url }, cleanup: () => scratch.drop() };
      },
    },
  ];
}
