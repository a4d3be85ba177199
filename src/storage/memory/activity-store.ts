// ActivityStore (src/sso/ports.ts) in memory: the sign-in activity log, listed newest first by id and
// paged by `before`, with the filters and the purge of the database store.
import type { ActivityEntry, ActivityQuery, ActivityStore } from '../../sso/ports.js';
import { atomically, copy, type MemoryState } from './state.js';

function matches(entry: ActivityEntry, query: ActivityQuery): boolean {
  return (
    (query.before === undefined || entry.id < query.before) &&
    (query.provider === undefined || entry.provider === query.provider) &&
    (query.outcome === undefined || entry.outcome === query.outcome) &&
    (query.since === undefined || entry.time >= query.since) &&
    (query.user === undefined || entry.username === query.user || entry.userId === query.user)
  );
}

export function createMemoryActivityStore({ state }: { state: MemoryState }): ActivityStore {
  return {
    record: (entry) =>
      atomically(() => {
        state.activity.set(entry.id, copy(entry));
      }),

    list: (query) =>
      atomically(() => {
        const found = [...state.activity.values()]
          .filter((entry) => matches(entry, query))
          .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        const entries = found.slice(0, query.limit).map(copy);
        return { entries, next: found.length > query.limit ? (entries.at(-1)?.id ?? null) : null };
      }),

    purge: (before) =>
      atomically(() => {
        let removed = 0;
        for (const [id, entry] of state.activity) {
          if (entry.time < before) {
            state.activity.delete(id);
            removed++;
          }
        }
        return removed;
      }),
  };
}
