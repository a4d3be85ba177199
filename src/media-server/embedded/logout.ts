// Ending sessions of the embedded directory: a user's own logout revokes their token; an IdP's logout
// revokes every session of a device. Sessions are rows (media_session), so revoking is deleting the row:
// the token stops resolving at once, on every instance.

import { sha256 } from '../../sso/basics.js';
import type { DirectoryContext } from './context.js';

export async function endSession({ sql }: DirectoryContext, token: string): Promise<void> {
  if (token === '') return;
  await sql.rows('delete from media_session where token_hash = ?', [sha256(token)]);
}

export async function signOutDevice({ sql }: DirectoryContext, deviceId: string): Promise<void> {
  await sql.rows('delete from media_session where device_id = ?', [deviceId]);
}
