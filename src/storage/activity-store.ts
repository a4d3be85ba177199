// ActivityStore (src/sso/ports.ts) on MikroORM: the sign-in activity log. Entries are only inserted, listed
// newest first by their sortable id (keyset paging: `before` an id, so rows inserted meanwhile never shift a
// page), and purged by age.
import type { FilterQuery } from '@mikro-orm/core';
import type { ActivityEntry, ActivityQuery, ActivityStore } from '../sso/ports.js';
import type { SsoErrorCode, SsoStep } from '../sso/errors.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { ActivityEntryEntity, type ActivityEntryRow } from './entities.js';
import { withStorageErrors, type StoreDeps } from './shared.js';
import { sqlOf } from './sql.js';

// The row holds what `record` wrote, which the port typed: the narrow types are known to be stored.
function toEntry(row: ActivityEntryRow): ActivityEntry {
  return {
    id: row.id,
    time: row.time,
    protocol: row.protocol as ProtocolName,
    provider: row.provider,
    step: row.step as SsoStep,
    outcome: row.outcome as ActivityEntry['outcome'],
    code: (row.code ?? null) as SsoErrorCode | null,
    reason: row.reason ?? null,
    message: row.message,
    rule: row.rule ?? null,
    subject: row.subject ?? null,
    username: row.username ?? null,
    userId: row.userId ?? null,
    clientAddress: row.clientAddress,
    requestId: row.requestId,
    linking: row.linking,
  };
}

function filterOf(query: ActivityQuery): FilterQuery<ActivityEntryRow> {
  const where: FilterQuery<ActivityEntryRow> & Record<string, unknown> = {};
  if (query.before !== undefined) where['id'] = { $lt: query.before };
  if (query.provider !== undefined) where['provider'] = query.provider;
  if (query.outcome !== undefined) where['outcome'] = query.outcome;
  if (query.since !== undefined) where['time'] = { $gte: query.since };
  if (query.user !== undefined) where['$or'] = [{ username: query.user }, { userId: query.user }];
  return where;
}

export function createActivityStore({ orm }: Pick<StoreDeps, 'orm'>): ActivityStore {
  return {
    // Every sign-in writes one: a hand-written INSERT (./sql.ts).
    record: (entry) =>
      withStorageErrors('recording sign-in activity', undefined, async () => {
        const sql = sqlOf(orm);
        await sql.rows(
          'insert into sso_activity (id, time, protocol, provider, step, outcome, code, reason, message, rule, ' +
            'subject, username, user_id, client_address, request_id, linking) ' +
            'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id',
          [
            entry.id,
            sql.date(entry.time),
            entry.protocol,
            entry.provider,
            entry.step,
            entry.outcome,
            entry.code,
            entry.reason,
            entry.message,
            entry.rule,
            entry.subject,
            entry.username,
            entry.userId,
            entry.clientAddress,
            entry.requestId,
            sql.boolean(entry.linking),
          ],
        );
      }),

    list: (query) =>
      withStorageErrors('listing sign-in activity', 'admin', async () => {
        // One row more than the page tells whether there is a next page.
        const rows = await orm.em.fork().find(ActivityEntryEntity, filterOf(query), {
          orderBy: { id: 'desc' },
          limit: query.limit + 1,
        });
        const entries = rows.slice(0, query.limit).map(toEntry);
        return { entries, next: rows.length > query.limit ? (entries.at(-1)?.id ?? null) : null };
      }),

    purge: (before) =>
      withStorageErrors('purging sign-in activity', undefined, () =>
        orm.em.fork().nativeDelete(ActivityEntryEntity, { time: { $lt: before } }),
      ),
  };
}
