// API keys of the embedded directory: the bootstrap key (SSO_BOOTSTRAP_API_KEY), and the keys the CLI
// creates, lists and revokes. Only the key's SHA-256 is stored; the plaintext is shown once.

import { sha256 } from '../../sso/basics.js';
import { invalidField } from '../../sso/errors.js';
import { ApiKeyEntity, type ApiKeyRow } from '../../storage/entities.js';
import type { Orm } from '../../storage/orm.js';
import { isUniqueViolation } from '../../storage/shared.js';
import { randomHex32, type DirectoryContext } from './context.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';

/** The bootstrap key is an admin credential: refuse values too short to resist guessing. */
const MIN_BOOTSTRAP_KEY_LENGTH = 16;

export interface ApiKeyInfo {
  id: string;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

function toApiKeyInfo(row: ApiKeyRow): ApiKeyInfo {
  return { id: row.id, name: row.name, createdAt: row.createdAt, revokedAt: row.revokedAt ?? null };
}

/** Guarantees an active key with exactly this value (idempotent, restart- and race-safe). */
export async function ensureApiKey(ctx: DirectoryContext, value: string, name: string): Promise<ApiKeyInfo> {
  if (value.length < MIN_BOOTSTRAP_KEY_LENGTH || /\s/.test(value)) {
    throw invalidField(
      'apiKey',
      `must be at least ${MIN_BOOTSTRAP_KEY_LENGTH} characters without spaces`,
      'admin',
    );
  }
  const tokenHash = sha256(value);
  const em = ctx.orm.em.fork();
  const existing = await em.findOne(ApiKeyEntity, { tokenHash });
  if (existing) {
    // The configured value is the source of truth: a key revoked while still configured comes back.
    if (existing.revokedAt) await em.nativeUpdate(ApiKeyEntity, { id: existing.id }, { revokedAt: null });
    return { ...toApiKeyInfo(existing), revokedAt: null };
  }
  const row: ApiKeyRow = { id: randomHex32(), name, tokenHash, createdAt: ctx.clock.now(), revokedAt: null };
  try {
    await em.insert(ApiKeyEntity, row);
    return toApiKeyInfo(row);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Another instance inserted it at the same moment: theirs is as good as ours.
    return toApiKeyInfo(await ctx.orm.em.fork().findOneOrFail(ApiKeyEntity, { tokenHash }));
  }
}

/** A new key; `key` is the only time the plaintext exists outside the caller. */
export async function createApiKey(
  ctx: DirectoryContext,
  name: string,
): Promise<{ key: string; info: ApiKeyInfo }> {
  const trimmed = name.trim();
  if (trimmed === '') throw invalidField('name', 'must not be empty', 'admin');
  const key = randomHex32();
  const row: ApiKeyRow = {
    id: randomHex32(),
    name: trimmed,
    tokenHash: sha256(key),
    createdAt: ctx.clock.now(),
    revokedAt: null,
  };
  await ctx.orm.em.fork().insert(ApiKeyEntity, row);
  return { key, info: toApiKeyInfo(row) };
}

export async function listApiKeys(orm: Orm): Promise<ApiKeyInfo[]> {
  const rows = await orm.em.fork().find(ApiKeyEntity, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return rows.map(toApiKeyInfo);
}

/** False when there is no such active key. */
export async function revokeApiKey(ctx: DirectoryContext, id: string): Promise<boolean> {
  const normalized = normalizeGuid(id);
  if (!normalized) return false;
  const changed = await ctx.orm.em
    .fork()
    .nativeUpdate(ApiKeyEntity, { id: normalized, revokedAt: null }, { revokedAt: ctx.clock.now() });
  return changed === 1;
}
