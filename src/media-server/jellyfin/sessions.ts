// Minting a Jellyfin session for a user without their password: Quick Connect on the user's behalf.
//
// The browser's device fields initiate it, the API key approves it for the user, and the exchange returns
// Jellyfin's own AuthenticationResult for that device.

import { SsoError, invalidField } from '../../sso/errors.js';
import type { AuthenticationResult, DeviceInfo, Log } from '../../sso/ports.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import type { JellyfinClient } from './client.js';
import type { QuickConnectResult } from './dto.js';
import { isStatus, jellyfinErrorToSsoError, quickConnectDisabled, userNotFound } from './errors.js';

export async function createQuickConnectSession(
  client: JellyfinClient,
  log: Log,
  userId: string,
  device: DeviceInfo,
): Promise<AuthenticationResult> {
  for (const field of ['deviceId', 'deviceName', 'appName', 'appVersion'] as const) {
    // Jellyfin needs all four to start Quick Connect and to name the session.
    if (device[field].trim() === '') throw invalidField(field, 'must not be empty', 'session');
  }
  const id = normalizeGuid(userId);
  if (!id) throw userNotFound('session');
  const request = await initiate(client, device);
  await authorize(client, request.Code, id);
  const result = await exchange(client, request.Secret, device);
  log.debug({ userId: id, client: device.appName }, 'Jellyfin session created through Quick Connect');
  return result;
}

/** Quick Connect was switched off (Jellyfin says so in a 401 naming it), possibly between two calls. */
function isQuickConnectOff(error: unknown): boolean {
  return isStatus(error, 401) && /quick connect/i.test(error.jellyfinMessage);
}

async function initiate(client: JellyfinClient, device: DeviceInfo): Promise<QuickConnectResult> {
  try {
    return await client.initiateQuickConnect(device);
  } catch (error) {
    if (isStatus(error, 401, 403)) throw quickConnectDisabled(error);
    throw jellyfinErrorToSsoError(error, 'starting a Quick Connect login', 'session');
  }
}

async function authorize(client: JellyfinClient, code: string, userId: string): Promise<void> {
  try {
    await client.authorizeQuickConnect(code, userId);
  } catch (error) {
    if (isQuickConnectOff(error)) throw quickConnectDisabled(error);
    if (isStatus(error, 404)) {
      throw new SsoError(
        'media_server_refused',
        'Jellyfin no longer knows the Quick Connect request or the user',
        {
          step: 'session',
          detail: error.message,
          cause: error,
        },
      );
    }
    // 403: the user is at MaxActiveSessions, or this device is not allowed for them.
    throw jellyfinErrorToSsoError(error, 'approving the Quick Connect login', 'session');
  }
}

/**
 * Jellyfin's own AuthenticationResult, passed on unchanged. No logout call anywhere, so the user's other
 * devices keep their sessions (Jellyfin replaces only this device id's old token).
 */
async function exchange(
  client: JellyfinClient,
  secret: string,
  device: DeviceInfo,
): Promise<AuthenticationResult> {
  try {
    return await client.authenticateWithQuickConnect(secret, device);
  } catch (error) {
    if (isQuickConnectOff(error)) throw quickConnectDisabled(error);
    throw jellyfinErrorToSsoError(error, 'completing the Quick Connect login', 'session');
  }
}
