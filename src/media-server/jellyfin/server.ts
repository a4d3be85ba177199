// The `jellyfin` media-server adapter (PRODUCT.md §5, issue 7): the MediaServer port over a real Jellyfin
// 10.9–12 server's REST API with an admin API key, with no Jellyfin plugin. Callers' tokens are checked with
// `GET /Users/Me` (cached briefly), users are found/created over /Users, policies are written as one
// GET-modify-POST of the whole UserPolicy, sessions are minted by Quick Connect on the user's behalf with the
// browser's own device fields, and avatars are uploaded as Base64. Ids are Jellyfin's N-format GUIDs.

import { randomBytes } from 'node:crypto';
import { SsoError, invalidField, type SsoStep } from '../../sso/errors.js';
import { sha256, systemClock } from '../../sso/basics.js';
import { sameSecret } from '../../sso/same-secret.js';
import {
  DEFAULT_AUTH_PROVIDER_ID,
  DEFAULT_PASSWORD_RESET_PROVIDER_ID,
  SSO_AUTH_PROVIDER_ID,
  type Clock,
  type MediaServer,
  type MediaUser,
  type Principal,
  type UserPolicy,
} from '../../sso/ports.js';
import { isValidUserName, normalizeGuid, upperInvariant } from '../embedded/jellyfin-shapes.js';
import { fetchAvatar, type AvatarImage } from './avatar.js';
import { checkJellyfinWith, type JellyfinCheckResult } from './check.js';
import { createJellyfinClient } from './client.js';
import type { UserDto } from './dto.js';
import { JellyfinRequestError, type FetchLike } from './request.js';
import { silentLog, type JellyfinLog } from './log.js';

export const DEFAULT_TOKEN_CACHE_MS = 30_000;
export const DEFAULT_TOKEN_CACHE_SIZE = 1_000;
/** 48 random bytes: nobody can guess it, and nobody is ever told it (issue 7 §3). */
const UNUSABLE_PASSWORD_BYTES = 48;

export interface JellyfinServerOptions {
  /** JELLYFIN_URL: Jellyfin's address as this service reaches it, base URL path included. */
  baseUrl: string;
  /** JELLYFIN_API_KEY. */
  apiKey: string;
  fetch?: FetchLike;
  clock?: Clock;
  log?: JellyfinLog;
  /** How long a token's answer (valid or not) is reused; 0 disables the cache. */
  tokenCacheMs?: number;
  tokenCacheSize?: number;
  /** Per Jellyfin request; default 10 s. */
  requestTimeoutMs?: number;
  avatar?: { allowPrivateHosts: boolean; maxBytes?: number; timeoutMs?: number };
}

export interface JellyfinServer extends MediaServer {
  readonly kind: 'jellyfin';
  readonly baseUrl: string;
  /** The start-up check (see checkJellyfin) with this adapter's URL and key. */
  check(): Promise<JellyfinCheckResult>;
  /** fetchAvatar with this adapter's avatar settings (private hosts refused unless allowed). */
  fetchAvatar(url: string): Promise<AvatarImage | null>;
}

function toMediaUser(dto: UserDto): MediaUser {
  const id = normalizeGuid(dto.Id);
  if (!id)
    throw new JellyfinRequestError(
      'user',
      'shape',
      null,
      `returned a user id that is not a GUID (${dto.Id})`,
    );
  return { id, name: dto.Name, policy: dto.Policy, hasPassword: dto.HasPassword === true };
}

/** Jellyfin's failures as the domain's errors (JELLYFIN-API.md §1.3 status mapping). */
function jellyfinErrorToSsoError(error: unknown, what: string, step: SsoStep): SsoError {
  if (error instanceof SsoError) return error;
  if (error instanceof JellyfinRequestError) {
    const detail = error.message;
    if (error.unreachable) {
      return new SsoError('upstream_unavailable', `Jellyfin is unavailable while ${what}; try again later`, {
        step,
        detail,
        cause: error,
      });
    }
    if (error.failure === 'shape') {
      return new SsoError('upstream_unavailable', `Jellyfin gave an unexpected answer while ${what}`, {
        step,
        detail,
        cause: error,
      });
    }
    if (error.status === 401) {
      return new SsoError(
        'upstream_unavailable',
        `Jellyfin rejected this service's API key while ${what}: an administrator must check JELLYFIN_API_KEY`,
        { step, detail, cause: error },
      );
    }
    return new SsoError(
      'media_server_refused',
      `Jellyfin refused ${what}${error.jellyfinMessage ? `: ${error.jellyfinMessage}` : ''}`,
      { step, detail, cause: error },
    );
  }
  return new SsoError('internal', `unexpected failure while ${what}`, { step, cause: error });
}

