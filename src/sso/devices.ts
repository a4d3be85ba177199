// A user's devices: the sessions the media server holds for them, signing one out, and "sign out
// everywhere else", which keeps the device the caller is using (named by its own request).
import { accountEntry } from './account-activity.js';
import { linksOf, requireUser } from './account-user.js';
import type { ActivityRecorder, RequestContext } from './activity.js';
import { SsoError } from './errors.js';
import type { Clock, LinkStore, MediaServer, MediaUser, UserDevice } from './ports.js';

export interface DeviceDeps {
  mediaServer: MediaServer;
  links: LinkStore;
  clock: Clock;
  activityLog?: ActivityRecorder | undefined;
}

/** Whether a sign-out may end other users' sessions on a shared device (elevated callers) or must not. */
export type OtherUsers = 'spare' | 'end';

export interface ListedDevice extends UserDevice {
  /** The device the caller's own request came from. */
  current: boolean;
}

export interface Devices {
  list(userId: string, currentDeviceId: string | null): Promise<ListedDevice[]>;
  /**
   * 404 `not_found` when the user has no session on that device; 409 `device_shared` when `others` is
   * `spare` and the media server could only sign the device out together with another user's session.
   */
  signOut(userId: string, deviceId: string, others: OtherUsers, request: RequestContext): Promise<void>;
  /** Every device of the user but `keepDeviceId` (shared ones skipped when sparing others); how many. */
  signOutOthers(
    userId: string,
    keepDeviceId: string | null,
    others: OtherUsers,
    request: RequestContext,
  ): Promise<number>;
}

export function createDevices(deps: DeviceDeps): Devices {
  const devicesOf = async (userId: string): Promise<{ user: MediaUser; devices: UserDevice[] }> => {
    const list = deps.mediaServer.listDevices?.bind(deps.mediaServer);
    if (list === undefined)
      throw new SsoError('not_implemented', 'This media server cannot list devices.', { step: 'admin' });
    const user = await requireUser(deps.mediaServer, userId);
    return { user, devices: await list(user.id) };
  };
  const note = async (user: MediaUser, message: string, request: RequestContext): Promise<void> => {
    if (deps.activityLog === undefined) return;
    const [link] = await linksOf(deps.links, user.id);
    deps.activityLog.note(
      accountEntry({
        time: deps.clock.now(),
        userId: user.id,
        username: user.name,
        link: link ?? null,
        step: 'session',
        message,
        request,
      }),
    );
  };
  return {
    async list(userId, currentDeviceId) {
      const { devices } = await devicesOf(userId);
      return devices.map((device) => ({ ...device, current: device.deviceId === currentDeviceId }));
    },
    async signOut(userId, deviceId, others, request) {
      const { user, devices } = await devicesOf(userId);
      const device = devices.find((d) => d.deviceId === deviceId);
      // Only the user's own devices: another user's device id must not be reachable through this user.
      if (device === undefined)
        throw new SsoError('not_found', 'This user has no session on that device.', { step: 'session' });
      if ((await deps.mediaServer.signOutDevice(deviceId, user.id, others)) === 'shared') throw shared();
      await note(user, `Signed out "${user.name}" on ${describe(device)}.`, request);
    },
    async signOutOthers(userId, keepDeviceId, others, request) {
      const { user, devices } = await devicesOf(userId);
      let count = 0;
      for (const device of devices.filter((d) => d.deviceId !== keepDeviceId)) {
        if ((await deps.mediaServer.signOutDevice(device.deviceId, user.id, others)) === 'signed_out')
          count++;
      }
      await note(user, `Signed out "${user.name}" on ${count} other device(s).`, request);
      return count;
    },
  };
}

function shared(): SsoError {
  return new SsoError(
    'device_shared',
    'Another account is signed in on this device too, and the media server can only sign the device out ' +
      'as a whole. Sign out on the device itself, or ask an administrator.',
    { step: 'session', reason: 'device_shared' },
  );
}

function describe(device: UserDevice): string {
  return `"${device.deviceName || device.deviceId}" (${device.client || 'unknown app'})`;
}
