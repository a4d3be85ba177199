// Users in Jellyfin: look-ups by id and by name, making an SSO user (a random password while still on the
// default provider, then the SSO provider), and the GET-modify-POST of a whole policy.

import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { SsoError, invalidField, type SsoStep } from '../../sso/errors.js';
import {
  DEFAULT_AUTH_PROVIDER_ID,
  DEFAULT_PASSWORD_RESET_PROVIDER_ID,
  SSO_AUTH_PROVIDER_ID,
  type Log,
  type MediaUser,
  type UserPolicy,
} from '../../sso/ports.js';
import { checkUserName, normalizeGuid, upperInvariant } from '../shared/jellyfin-rules.js';
import type { JellyfinClient } from './client.js';
import type { UserDto } from './dto.js';
import { isStatus, jellyfinErrorToSsoError, notAGuid, userNotFound } from './errors.js';

/** 48 random bytes: nobody can guess it, and nobody is ever told it. */
const UNUSABLE_PASSWORD_BYTES = 48;

/** What the user functions need: the client, the log, and a hook to drop cached tokens of a changed user. */
export interface UserDeps {
  client: JellyfinClient;
  log: Log;
  forgetUser(userId: string): void;
}

export function toMediaUser(dto: UserDto): MediaUser {
  const id = normalizeGuid(dto.Id);
  if (!id) throw notAGuid('user', dto.Id);
  return { id, name: dto.Name, policy: dto.Policy, hasPassword: dto.HasPassword === true };
}

async function readUser(client: JellyfinClient, id: string, step: SsoStep): Promise<UserDto> {
  const dto = await client.user(id);
  if (!dto) throw userNotFound(step);
  return dto;
}

/** Case-insensitive, as Jellyfin compares names; one listing, since Jellyfin's /Users has no name filter. */
export async function findUsersByNames(
  client: JellyfinClient,
  names: string[],
): Promise<Map<string, UserDto>> {
  const byName = new Map((await client.users()).map((dto) => [upperInvariant(dto.Name), dto]));
  const found = new Map<string, UserDto>();
  for (const name of names) {
    const dto = byName.get(upperInvariant(name));
    if (dto) found.set(name, dto);
  }
  return found;
}

export async function findUserByName(client: JellyfinClient, name: string): Promise<UserDto | null> {
  const wanted = upperInvariant(name);
  return (await client.users()).find((user) => upperInvariant(user.Name) === wanted) ?? null;
}

/** GET-modify-POST of the whole policy (Jellyfin's POST replaces every field); no POST when nothing changes. */
export async function writePolicy(
  deps: UserDeps,
  id: string,
  change: (policy: UserPolicy) => UserPolicy,
  step: SsoStep,
): Promise<MediaUser> {
  const user = await readUser(deps.client, id, step);
  const before = user.Policy;
  const after = change(structuredClone(before));
  // Jellyfin answers 400 when either provider id is missing or empty: keep the current (or default) one.
  if (typeof after.AuthenticationProviderId !== 'string' || after.AuthenticationProviderId.trim() === '') {
    after.AuthenticationProviderId = before.AuthenticationProviderId.trim() || DEFAULT_AUTH_PROVIDER_ID;
  }
  if (typeof after.PasswordResetProviderId !== 'string' || after.PasswordResetProviderId.trim() === '') {
    after.PasswordResetProviderId =
      before.PasswordResetProviderId.trim() || DEFAULT_PASSWORD_RESET_PROVIDER_ID;
  }
  if (isDeepStrictEqual(after, before)) return toMediaUser(user);
  await deps.client.setPolicy(id, after);
  deps.forgetUser(id);
  return toMediaUser(await readUser(deps.client, id, step));
}

/** Makes an SSO user named `name`; a half-made user is removed again, so the next login starts clean. */
export async function createSsoUser(deps: UserDeps, name: string): Promise<MediaUser> {
  checkUserName(name);
  const created = await createWithPassword(deps.client, name);
  const id = normalizeGuid(created.Id);
  try {
    if (!id) throw notAGuid('POST /Users/New', created.Id);
    if (created.HasPassword !== true) {
      // A server that ignored the creation password: set it explicitly, still on the default provider.
      await deps.client.setPassword(id, unusablePassword());
    }
    // Only now mark the user as an SSO user: password login is then impossible.
    return await writePolicy(
      deps,
      id,
      (policy) => ({ ...policy, AuthenticationProviderId: SSO_AUTH_PROVIDER_ID }),
      'session',
    );
  } catch (error) {
    if (id) await removeHalfMadeUser(deps, id);
    throw jellyfinErrorToSsoError(error, 'setting up a new user', 'session');
  }
}

function unusablePassword(): string {
  return randomBytes(UNUSABLE_PASSWORD_BYTES).toString('base64');
}

/**
 * `POST /Users/New` with a random password. No listing first: Jellyfin refuses a taken name itself (400),
 * and callers looked already. The password goes in with the creation, so the account never exists without
 * one (Jellyfin lets a user with no password sign in with an empty one), and while the user is still on the
 * default provider: Jellyfin silently ignores password changes for users of any other provider.
 */
async function createWithPassword(client: JellyfinClient, name: string): Promise<UserDto> {
  try {
    return await client.createUser({ Name: name, Password: unusablePassword() });
  } catch (error) {
    if (!isStatus(error, 400)) throw jellyfinErrorToSsoError(error, 'creating a user', 'session');
    // Jellyfin answers 400 for a duplicate (case-insensitive) or an invalid name.
    const taken = await findUserByName(client, name).catch(() => null);
    if (taken) {
      throw new SsoError('name_conflict', `the user name "${name}" is already taken in Jellyfin`, {
        step: 'session',
      });
    }
    throw invalidField(
      'name',
      `Jellyfin refused the user name: ${error.jellyfinMessage || 'invalid name'}`,
      'session',
    );
  }
}

async function removeHalfMadeUser(deps: UserDeps, id: string): Promise<void> {
  await deps.client
    .deleteUser(id)
    .catch((cleanup: unknown) =>
      deps.log.warn(
        { userId: id, error: cleanup instanceof Error ? cleanup.message : String(cleanup) },
        'could not remove a half-created Jellyfin user; delete it in Jellyfin (Dashboard → Users)',
      ),
    );
}
