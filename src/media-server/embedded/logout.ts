// Ending sessions of the embedded directory: a user's own logout revokes their token; an IdP's logout
// revokes the user's sessions on a device. Sessions are rows (media_session), so revoking is deleting the row:
// the token stops resolving at once, on every instance.

import { sha256 } from '../../sso/basics.js';
import type { DeviceSignOut } from '../../sso/ports.js';
import type { DirectoryContext } from './context.js';

export async function endSession({ sql }: DirectoryContext, token: string): Promise<void> {
  if (token === '') return;
  await sql.rows('delete from media_session where token_hash = ?', [sha256(token)]);
}

/** Sessions are rows per (user, device): the user's own end, another user's on the same device stay. */
export async function signOutDevice(
  { sql }: DirectoryContext,
  deviceId: string,
  userId: string,
): Promise<DeviceSignOut> {
  await sql.rows('delete from media_session where device_id = ? and user_id = ?', [deviceId, userId]);
  return 'signed_out';
}
