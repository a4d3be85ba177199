// The start-up check of SSO_MEDIA_SERVER=jellyfin: is JELLYFIN_URL a Jellyfin ≥ 10.9, does JELLYFIN_API_KEY
// work as an admin credential, is Quick Connect on.
//
// A wrong setting refuses the start with a message that names the variable and what to change in Jellyfin;
// a risky one becomes a warning.

import { sameSecret } from '../../sso/same-secret.js';
import { createJellyfinClient, type JellyfinClient, type JellyfinClientOptions } from './client.js';
import type { PublicSystemInfo, UserDto } from './dto.js';
import { JellyfinRequestError } from './request.js';

/** Admin-on-behalf Quick Connect (`/QuickConnect/Authorize?userId=`) first shipped in 10.9.0. */
export const MINIMUM_JELLYFIN_VERSION = '10.9.0';

const API_KEY_HELP =
  'Create an API key in Jellyfin under Dashboard → API Keys (in the "Advanced" section, "+" button) and put it in JELLYFIN_API_KEY.';
const QUICK_CONNECT_HELP =
  'Quick Connect is disabled in Jellyfin, so every SSO login will fail (503) until an administrator enables it: ' +
  'Dashboard → General → "Enable Quick Connect on this server", then Save.';

export interface JellyfinCheckResult {
  serverId: string;
  serverName: string;
  version: string;
  /** What JELLYFIN_API_KEY turned out to be. */
  credential: { kind: 'apiKey'; name: string | null } | { kind: 'userToken'; userName: string };
  quickConnectEnabled: boolean;
  /** Problems that do not stop the service; log each one at warn level. */
  warnings: string[];
}

/** The service must not start; `message` tells the admin what to change. */
export class JellyfinCheckError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JellyfinCheckError';
  }
}

/** `10.10.7` → [10, 10, 7]; null when the text does not start with a version. */
export function parseVersion(text: string): number[] | null {
  const match = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return null;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? '0')];
}

