// An in-memory MediaServer (src/sso/ports.ts) for use-case tests: users, policies and sessions in maps, with
// the rules of Jellyfin the use cases depend on — names unique regardless of case, the last administrator
// cannot be demoted, an administrator cannot be disabled — and a switch to make the next calls fail.
import { randomBytes } from 'node:crypto';
import { SsoError } from '../../src/sso/errors.js';
import {
  DEFAULT_PASSWORD_RESET_PROVIDER_ID,
  SSO_AUTH_PROVIDER_ID,
  type AuthenticationResult,
  type DeviceInfo,
  type MediaServer,
  type MediaUser,
  type UserPolicy,
} from '../../src/sso/ports.js';

const SERVER_ID = 'f0000000000000000000000000000001';

export interface MemorySession {
  userId: string;
  token: string;
  device: DeviceInfo;
}

export interface MemoryMediaServer extends MediaServer {
  /** Every user, in creation order (copies). */
  users(): MediaUser[];
  /** Every session minted and not ended. */
  readonly sessions: MemorySession[];
  /** Makes a user directly, as an admin would in the dashboard. */
  addUser(name: string, policy?: Partial<UserPolicy>): MediaUser;
  /** The next `count` calls of `method` throw `error` (a media server that is down or refuses). */
  failNext(method: 'createSession' | 'createUser' | 'updatePolicy', error: Error, count?: number): void;
}

function newPolicy(): UserPolicy {
  return {
    IsAdministrator: false,
    IsHidden: true,
    IsDisabled: false,
    EnableAllFolders: true,
    EnabledFolders: [],
    EnableContentDownloading: true,
    EnableLiveTvAccess: true,
    EnableLiveTvManagement: false,
    EnableRemoteAccess: true,
    EnableUserPreferenceAccess: true,
    AuthenticationProviderId: SSO_AUTH_PROVIDER_ID,
    PasswordResetProviderId: DEFAULT_PASSWORD_RESET_PROVIDER_ID,
  };
}

function refused(message: string): SsoError {
  return new SsoError('media_server_refused', message, { step: 'admin' });
}

export function createMemoryMediaServer(): MemoryMediaServer {
  const users = new Map<string, MediaUser>();
  const sessions: MemorySession[] = [];
  const failures = new Map<string, { error: Error; count: number }>();

  const copy = (user: MediaUser): MediaUser => structuredClone(user);
  const byName = (name: string) =>
    [...users.values()].find((user) => user.name.toLowerCase() === name.toLowerCase()) ?? null;
  /** Throws the scripted failure of `method`, if one is pending. */
  const maybeFail = (method: string): void => {
    const failure = failures.get(method);
    if (!failure) return;
    if (--failure.count <= 0) failures.delete(method);
    throw failure.error;
  };
  const addUser = (name: string, policy: Partial<UserPolicy> = {}): MediaUser => {
    if (byName(name)) throw new SsoError('name_conflict', `the name ${name} is taken`, { step: 'session' });
    const user = {
      id: randomBytes(16).toString('hex'),
      name,
      policy: { ...newPolicy(), ...policy },
      hasPassword: false,
    };
    users.set(user.id, user);
    return copy(user);
  };

  /** Jellyfin's rules on a policy change: one administrator always remains, and none is disabled. */
  const checkPolicyChange = (user: MediaUser, next: UserPolicy): void => {
    const otherAdmins = [...users.values()].filter((u) => u.id !== user.id && u.policy.IsAdministrator);
    if (user.policy.IsAdministrator && !next.IsAdministrator && otherAdmins.length === 0)
      throw refused('There must be at least one user in the system with administrative access.');
    if (next.IsDisabled && next.IsAdministrator) throw refused('Administrators cannot be disabled.');
  };

  return {
    kind: 'embedded',
    users: () => [...users.values()].map(copy),
    sessions,
    addUser,
    failNext(method, error, count = 1) {
      failures.set(method, { error, count });
    },

    resolveToken: (token) => {
      const session = sessions.find((s) => s.token === token);
      const user = session ? users.get(session.userId) : undefined;
      return Promise.resolve(user && !user.policy.IsDisabled ? { kind: 'user', user: copy(user) } : null);
    },
    getUserById: (id) => {
      const user = users.get(id);
      return Promise.resolve(user ? copy(user) : null);
    },
    getUserByName: (name) => {
      const user = byName(name);
      return Promise.resolve(user ? copy(user) : null);
    },
    findUsersByNames(names) {
      const found = new Map<string, MediaUser>();
      for (const name of names) {
        const user = byName(name);
        if (user) found.set(name, copy(user));
      }
      return Promise.resolve(found);
    },
    listUsers: () => Promise.resolve([...users.values()].map(copy)),
    async createUser(name) {
      maybeFail('createUser');
      return addUser(name);
    },
    deleteUser(userId) {
      users.delete(userId);
      return Promise.resolve();
    },
    async updatePolicy(userId, change) {
      maybeFail('updatePolicy');
      const user = users.get(userId);
      if (!user) throw new SsoError('user_not_found', 'no such user', { step: 'admin' });
      const next = change(structuredClone(user.policy));
      checkPolicyChange(user, next);
      user.policy = next;
      return copy(user);
    },
    async createSession(userId, device): Promise<AuthenticationResult> {
      maybeFail('createSession');
      const user = users.get(userId);
      if (!user) throw new SsoError('user_not_found', 'no such user', { step: 'session' });
      const token = randomBytes(16).toString('hex');
      sessions.push({ userId, token, device });
      return {
        User: { Id: user.id, Name: user.name, ServerId: SERVER_ID, Policy: structuredClone(user.policy) },
        SessionInfo: { DeviceId: device.deviceId, UserId: user.id },
        AccessToken: token,
        ServerId: SERVER_ID,
      };
    },
    listLibraries: () => Promise.resolve([]),
    setAvatar: () => Promise.resolve(),
    ...sessionEnds(sessions),
  };
}

/** Ending sessions: the ended ones leave `sessions`, as a revoked token leaves the media server. */
function sessionEnds(sessions: MemorySession[]): Pick<MediaServer, 'endSession' | 'signOutDevice'> {
  const removeWhere = (ended: (session: MemorySession) => boolean): Promise<void> => {
    for (let i = sessions.length - 1; i >= 0; i--) {
      const session = sessions[i];
      if (session !== undefined && ended(session)) sessions.splice(i, 1);
    }
    return Promise.resolve();
  };
  return {
    endSession: (token) => removeWhere((session) => session.token === token),
    signOutDevice: async (deviceId, userId) => {
      await removeWhere((session) => session.device.deviceId === deviceId && session.userId === userId);
      return 'signed_out';
    },
  };
}
