// The embedded directory's users: look-ups by id and by name (case-insensitive, as Jellyfin compares), new
// SSO users with Jellyfin's defaults, removal, and the list the CLI shows.

import { SsoError } from '../../sso/errors.js';
import type { MediaUser, UserPolicy } from '../../sso/ports.js';
import { MediaUserEntity, type MediaUserRow } from '../../storage/entities.js';
import type { Orm } from '../../storage/orm.js';
import { compareOrdinal, storageError } from '../../storage/shared.js';
import { randomHex32, type DirectoryContext } from './context.js';
import { readNullableDate, readJson, type Sql } from '../../storage/sql.js';
import { isUniqueViolation } from '../../storage/shared.js';
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

/** A `media_user` row as a raw statement returns it (`select *` or `returning *`). */
export function userFromColumns(row: Record<string, unknown>): MediaUserRow {
  return {
    id: String(row['id']),
    name: String(row['name']),
    normalizedName: String(row['normalized_name']),
    policy: readJson<UserPolicy>(row['policy']),
    configuration: readJson<Record<string, unknown>>(row['configuration']),
    passwordHash: typeof row['password_hash'] === 'string' ? row['password_hash'] : null,
    createdAt: readNullableDate(row['created_at']) ?? new Date(0),
    lastLoginDate: readNullableDate(row['last_login_date']),
    lastActivityDate: readNullableDate(row['last_activity_date']),
  };
}

/** By N or dashed GUID; null for anything else. One indexed select (the primary key). */
export async function findUserRow(sql: Sql, id: string): Promise<MediaUserRow | null> {
  const normalized = normalizeGuid(id);
  if (!normalized) return null;
  const [row] = await sql.rows('select * from media_user where id = ?', [normalized]);
  return row ? userFromColumns(row) : null;
}

export async function findUserByName(sql: Sql, name: string): Promise<MediaUser | null> {
  const [row] = await sql.rows('select * from media_user where normalized_name = ?', [upperInvariant(name)]);
  return row ? toMediaUser(userFromColumns(row)) : null;
}

/** One select for every name (the unique index on the normalized name). */
export async function findUsersByNames(sql: Sql, names: string[]): Promise<Map<string, MediaUser>> {
  const found = new Map<string, MediaUser>();
  const wanted = [...new Set(names.map(upperInvariant))];
  if (wanted.length === 0) return found;
  const rows = await sql.rows(
    `select * from media_user where normalized_name in (${wanted.map(() => '?').join(', ')})`,
    wanted,
  );
  const byNormalized = new Map(rows.map((row) => [String(row['normalized_name']), row]));
  for (const name of names) {
    const row = byNormalized.get(upperInvariant(name));
    if (row) found.set(name, toMediaUser(userFromColumns(row)));
  }
  return found;
}

/**
 * A new SSO user with Jellyfin's new-user policy and no password, in one insert; a taken name is
 * `name_conflict` (the unique normalized name decides, so two sign-ins cannot both take it).
 */
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
    await ctx.sql.rows(
      `insert into media_user (id, name, normalized_name, policy, configuration, password_hash, created_at,
         last_login_date, last_activity_date) values (?, ?, ?, ?, ?, null, ?, null, null)`,
      [
        row.id,
        row.name,
        row.normalizedName,
        JSON.stringify(row.policy),
        JSON.stringify(row.configuration),
        ctx.sql.date(row.createdAt),
      ],
    );
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
