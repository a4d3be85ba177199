// One task at a time among the processes sharing a PostgreSQL database: a transaction holds an advisory
// lock (released at its end, even when the process dies) while the task runs on the pool's other
// connections. Instances starting together apply the providers file one after the other, and each later
// one finds the providers as the first left them. SQLite runs the task as it is: its instances are one
// process per file, and its write lock already orders writers.
import type { Database } from './orm.js';

/** Arbitrary constant naming the providers-file lock (another than the migration lock's). */
export const PROVIDERS_FILE_LOCK_ID = 0x6a66737370;

export function exclusiveRunner(
  { orm, dialect }: Pick<Database, 'orm' | 'dialect'>,
  lockId: number,
): <T>(run: () => Promise<T>) => Promise<T> {
  return async (run) => {
    if (dialect !== 'postgresql') return run();
    const connection = orm.em.getConnection();
    return connection.transactional(async (trx) => {
      await connection.execute('select pg_advisory_xact_lock(?)', [lockId], 'all', trx);
      return run();
    });
  };
}
