// The embedded directory's users: look-ups by id and by name (case-insensitive, as Jellyfin compares), new
// SSO users with Jellyfin's defaults, removal, and the list the CLI shows.

import { SsoError } from '../../sso/errors.js';
import type { MediaUser } from '../../sso/ports.js';
import { MediaUserEntity, type MediaUserRow } from '../../storage/entities.js';
import type { Orm } from '../../storage/orm.js';
import { compareOrdinal, isUniqueViolation, storageError } from '../../storage/shared.js';
import { randomHex32, type DirectoryContext } from './context.js';
import { checkUserName, normalizeGuid, upperInvariant } from '../shared/jellyfin-rules.js';
import { newUserConfiguration, newUserPolicy, type UserDtoInput } from '../shared/jellyfin-shapes.js';

export function toMediaUser(row: MediaUserRow): MediaUser {
  return { id: row.id, name: row.name, policy: row.policy, hasPassword: row.passwordHash != null };
}

/** A user row with what Jellyfin's full `UserDto` shows besides the MediaUser. */
export function toDtoInput(row: MediaUserRow): UserDtoInput {
  return {
    ...toMediaUser(row),
    configuration: row.configuration,
    lastLoginDate: row.lastLoginDate ?? null,
    lastActivityDate: row.lastActivityDate ?? null,
  };
}

/** By N or dashed GUID; null for anything else. */
export async function findUserRow(orm: Orm, id: string): Promise<MediaUserRow | null> {
  const normalized = normalizeGuid(id);
  return normalized ? orm.em.fork().findOne(MediaUserEntity, { id: normalized }) : null;
}

export async function findUserByName(orm: Orm, name: string): Promise<MediaUser | null> {
  const row = await orm.em.fork().findOne(MediaUserEntity, { normalizedName: upperInvariant(name) });
  return row ? toMediaUser(row) : null;
}

export async function findUsersByNames(orm: Orm, names: string[]): Promise<Map<string, MediaUser>> {
  const wanted = new Map(names.map((name) => [upperInvariant(name), name]));
  const rows = await orm.em.fork().find(MediaUserEntity, { normalizedName: { $in: [...wanted.keys()] } });
  const found = new Map<string, MediaUser>();
  for (const name of names) {
    const row = rows.find((candidate) => candidate.normalizedName === upperInvariant(name));
    if (row) found.set(name, toMediaUser(row));
  }
  return found;
}

/** A new SSO user with Jellyfin's new-user policy and no password; a taken name is `name_conflict`. */
export async function createUser(ctx: DirectoryContext, name: string): Promise<MediaUser> {
  checkUserName(name);
  const row: MediaUserRow = {
    id: randomHex32(),
    name,
    normalizedName: upperInvariant(name),
    policy: newUserPolicy(),
    configuration: newUserConfiguration(),
    passwordHash: null,
    createdAt: ctx.clock.now(),
    lastLoginDate: null,
    lastActivityDate: null,
  };
  try {
    await ctx.orm.em.fork().insert(MediaUserEntity, row);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new SsoError('name_conflict', `the user name "${name}" is already taken`, {
        step: 'session',
        cause: error,
      });
    }
    throw storageError(error, 'creating a user', 'session');
  }
  return toMediaUser(row);
}

/** Its sessions and avatar go with it (ON DELETE CASCADE); an unknown id is no error. */
export async function deleteUser(orm: Orm, userId: string): Promise<void> {
  const id = normalizeGuid(userId);
  if (!id) return;
  await orm.em.fork().nativeDelete(MediaUserEntity, { id });
}

/** Every user, in the ordinal order of their names. */
export async function listUsers(orm: Orm): Promise<MediaUser[]> {
  const rows = await orm.em.fork().find(MediaUserEntity, {});
  return rows.sort((a, b) => compareOrdinal(a.name, b.name)).map(toMediaUser);
}
