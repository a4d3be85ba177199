// Handlers of the `logout` tag: the logout page, the call that ends the browser's session, and the IdP's
// back-channel logout. Where the browser lands afterwards follows from the mode: jellyfin-web's login page
// beside Jellyfin, the service's home page alone.
import type { Logout, LogoutTargets } from '../../sso/logout.js';
import type { MediaServer } from '../../sso/ports.js';
import { reply, type HandlersOfTag } from '../handler.js';
import { LOGOUT_PAGE_CSP, logoutPage } from '../logout-page.js';

export interface LogoutHandlerDeps {
  logout: Logout;
  mediaServer: MediaServer;
  publicUrl: string;
}

const NO_STORE = { 'Cache-Control': 'no-store' };

/** The login page, absolute: the IdP sends the browser back there (it must be registered at the IdP). */
export function logoutTargets(deps: Pick<LogoutHandlerDeps, 'mediaServer' | 'publicUrl'>): LogoutTargets {
  const loginUrl =
    deps.mediaServer.kind === 'jellyfin' ? `${deps.publicUrl}/web/index.html` : `${deps.publicUrl}/`;
  return { loginUrl, postLogoutRedirectUri: loginUrl };
}

/** An empty string is no value (a browser with nothing stored). */
function given(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

export function createLogoutHandlers(deps: LogoutHandlerDeps): HandlersOfTag<'logout'> {
  const targets = logoutTargets(deps);
  return {
    getLogoutPage: () =>
      Promise.resolve(
        reply({
          kind: 'html',
          status: 200,
          csp: LOGOUT_PAGE_CSP,
          html: logoutPage({ fallbackUrl: targets.loginUrl, timeoutMs: 15_000 }),
        }),
      ),
    endLogout: async ({ body }) => {
      const input = { token: given(body.accessToken), deviceId: given(body.deviceId) };
      const { redirect } = await deps.logout.logOut(input, targets);
      return reply({ kind: 'json', status: 200, body: { redirect }, headers: NO_STORE });
    },
    receiveOidcBackChannelLogout: async ({ path: { provider }, body }) => {
      await deps.logout.backChannelLogout({
        protocol: 'oidc',
        providerName: provider,
        notice: body.logout_token,
      });
      return reply({ kind: 'empty', status: 200, headers: NO_STORE });
    },
  };
}
