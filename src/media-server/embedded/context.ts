// What every part of the embedded directory works with: the database and the clock, Jellyfin-style random
// ids, and database failures reported as SsoError.
//
// Every transaction of the directory starts with a write. That write takes the lock (PostgreSQL: the row;
// SQLite: the database write lock) before anything is read, so read-check-write sequences cannot
// interleave, and SQLite never has to upgrade a read transaction (which fails at once with SQLITE_BUSY when
// another process, e.g. the CLI, is writing). The sign-in path needs no transaction: each of its writes is one
// statement whose own conditions decide (a unique name, an enabled user, an unchanged policy).

import { randomBytes } from 'node:crypto';
import type { Clock } from '../../sso/ports.js';
import type { Orm } from '../../storage/orm.js';
import type { Sql } from '../../storage/sql.js';

export interface DirectoryContext {
  orm: Orm;
  /** The same database through bound statements: what the hot paths use. */
  sql: Sql;
  clock: Clock;
}

/** 32 lower-case hex: Jellyfin's Guid "N" format, used for ids and tokens alike. */
export function randomHex32(): string {
  return randomBytes(16).toString('hex');
}

/** Runs `work`, reporting a database failure while doing `what` as an SsoError (the stores' own wrapper). */
export { withStorageErrors as storing } from '../../storage/shared.js';
