// Counts the SQL statements a running service sends (knex `query` events on its ORM, as the bench counts
// them), step by step: `take()` waits until the service has been quiet for a moment, so what a step does
// after its reply (the activity log's insert) counts with it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../../src/app.js';

export interface StatementCounter {
  /** The statements since the last call (or since counting began), once none came for `quietMs`. */
  take(quietMs?: number): Promise<string[]>;
}

export function countStatements(app: App): StatementCounter {
  let seen: string[] = [];
  app.database.orm.em.getKnex().on('query', (query: { sql?: string }) => {
    seen.push(query.sql ?? '');
  });
  return {
    async take(quietMs = 250) {
      for (let before = -1; before !== seen.length;) {
        before = seen.length;
        await sleep(quietMs);
      }
      const taken = seen;
      seen = [];
      return taken;
    },
  };
}
