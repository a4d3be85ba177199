// ReplayCache (src/sso/ports.ts) on the database: SAML assertion ids (and any other one-time keys) seen
// recently. `remember` is one INSERT … ON CONFLICT DO NOTHING RETURNING (hand-written, ./sql.ts), so exactly
// one of several concurrent callers, on any instance sharing the database, learns that the key is new.

import { ReplayEntryEntity } from './entities.js';
import { storageError, type StoreDeps } from './shared.js';
import { sqlOf } from './sql.js';
import type { ReplayCache } from '../sso/ports.js';

export function createReplayCache({ orm }: Pick<StoreDeps, 'orm'>): ReplayCache {
  return {
    async remember(key, expiresAt) {
      try {
        const sql = sqlOf(orm);
        const inserted = await sql.rows(
          'insert into sso_replay_entry (key, expires_at) values (?, ?) on conflict (key) do nothing returning key',
          [key, sql.date(expiresAt)],
        );
        // A key still present after it expired is still a replay: the assertion's own validity window is
        // what ends its life, and it was already checked by then.
        return inserted.length === 1;
      } catch (error) {
        throw storageError(error, 'recording a replay key', 'verify');
      }
    },

    async purgeExpired(now) {
      try {
        return await orm.em.fork().nativeDelete(ReplayEntryEntity, { expiresAt: { $lte: now } });
      } catch (error) {
        throw storageError(error, 'purging replay keys');
      }
    },
  };
}
