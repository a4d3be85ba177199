// Policy changes in the embedded directory: none when nothing changes, a compare-and-set when no rule is at
// stake, else serialized across instances by a lock row, with the checks Jellyfin's
// UserController.UpdateUserPolicy makes before saving.

import { isDeepStrictEqual } from 'node:util';
import { SsoError, invalidField } from '../../sso/errors.js';
import type { MediaUser, UserPolicy } from '../../sso/ports.js';
import { MediaSessionEntity, MediaUserEntity, MetaEntity } from '../../storage/entities.js';
import type { DirectoryContext } from './context.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import { findUserRow, toMediaUser, userFromColumns } from './users.js';

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
 * One read-modify-write of a user's policy. A change that leaves the policy as it is writes nothing; one that
 * cannot break the rules below (no demotion, not disabled) is one compare-and-set of the policy as read;
 * anything else, or a policy changed since it was read, goes through the locked transaction.
 * `seen` is the user as the caller just read it: its policy is taken as the current one.
 */
export async function updatePolicy(
  ctx: DirectoryContext,
  ready: () => Promise<unknown>,
  userId: string,
  change: (policy: UserPolicy) => UserPolicy,
  seen?: MediaUser,
): Promise<MediaUser> {
  const id = normalizeGuid(userId);
  if (!id) throw userNotFound();
  const current = seen?.id === id ? seen : await readUser(ctx, id);
  const after = change(structuredClone(current.policy));
  checkPolicy(after);
  if (isDeepStrictEqual(after, current.policy)) return current;
  const demotes = current.policy.IsAdministrator && !after.IsAdministrator;
  if (!demotes && !after.IsDisabled) {
    const [row] = await ctx.sql.rows(
      'update media_user set policy = ? where id = ? and policy = ? returning *',
      [JSON.stringify(after), id, JSON.stringify(current.policy)],
    );
    if (row) return toMediaUser(userFromColumns(row));
  }
  await ready();
  return lockedUpdate(ctx, id, change);
}

async function readUser(ctx: DirectoryContext, id: string): Promise<MediaUser> {
  const row = await findUserRow(ctx.sql, id);
  if (!row) throw userNotFound();
  return toMediaUser(row);
}

/**
 * The lock row (created by `ready`) is written first: PostgreSQL holds its row lock and SQLite its write
 * lock until commit, so two changes cannot both see "another administrator exists" and both demote.
 */
async function lockedUpdate(
  ctx: DirectoryContext,
  id: string,
  change: (policy: UserPolicy) => UserPolicy,
): Promise<MediaUser> {
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
