// API keys of the embedded directory: the one managed bootstrap key (SSO_BOOTSTRAP_API_KEY), and the keys the CLI
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

/** The one managed key SSO_BOOTSTRAP_API_KEY sets: its name is reserved for it. */
export const BOOTSTRAP_KEY_NAME = 'bootstrap';

/** What setting the bootstrap key did, for the start-up log line (never the key itself). */
export interface BootstrapKeyOutcome {
  info: ApiKeyInfo;
  /** `kept`: this value was already the bootstrap key; `replaced`: older bootstrap keys were revoked. */
  outcome: 'created' | 'kept' | 'replaced';
  revokedKeys: number;
}

/**
 * Makes `value` the one active bootstrap key: an active key with this value (a revoked one comes back —
 * the configured value is the source of truth), and every other key named `bootstrap` revoked, so a new
 * value replaces the old one instead of adding a second admin credential. Idempotent, restart- and
 * race-safe (the insert is unique on the key's hash; the revocation names the survivor by hash).
 */
export async function setBootstrapKey(ctx: DirectoryContext, value: string): Promise<BootstrapKeyOutcome> {
  if (value.length < MIN_BOOTSTRAP_KEY_LENGTH || /\s/.test(value)) {
    throw invalidField(
      'apiKey',
      `must be at least ${MIN_BOOTSTRAP_KEY_LENGTH} characters without spaces`,
      'admin',
    );
  }
  const tokenHash = sha256(value);
  const { info, created } = await activeKeyWithHash(ctx, tokenHash);
  const revokedKeys = await ctx.orm.em
    .fork()
    .nativeUpdate(
      ApiKeyEntity,
      { name: BOOTSTRAP_KEY_NAME, revokedAt: null, tokenHash: { $ne: tokenHash } },
      { revokedAt: ctx.clock.now() },
    );
  const outcome = revokedKeys > 0 ? 'replaced' : created ? 'created' : 'kept';
  return { info, outcome, revokedKeys };
}

/** The key with this hash, made active, or a new bootstrap key with it. */
async function activeKeyWithHash(
  ctx: DirectoryContext,
  tokenHash: string,
): Promise<{ info: ApiKeyInfo; created: boolean }> {
  const em = ctx.orm.em.fork();
  const existing = await em.findOne(ApiKeyEntity, { tokenHash });
  if (existing) {
    if (existing.revokedAt) await em.nativeUpdate(ApiKeyEntity, { id: existing.id }, { revokedAt: null });
    return { info: { ...toApiKeyInfo(existing), revokedAt: null }, created: false };
  }
  const row: ApiKeyRow = {
    id: randomHex32(),
    name: BOOTSTRAP_KEY_NAME,
    tokenHash,
    createdAt: ctx.clock.now(),
    revokedAt: null,
  };
  try {
    await em.insert(ApiKeyEntity, row);
    return { info: toApiKeyInfo(row), created: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Another instance inserted it at the same moment: theirs is as good as ours.
    const theirs = await ctx.orm.em.fork().findOneOrFail(ApiKeyEntity, { tokenHash });
    return { info: toApiKeyInfo(theirs), created: false };
  }
}

/** A new key; `key` is the only time the plaintext exists outside the caller. */
export async function createApiKey(
  ctx: DirectoryContext,
  name: string,
): Promise<{ key: string; info: ApiKeyInfo }> {
  const trimmed = name.trim();
  if (trimmed === '') throw invalidField('name', 'must not be empty', 'admin');
  if (trimmed.toLowerCase() === BOOTSTRAP_KEY_NAME) {
    throw invalidField('name', `"${BOOTSTRAP_KEY_NAME}" is reserved for SSO_BOOTSTRAP_API_KEY`, 'admin');
  }
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
