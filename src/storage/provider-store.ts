// ProviderStore (src/sso/ports.ts) on MikroORM: identity provider settings, with the secrets sealed by the
// SecretBox. `save` is an upsert that keeps the row (and so its id, which account links and flows point
// to), merges write-only secrets, and gives the provider a new version on every save. Concurrent saves are
// serialized by a row lock; two first saves of one name are settled by the unique (protocol, name) index.

import { randomUUID } from 'node:crypto';
import { SsoError } from '../sso/errors.js';
import type { ProviderStore, ProviderWrite } from '../sso/ports.js';
import type { ProtocolName, ProviderRecord, ProviderSecrets } from '../sso/provider-settings.js';
import { ProviderEntity, type ProviderRow } from './entities.js';
import type { SecretBox } from './secret-box.js';
import { compareOrdinal, isUniqueViolation, storageError, systemClock, type StoreDeps } from './shared.js';

/** Attempts before `save` gives up: only a lost insert race retries, and the retry is an update. */
const SAVE_ATTEMPTS = 3;

const emptySecrets: ProviderSecrets = { clientSecret: null, spSigningKey: null };

function secretsContext(id: string): string {
  return `provider-secrets:${id}`;
}

function openSecrets(box: SecretBox, row: ProviderRow): ProviderSecrets {
  const parsed: unknown = JSON.parse(box.open(row.secrets, secretsContext(row.id)));
  return { ...emptySecrets, ...(parsed as Partial<ProviderSecrets>) };
}

/** `undefined` keeps the stored value, `null` clears it, a string replaces it (ports.ts ProviderWrite). */
function mergeSecrets(stored: ProviderSecrets, write: ProviderWrite['secrets']): ProviderSecrets {
  const merged: ProviderSecrets = { ...stored };
  for (const key of Object.keys(emptySecrets) as (keyof ProviderSecrets)[]) {
    const value = write[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
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

export function createProviderStore({ orm, box, clock = systemClock }: StoreDeps): ProviderStore {
  /** One attempt; null when a concurrent first save of the same name won the insert (then retry). */
  async function saveOnce(
    protocol: ProtocolName,
    name: string,
    write: ProviderWrite,
  ): Promise<ProviderRecord | null> {
    const now = clock.now();
    try {
      return await orm.em.fork().transactional(async (em) => {
        // Write first: the UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until commit, so
        // concurrent saves of an existing provider queue up here and each merges secrets onto the last one.
        const touched = await em.nativeUpdate(ProviderEntity, { protocol, name }, { updatedAt: now });
        if (touched === 0) {
          const id = randomUUID();
          const secrets = mergeSecrets(emptySecrets, write.secrets);
          const row: ProviderRow = {
            id,
            protocol,
            name,
            settings: write.settings,
            secrets: box.seal(JSON.stringify(secrets), secretsContext(id)),
            version: randomUUID(),
            createdAt: now,
            updatedAt: now,
          };
          await em.insert(ProviderEntity, row);
          return toRecord(row, secrets);
        }
        const existing = await em.findOneOrFail(ProviderEntity, { protocol, name });
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
      });
    } catch (error) {
      // Another writer created the same (protocol, name) first: the retry takes the update path.
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  return {
    async list(protocol) {
      try {
        const rows = await orm.em.fork().find(ProviderEntity, { protocol });
        // Sorted here, not in SQL: the two dialects' collations differ, ordinal bytes do not.
        rows.sort((a, b) => compareOrdinal(a.name, b.name));
        return rows.map((row) => toRecord(row, openSecrets(box, row)));
      } catch (error) {
        throw storageError(error, 'listing providers', 'admin');
      }
    },

    async get(protocol, name) {
      try {
        const row = await orm.em.fork().findOne(ProviderEntity, { protocol, name });
        return row ? toRecord(row, openSecrets(box, row)) : null;
      } catch (error) {
        throw storageError(error, 'reading a provider');
      }
    },

    async save(protocol, name, write) {
      try {
        for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
          const saved = await saveOnce(protocol, name, write);
          if (saved) return saved;
        }
      } catch (error) {
        throw storageError(error, 'saving a provider', 'admin');
      }
      throw new SsoError('internal', 'the provider is being changed by someone else; try again', {
        step: 'admin',
        detail: `save of ${protocol}/${name} lost ${SAVE_ATTEMPTS} races in a row`,
      });
    },

    async delete(protocol, name) {
      try {
        // Links and flows go with it: their foreign keys are ON DELETE CASCADE.
        const removed = await orm.em.fork().nativeDelete(ProviderEntity, { protocol, name });
        return removed > 0;
      } catch (error) {
        throw storageError(error, 'deleting a provider', 'admin');
      }
    },
  };
}
