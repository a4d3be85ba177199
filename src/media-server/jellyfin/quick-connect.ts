// Authorizing a TV's Quick Connect code for a user with the API key (`POST /QuickConnect/Authorize?code=&userId=`).
//
// Jellyfin offers an API key no way to look a code up without authorizing it (its documents of 10.10, 10.11
// and 12.0 have only Authorize for codes; Connect takes the TV's secret), so a code is checked here, when it
// is authorized: Jellyfin answers an unknown or expired code with 404 and a second authorization with 500
// ("Request is already authorized").

import { deviceCodeUnknown, deviceCodeUsed } from '../../sso/device-codes.js';
import { SsoError } from '../../sso/errors.js';
import type { Log } from '../../sso/ports.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import type { JellyfinClient } from './client.js';
import { isStatus, jellyfinErrorToSsoError, quickConnectDisabled } from './errors.js';

export async function authorizeDeviceCode(
  client: JellyfinClient,
  log: Log,
  code: string,
  userId: string,
): Promise<void> {
  const id = normalizeGuid(userId);
  if (!id) throw new SsoError('user_not_found', 'no such user', { step: 'session' });
  try {
    await client.authorizeQuickConnect(code, id);
  } catch (error) {
    if (isStatus(error, 401) && /quick connect/i.test(error.jellyfinMessage))
      throw quickConnectDisabled(error);
    if (isStatus(error, 404)) throw deviceCodeUnknown();
    if (isStatus(error, 500) && /already authori[sz]ed/i.test(error.jellyfinMessage)) throw deviceCodeUsed();
    throw jellyfinErrorToSsoError(error, "authorizing a TV's Quick Connect code", 'session');
  }
  log.debug({ userId: id }, "a TV's Quick Connect code authorized");
}
