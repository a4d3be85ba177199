// AppPasswordStore (src/sso/ports.ts) on the database: one row per user holding an app password, with only
// its creation time. The password never reaches this service's storage.

import type { AppPasswordStore } from '../sso/ports.js';
import { withStorageErrors, type StoreDeps } from './shared.js';
import { readDate, sqlOf } from './sql.js';

export function createAppPasswordStore({ orm }: Pick<StoreDeps, 'orm'>): AppPasswordStore {
  const sql = sqlOf(orm);
  return {
    createdAt: (userId) =>
      withStorageErrors('reading an app password record', 'admin', async () => {
        const [row] = await sql.rows<{ created_at: unknown }>(
          'select created_at from sso_app_password where user_id = ?',
          [userId],
        );
        return row === undefined ? null : readDate(row.created_at);
      }),
    save: (userId, createdAt) =>
      withStorageErrors('recording an app password', 'admin', async () => {
        await sql.rows(
          'insert into sso_app_password (user_id, created_at) values (?, ?) ' +
            'on conflict (user_id) do update set created_at = excluded.created_at',
          [userId, sql.date(createdAt)],
        );
      }),
    delete: (userId) =>
      withStorageErrors('removing an app password record', 'admin', async () => {
        // Read first: the SQLite driver reports no rows for a DELETE … RETURNING.
        const [row] = await sql.rows('select user_id from sso_app_password where user_id = ?', [userId]);
        if (row === undefined) return false;
        await sql.rows('delete from sso_app_password where user_id = ?', [userId]);
        return true;
      }),
  };
}
