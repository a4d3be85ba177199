// The embedded server's identity (a random id made once, and a name) kept in the meta table, and the
// first-use set-up that applies the configured name and libraries.

import { MetaEntity } from '../../storage/entities.js';
import type { Orm } from '../../storage/orm.js';
import { storageError } from '../../storage/shared.js';
import { randomHex32 } from './context.js';
import type { ServerIdentity } from '../shared/jellyfin-shapes.js';
import { replaceLibraries, type LibraryInput } from './libraries.js';
import { META_POLICY_LOCK } from './policy.js';
import { rekeyDeviceSessions } from './sessions.js';
import type { Sql } from '../../storage/sql.js';

const DEFAULT_SERVER_NAME = 'Jellyfin SSO';
const META_SERVER_ID = 'embedded.server_id';
const META_SERVER_NAME = 'embedded.server_name';

export interface IdentitySettings {
  /** Replaces the stored server name when given. */
  serverName?: string | undefined;
  /** Replaces the stored library list when given (configuration wins over the CLI). */
  libraries?: LibraryInput[] | undefined;
}

/**
 * A function giving the server's identity, set up once on first use; a failed set-up is retried by the next
 * call (e.g. the database was briefly unreachable).
 */
export function identityOnFirstUse(
  { orm, sql }: { orm: Orm; sql: Sql },
  settings: IdentitySettings,
): () => Promise<ServerIdentity> {
  let setUp: Promise<ServerIdentity> | null = null;
  return () => {
    setUp ??= initialize(orm, sql, settings).catch((error: unknown) => {
      setUp = null;
      throw storageError(error, 'initialising the embedded directory');
    });
    return setUp;
  };
}

async function insertMetaIfMissing(orm: Orm, key: string, value: string): Promise<string> {
  const em = orm.em.fork();
  await em.createQueryBuilder(MetaEntity).insert({ key, value }).onConflict('key').ignore().execute('run');
  const row = await em.findOneOrFail(MetaEntity, { key });
  return row.value;
}

async function initialize(orm: Orm, sql: Sql, settings: IdentitySettings): Promise<ServerIdentity> {
  const id = await insertMetaIfMissing(orm, META_SERVER_ID, randomHex32());
  await insertMetaIfMissing(orm, META_POLICY_LOCK, '0');
  let name = await insertMetaIfMissing(orm, META_SERVER_NAME, settings.serverName ?? DEFAULT_SERVER_NAME);
  if (settings.serverName !== undefined && name !== settings.serverName) {
    await orm.em.fork().nativeUpdate(MetaEntity, { key: META_SERVER_NAME }, { value: settings.serverName });
    name = settings.serverName;
  }
  if (settings.libraries) await replaceLibraries(orm, settings.libraries);
  await rekeyDeviceSessions(sql);
  return { id, name };
}
