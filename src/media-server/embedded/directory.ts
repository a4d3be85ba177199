// The embedded media-server directory (PRODUCT.md §5): users with Jellyfin-shaped policies, API keys,
// access tokens (sessions), an admin-configured library list and avatars, all in the service's own
// database. Implements the MediaServer port for the SSO use cases, plus the admin functions the bootstrap
// (SSO_BOOTSTRAP_API_KEY) and the CLI need. Tokens are stored only as SHA-256 hashes.
//
// Every transaction here starts with a write. That write takes the lock (PostgreSQL: the row; SQLite: the
// database write lock) before anything is read, so read-check-write sequences cannot interleave, and
// SQLite never has to upgrade a read transaction (which fails at once with SQLITE_BUSY when another
// process, e.g. the CLI, is writing).

import { createHash, randomBytes } from 'node:crypto';
import { SsoError, invalidField } from '../../sso/errors.js';
import type {
  AuthenticationResult,
  Clock,
  Library,
  MediaServer,
  MediaUser,
  Principal,
  UserPolicy,
} from '../../sso/ports.js';
import {
  ApiKeyEntity,
  AvatarEntity,
  LibraryEntity,
  MediaSessionEntity,
  MediaUserEntity,
  MetaEntity,
  type ApiKeyRow,
  type MediaUserRow,
} from '../../storage/entities.js';
import type { Orm } from '../../storage/orm.js';
import { compareOrdinal, isUniqueViolation, storageError, systemClock } from '../../storage/shared.js';
import {
  isValidUserName,
  newUserConfiguration,
  newUserPolicy,
  normalizeGuid,
  toSessionDto,
  toUserDto,
  upperInvariant,
  type ServerIdentity,
  type UserDtoInput,
} from './jellyfin-shapes.js';

export const DEFAULT_SERVER_NAME = 'Jellyfin SSO';
/** The Jellyfin API level whose shapes this directory reproduces. */
export const EMBEDDED_SERVER_VERSION = '10.11.0';
/** Avatars are kept in the database: refuse anything bigger than a generous profile picture. */
export const MAX_AVATAR_BYTES = 2 * 1024 * 1024;
/** Jellyfin refreshes a token's last-activity at most this often (AuthorizationContext.cs). */
const ACTIVITY_REFRESH_MS = 3 * 60 * 1000;
/** The bootstrap key is an admin credential: refuse values too short to resist guessing. */
const MIN_BOOTSTRAP_KEY_LENGTH = 16;

const META_SERVER_ID = 'embedded.server_id';
const META_SERVER_NAME = 'embedded.server_name';
/** A row every policy change writes first: it serializes those changes across instances (see updatePolicy). */
const META_POLICY_LOCK = 'embedded.policy_lock';

/** Jellyfin's CollectionType values, for library input validation. */
export const COLLECTION_TYPES = [
  'unknown',
  'movies',
  'tvshows',
  'music',
  'musicvideos',
  'trailers',
  'homevideos',
  'boxsets',
  'books',
  'photos',
  'livetv',
  'playlists',
  'folders',
] as const;

