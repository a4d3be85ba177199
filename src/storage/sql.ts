// Hand-written SQL for the hot paths, on the ORM's own knex with bound parameters: one statement per step,
// no unit of work, identity map or hydration, and parameters that are never spliced into the SQL text.
// Values are converted here, once for every store: dates (SQLite keeps integer milliseconds, PostgreSQL
// timestamptz), JSON (text on SQLite, jsonb on PostgreSQL) and the rows each driver hands back.
import { DriverException } from '@mikro-orm/core';
import { isStorableParameter, UnstorableValueError } from './query-guard.js';
import type { Orm } from './orm.js';

export type SqlValue = string | number | boolean | Date | Buffer | null;

export interface Sql {
  readonly dialect: 'sqlite' | 'postgresql';
  /** Runs one statement and returns its rows (a SELECT's, or what RETURNING names). */
  rows<T = Record<string, unknown>>(sql: string, bindings?: readonly SqlValue[]): Promise<T[]>;
  /** A date parameter as the dialect stores it. */
  date(value: Date): SqlValue;
  /** A boolean parameter as the dialect stores it (SQLite: 0 or 1). */
  boolean(value: boolean): SqlValue;
  /** A placeholder for a date in a select list, where PostgreSQL cannot infer its type. */
  readonly datePlaceholder: string;
  /** The expression reading the string field `field` of the JSON column `column`. */
  jsonText(column: string, field: string): string;
}

/** The part of knex's client this file uses. */
interface KnexLike {
  raw(sql: string, bindings: readonly SqlValue[]): PromiseLike<unknown>;
  client: { dialect?: string };
}

const ORM_SQL = new WeakMap<Orm, Sql>();

/** One Sql per ORM instance: its knex and its dialect. */
export function sqlOf(orm: Orm): Sql {
  let sql = ORM_SQL.get(orm);
  if (sql === undefined) {
    sql = createSql(orm.em.getKnex());
    ORM_SQL.set(orm, sql);
  }
  return sql;
}

function createSql(knex: KnexLike): Sql {
  const postgres = knex.client.dialect === 'postgresql';
  return {
    dialect: postgres ? 'postgresql' : 'sqlite',
    async rows<T>(sql: string, bindings: readonly SqlValue[] = []): Promise<T[]> {
      // The same guard as the ORM's statements: a value that cannot be stored is the sender's fault.
      if (!bindings.every(isStorableParameter)) throw new UnstorableValueError();
      let result: unknown;
      try {
        result = await knex.raw(sql, bindings);
      } catch (error) {
        throw new StatementError(error);
      }
      // knex hands back the rows themselves on SQLite, and the driver's result (`rows`) on PostgreSQL.
      return (postgres ? (result as { rows: T[] }).rows : result) as T[];
    },
    date: (value) => (postgres ? value : value.getTime()),
    boolean: (value) => (postgres ? value : value ? 1 : 0),
    datePlaceholder: postgres ? '?::timestamptz' : '?',
    jsonText: (column, field) =>
      postgres ? `(${column} ->> '${field}')` : `json_extract(${column}, '$.${field}')`,
  };
}

/**
 * A date column as read back: milliseconds (SQLite), or PostgreSQL's text (MikroORM keeps timestamptz as
 * text, e.g. `2030-01-01 00:00:00.001+00`, which is ISO 8601 once the space and the offset are spelled out).
 */
export function readDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && !/^\d+$/.test(value)) {
    return new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  }
  return new Date(Number(value));
}

export function readNullableDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : readDate(value);
}

/**
 * A JSON column as read back: parsed already (PostgreSQL jsonb) or text (SQLite). `T` is what the store
 * wrote there, which the column's type cannot say.
 */
export function readJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * A failed statement, as the stores report it: the driver's code and message, without the SQL text knex
 * puts in front of it (with the parameter values written in). A DriverException, like the ORM's own.
 */
export class StatementError extends DriverException {
  constructor(cause: unknown) {
    const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown }; // a driver error
    const text = typeof message === 'string' ? message : String(cause);
    super(new Error(text.includes(' - ') ? text.slice(text.indexOf(' - ') + 3) : text));
    this.code = typeof code === 'string' ? code : undefined;
  }

  /** A unique index refused the row (SQLite: SQLITE_CONSTRAINT UNIQUE; PostgreSQL: 23505). */
  get isUniqueViolation(): boolean {
    return this.code === '23505' || (this.code === 'SQLITE_CONSTRAINT' && this.message.includes('UNIQUE'));
  }
}
