// The embedded media-server directory: the MediaServer port over the service's own database, plus what the
// bootstrap key and the CLI need. This file wires the modules of each concern and names failed operations.

import { systemClock } from '../../sso/basics.js';
import type { Clock, DeviceInfo, Library, MediaServer, UserPolicy } from '../../sso/ports.js';
import type { Orm } from '../../storage/orm.js';
import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  setBootstrapKey,
  type ApiKeyInfo,
  type BootstrapKeyOutcome,
} from './api-keys.js';
import { setAvatar } from './avatars.js';
import { storing, type DirectoryContext } from './context.js';
import { identityOnFirstUse } from './identity.js';
import { listLibraries, replaceLibraries, type LibraryInput } from './libraries.js';
import { endSession, signOutDevice } from './logout.js';
import { listDevices } from './devices.js';
import { authenticateByName, clearAppPassword, setAppPassword } from './passwords.js';
import { updatePolicy } from './policy.js';
import { authorizeCode, codeState, exchangeRequest, initiateRequest, requestState } from './quick-connect.js';
import { createSession, resolveToken } from './sessions.js';
import { sqlOf } from '../../storage/sql.js';
import {
  createUser,
  deleteUser,
  findUserByName,
  findUserRow,
  findUsersByNames,
  listUsers,
  toMediaUser,
} from './users.js';

export { COLLECTION_TYPES, type LibraryInput } from './libraries.js';
export { MAX_AVATAR_BYTES } from './avatars.js';
export type { ApiKeyInfo } from './api-keys.js';

export interface EmbeddedDirectoryOptions {
  orm: Orm;
  clock?: Clock;
  /** Replaces the stored server name when given. */
  serverName?: string;
  /** Replaces the stored library list when given (configuration wins over the CLI). */
  libraries?: LibraryInput[];
}

export interface EmbeddedDirectory extends MediaServer {
  readonly kind: 'embedded';
  /** Makes this value the one active bootstrap key; older bootstrap keys are revoked. */
  setBootstrapKey(value: string): Promise<BootstrapKeyOutcome>;
  /** A new key; `key` is the only time the plaintext exists outside the caller. */
  createApiKey(name: string): Promise<{ key: string; info: ApiKeyInfo }>;
  listApiKeys(): Promise<ApiKeyInfo[]>;
  /** False when there is no such active key. */
  revokeApiKey(id: string): Promise<boolean>;
  setLibraries(list: LibraryInput[]): Promise<Library[]>;
}

export function createEmbeddedDirectory(options: EmbeddedDirectoryOptions): EmbeddedDirectory {
  const ctx: DirectoryContext = {
    orm: options.orm,
    sql: sqlOf(options.orm),
    clock: options.clock ?? systemClock,
  };
  const ready = identityOnFirstUse(ctx, options);
  return { ...portMethods(ctx, ready), ...adminMethods(ctx) };
}

type Ready = ReturnType<typeof identityOnFirstUse>;

/** The MediaServer port, as the SSO use cases call it. */
function portMethods(ctx: DirectoryContext, ready: Ready): MediaServer & { kind: 'embedded' } {
  const { orm, sql } = ctx;
  return {
    kind: 'embedded',
    resolveToken: (token) => storing('checking a credential', 'credentials', () => resolveToken(ctx, token)),
    getUserById: (id) =>
      storing('reading a user', undefined, async () => {
        const row = await findUserRow(sql, id);
        return row ? toMediaUser(row) : null;
      }),
    getUserByName: (name) => storing('reading a user', undefined, () => findUserByName(sql, name)),
    findUsersByNames: (names) => storing('reading users', undefined, () => findUsersByNames(sql, names)),
    listUsers: () => storing('listing users', 'admin', () => listUsers(orm)),
    createUser: (name) => createUser(ctx, name),
    deleteUser: (userId) => storing('removing a user', 'session', () => deleteUser(orm, userId)),
    updatePolicy: (userId, change, seen) =>
      storing('updating a user policy', 'admin', () => updatePolicy(ctx, ready, userId, change, seen)),
    createSession: (userId, device) =>
      storing('creating a session', 'session', () => createSession(ctx, ready, userId, device)),
    endSession: (token) => storing('ending a session', 'session', () => endSession(ctx, token)),
    signOutDevice: (deviceId, userId) =>
      storing("ending a device's sessions", 'session', () => signOutDevice(ctx, deviceId, userId)),
    listLibraries: () =>
      storing('listing libraries', undefined, async () => {
        await ready();
        return listLibraries(orm);
      }),
    setAvatar: (userId, image) => storing('saving an avatar', 'session', () => setAvatar(ctx, userId, image)),
    ...quickConnectMethods(ctx, ready),
    ...accountMethods(ctx, ready),
  };
}

