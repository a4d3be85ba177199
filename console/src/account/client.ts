// The account page's client: the generated client bound to this origin's base path, sending the full
// `Authorization: MediaBrowser` header jellyfin-web sends (app, device name, device id, version, token).
// The device id is jellyfin-web's own (localStorage `_deviceId2`, which the service's sign-in page also
// uses), so the service can tell which of the user's devices is this browser: `listDevices` marks it
// `current`, and "sign out everywhere else" keeps it.
import { createSsoClient } from '../../../clients/typescript/index.ts';
import type { Client } from '../api.ts';
import { basePath } from '../session.ts';

const APP_NAME = 'Jellyfin Web';
const APP_VERSION = '10.11.0';

/**
 * jellyfin-web's id for this browser; made as jellyfin-web makes it (base64 of "userAgent|time", `=` as
 * `1`) when this browser has none yet.
 */
export function browserDeviceId(): string {
  const stored = localStorage.getItem('_deviceId2');
  if (stored !== null && stored !== '') return stored;
  const bytes = new TextEncoder().encode(`${navigator.userAgent}|${Date.now()}`);
  const made = btoa(String.fromCharCode(...bytes)).replace(/=/g, '1');
  localStorage.setItem('_deviceId2', made);
  return made;
}

/** The browser's name as jellyfin-web (and the sign-in page) name the device. */
function deviceName(): string {
  const ua = navigator.userAgent;
  let name = /Edg\//.test(ua)
    ? 'Edge Chromium'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : 'Web Browser';
  if (/iPad/.test(ua)) name += ' iPad';
  else if (/iPhone/.test(ua)) name += ' iPhone';
  else if (/Android/.test(ua)) name += ' Android';
  return name;
}

/** The header's values are URL-encoded, as Jellyfin decodes them (docs/jellyfin-api.md §1.1). */
function mediaBrowserHeader(token: string): string {
  const fields = {
    Client: APP_NAME,
    Device: deviceName(),
    DeviceId: browserDeviceId(),
    Version: APP_VERSION,
    Token: token,
  };
  const parts = Object.entries(fields).map(([key, value]) => `${key}="${encodeURIComponent(value)}"`);
  return `MediaBrowser ${parts.join(', ')}`;
}

export function accountClient(token: string): Client {
  return createSsoClient({
    baseUrl: location.origin + basePath(),
    config: { headers: { Authorization: mediaBrowserHeader(token) } },
  });
}
