// Policy changes in the embedded directory, serialized across instances by a lock row, with the checks
// Jellyfin's UserController.UpdateUserPolicy makes before saving.

import { SsoError, invalidField } from '../../sso/errors.js';
import type { MediaUser, UserPolicy } from '../../sso/ports.js';
import { MediaSessionEntity, MediaUserEntity, MetaEntity } from '../../storage/entities.js';
import type { DirectoryContext } from './context.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import { toMediaUser } from './users.js';

/** A row every policy change writes first: it serializes those changes across instances. */
export const META_POLICY_LOCK = 'embedded.policy_lock';

type Transaction = Parameters<Parameters<DirectoryContext['orm']['em']['transactional']>[0]>[0];

function refused(message: string): SsoError {
  return new SsoError('media_server_refused', message, { step: 'admin' });
}

function userNotFound(): SsoError {
  return new SsoError('user_not_found', 'no such user', { step: 'admin' });
}

/** The shape checks Jellyfin makes before saving a policy. */
function checkPolicy(policy: UserPolicy): void {
  for (const field of ['AuthenticationProviderId', 'PasswordResetProviderId'] as const) {
    const value: unknown = policy[field];
    if (typeof value !== 'string' || value.trim() === '')
      throw invalidField(`Policy.${field}`, 'is required', 'admin');
  }
  for (const field of ['IsAdministrator', 'IsDisabled', 'IsHidden', 'EnableAllFolders'] as const) {
    if (typeof policy[field] !== 'boolean')
      throw invalidField(`Policy.${field}`, 'must be true or false', 'admin');
  }
  if (!Array.isArray(policy.EnabledFolders) || !policy.EnabledFolders.every((id) => typeof id === 'string')) {
    throw invalidField('Policy.EnabledFolders', 'must be a list of library ids', 'admin');
  }
}

/**
 * One read-modify-write of a user's policy, after `ready` (which creates the lock row). The lock row is
 * written first: PostgreSQL holds its row lock and SQLite its write lock until commit, so two changes cannot
 * both see "another administrator exists" and both demote.
 */
export async function updatePolicy(
  ctx: DirectoryContext,
  ready: () => Promise<unknown>,
  userId: string,
  change: (policy: UserPolicy) => UserPolicy,
): Promise<MediaUser> {
  const id = normalizeGuid(userId);
  if (!id) throw userNotFound();
  await ready();
  return ctx.orm.em.fork().transactional(async (em) => {
    const locked = await em.nativeUpdate(
      MetaEntity,
      { key: META_POLICY_LOCK },
      { value: String(ctx.clock.now().getTime()) },
    );
    if (locked !== 1) throw new Error(`the ${META_POLICY_LOCK} row is missing`);
    const row = await em.findOne(MediaUserEntity, { id });
    if (!row) throw userNotFound();
    const after = change(structuredClone(row.policy));
    checkPolicy(after);
    await applyJellyfinRules(em, id, row.policy, after);
    await em.nativeUpdate(MediaUserEntity, { id }, { policy: after });
    return toMediaUser({ ...row, policy: after });
  });
}

/** Jellyfin's refusals, and what disabling does besides: the user's tokens are revoked. */
async function applyJellyfinRules(
  em: Transaction,
  id: string,
  before: UserPolicy,
  after: UserPolicy,
): Promise<void> {
  if (before.IsAdministrator && !after.IsAdministrator) {
    const users = await em.find(MediaUserEntity, { id: { $ne: id } }, { fields: ['policy'] });
    if (!users.some((user) => user.policy.IsAdministrator)) {
      throw refused('There must be at least one user in the system with administrative access.');
    }
  }
  if (after.IsDisabled && (before.IsAdministrator || after.IsAdministrator)) {
    throw refused('Administrators cannot be disabled.');
  }
  if (after.IsDisabled && !before.IsDisabled) {
    const users = await em.find(MediaUserEntity, { id: { $ne: id } }, { fields: ['policy'] });
    if (!users.some((user) => !user.policy.IsDisabled)) {
      throw refused('There must be at least one enabled user in the system.');
    }
    // Disabling revokes the user's tokens, as Jellyfin does, so re-enabling does not revive them.
    await em.nativeDelete(MediaSessionEntity, { user: id });
  }
}
