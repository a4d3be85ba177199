// Opens the database: takes SSO_DATABASE_URL as ../database-settings.ts parses it, starts MikroORM with the
// entities of ./entities.ts, applies the committed migrations of that dialect, loads the secret key and
// checks it against the database, and hands back `{ orm, box, close }`. The only place that knows
// connection details; stores receive the `orm` and `box` from here.
// Only the dialect in use is loaded, and the migration machinery only when the schema is behind: a start
// on a current database does not pay for either (bench/README.md, cold start).

import type { Log } from '../sso/ports.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, UniqueConstraintViolationException, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/sqlite';
import type { Migrator } from '@mikro-orm/migrations';
import { allEntities, MetaEntity } from './entities.js';
import { refuseUnstorableParameters } from './query-guard.js';
import { postgresqlMigrationNames } from './migrations/postgresql/names.js';
import { sqliteMigrationNames } from './migrations/sqlite/names.js';
import { createSecretBox, loadSecretKey, SecretKeyError, type SecretBox } from './secret-box.js';
import {
  DEFAULT_DATABASE_URL,
  parseDatabaseUrl,
  type DatabaseTarget,
  type SqliteSynchronous,
} from '../database-settings.js';

export {
  DatabaseUrlError,
  DEFAULT_DATABASE_URL,
  parseDatabaseUrl,
  type DatabaseTarget,
  type SqliteSynchronous,
} from '../database-settings.js';

export type Dialect = 'sqlite' | 'postgresql';
export type Orm = MikroORM<AbstractSqlDriver>;

/** The database uses the shared Log (src/sso/ports.ts). */
export type DatabaseLogger = Log;

export interface OpenDatabaseOptions {
  /** `sqlite:<path>` (relative to the working directory), `sqlite::memory:`, or `postgres(ql)://…`. */
  url?: string | undefined;
  /** Where the key file lives when `secretKey` is not given. */
  dataDir: string;
  /** SSO_SECRET_KEY, if set. */
  secretKey?: string | undefined;
  logger?: DatabaseLogger | undefined;
  /** SSO_SQLITE_SYNCHRONOUS; `full` when not given. PostgreSQL ignores it. */
  sqliteSynchronous?: SqliteSynchronous | undefined;
}

export interface Database {
  orm: Orm;
  dialect: Dialect;
  /** Seals provider and flow secrets; stores take it from here. */
  box: SecretBox;
  /** Names of the migrations this open applied (empty when the schema was already current). */
  migrationsApplied: string[];
  close(): Promise<void>;
}

/** Minimal shape of a node-sqlite3 connection, for the pool hook below. */
interface SqliteHandle {
  run(sql: string, callback: (error: Error | null) => void): void;
}

// Per-connection settings, run on every connection the pool creates so a recycled one keeps them:
// foreign keys (for ON DELETE CASCADE), busy_timeout (wait, instead of failing at once, while another
// process such as the CLI holds the write lock) and synchronous (SSO_SQLITE_SYNCHRONOUS: whether each
// commit waits for the disk; https://sqlite.org/pragma.html#pragma_synchronous). WAL is set once per file
// in migrate(): it persists.
function sqlitePragmas(synchronous: SqliteSynchronous): string[] {
  return [
    'PRAGMA foreign_keys = ON',
    'PRAGMA busy_timeout = 5000',
    `PRAGMA synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`,
  ];
}

/** The pool's afterCreate hook: runs `pragmas` in order on each new connection. */
function sqliteAfterCreate(pragmas: string[]) {
  return (connection: SqliteHandle, done: (error: Error | null, connection: SqliteHandle) => void): void => {
    const next = (index: number): void => {
      const sql = pragmas[index];
      if (sql === undefined) {
        done(null, connection);
        return;
      }
      connection.run(sql, (error) => (error ? done(error, connection) : next(index + 1)));
    };
    next(0);
  };
}

/** MikroORM options for a target; shared with the migration generator and the tests. */
export async function ormOptions(
  target: DatabaseTarget,
  logger?: DatabaseLogger,
  sqliteSynchronous: SqliteSynchronous = 'full',
): Promise<Options<AbstractSqlDriver>> {
  const common = {
    entities: allEntities,
    debug: false,
    // Every store method forks its own EntityManager (docs/ARCHITECTURE.md "Layers"); a global one would
    // leak state between requests.
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
    logger: (message: string) => logger?.info({ component: 'mikro-orm' }, message),
    // Parameters are inlined into the SQL text: refuse the ones that would break or change it.
    onQuery: refuseUnstorableParameters,
    migrations: {
      // The static list (no glob, no runtime TS loading) is set by loadMigrator, when it is needed.
      snapshot: false,
      silent: true,
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
    },
  } satisfies Options<AbstractSqlDriver>;
  if (target.dialect === 'sqlite') {
    const { SqliteDriver } = await import('@mikro-orm/sqlite');
    return {
      ...common,
      driver: SqliteDriver,
      dbName: target.path,
      pool: { afterCreate: sqliteAfterCreate(sqlitePragmas(sqliteSynchronous)) },
    };
  }
  const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
  return { ...common, driver: PostgreSqlDriver, clientUrl: target.url };
}

/** The migration bookkeeping table (MikroORM's default name, which the committed databases use). */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/** True when every committed migration of the dialect is recorded as applied: one read, nothing loaded. */
async function schemaIsCurrent(orm: Orm, dialect: Dialect): Promise<boolean> {
  const expected = dialect === 'sqlite' ? sqliteMigrationNames : postgresqlMigrationNames;
  let rows: { name: string }[];
  try {
    rows = await orm.em.getConnection().execute(`select name from ${MIGRATIONS_TABLE}`);
  } catch {
    return false; // no bookkeeping table yet: a new database
  }
  const applied = new Set(rows.map((row) => row.name));
  return expected.every((name) => applied.has(name));
}

