// A user's devices in Jellyfin: `GET /Devices?userId=` with the API key (DeviceInfoDtoQueryResult). Jellyfin
// lists a device under the user who last signed in on it, which is the user whose session it holds.

import { isRecord } from '../../sso/basics.js';
import type { UserDevice } from '../../sso/ports.js';
import type { JellyfinClient } from './client.js';

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
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

export async function listDevices(client: JellyfinClient, userId: string): Promise<UserDevice[]> {
  const answer = await client.devices(userId);
  const items = Array.isArray(answer.Items) ? answer.Items.filter(isRecord) : [];
  return items.map(toDevice).filter((device): device is UserDevice => device !== null);
}