/** Quick Connect: the SSO side (check, authorize a code) and the TV's side (quick-connect.ts). */
function quickConnectMethods(
  ctx: DirectoryContext,
  ready: Ready,
): Required<Pick<MediaServer, 'authorizeQuickConnect' | 'checkQuickConnectCode' | 'quickConnectHost'>> {
  const session = (userId: string, device: DeviceInfo) =>
    storing('creating a session', 'session', () => createSession(ctx, ready, userId, device));
  return {
    authorizeQuickConnect: (code, userId) =>
      storing('authorizing a Quick Connect code', 'session', () => authorizeCode(ctx, code, userId)),
    checkQuickConnectCode: (code) =>
      storing('reading a Quick Connect code', 'start', () => codeState(ctx, code)),
    quickConnectHost: {
      initiate: (device) =>
        storing('starting a Quick Connect request', 'session', () => initiateRequest(ctx, device)),
      state: (secret) =>
        storing('reading a Quick Connect request', 'session', () => requestState(ctx, secret)),
      authenticate: (secret) =>
        storing('completing a Quick Connect request', 'session', () => exchangeRequest(ctx, secret, session)),
    },
  };
}

type AccountMethods = Required<
  Pick<MediaServer, 'setAppPassword' | 'clearAppPassword' | 'listDevices' | 'authenticateByName'>
>;

/** App passwords, devices and the password sign-in apps make (passwords.ts, devices.ts). */
function accountMethods(ctx: DirectoryContext, ready: Ready): AccountMethods {
  const policy = (userId: string, change: (p: UserPolicy) => UserPolicy) =>
    updatePolicy(ctx, ready, userId, change);
  const session = (userId: string, device: DeviceInfo) => createSession(ctx, ready, userId, device);
  return {
    setAppPassword: (userId, password) =>
      storing('setting an app password', 'admin', () => setAppPassword(ctx, policy, userId, password)),
    clearAppPassword: (userId) =>
      storing('revoking an app password', 'admin', () => clearAppPassword(ctx, policy, userId)),
    listDevices: (userId) => storing("listing a user's devices", 'admin', () => listDevices(ctx, userId)),
    authenticateByName: (name, password, device) =>
      storing('checking a password', 'credentials', () =>
        authenticateByName(ctx, session, { name, password, device }),
      ),
  };
}

type AdminMethods = Pick<
  EmbeddedDirectory,
  'setBootstrapKey' | 'createApiKey' | 'listApiKeys' | 'revokeApiKey' | 'setLibraries'
>;

/** What the bootstrap key and the CLI need besides the port. */
function adminMethods(ctx: DirectoryContext): AdminMethods {
  const { orm } = ctx;
  return {
    setBootstrapKey: (value) =>
      storing('setting the bootstrap API key', 'admin', () => setBootstrapKey(ctx, value)),
    createApiKey: (name) => storing('creating an API key', 'admin', () => createApiKey(ctx, name)),
    listApiKeys: () => storing('listing API keys', 'admin', () => listApiKeys(orm)),
    revokeApiKey: (id) => storing('revoking an API key', 'admin', () => revokeApiKey(ctx, id)),
    setLibraries: (list) => storing('saving libraries', 'admin', () => replaceLibraries(orm, list)),
  };
}