/** Loads the migration machinery and the dialect's committed migrations: a Migrator of `orm`. */
export async function loadMigrator(orm: Orm, dialect: Dialect): Promise<Migrator> {
  const [{ Migrator }, migrationsList] = await Promise.all([
    import('@mikro-orm/migrations'),
    dialect === 'sqlite'
      ? import('./migrations/sqlite/index.js').then((m) => m.sqliteMigrations)
      : import('./migrations/postgresql/index.js').then((m) => m.postgresqlMigrations),
  ]);
  orm.config.set('migrations', { ...orm.config.get('migrations'), migrationsList });
  return new Migrator(orm.em);
}

/** Applies what is pending (nothing, without loading the Migrator, when the schema is current). */
async function upIfBehind(orm: Orm, dialect: Dialect): Promise<{ name: string }[]> {
  if (await schemaIsCurrent(orm, dialect)) return [];
  return (await loadMigrator(orm, dialect)).up();
}

/** About 9 s of backoff in all: ample for another process's first migration. */
const SQLITE_MIGRATION_ATTEMPTS = 12;

/** Arbitrary constant naming our PostgreSQL advisory lock ("jfsso" in ASCII). */
const MIGRATION_LOCK_ID = 0x6a6673736f;

// Several processes may start at once on one database (instances on PostgreSQL; the service and the CLI
// on SQLite). PostgreSQL: a transaction-scoped advisory lock makes them migrate one after the other, and
// the later ones find nothing pending. SQLite has no such lock: switching to WAL and MikroORM's creation of
// its bookkeeping table happen outside any transaction, and a deferred transaction that must upgrade to a
// write fails at once with SQLITE_BUSY; so a loser retries after the winner has committed.
async function migrate(orm: Orm, dialect: Dialect, inMemory: boolean) {
  if (dialect !== 'postgresql') {
    for (let attempt = 1; ; attempt++) {
      try {
        // WAL lets readers (the CLI, other requests) proceed while the service writes. Not for :memory:.
        if (!inMemory) await orm.em.getConnection().execute('PRAGMA journal_mode = WAL');
        return await upIfBehind(orm, dialect);
      } catch (error) {
        if (attempt >= SQLITE_MIGRATION_ATTEMPTS) throw error;
        await new Promise((done) =>
          setTimeout(done, Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random())),
        );
      }
    }
  }
  if (await schemaIsCurrent(orm, dialect)) return [];
  const connection = orm.em.getConnection();
  return connection.transactional(async (trx) => {
    await connection.execute('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_ID], 'all', trx);
    return (await loadMigrator(orm, dialect)).up({ transaction: trx });
  });
}

const KEY_CHECK = 'secret_key_check';
const KEY_CHECK_TEXT = 'jellyfin-sso secret key check';

/**
 * Opens the database and brings its schema up to date. Safe to call on every start: migrations already
 * applied are skipped. Throws SecretKeyError when the key does not match the one the data was sealed with.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const target = parseDatabaseUrl(options.url ?? DEFAULT_DATABASE_URL);
  const loaded = loadSecretKey({ secretKey: options.secretKey, dataDir: options.dataDir });
  if (loaded.source === 'file-created')
    options.logger?.info({ file: loaded.file }, 'created a new secret key file');
  if (loaded.warning) options.logger?.warn({ file: loaded.file }, loaded.warning);
  const box = createSecretBox(loaded.key);

  // 0700: the database holds token hashes and sealed secrets; only the service's user needs to read it.
  if (target.dialect === 'sqlite' && target.path !== ':memory:')
    mkdirSync(dirname(target.path), { recursive: true, mode: 0o700 });
  const orm = await MikroORM.init<AbstractSqlDriver>(
    await ormOptions(target, options.logger, options.sqliteSynchronous),
  );
  try {
    const applied = await migrate(
      orm,
      target.dialect,
      target.dialect === 'sqlite' && target.path === ':memory:',
    );
    if (applied.length > 0) {
      options.logger?.info({ migrations: applied.map((m) => m.name) }, 'applied database migrations');
    }
    await checkSecretKey(
      orm,
      box,
      loaded.source === 'env' ? 'SSO_SECRET_KEY' : `the key file ${loaded.file ?? ''}`,
    );
    return {
      orm,
      dialect: target.dialect,
      box,
      migrationsApplied: applied.map((m) => m.name),
      close: () => orm.close(true),
    };
  } catch (error) {
    await orm.close(true);
    throw error;
  }
}

// A sealed marker written on first open: a later start with another key fails here, at once and clearly,
// instead of on the first login that needs a provider secret.
async function checkSecretKey(orm: Orm, box: SecretBox, keyOrigin: string): Promise<void> {
  const em = orm.em.fork();
  let row = await em.findOne(MetaEntity, { key: KEY_CHECK });
  if (!row) {
    try {
      await em.insert(MetaEntity, { key: KEY_CHECK, value: box.seal(KEY_CHECK_TEXT, KEY_CHECK) });
      return;
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      row = await orm.em.fork().findOne(MetaEntity, { key: KEY_CHECK }); // another instance won the race
      if (!row) throw error;
    }
  }
  try {
    if (box.open(row.value, KEY_CHECK) === KEY_CHECK_TEXT) return;
  } catch {
    // fall through to the clear message below
  }
  throw new SecretKeyError(
    `the secret key from ${keyOrigin} is not the key this database was encrypted with; set SSO_SECRET_KEY ` +
      '(or restore <dataDir>/secret.key) to the original key. Every instance sharing a database needs the same key.',
  );
}
