// A user's devices in the embedded directory: one media_session row per (user, device), so the list is a
// select of the user's rows; signing a device out is logout.ts's `signOutDevice`.

import type { UserDevice } from '../../sso/ports.js';
import type { DirectoryContext } from './context.js';
import { readNullableDate } from '../../storage/sql.js';

interface DeviceRow {
  device_id: string;
  device_name: string;
  client: string;
  last_activity_at: unknown;
}

export async function listDevices({ sql }: DirectoryContext, userId: string): Promise<UserDevice[]> {
  const rows = await sql.rows<DeviceRow>(
    `select device_id, device_name, client, last_activity_at from media_session where user_id = ?
     order by last_activity_at desc, device_id`,
    [userId],
  );
  return rows.map((row) => ({
    deviceId: row.device_id,
    deviceName: row.device_name,
    client: row.client,
    lastActivity: readNullableDate(row.last_activity_at),
  }));
}
