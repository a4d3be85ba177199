// The `jellyfin` media-server adapter: the MediaServer port over a real Jellyfin 10.9–12 server's REST API
// with an admin API key and no Jellyfin plugin. Ids are Jellyfin's N-format GUIDs.
//
// Tokens: tokens.ts; users and policies: users.ts; sessions (Quick Connect on the user's behalf): sessions.ts.

import { isDeepStrictEqual } from 'node:util';
import { systemClock } from '../../sso/basics.js';
import { silentLog, type Clock, type Log, type MediaServer } from '../../sso/ports.js';
import { checkAvatarImage, normalizeGuid } from '../shared/jellyfin-rules.js';
import { checkJellyfinWith, type JellyfinCheckResult } from './check.js';
import { createJellyfinClient, type JellyfinClient } from './client.js';
import { isStatus, reportingAs, userNotFound } from './errors.js';
import { authorizeDeviceCode } from './quick-connect.js';
import { probeJellyfin, type JellyfinState } from './readiness.js';
import type { FetchLike, Request } from './request.js';
import { listDevices, signOutDevice } from './devices.js';
import { clearAppPassword, setAppPassword } from './passwords.js';
import { createQuickConnectSession } from './sessions.js';
import { createTokenResolver } from './tokens.js';
import {
  createSsoUser,
  findUserByName,
  findUsersByNames,
  toMediaUser,
  writePolicy,
  type UserDeps,
} from './users.js';

export const DEFAULT_TOKEN_CACHE_MS = 30_000;
export const DEFAULT_TOKEN_CACHE_SIZE = 1_000;

export interface JellyfinServerOptions {
  /** JELLYFIN_URL: Jellyfin's address as this service reaches it, base URL path included. */
  baseUrl: string;
  /** JELLYFIN_API_KEY. */
  apiKey: string;
  fetch?: FetchLike;
  clock?: Clock;
  log?: Log;
  /** How long a token's answer (valid or not) is reused; 0 disables the cache. */
  tokenCacheMs?: number;
  tokenCacheSize?: number;
  /** Per Jellyfin request; default 10 s. */
  requestTimeoutMs?: number;
  /** Wraps every Jellyfin call (request.ts `wrap`). */
  wrapRequest?: (request: Request) => Request;
}

export interface JellyfinServer extends MediaServer {
  readonly kind: 'jellyfin';
  /** The start-up check (see checkJellyfin) with this adapter's URL and key. */
  check(): Promise<JellyfinCheckResult>;
  /** Readiness: Jellyfin answers and accepts the API key (readiness.ts). */
  ready(): Promise<JellyfinState>;
}

export function createJellyfinServer(options: JellyfinServerOptions): JellyfinServer {
  const client = createJellyfinClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}),
    ...(options.wrapRequest ? { wrap: options.wrapRequest } : {}),
  });
  const log = options.log ?? silentLog;
  const tokens = createTokenResolver(
    client,
    { clock: options.clock ?? systemClock, log },
    {
      cacheMs: options.tokenCacheMs ?? DEFAULT_TOKEN_CACHE_MS,
      cacheSize: options.tokenCacheSize ?? DEFAULT_TOKEN_CACHE_SIZE,
    },
  );
  const users: UserDeps = { client, log, forgetUser: (id) => tokens.forgetUser(id) };
  return {
    kind: 'jellyfin',
    check: () => checkJellyfinWith(client, options.apiKey),
    ready: () => probeJellyfin(client),
    resolveToken: (token) => tokens.resolve(token),
    createUser: (name) => createSsoUser(users, name),
    createSession: (userId, device) => createQuickConnectSession(client, log, userId, device),
    authorizeQuickConnect: (code, userId) => authorizeDeviceCode(client, log, code, userId),
    endSession: (token) => reportingAs('ending a session', 'session', () => client.logoutSession(token)),
    signOutDevice: (deviceId, userId, others) =>
      reportingAs("ending a device's sessions", 'session', () =>
        signOutDevice(client, deviceId, userId, others),
      ),
    setAppPassword: (userId, password) =>
      reportingAs('setting an app password', 'admin', () => setAppPassword(users, userId, password)),
    clearAppPassword: (userId) =>
      reportingAs('revoking an app password', 'admin', () => clearAppPassword(users, userId)),
    listDevices: (userId) =>
      reportingAs("listing the user's devices", 'admin', () => listDevices(client, userId)),
    ...userLookups(client),
    ...userChanges(users),
  };
}

type UserLookups = Pick<
  MediaServer,
  'getUserById' | 'getUserByName' | 'findUsersByNames' | 'listUsers' | 'listLibraries'
>;

function userLookups(client: JellyfinClient): UserLookups {
  return {
    async getUserById(id) {
      const normalized = normalizeGuid(id);
      if (!normalized) return null;
      return reportingAs('reading a user', 'session', async () => {
        const dto = await client.user(normalized);
        return dto ? toMediaUser(dto) : null;
      });
    },
    getUserByName: (name) =>
      reportingAs('looking up a user by name', 'session', async () => {
        const dto = await findUserByName(client, name);
        return dto ? toMediaUser(dto) : null;
      }),
    findUsersByNames: (names) =>
      reportingAs('looking up users by name', 'session', async () => {
        const found = await findUsersByNames(client, names);
        return new Map([...found].map(([name, dto]) => [name, toMediaUser(dto)]));
      }),
    listUsers: () =>
      reportingAs('listing users', 'admin', async () => (await client.users()).map(toMediaUser)),
    listLibraries: () =>
      reportingAs('listing libraries', 'admin', async () =>
        (await client.mediaFolders()).map((folder) => ({
          Id: normalizeGuid(folder.Id) ?? folder.Id,
          Name: folder.Name,
          CollectionType: folder.CollectionType,
        })),
      ),
  };
}

type UserChanges = Pick<MediaServer, 'updatePolicy' | 'deleteUser' | 'setAvatar'>;

function userChanges(users: UserDeps): UserChanges {
  const { client } = users;
  return {
    updatePolicy: (userId, change, seen) =>
      reportingAs("updating the user's policy", 'admin', async () => {
        const id = normalizeGuid(userId);
        if (!id) throw userNotFound('admin');
        // The user as the caller just read it: a change that leaves its policy as it is costs no request.
        if (seen?.id === id && isDeepStrictEqual(change(structuredClone(seen.policy)), seen.policy))
          return seen;
        return writePolicy(users, id, change, 'admin');
      }),
    deleteUser: (userId) =>
      reportingAs('removing a user', 'session', async () => {
        const id = normalizeGuid(userId);
        if (!id) return;
        // A user that is already gone is not an error.
        await client.deleteUser(id).catch((error: unknown) => {
          if (!isStatus(error, 404)) throw error;
        });
      }),
    async setAvatar(userId, image) {
      checkAvatarImage(image);
      const id = normalizeGuid(userId);
      if (!id) throw userNotFound('session');
      await reportingAs("saving the user's avatar", 'session', () =>
        client.setUserImage(id, image.contentType, image.bytes).catch((error: unknown) => {
          throw isStatus(error, 404) ? userNotFound('session') : error;
        }),
      );
    },
  };
}
