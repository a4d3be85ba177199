// Who the console acts as: the administrator's jellyfin-web session on this origin (read from the
// localStorage jellyfin-web and our sign-in page write), or an API key typed once and kept in this tab's
// sessionStorage. The console never asks for a Jellyfin password and never stores a key beyond the tab.

export type Credential =
  { kind: 'session'; token: string; userId: string } | { kind: 'api-key'; token: string };

const API_KEY_ITEM = 'jellyfin-sso.console.apiKey';
const IGNORE_SESSION_ITEM = 'jellyfin-sso.console.ignoreSession';

/** What stands before /sso/ in this page's path: a reverse proxy's base path, or nothing. */
export function basePath(pathname: string = location.pathname): string {
  const at = pathname.toLowerCase().indexOf('/sso/');
  return at < 0 ? '' : pathname.slice(0, at);
}

interface StoredServer {
  AccessToken?: unknown;
  UserId?: unknown;
  ManualAddress?: unknown;
}

/** The session jellyfin-web (or our sign-in page) stored for this origin, if any. */
export function storedSession(): Credential | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(localStorage.getItem('jellyfin_credentials') ?? 'null');
  } catch {
    return null;
  }
  const servers: unknown =
    typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'Servers') : null;
  if (!Array.isArray(servers)) return null;
  const here = location.origin + basePath();
  // jellyfin-web may know several servers: prefer the one on this origin.
  const candidates = servers.filter(
    (s: unknown): s is StoredServer =>
      typeof s === 'object' &&
      s !== null &&
      typeof Reflect.get(s, 'AccessToken') === 'string' &&
      Reflect.get(s, 'AccessToken') !== '' &&
      typeof Reflect.get(s, 'UserId') === 'string',
  );
  const server = candidates.find((s) => s.ManualAddress === here) ?? candidates[0];
  if (server === undefined) return null;
  return { kind: 'session', token: String(server.AccessToken), userId: String(server.UserId) };
}

/** The signed-in user's name as jellyfin-web stored it beside the session, when it did. */
export function storedUserName(credential: Credential): string | null {
  if (credential.kind !== 'session') return null;
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key?.startsWith(`user-${credential.userId}-`) !== true) continue;
    try {
      const name: unknown = Reflect.get(JSON.parse(localStorage.getItem(key) ?? '{}') as object, 'Name');
      if (typeof name === 'string') return name;
    } catch {
      return null;
    }
  }
  return null;
}

/** The credential to try first: an API key given in this tab, else the stored session. */
export function currentCredential(): Credential | null {
  const key = sessionStorage.getItem(API_KEY_ITEM);
  if (key !== null && key !== '') return { kind: 'api-key', token: key };
  if (sessionStorage.getItem(IGNORE_SESSION_ITEM) === 'true') return null;
  return storedSession();
}

export function rememberApiKey(key: string): void {
  sessionStorage.setItem(API_KEY_ITEM, key);
  sessionStorage.removeItem(IGNORE_SESSION_ITEM);
}

/** Signs the console out: forgets the key; a jellyfin-web session is left to jellyfin-web, only ignored. */
export function forgetCredential(): void {
  sessionStorage.removeItem(API_KEY_ITEM);
  sessionStorage.setItem(IGNORE_SESSION_ITEM, 'true');
}

/** Lets the console use the stored session again (after the admin signed in through SSO). */
export function useStoredSessionAgain(): void {
  sessionStorage.removeItem(IGNORE_SESSION_ITEM);
}
