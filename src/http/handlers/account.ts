// Handlers of the `account` tag: a user's app password and devices (self or elevated, checked before these
// run), and the password sign-in apps make in embedded mode. A new password goes out in the reply only:
// never in a log line.
import type { AppPasswords } from '../../sso/app-passwords.js';
import type { Devices, OtherUsers } from '../../sso/devices.js';
import { invalidField, SsoError } from '../../sso/errors.js';
import { parseUserId } from '../../sso/links.js';
import { isElevated, type DeviceInfo, type MediaServer } from '../../sso/ports.js';
import { reply, type HandlersOfTag, type RequestState } from '../handler.js';

export interface AccountHandlerDeps {
  appPasswords: AppPasswords;
  devices: Devices;
  mediaServer: MediaServer;
}

function userIdOf(path: { jellyfinUserId: string }): string {
  const id = parseUserId(path.jellyfinUserId);
  if (id === null) throw invalidField('path.jellyfinUserId', 'must be 32 hex digits or a GUID');
  return id;
}

function requestOf(state: RequestState): { clientAddress: string; requestId: string } {
  return { clientAddress: state.clientAddress, requestId: state.requestId };
}

/** The device the request comes from, when the caller is the user themself (an admin's is not theirs). */
function ownDeviceId(state: RequestState, userId: string): string | null {
  const principal = state.principal;
  if (principal?.kind !== 'user' || principal.user.id !== userId) return null;
  return state.clientFields?.DeviceId ?? null;
}

/** An administrator or API key may end other users' sessions on a shared device; a user may not. */
function othersFor(state: RequestState): OtherUsers {
  return state.principal !== null && isElevated(state.principal) ? 'end' : 'spare';
}

export function createAccountHandlers(deps: AccountHandlerDeps): HandlersOfTag<'account'> {
  return { ...appPasswordHandlers(deps), ...deviceHandlers(deps), authenticateByName: signInHandler(deps) };
}

type AppPasswordOps = 'getAppPassword' | 'createAppPassword' | 'revokeAppPassword';

function appPasswordHandlers(deps: AccountHandlerDeps): Pick<HandlersOfTag<'account'>, AppPasswordOps> {
  return {
    getAppPassword: async ({ path }) => {
      const created = await deps.appPasswords.createdAt(userIdOf(path));
      return reply({ kind: 'json', status: 200, body: { created: created?.toISOString() ?? null } });
    },
    createAppPassword: async ({ path }, state) => {
      const userId = userIdOf(path);
      const made = await deps.appPasswords.create(userId, requestOf(state));
      const user = await deps.mediaServer.getUserById(userId);
      state.log.info({ userId }, 'app password created');
      return reply({
        kind: 'json',
        status: 201,
        body: { username: user?.name ?? '', password: made.password, created: made.createdAt.toISOString() },
        headers: { 'Cache-Control': 'no-store' },
      });
    },
    revokeAppPassword: async ({ path }, state) => {
      const userId = userIdOf(path);
      const had = await deps.appPasswords.revoke(userId, requestOf(state));
      state.log.info({ userId, had }, 'app password revoked');
      return reply({ kind: 'empty', status: 204 });
    },
  };
}

type DeviceOps = 'listDevices' | 'signOutDevice' | 'signOutOtherDevices';

function deviceHandlers(deps: AccountHandlerDeps): Pick<HandlersOfTag<'account'>, DeviceOps> {
  return {
    listDevices: async ({ path }, state) => {
      const userId = userIdOf(path);
      const devices = await deps.devices.list(userId, ownDeviceId(state, userId));
      const body = devices.map((d) => ({ ...d, lastActivity: d.lastActivity?.toISOString() ?? null }));
      return reply({ kind: 'json', status: 200, body });
    },
    signOutDevice: async ({ path }, state) => {
      const userId = userIdOf(path);
      await deps.devices.signOut(userId, path.deviceId, othersFor(state), requestOf(state));
      state.log.info({ userId }, 'device signed out');
      return reply({ kind: 'empty', status: 204 });
    },
    signOutOtherDevices: async ({ path }, state) => {
      const userId = userIdOf(path);
      const keep = ownDeviceId(state, userId);
      const signedOut = await deps.devices.signOutOthers(userId, keep, othersFor(state), requestOf(state));
      state.log.info({ userId, signedOut }, 'signed out on other devices');
      return reply({ kind: 'json', status: 200, body: { signedOut } });
    },
  };
}

/** The device fields apps send in their Authorization header; Jellyfin needs a device id to keep a session. */
function deviceOf(state: RequestState): DeviceInfo {
  const fields = state.clientFields ?? {};
  if (!fields.DeviceId) throw invalidField('Authorization.DeviceId', 'must name the device');
  return {
    deviceId: fields.DeviceId,
    deviceName: fields.Device ?? '',
    appName: fields.Client ?? '',
    appVersion: fields.Version ?? '',
  };
}

function signInHandler(deps: AccountHandlerDeps): HandlersOfTag<'account'>['authenticateByName'] {
  return async ({ body }, state) => {
    const signIn = deps.mediaServer.authenticateByName?.bind(deps.mediaServer);
    if (signIn === undefined)
      throw new SsoError('not_found', 'Jellyfin serves this path itself; this service does not.');
    const result = await signIn(body.Username, body.Pw, deviceOf(state));
    if (result === null)
      throw new SsoError('unauthenticated', 'Invalid user name or password.', {
        step: 'credentials',
        reason: 'wrong_password',
      });
    state.log.info({ userId: result.User.Id }, 'password sign-in');
    // The spread gives the domain's open DTO the object-literal type the reply takes (as Auth does).
    return reply({
      kind: 'json',
      status: 200,
      body: { ...result },
      headers: { 'Cache-Control': 'no-store' },
    });
  };
}
