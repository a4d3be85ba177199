// A user's devices in Jellyfin, read from `GET /Devices?userId=` with the API key (DeviceInfoDtoQueryResult).
// Jellyfin answers every device the user may *access*, not the devices they hold: with EnableAllDevices
// (Jellyfin's default) or as an administrator that is every device on the server, one entry per session, each
// naming the user who holds it (`LastUserId`, DeviceManager.GetDevicesForUser). So a user's own devices are
// the entries naming them, and another user's entry on the same device id means that `DELETE /Devices?id=`
// (which ends every session of the device id) would sign that user out too.

import { isRecord } from '../../sso/basics.js';
import type { DeviceSignOut, UserDevice } from '../../sso/ports.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import type { JellyfinClient } from './client.js';

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Jellyfin writes GUIDs without dashes in JSON but accepts them with: compare them normalized. */
function sameUser(a: string, b: string): boolean {
  const id = normalizeGuid(a);
  return id !== null && id === normalizeGuid(b);
}

function toDevice(item: Record<string, unknown>): UserDevice | null {
  const deviceId = text(item.Id);
  if (deviceId === '') return null;
  const last = typeof item.DateLastActivity === 'string' ? new Date(item.DateLastActivity) : null;
  return {
    deviceId,
    deviceName: text(item.CustomName) || text(item.Name),
    client: text(item.AppName),
    lastActivity: last !== null && !Number.isNaN(last.getTime()) ? last : null,
  };
}

async function entries(client: JellyfinClient, userId: string): Promise<Record<string, unknown>[]> {
  const answer = await client.devices(userId);
  return Array.isArray(answer.Items) ? answer.Items.filter(isRecord) : [];
}

/** The devices the user holds a session on, one per device id, in Jellyfin's order (newest activity first). */
export async function listDevices(client: JellyfinClient, userId: string): Promise<UserDevice[]> {
  const own = new Map<string, UserDevice>();
  for (const item of await entries(client, userId)) {
    const device = sameUser(text(item.LastUserId), userId) ? toDevice(item) : null;
    if (device !== null && !own.has(device.deviceId)) own.set(device.deviceId, device);
  }
  return [...own.values()];
}

/**
 * `DELETE /Devices?id=` ends every session of the device id, so with `others: 'spare'` it is sent only when
 * no other user holds a session there (`shared` otherwise, nothing ended).
 */
export async function signOutDevice(
  client: JellyfinClient,
  deviceId: string,
  userId: string,
  others: 'spare' | 'end',
): Promise<DeviceSignOut> {
  if (others === 'spare') {
    const shared = (await entries(client, userId)).some(
      (item) => text(item.Id) === deviceId && !sameUser(text(item.LastUserId), userId),
    );
    if (shared) return 'shared';
  }
  await client.deleteDevice(deviceId);
  return 'signed_out';
}
