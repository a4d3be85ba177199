// The media-server adapters' SQL on the ORM's knex: statements with bound parameters (no unit of work, no
// SQL text built per value), the values' storage forms on each dialect, and their unique-key violations.

import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Orm } from '../../storage/orm.js';
import { isStorableParameter, UnstorableValueError } from '../../storage/query-guard.js';

export type Dialect = 'sqlite' | 'postgresql';
/** What a statement binds. */
export type SqlValue = string | number | boolean | null | Date | Buffer;

export interface Sql {
  dialect: Dialect;
  /** Runs one statement; the rows it returns (a write returns its `RETURNING` rows, else none). */
  rows<T = Record<string, unknown>>(sql: string, bindings?: readonly SqlValue[]): Promise<T[]>;
  /** A date as the column stores it: milliseconds on SQLite (as the ORM writes them), timestamptz on PostgreSQL. */
  date(value: Date): Date | number;
}

export function sqlOf(orm: Orm): Sql {
  const knex = orm.em.getKnex();
  // knex types its client loosely; `dialect` names the driver family ('postgresql', 'sqlite3').
  const client = knex.client as { dialect?: unknown };
  const dialect: Dialect = client.dialect === 'postgresql' ? 'postgresql' : 'sqlite';
  return {
    dialect,
    async rows<T>(sql: string, bindings: readonly SqlValue[] = []): Promise<T[]> {
      // Bound, so nothing can change the statement; still, a value no column can hold is the sender's
      // fault (PostgreSQL refuses NUL, SQLite would store a lone surrogate as U+FFFD): refused alike.
      if (!bindings.every(isStorableParameter)) throw new UnstorableValueError();
      // Both drivers' raw results: node-sqlite3 gives the rows, node-postgres a result with `rows`.
      const result = (await knex.raw(sql, bindings)) as T[] | { rows: T[] };
      return Array.isArray(result) ? result : result.rows;
    },
    date: (value) => (dialect === 'sqlite' ? value.getTime() : value),
  };
}

/** A JSON column as read: text on SQLite, already parsed on PostgreSQL (jsonb). */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * A date column as read: milliseconds on SQLite; on PostgreSQL the timestamptz text (the ORM's connection
 * leaves dates unparsed), e.g. `2026-12-03 11:40:00.123+00`, whose offset JavaScript wants as `+00:00`.
 */
export function dateColumn(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'string' && !/^\d+$/.test(value)) {
    return new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  }
  return new Date(Number(value));
}

/** A unique key refused the row: the ORM's exception, or the driver's own error from a raw statement. */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof UniqueConstraintViolationException) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown }; // a driver error's fields
  if (code === '23505') return true; // PostgreSQL unique_violation
  return code === 'SQLITE_CONSTRAINT' && typeof message === 'string' && message.includes('UNIQUE');
}
