// Scratch PostgreSQL databases for the migration generator and the test suites: CREATE DATABASE on the
// server a URL points to, and DROP it afterwards. Goes through MikroORM's connection (no extra pg import).

import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';

export interface ScratchDatabase {
  name: string;
  /** URL of the new database (same server and credentials). */
  url: string;
  drop(): Promise<void>;
}

async function connectAdmin(serverUrl: string): Promise<MikroORM<PostgreSqlDriver>> {
  // The URL's own database may not exist yet (e.g. …/sso_test): fall back to the maintenance database.
  const candidates = [serverUrl, withDatabase(serverUrl, 'postgres'), withDatabase(serverUrl, 'template1')];
  let lastError: unknown;
  for (const clientUrl of candidates) {
    try {
      const orm = await MikroORM.init<PostgreSqlDriver>({
        driver: PostgreSqlDriver,
        clientUrl,
        entities: [],
        discovery: { warnWhenNoEntities: false },
        pool: { min: 0, max: 1 },
      });
      await orm.em.getConnection().execute('select 1');
      return orm;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates `<prefix><random>` on the server of `serverUrl`. */
export async function createPgScratchDatabase(
  serverUrl: string,
  prefix = 'sso_t_',
): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix))
    throw new Error('scratch database prefix must be a plain identifier');
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const admin = await connectAdmin(serverUrl);
  try {
    await admin.em.getConnection().execute(`create database "${name}"`);
  } finally {
    await admin.close(true);
  }
  return {
    name,
    url: withDatabase(serverUrl, name),
    async drop() {
      const again = await connectAdmin(serverUrl);
      try {
        // WITH (FORCE) (PostgreSQL 13+) ends connections a test may have left open.
        await again.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      } finally {
        await again.close(true);
      }
    },
  };
}