export function compareVersions(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

function unreachable(baseUrl: string, error: JellyfinRequestError): JellyfinCheckError {
  return new JellyfinCheckError(
    `Cannot reach Jellyfin at JELLYFIN_URL=${baseUrl}: ${error.jellyfinMessage}. Set JELLYFIN_URL to the address ` +
      'this service reaches Jellyfin on (for example http://jellyfin:8096), including the base URL path if ' +
      'Jellyfin has one.',
    { cause: error },
  );
}

/** Runs the checks with an existing client holding `apiKey` (the adapter's own `check()` uses this). */
export async function checkJellyfinWith(
  client: JellyfinClient,
  apiKey: string,
): Promise<JellyfinCheckResult> {
  const warnings: string[] = [];
  const info = await checkServer(client, warnings);
  const credential = await checkApiKey(client, apiKey, warnings);
  const quickConnectEnabled = await checkQuickConnect(client, warnings);
  return {
    serverId: info.Id,
    serverName: info.ServerName ?? '',
    version: info.Version,
    credential,
    quickConnectEnabled,
    warnings,
  };
}

function isNoAnswer(error: unknown): error is JellyfinRequestError {
  return (
    error instanceof JellyfinRequestError && (error.failure === 'network' || error.failure === 'timeout')
  );
}

/** 1. Is JELLYFIN_URL a Jellyfin, and new enough? */
async function checkServer(
  client: JellyfinClient,
  warnings: string[],
): Promise<PublicSystemInfo & { Id: string; Version: string }> {
  const base = client.baseUrl;
  let info;
  try {
    info = await client.publicInfo();
  } catch (error) {
    if (isNoAnswer(error)) throw unreachable(base, error);
    throw new JellyfinCheckError(
      `JELLYFIN_URL=${base} does not look like a Jellyfin server: GET /System/Info/Public failed` +
        `${error instanceof Error ? ` (${error.message})` : ''}. Check the address and any base URL path ` +
        '(for example https://example.com/jellyfin).',
      { cause: error },
    );
  }
  const { Id, Version } = info;
  if (!Version || !Id) {
    throw new JellyfinCheckError(
      `JELLYFIN_URL=${base} does not look like a Jellyfin server: /System/Info/Public has no Version or Id.`,
    );
  }
  const version = parseVersion(Version);
  const minimum = parseVersion(MINIMUM_JELLYFIN_VERSION) ?? [];
  if (!version) {
    warnings.push(
      `Could not read Jellyfin's version ("${Version}"); this service needs ${MINIMUM_JELLYFIN_VERSION} or later.`,
    );
  } else if (compareVersions(version, minimum) < 0) {
    throw new JellyfinCheckError(
      `Jellyfin ${Version} at JELLYFIN_URL=${base} is too old: this service needs Jellyfin ` +
        `${MINIMUM_JELLYFIN_VERSION} or later, because earlier versions cannot approve a Quick Connect login on a ` +
        "user's behalf. Upgrade Jellyfin.",
    );
  }
  if (info.StartupWizardCompleted === false) {
    warnings.push("Jellyfin's startup wizard has not been completed yet: finish it before users sign in.");
  }
  return { ...info, Id, Version };
}

/** 2. Does JELLYFIN_API_KEY work, and is it really an API key? (`/Users/Me` answers 400 for an API key.) */
async function checkApiKey(
  client: JellyfinClient,
  apiKey: string,
  warnings: string[],
): Promise<JellyfinCheckResult['credential']> {
  const base = client.baseUrl;
  try {
    const me = await client.currentUser(apiKey);
    if (me.status === 401) {
      throw new JellyfinCheckError(
        `Jellyfin at ${base} rejected JELLYFIN_API_KEY (401 Unauthorized). ${API_KEY_HELP}`,
      );
    }
    if (me.status === 200) return userTokenAsKey(me.user, warnings);
    const keys = await client.apiKeys();
    const own = keys.find((key) => sameSecret(key.AccessToken, apiKey));
    if (!own) warnings.push('JELLYFIN_API_KEY works but is not listed under Dashboard → API Keys.');
    return { kind: 'apiKey', name: own?.AppName ?? null };
  } catch (error) {
    if (error instanceof JellyfinCheckError) throw error;
    if (isNoAnswer(error)) throw unreachable(base, error);
    if (error instanceof JellyfinRequestError && (error.status === 401 || error.status === 403)) {
      throw new JellyfinCheckError(
        `JELLYFIN_API_KEY is not an administrator credential (Jellyfin answered ${error.status} to ${error.operation}). ${API_KEY_HELP}`,
        { cause: error },
      );
    }
    throw new JellyfinCheckError(
      `Could not check JELLYFIN_API_KEY against Jellyfin at ${base}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** An administrator's access token works, with a warning; anybody else's is refused. */
function userTokenAsKey(user: UserDto, warnings: string[]): JellyfinCheckResult['credential'] {
  if (!user.Policy.IsAdministrator) {
    throw new JellyfinCheckError(
      `JELLYFIN_API_KEY is an access token of the Jellyfin user "${user.Name}", who is not an administrator. ` +
        API_KEY_HELP,
    );
  }
  warnings.push(
    `JELLYFIN_API_KEY is an access token of the administrator "${user.Name}", not an API key: it stops ` +
      `working when that session signs out or the password changes. ${API_KEY_HELP}`,
  );
  return { kind: 'userToken', userName: user.Name };
}

/** 3. Quick Connect mints every SSO session: off means logins fail, so warn now. */
async function checkQuickConnect(client: JellyfinClient, warnings: string[]): Promise<boolean> {
  try {
    const enabled = await client.quickConnectEnabled();
    if (!enabled) warnings.push(QUICK_CONNECT_HELP);
    return enabled;
  } catch (error) {
    warnings.push(
      `Could not read whether Quick Connect is enabled (${error instanceof Error ? error.message : String(error)}). ` +
        'SSO logins need it: Dashboard → General → "Enable Quick Connect on this server".',
    );
    return false;
  }
}

/**
 * The start-up check. Resolves with what was found (log `warnings` at warn level); rejects with
 * JellyfinCheckError when the service must not start.
 */
export async function checkJellyfin(options: JellyfinClientOptions): Promise<JellyfinCheckResult> {
  return checkJellyfinWith(createJellyfinClient(options), options.apiKey);
}
