// ProviderStore (src/sso/ports.ts) on MikroORM: identity provider settings, with the secrets sealed by the
// SecretBox (`get`, which sign-ins use, is one hand-written statement: ./sql.ts). `save` is an upsert that keeps the row (and so its id, which account links and flows point
// to), merges write-only secrets, and gives the provider a new version on every save. Concurrent saves are
// serialized by a row lock; two first saves of one name are settled by the unique (protocol, name) index.

import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { SsoError } from '../sso/errors.js';
import type { Clock, ProviderStore, ProviderWrite } from '../sso/ports.js';
import type { ProtocolName, ProviderRecord, ProviderSecrets } from '../sso/provider-settings.js';
import { ProviderEntity, type ProviderRow } from './entities.js';
import type { SecretBox } from './secret-box.js';
import { isUniqueViolation, systemClock, withStorageErrors, type StoreDeps } from './shared.js';
import { readDate, readJson, sqlOf } from './sql.js';
import { compareOrdinal, emptySecrets, mergeSecrets } from './store-rules.js';

/** Attempts before `save` gives up: only a lost insert race retries, and the retry is an update. */
const SAVE_ATTEMPTS = 3;

function secretsContext(id: string): string {
  return `provider-secrets:${id}`;
}

function openSecrets(box: SecretBox, row: ProviderRow): ProviderSecrets {
  const parsed: unknown = JSON.parse(box.open(row.secrets, secretsContext(row.id)));
  return { ...emptySecrets, ...(parsed as Partial<ProviderSecrets>) };
}

function toRecord(row: ProviderRow, secrets: ProviderSecrets): ProviderRecord {
  // The row pairs its protocol with the settings saved for that protocol (they are written together, by
  // `save(protocol, …)`), which the column types cannot say.
  return {
    id: row.id,
    protocol: row.protocol,
    name: row.name,
    settings: row.settings,
    secrets,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  } as ProviderRecord;
}

/** A row of sso_provider as a hand-written statement reads it. */
interface ProviderColumns {
  id: string;
  protocol: string;
  name: string;
  settings: unknown;
  secrets: string;
  version: string;
  created_at: unknown;
  updated_at: unknown;
}

function fromColumns(row: ProviderColumns): ProviderRow {
  return {
    id: row.id,
    protocol: row.protocol,
    name: row.name,
    settings: readJson(row.settings),
    secrets: row.secrets,
    version: row.version,
    createdAt: readDate(row.created_at),
    updatedAt: readDate(row.updated_at),
  };
}

type ProviderDeps = Omit<StoreDeps, 'clock'> & { clock: Clock };
type Target = { protocol: ProtocolName; name: string };

/** The first save of a name: a new row with a new id. */
async function insertProvider(
  em: EntityManager,
  box: SecretBox,
  { target, write, now }: { target: Target; write: ProviderWrite; now: Date },
): Promise<ProviderRecord> {
  const id = randomUUID();
  const secrets = mergeSecrets(emptySecrets, write.secrets);
  const row: ProviderRow = {
    id,
    ...target,
    settings: write.settings,
    secrets: box.seal(JSON.stringify(secrets), secretsContext(id)),
    version: randomUUID(),
    createdAt: now,
    updatedAt: now,
  };
  await em.insert(ProviderEntity, row);
  return toRecord(row, secrets);
}

/** A later save: the same row, its secrets merged onto the stored ones, a new version. */
async function updateProvider(
  em: EntityManager,
  box: SecretBox,
  { target, write, now }: { target: Target; write: ProviderWrite; now: Date },
): Promise<ProviderRecord> {
  const existing = await em.findOneOrFail(ProviderEntity, target);
  const secrets = mergeSecrets(openSecrets(box, existing), write.secrets);
  const version = randomUUID();
  await em.nativeUpdate(
    ProviderEntity,
    { id: existing.id },
    {
      settings: write.settings,
      secrets: box.seal(JSON.stringify(secrets), secretsContext(existing.id)),
      version,
    },
  );
  return toRecord({ ...existing, settings: write.settings, version, updatedAt: now }, secrets);
}

/** One attempt; null when a concurrent first save of the same name won the insert (then retry). */
async function saveOnce(
  { orm, box, clock }: ProviderDeps,
  target: Target,
  write: ProviderWrite,
): Promise<ProviderRecord | null> {
  const change = { target, write, now: clock.now() };
  try {
    return await orm.em.fork().transactional(async (em) => {
      // Write first: the UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until commit, so
      // concurrent saves of an existing provider queue up here and each merges secrets onto the last one.
      const touched = await em.nativeUpdate(ProviderEntity, target, { updatedAt: change.now });
      return touched === 0 ? insertProvider(em, box, change) : updateProvider(em, box, change);
    });
  } catch (error) {
    // Another writer created the same (protocol, name) first: the retry takes the update path.
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

async function save(deps: ProviderDeps, target: Target, write: ProviderWrite): Promise<ProviderRecord> {
  const saved = await withStorageErrors('saving a provider', 'admin', async () => {
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const result = await saveOnce(deps, target, write);
      if (result) return result;
    }
    return null;
  });
  if (saved) return saved;
  throw new SsoError('internal', 'the provider is being changed by someone else; try again', {
    step: 'admin',
    detail: `save of ${target.protocol}/${target.name} lost ${SAVE_ATTEMPTS} races in a row`,
  });
}

export function createProviderStore({ orm, box, clock = systemClock }: StoreDeps): ProviderStore {
  const deps: ProviderDeps = { orm, box, clock };
  return {
    list: (protocol) =>
      withStorageErrors('listing providers', 'admin', async () => {
        const rows = await orm.em.fork().find(ProviderEntity, { protocol });
        // Sorted here, not in SQL: the two dialects' collations differ, ordinal bytes do not.
        rows.sort((a, b) => compareOrdinal(a.name, b.name));
        return rows.map((row) => toRecord(row, openSecrets(box, row)));
      }),
    get: (protocol, name) =>
      withStorageErrors('reading a provider', undefined, async () => {
        const [row] = await sqlOf(orm).rows<ProviderColumns>(
          'select id, protocol, name, settings, secrets, version, created_at, updated_at from sso_provider ' +
            'where protocol = ? and name = ?',
          [protocol, name],
        );
        if (row === undefined) return null;
        const provider = fromColumns(row);
        return toRecord(provider, openSecrets(box, provider));
      }),
    save: (protocol, name, write) => save(deps, { protocol, name }, write),
    delete: (protocol, name) =>
      withStorageErrors('deleting a provider', 'admin', async () => {
        // Links and flows go with it: their foreign keys are ON DELETE CASCADE.
        const removed = await orm.em.fork().nativeDelete(ProviderEntity, { protocol, name });
        return removed > 0;
      }),
  };
}