export interface ApiKeyInfo {
  id: string;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface ServerInfo {
  id: string;
  name: string;
  version: string;
}

export interface LibraryInput {
  /** 32 hex or a dashed GUID; normalized to lower-case N format. */
  Id: string;
  Name: string;
  CollectionType?: string | null;
}

export interface Avatar {
  contentType: string;
  bytes: Uint8Array;
  updatedAt: Date;
}

export interface EmbeddedDirectoryOptions {
  orm: Orm;
  clock?: Clock;
  /** Replaces the stored server name when given. */
  serverName?: string;
  /** Replaces the stored library list when given (configuration wins over the CLI). */
  libraries?: LibraryInput[];
  version?: string;
}

export interface EmbeddedDirectory extends MediaServer {
  readonly kind: 'embedded';
  /** Guarantees an active API key with exactly this value (idempotent, restart- and race-safe). */
  ensureApiKey(value: string, name: string): Promise<ApiKeyInfo>;
  /** A new key; `key` is the only time the plaintext exists outside the caller. */
  createApiKey(name: string): Promise<{ key: string; info: ApiKeyInfo }>;
  listApiKeys(): Promise<ApiKeyInfo[]>;
  /** False when there is no such active key. */
  revokeApiKey(id: string): Promise<boolean>;
  listUsers(): Promise<MediaUser[]>;
  serverInfo(): Promise<ServerInfo>;
  setLibraries(list: LibraryInput[]): Promise<Library[]>;
  getAvatar(userId: string): Promise<Avatar | null>;
  /** The full `UserDto` (Configuration, dates) of a user, as `GET /Users/{id}` would answer. */
  getUserDto(userId: string): Promise<AuthenticationResult['User'] | null>;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** 32 lower-case hex: Jellyfin's Guid "N" format, used for ids and tokens alike. */
export function randomHex32(): string {
  return randomBytes(16).toString('hex');
}

function toMediaUser(row: MediaUserRow): MediaUser {
  return { id: row.id, name: row.name, policy: row.policy, hasPassword: row.passwordHash != null };
}

function toDtoInput(row: MediaUserRow): UserDtoInput {
  return {
    ...toMediaUser(row),
    configuration: row.configuration,
    lastLoginDate: row.lastLoginDate ?? null,
    lastActivityDate: row.lastActivityDate ?? null,
  };
}

function toApiKeyInfo(row: ApiKeyRow): ApiKeyInfo {
  return { id: row.id, name: row.name, createdAt: row.createdAt, revokedAt: row.revokedAt ?? null };
}

function refused(message: string, detail?: string): SsoError {
  return new SsoError('media_server_refused', message, { step: 'admin', ...(detail ? { detail } : {}) });
}

/** The checks Jellyfin's UserController.UpdateUserPolicy makes before saving (JELLYFIN-API.md §2.2). */
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

export function createEmbeddedDirectory(options: EmbeddedDirectoryOptions): EmbeddedDirectory {
  const { orm } = options;
  const clock = options.clock ?? systemClock;
  const version = options.version ?? EMBEDDED_SERVER_VERSION;

  let readyPromise: Promise<ServerIdentity> | null = null;
  /** Server id/name, created once; configuration-given name and libraries applied on first use. */
  function ready(): Promise<ServerIdentity> {
    readyPromise ??= initialize().catch((error: unknown) => {
      readyPromise = null; // let the next call retry (e.g. the database was briefly unreachable)
      throw storageError(error, 'initialising the embedded directory');
    });
    return readyPromise;
  }

  async function insertMetaIfMissing(key: string, value: string): Promise<string> {
    const em = orm.em.fork();
    await em.createQueryBuilder(MetaEntity).insert({ key, value }).onConflict('key').ignore().execute('run');
    const row = await em.findOneOrFail(MetaEntity, { key });
    return row.value;
  }

  async function initialize(): Promise<ServerIdentity> {
    const id = await insertMetaIfMissing(META_SERVER_ID, randomHex32());
    await insertMetaIfMissing(META_POLICY_LOCK, '0');
    let name = await insertMetaIfMissing(META_SERVER_NAME, options.serverName ?? DEFAULT_SERVER_NAME);
    if (options.serverName !== undefined && name !== options.serverName) {
      await orm.em.fork().nativeUpdate(MetaEntity, { key: META_SERVER_NAME }, { value: options.serverName });
      name = options.serverName;
    }
    if (options.libraries) await replaceLibraries(options.libraries);
    return { id, name };
  }

  function checkLibraries(list: LibraryInput[]): Library[] {
    const seen = new Set<string>();
    return list.map((library, index) => {
      const id = normalizeGuid(library.Id);
      if (!id) throw invalidField(`libraries[${index}].Id`, 'must be 32 hex characters (a GUID)', 'admin');
      if (seen.has(id)) throw invalidField(`libraries[${index}].Id`, `appears twice (${id})`, 'admin');
      seen.add(id);
      const name = library.Name.trim();
      if (name === '') throw invalidField(`libraries[${index}].Name`, 'must not be empty', 'admin');
      const type = library.CollectionType ?? null;
      if (type !== null && !(COLLECTION_TYPES as readonly string[]).includes(type)) {
        throw invalidField(
          `libraries[${index}].CollectionType`,
          `must be one of ${COLLECTION_TYPES.join(', ')}`,
          'admin',
        );
      }
      return { Id: id, Name: name, CollectionType: type };
    });
  }

  async function replaceLibraries(list: LibraryInput[]): Promise<Library[]> {
    const libraries = checkLibraries(list);
    await orm.em.fork().transactional(async (em) => {
      await em.nativeDelete(LibraryEntity, {});
      if (libraries.length > 0) {
        await em.insertMany(
          LibraryEntity,
          libraries.map((library, position) => ({
            id: library.Id,
            name: library.Name,
            collectionType: library.CollectionType,
            position,
          })),
        );
      }
    });
    return libraries;
  }

  async function findUser(id: string): Promise<MediaUserRow | null> {
    const normalized = normalizeGuid(id);
    return normalized ? orm.em.fork().findOne(MediaUserEntity, { id: normalized }) : null;
  }

  async function resolveToken(token: string): Promise<Principal | null> {
    if (token === '') return null;
    const tokenHash = hashToken(token);
    const em = orm.em.fork();
    const key = await em.findOne(ApiKeyEntity, { tokenHash, revokedAt: null });
    if (key) return { kind: 'apiKey', keyId: key.id, name: key.name };

    const session = await em.findOne(MediaSessionEntity, { tokenHash });
    if (!session) return null;
    const user = await em.findOne(MediaUserEntity, { id: session.user });
    // A disabled account's tokens are refused, as Jellyfin's AuthService does (JELLYFIN-API.md §1.2).
    if (!user || user.policy.IsDisabled) return null;

    const now = clock.now();
    const stale = new Date(now.getTime() - ACTIVITY_REFRESH_MS);
    // Conditional, so a busy token costs one write per 3 minutes, not one per request.
    await em.nativeUpdate(
      MediaSessionEntity,
      { id: session.id, lastActivityAt: { $lt: stale } },
      { lastActivityAt: now },
    );
    await em.nativeUpdate(
      MediaUserEntity,
      { id: user.id, $or: [{ lastActivityDate: null }, { lastActivityDate: { $lt: stale } }] },
      { lastActivityDate: now },
    );
    return { kind: 'user', user: toMediaUser(user) };
  }

  const directory: EmbeddedDirectory = {
    kind: 'embedded',

    async resolveToken(token) {
      try {
        return await resolveToken(token);
      } catch (error) {
        throw storageError(error, 'checking a credential', 'credentials');
      }
    },

    async getUserById(id) {
      try {
        const row = await findUser(id);
        return row ? toMediaUser(row) : null;
      } catch (error) {
        throw storageError(error, 'reading a user');
      }
    },

    async getUserByName(name) {
      try {
        const row = await orm.em.fork().findOne(MediaUserEntity, { normalizedName: upperInvariant(name) });
        return row ? toMediaUser(row) : null;
      } catch (error) {
        throw storageError(error, 'reading a user');
      }
    },

    async findUsersByNames(names) {
      try {
        const wanted = new Map(names.map((name) => [upperInvariant(name), name]));
        const rows = await orm.em
          .fork()
          .find(MediaUserEntity, { normalizedName: { $in: [...wanted.keys()] } });
        const found = new Map<string, MediaUser>();
        for (const name of names) {
          const row = rows.find((candidate) => candidate.normalizedName === upperInvariant(name));
          if (row) found.set(name, toMediaUser(row));
        }
        return found;
      } catch (error) {
        throw storageError(error, 'reading users');
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
      const row: MediaUserRow = {
        id: randomHex32(),
        name,
        normalizedName: upperInvariant(name),
        policy: newUserPolicy(),
        configuration: newUserConfiguration(),
        passwordHash: null,
        createdAt: clock.now(),
        lastLoginDate: null,
        lastActivityDate: null,
      };
      try {
        await orm.em.fork().insert(MediaUserEntity, row);
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
    },

    async deleteUser(userId) {
      const id = normalizeGuid(userId);
      if (!id) return;
      try {
        // Its sessions and avatar go with it (ON DELETE CASCADE).
        await orm.em.fork().nativeDelete(MediaUserEntity, { id });
      } catch (error) {
        throw storageError(error, 'removing a user', 'session');
      }
    },

    async updatePolicy(userId, change) {
      const id = normalizeGuid(userId);
      if (!id) throw new SsoError('user_not_found', 'no such user', { step: 'admin' });
      await ready(); // creates the lock row
      try {
        return await orm.em.fork().transactional(async (em) => {
          // Write the lock row first: PostgreSQL holds its row lock and SQLite its write lock until commit,
          // so two changes cannot both see "another administrator exists" and both demote (last-admin rule).
          const locked = await em.nativeUpdate(
            MetaEntity,
            { key: META_POLICY_LOCK },
            { value: String(clock.now().getTime()) },
          );
          if (locked !== 1) throw new Error(`the ${META_POLICY_LOCK} row is missing`);
          const row = await em.findOne(MediaUserEntity, { id });
          if (!row) throw new SsoError('user_not_found', 'no such user', { step: 'admin' });
          const before = row.policy;
          const after = change(structuredClone(before));
          checkPolicy(after);

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
          await em.nativeUpdate(MediaUserEntity, { id }, { policy: after });
          return toMediaUser({ ...row, policy: after });
        });
      } catch (error) {
        throw storageError(error, 'updating a user policy', 'admin');
      }
    },

    async createSession(userId, device) {
      const id = normalizeGuid(userId);
      if (!id) throw new SsoError('user_not_found', 'no such user', { step: 'session' });
      if (device.deviceId.trim() === '') throw invalidField('deviceId', 'must not be empty', 'session');
      const server = await ready();
      const token = randomHex32();
      const now = clock.now();
      try {
        const { user, session } = await orm.em.fork().transactional(async (em) => {
          // Updating the user row first locks it: two logins of the same user on the same device serialize.
          const touched = await em.nativeUpdate(
            MediaUserEntity,
            { id },
            { lastLoginDate: now, lastActivityDate: now },
          );
          if (touched !== 1) throw new SsoError('user_not_found', 'no such user', { step: 'session' });
          const user = await em.findOneOrFail(MediaUserEntity, { id });
          if (user.policy.IsDisabled) {
            throw new SsoError('media_server_refused', 'this account is disabled', { step: 'session' });
          }
          // Jellyfin semantics: a new login on a device logs out that user's other tokens for the device.
          await em.nativeDelete(MediaSessionEntity, { user: id, deviceId: device.deviceId });
          const session = {
            id: randomHex32(),
            tokenHash: hashToken(token),
            user: id,
            deviceId: device.deviceId,
            deviceName: device.deviceName,
            client: device.appName,
            appVersion: device.appVersion,
            createdAt: now,
            lastActivityAt: now,
          };
          await em.insert(MediaSessionEntity, session);
          return { user, session };
        });
        return {
          User: toUserDto(toDtoInput(user), server),
          SessionInfo: toSessionDto({ ...session, userId: id, userName: user.name }, server),
          AccessToken: token,
          ServerId: server.id,
        };
      } catch (error) {
        throw storageError(error, 'creating a session', 'session');
      }
    },

    async listLibraries() {
      try {
        await ready();
        const rows = await orm.em.fork().find(LibraryEntity, {}, { orderBy: { position: 'asc' } });
        return rows.map((row) => ({
          Id: row.id,
          Name: row.name,
          CollectionType: row.collectionType ?? null,
        }));
      } catch (error) {
        throw storageError(error, 'listing libraries');
      }
    },

    async setLibraries(list) {
      try {
        return await replaceLibraries(list);
      } catch (error) {
        throw storageError(error, 'saving libraries', 'admin');
      }
    },

    async setAvatar(userId, image) {
      if (!/^image\/[\w.+-]+$/.test(image.contentType))
        throw invalidField('contentType', 'must be an image type', 'session');
      if (image.bytes.length === 0) throw invalidField('image', 'is empty', 'session');
      if (image.bytes.length > MAX_AVATAR_BYTES) {
        throw invalidField('image', `is larger than ${MAX_AVATAR_BYTES} bytes`, 'session');
      }
      const id = normalizeGuid(userId);
      if (!id) throw new SsoError('user_not_found', 'no such user', { step: 'session' });
      try {
        await orm.em.fork().transactional(async (em) => {
          // Write first (see the header): the delete takes the write lock before anything is read.
          await em.nativeDelete(AvatarEntity, { user: id });
          const user = await em.findOne(MediaUserEntity, { id }, { fields: ['id'] });
          if (!user) throw new SsoError('user_not_found', 'no such user', { step: 'session' });
          await em.insert(AvatarEntity, {
            user: id,
            contentType: image.contentType,
            bytes: Buffer.from(image.bytes),
            updatedAt: clock.now(),
          });
        });
      } catch (error) {
        throw storageError(error, 'saving an avatar', 'session');
      }
    },

    async getAvatar(userId) {
      const id = normalizeGuid(userId);
      if (!id) return null;
      try {
        const row = await orm.em.fork().findOne(AvatarEntity, { user: id });
        return row
          ? { contentType: row.contentType, bytes: new Uint8Array(row.bytes), updatedAt: row.updatedAt }
          : null;
      } catch (error) {
        throw storageError(error, 'reading an avatar');
      }
    },

    async getUserDto(userId) {
      try {
        const server = await ready();
        const row = await findUser(userId);
        return row ? toUserDto(toDtoInput(row), server) : null;
      } catch (error) {
        throw storageError(error, 'reading a user');
      }
    },

    async ensureApiKey(value, name) {
      if (value.length < MIN_BOOTSTRAP_KEY_LENGTH || /\s/.test(value)) {
        throw invalidField(
          'apiKey',
          `must be at least ${MIN_BOOTSTRAP_KEY_LENGTH} characters without spaces`,
          'admin',
        );
      }
      const tokenHash = hashToken(value);
      try {
        const em = orm.em.fork();
        const existing = await em.findOne(ApiKeyEntity, { tokenHash });
        if (existing) {
          // The configured value is the source of truth: a key revoked while still configured comes back.
          if (existing.revokedAt)
            await em.nativeUpdate(ApiKeyEntity, { id: existing.id }, { revokedAt: null });
          return { ...toApiKeyInfo(existing), revokedAt: null };
        }
        const row: ApiKeyRow = {
          id: randomHex32(),
          name,
          tokenHash,
          createdAt: clock.now(),
          revokedAt: null,
        };
        try {
          await em.insert(ApiKeyEntity, row);
          return toApiKeyInfo(row);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          // Another instance inserted it at the same moment: theirs is as good as ours.
          return toApiKeyInfo(await orm.em.fork().findOneOrFail(ApiKeyEntity, { tokenHash }));
        }
      } catch (error) {
        throw storageError(error, 'ensuring the bootstrap API key', 'admin');
      }
    },

    async createApiKey(name) {
      const trimmed = name.trim();
      if (trimmed === '') throw invalidField('name', 'must not be empty', 'admin');
      const key = randomHex32();
      const row: ApiKeyRow = {
        id: randomHex32(),
        name: trimmed,
        tokenHash: hashToken(key),
        createdAt: clock.now(),
        revokedAt: null,
      };
      try {
        await orm.em.fork().insert(ApiKeyEntity, row);
      } catch (error) {
        throw storageError(error, 'creating an API key', 'admin');
      }
      return { key, info: toApiKeyInfo(row) };
    },

    async listApiKeys() {
      try {
        const rows = await orm.em.fork().find(ApiKeyEntity, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
        return rows.map(toApiKeyInfo);
      } catch (error) {
        throw storageError(error, 'listing API keys', 'admin');
      }
    },

    async revokeApiKey(id) {
      const normalized = normalizeGuid(id);
      if (!normalized) return false;
      try {
        const changed = await orm.em
          .fork()
          .nativeUpdate(ApiKeyEntity, { id: normalized, revokedAt: null }, { revokedAt: clock.now() });
        return changed === 1;
      } catch (error) {
        throw storageError(error, 'revoking an API key', 'admin');
      }
    },

    async listUsers() {
      try {
        const rows = await orm.em.fork().find(MediaUserEntity, {});
        return rows.sort((a, b) => compareOrdinal(a.name, b.name)).map(toMediaUser);
      } catch (error) {
        throw storageError(error, 'listing users', 'admin');
      }
    },

    async serverInfo() {
      const server = await ready();
      return { ...server, version };
    },
  };
  return directory;
}
