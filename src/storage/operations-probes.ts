// The database's side of the operations endpoints: whether it answers and carries every migration of this
// version (readiness), and the two counts the metrics read at scrape time. One statement each.
import { MIGRATIONS_TABLE, type Database } from './orm.js';
// The names alone: the migrations themselves load only when one is pending (orm.ts).
import { postgresqlMigrationNames } from './migrations/postgresql/names.js';
import { sqliteMigrationNames } from './migrations/sqlite/names.js';
import { sqlOf } from './sql.js';
import { OPEN_FLOW_STATUSES } from './store-rules.js';

export type DatabaseState = 'up' | 'unreachable' | 'not_migrated';

/**
 * `up` when every migration of this version is recorded as applied; `not_migrated` when one is missing (an
 * older schema, or a table dropped by hand); `unreachable` when the statement fails.
 */
export function databaseProbe({ orm, dialect }: Database): () => Promise<DatabaseState> {
  const expected = dialect === 'sqlite' ? sqliteMigrationNames : postgresqlMigrationNames;
  const sql = sqlOf(orm);
  const placeholders = expected.map(() => '?').join(', ');
  return async () => {
    try {
      const [row] = await sql.rows<{ applied: number | string }>(
        `select count(*) as applied from ${MIGRATIONS_TABLE} where name in (${placeholders})`,
        expected,
      );
      // PostgreSQL's count is a bigint, which pg hands back as text.
      return Number(row?.applied ?? 0) === expected.length ? 'up' : 'not_migrated';
    } catch {
      return 'unreachable';
    }
  };
}

/** Sign-ins started or verified and not yet consumed, failed or expired. */
export async function countOpenFlows({ orm }: Database, now: Date): Promise<number> {
  const sql = sqlOf(orm);
  const statuses = OPEN_FLOW_STATUSES.map(() => '?').join(', ');
  const [row] = await sql.rows<{ open: number | string }>(
    `select count(*) as open from sso_login_flow where status in (${statuses}) and expires_at > ?`,
    [...OPEN_FLOW_STATUSES, sql.date(now)],
  );
  return Number(row?.open ?? 0);
}

/** Entries of the SAML replay cache (expired ones included until the purge drops them). */
export async function countReplayEntries({ orm }: Database): Promise<number> {
  const [row] = await sqlOf(orm).rows<{ entries: number | string }>(
    'select count(*) as entries from sso_replay_entry',
  );
  return Number(row?.entries ?? 0);
}
