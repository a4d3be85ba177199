// A sign-in starts on SSO_PUBLIC_URL's host: the flow's cookie is kept per host, and the IdP sends the
// browser back to the public URL, so a start opened at another name (127.0.0.1 for localhost, a LAN address)
// is first sent to the same start on the public origin, where the cookie will be read.
import type { RequestState, SetCookie } from './handler.js';
import type { RedirectReply } from './operations.js';

/**
 * Set on the move to the public origin. A request that still arrives with another Host after the move is
 * not the browser's fault but the proxy's (it does not pass Host on): the start then goes ahead as it is,
 * rather than bouncing forever, and the log says what to fix.
 */
export const MOVED_COOKIE = 'sso_start_moved';
const MOVED_COOKIE_SECONDS = 30;

/** host[:port] of an origin, lower-case with the scheme's default port left out; null when unparsable. */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Whether this start should first go to the public origin: a browser's navigation whose Host is not the
 * public URL's. Scripts and tools get the IdP redirect as before.
 */
export function needsMove(
  state: Pick<RequestState, 'requestOrigin' | 'navigation' | 'cookies'>,
  publicUrl: string,
): 'move' | 'stay' | 'moved-before' {
  const requested = hostOf(state.requestOrigin);
  if (!state.navigation || requested === null || requested === hostOf(publicUrl)) return 'stay';
  return state.cookies[MOVED_COOKIE] === undefined ? 'move' : 'moved-before';
}

/** The same start on the public origin, with the cookie that stops a second move. */
export function moveToPublicOrigin(location: string, secure: boolean): RedirectReply {
  const moved: SetCookie = {
    name: MOVED_COOKIE,
    value: '1',
    maxAgeSeconds: MOVED_COOKIE_SECONDS,
    path: '/',
    secure,
    httpOnly: true,
    sameSite: 'lax',
  };
  return { kind: 'redirect', status: 302, location, cookies: [moved] };
}
