// PendingLinkStore (src/sso/ports.ts) on the database: links imported from the SSO plugin, keyed by
// (provider, name with letter case folded). The unique index makes one link per name; `used_at` is set by
// one conditional update, so of two first sign-ins with that name exactly one uses it. Links die with their
// provider (ON DELETE CASCADE).
import { randomUUID } from 'node:crypto';
import type { Clock, NewPendingLink, PendingLink, PendingLinkStore } from '../sso/ports.js';
import { pendingNameKey } from '../sso/pending-links.js';
import { systemClock, withStorageErrors, type StoreDeps } from './shared.js';
import { readDate, readNullableDate, sqlOf, type Sql } from './sql.js';
import { compareOrdinal } from './store-rules.js';

interface PendingLinkRow {
  canonical_name: string;
  user_id: string;
  allow_admin: unknown;
  created_at: unknown;
  used_at: unknown;
}

const COLUMNS = 'canonical_name, user_id, allow_admin, created_at, used_at';

function toPendingLink(providerId: string, row: PendingLinkRow): PendingLink {
  return {
    providerId,
    canonicalName: row.canonical_name,
    userId: row.user_id,
    // SQLite hands back 0/1, PostgreSQL a boolean.
    allowAdmin: row.allow_admin === true || row.allow_admin === 1,
    createdAt: readDate(row.created_at),
    usedAt: readNullableDate(row.used_at),
  };
}

async function save(sql: Sql, clock: Clock, link: NewPendingLink): Promise<void> {
  const { providerId, canonicalName, userId, allowAdmin } = link;
  await sql.rows(
    'insert into sso_pending_link (id, provider_id, canonical_name, name_key, user_id, allow_admin, ' +
      'created_at, used_at) values (?, ?, ?, ?, ?, ?, ?, null) ' +
      'on conflict (provider_id, name_key) do update set canonical_name = excluded.canonical_name, ' +
      'user_id = excluded.user_id, allow_admin = excluded.allow_admin ' +
      'where sso_pending_link.used_at is null',
    [
      randomUUID(),
      providerId,
      canonicalName,
      pendingNameKey(canonicalName),
      userId,
      sql.boolean(allowAdmin),
      sql.date(clock.now()),
    ],
  );
}

export function createPendingLinkStore({ orm, clock = systemClock }: StoreDeps): PendingLinkStore {
  const sql = sqlOf(orm);
  return {
    list: (providerId) =>
      withStorageErrors('listing pending links', undefined, async () => {
        const rows = await sql.rows<PendingLinkRow>(
          `select ${COLUMNS} from sso_pending_link where provider_id = ?`,
          [providerId],
        );
        return rows
          .map((row) => toPendingLink(providerId, row))
          .sort((a, b) => compareOrdinal(a.canonicalName, b.canonicalName));
      }),
    save: (link) => withStorageErrors('saving a pending link', undefined, () => save(sql, clock, link)),
    find: (providerId, name) =>
      withStorageErrors('reading a pending link', 'session', async () => {
        const [row] = await sql.rows<PendingLinkRow>(
          `select ${COLUMNS} from sso_pending_link ` +
            'where provider_id = ? and name_key = ? and used_at is null',
          [providerId, pendingNameKey(name)],
        );
        return row === undefined ? null : toPendingLink(providerId, row);
      }),
    use: (providerId, name, now) =>
      withStorageErrors('using a pending link', 'session', async () => {
        const used = await sql.rows(
          'update sso_pending_link set used_at = ? ' +
            'where provider_id = ? and name_key = ? and used_at is null returning id',
          [sql.date(now), providerId, pendingNameKey(name)],
        );
        return used.length === 1;
      }),
  };
}