function quickConnectDisabled(error: unknown): SsoError {
  return new SsoError(
    'quick_connect_disabled',
    'Jellyfin has Quick Connect disabled, so this service cannot sign you in. An administrator must enable it ' +
      'in Jellyfin: Dashboard → General → "Enable Quick Connect on this server".',
    { step: 'session', cause: error, ...(error instanceof Error ? { detail: error.message } : {}) },
  );
}

function userNotFound(step: SsoStep): SsoError {
  return new SsoError('user_not_found', 'no such user in Jellyfin', { step });
}

export function createJellyfinServer(options: JellyfinServerOptions): JellyfinServer {
  const client = createJellyfinClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}),
  });
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLog;
  const cacheMs = options.tokenCacheMs ?? DEFAULT_TOKEN_CACHE_MS;
  const cacheSize = options.tokenCacheSize ?? DEFAULT_TOKEN_CACHE_SIZE;

  // -------------------------------------------------------------------------------------------------------
  // Callers' tokens: a short cache (positive and negative) so an admin page does not ask Jellyfin on every
  // call. Keyed by the token's SHA-256, bounded, oldest entry evicted first; concurrent look-ups share one call.
  const cache = new Map<string, { principal: Principal | null; expiresAt: number }>();
  const pending = new Map<string, Promise<Principal | null>>();

  function remember(key: string, principal: Principal | null): void {
    if (cacheMs <= 0) return;
    cache.delete(key);
    while (cache.size >= cacheSize) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
    cache.set(key, { principal, expiresAt: clock.now().getTime() + cacheMs });
  }

  /** A policy change makes cached answers about that user stale (e.g. an admin demoted). */
  function forgetUser(userId: string): void {
    for (const [key, entry] of cache) {
      if (entry.principal?.kind === 'user' && entry.principal.user.id === userId) cache.delete(key);
    }
  }

  async function lookUpToken(token: string): Promise<Principal | null> {
    const answer = await client.currentUser(token);
    if (answer.status === 401) return null;
    if (answer.status === 200) {
      const user = toMediaUser(answer.user);
      // Jellyfin already answers 401 for a disabled user's token (§1.2); this is a second guard.
      return user.policy.IsDisabled ? null : { kind: 'user', user };
    }
    // 400 "token is not owned by a user" means an API key (§1.3). A 400 can also come from a proxy in
    // between, and an API key is a full admin credential, so confirm it is listed before granting that.
    const keys = await client.apiKeys();
    const key = keys.find((entry) => sameSecret(entry.AccessToken, token));
    if (!key) {
      log.warn({}, 'Jellyfin answered 400 to /Users/Me for a token that is not one of its API keys; refused');
      return null;
    }
    return {
      kind: 'apiKey',
      keyId: key.Id !== null ? String(key.Id) : sha256(token).slice(0, 16),
      name: key.AppName ?? 'API key',
    };
  }

  async function readUser(id: string, step: SsoStep): Promise<UserDto> {
    const dto = await client.user(id);
    if (!dto) throw userNotFound(step);
    return dto;
  }

  async function findByName(name: string): Promise<UserDto | null> {
    const wanted = upperInvariant(name);
    const users = await client.users();
    return users.find((user) => upperInvariant(user.Name) === wanted) ?? null;
  }

  /** GET-modify-POST of the whole policy (§2.2: the POST replaces every field). */
  async function writePolicy(
    id: string,
    change: (policy: UserPolicy) => UserPolicy,
    step: SsoStep,
  ): Promise<MediaUser> {
    const before = (await readUser(id, step)).Policy;
    const after = change(structuredClone(before));
    // Jellyfin answers 400 when either provider id is missing or empty: keep the current (or default) one.
    if (typeof after.AuthenticationProviderId !== 'string' || after.AuthenticationProviderId.trim() === '') {
      after.AuthenticationProviderId = before.AuthenticationProviderId.trim() || DEFAULT_AUTH_PROVIDER_ID;
    }
    if (typeof after.PasswordResetProviderId !== 'string' || after.PasswordResetProviderId.trim() === '') {
      after.PasswordResetProviderId =
        before.PasswordResetProviderId.trim() || DEFAULT_PASSWORD_RESET_PROVIDER_ID;
    }
    await client.setPolicy(id, after);
    forgetUser(id);
    return toMediaUser(await readUser(id, step));
  }

  const server: JellyfinServer = {
    kind: 'jellyfin',
    baseUrl: client.baseUrl,

    check: () => checkJellyfinWith(client, options.apiKey),

    fetchAvatar: (url) =>
      fetchAvatar(url, {
        allowPrivateHosts: options.avatar?.allowPrivateHosts ?? false,
        ...(options.avatar?.maxBytes !== undefined ? { maxBytes: options.avatar.maxBytes } : {}),
        ...(options.avatar?.timeoutMs !== undefined ? { timeoutMs: options.avatar.timeoutMs } : {}),
        log,
      }),

    async resolveToken(token) {
      if (token === '') return null;
      const key = sha256(token);
      const hit = cache.get(key);
      if (hit && hit.expiresAt > clock.now().getTime()) return structuredClone(hit.principal);
      let lookup = pending.get(key);
      if (!lookup) {
        lookup = lookUpToken(token).then(
          (principal) => {
            remember(key, principal);
            return principal;
          },
          (error: unknown) => {
            throw jellyfinErrorToSsoError(error, 'checking a credential', 'credentials');
          },
        );
        const settled = lookup.finally(() => pending.delete(key));
        settled.catch(() => undefined);
        pending.set(key, lookup);
      }
      return structuredClone(await lookup);
    },

    async getUserById(id) {
      const normalized = normalizeGuid(id);
      if (!normalized) return null;
      try {
        const dto = await client.user(normalized);
        return dto ? toMediaUser(dto) : null;
      } catch (error) {
        throw jellyfinErrorToSsoError(error, 'reading a user', 'session');
      }
    },

    async getUserByName(name) {
      try {
        const dto = await findByName(name);
        return dto ? toMediaUser(dto) : null;
      } catch (error) {
        throw jellyfinErrorToSsoError(error, 'looking up a user by name', 'session');
      }
    },

    async findUsersByNames(names) {
      try {
        // One listing for every name: Jellyfin's /Users has no name filter.
        const byName = new Map((await client.users()).map((dto) => [upperInvariant(dto.Name), dto]));
        const found = new Map<string, MediaUser>();
        for (const name of names) {
          const dto = byName.get(upperInvariant(name));
          if (dto) found.set(name, toMediaUser(dto));
        }
        return found;
      } catch (error) {
        throw jellyfinErrorToSsoError(error, 'looking up users by name', 'session');
      }
    },

    async createUser(name) {
      if (!isValidUserName(name)) {
        throw invalidField(
          'name',
          "a user name may contain letters, digits, spaces and - ' . _ @ +, and must not start or end with a space",
          'session',
        );
      }
      const conflict = (): SsoError =>
        new SsoError('name_conflict', `the user name "${name}" is already taken in Jellyfin`, {
          step: 'session',
        });
      let created: UserDto;
      try {
        // No listing first: Jellyfin refuses a taken name itself (400, below), and callers looked already.
        // The random password goes in with the creation itself, so the account never exists without one
        // (Jellyfin lets a user with no password sign in with an empty one), and it is set while the user is
        // still on the default provider: Jellyfin silently ignores password changes for any other (§3 B, §5).
        created = await client.createUser({
          Name: name,
          Password: randomBytes(UNUSABLE_PASSWORD_BYTES).toString('base64'),
        });
      } catch (error) {
        if (error instanceof JellyfinRequestError && error.status === 400) {
          // Jellyfin answers 400 for a duplicate (case-insensitive) or an invalid name (§2.1).
          const taken = await findByName(name).catch(() => null);
          if (taken) throw conflict();
          throw invalidField(
            'name',
            `Jellyfin refused the user name: ${error.jellyfinMessage || 'invalid name'}`,
            'session',
          );
        }
        throw jellyfinErrorToSsoError(error, 'creating a user', 'session');
      }

      const id = normalizeGuid(created.Id);
      try {
        if (!id)
          throw new JellyfinRequestError(
            'POST /Users/New',
            'shape',
            null,
            `returned a user id that is not a GUID (${created.Id})`,
          );
        if (created.HasPassword !== true) {
          // A server that ignored the creation password: set it explicitly, still on the default provider.
          await client.setPassword(id, randomBytes(UNUSABLE_PASSWORD_BYTES).toString('base64'));
        }
        // Only now mark the user as an SSO user (§5): password login is then impossible.
        return await writePolicy(
          id,
          (policy) => ({ ...policy, AuthenticationProviderId: SSO_AUTH_PROVIDER_ID }),
          'session',
        );
      } catch (error) {
        // Half-made users are removed, so the next login starts clean instead of finding a user that
        // may have no password or the wrong provider.
        if (id) {
          await client
            .deleteUser(id)
            .catch((cleanup: unknown) =>
              log.warn(
                { userId: id, error: cleanup instanceof Error ? cleanup.message : String(cleanup) },
                'could not remove a half-created Jellyfin user; delete it in Jellyfin (Dashboard → Users)',
              ),
            );
        }
        throw jellyfinErrorToSsoError(error, 'setting up a new user', 'session');
      }
    },

    async updatePolicy(userId, change) {
      const id = normalizeGuid(userId);
      if (!id) throw userNotFound('admin');
      try {
        return await writePolicy(id, change, 'admin');
      } catch (error) {
        throw jellyfinErrorToSsoError(error, "updating the user's policy", 'admin');
      }
    },

    async createSession(userId, device) {
      for (const field of ['deviceId', 'deviceName', 'appName', 'appVersion'] as const) {
        // Jellyfin needs all four to start Quick Connect and to name the session (§3 step 1, §7).
        if (device[field].trim() === '') throw invalidField(field, 'must not be empty', 'session');
      }
      const id = normalizeGuid(userId);
      if (!id) throw userNotFound('session');

      let request;
      try {
        request = await client.initiateQuickConnect(device);
      } catch (error) {
        if (error instanceof JellyfinRequestError && (error.status === 401 || error.status === 403)) {
          throw quickConnectDisabled(error);
        }
        throw jellyfinErrorToSsoError(error, 'starting a Quick Connect login', 'session');
      }
      try {
        await client.authorizeQuickConnect(request.Code, id);
      } catch (error) {
        if (
          error instanceof JellyfinRequestError &&
          error.status === 401 &&
          /quick connect/i.test(error.jellyfinMessage)
        ) {
          throw quickConnectDisabled(error); // switched off between the two calls
        }
        if (error instanceof JellyfinRequestError && error.status === 404) {
          throw new SsoError(
            'media_server_refused',
            'Jellyfin no longer knows the Quick Connect request or the user',
            {
              step: 'session',
              detail: error.message,
              cause: error,
            },
          );
        }
        // 403: the user is at MaxActiveSessions, or this device is not allowed for them (§7).
        throw jellyfinErrorToSsoError(error, 'approving the Quick Connect login', 'session');
      }
      try {
        // Jellyfin's own AuthenticationResult, passed on unchanged (§4.1); no logout call anywhere, so the
        // user's other devices keep their sessions (only this device id's old token is replaced, §7).
        const result = await client.authenticateWithQuickConnect(request.Secret, device);
        log.debug({ userId: id, client: device.appName }, 'Jellyfin session created through Quick Connect');
        return result;
      } catch (error) {
        if (
          error instanceof JellyfinRequestError &&
          error.status === 401 &&
          /quick connect/i.test(error.jellyfinMessage)
        ) {
          throw quickConnectDisabled(error);
        }
        throw jellyfinErrorToSsoError(error, 'completing the Quick Connect login', 'session');
      }
    },

    async listLibraries() {
      try {
        const folders = await client.mediaFolders();
        return folders.map((folder) => ({
          Id: normalizeGuid(folder.Id) ?? folder.Id,
          Name: folder.Name,
          CollectionType: folder.CollectionType,
        }));
      } catch (error) {
        throw jellyfinErrorToSsoError(error, 'listing libraries', 'admin');
      }
    },

    async deleteUser(userId) {
      const id = normalizeGuid(userId);
      if (!id) return;
      try {
        await client.deleteUser(id);
      } catch (error) {
        if (error instanceof JellyfinRequestError && error.status === 404) return;
        throw jellyfinErrorToSsoError(error, 'removing a user', 'session');
      }
    },

    async setAvatar(userId, image) {
      if (!/^image\/[\w.+-]+$/.test(image.contentType))
        throw invalidField('contentType', 'must be an image type', 'session');
      if (image.bytes.length === 0) throw invalidField('image', 'is empty', 'session');
      const id = normalizeGuid(userId);
      if (!id) throw userNotFound('session');
      try {
        await client.setUserImage(id, image.contentType, image.bytes);
      } catch (error) {
        if (error instanceof JellyfinRequestError && error.status === 404) throw userNotFound('session');
        throw jellyfinErrorToSsoError(error, "saving the user's avatar", 'session');
      }
    },
  };
  return server;
}
