// Single logout: ending the media-server sessions SSO sign-ins made. `endSsoSessions` serves every logout
// the IdP asks for (OIDC Back-Channel Logout, a SAML LogoutRequest): it ends each recorded session of that IdP
// session at the media server, then forgets its record. `logOut` is the user's own logout, which also
// sends the browser on to the IdP's logout.

import { SsoError } from './errors.js';
import type {
  Clock,
  Connectors,
  IdpSessionQuery,
  LogoutContext,
  LogoutNotice,
  MediaServer,
  ProviderStore,
  ReplayCache,
  SsoSession,
  SsoSessionStore,
} from './ports.js';
import { providerNotFound } from './provider-admin.js';
import { isProviderOf, type ProtocolName, type ProviderRecord } from './provider-settings.js';

export interface EndSessionsDeps {
  ssoSessions: SsoSessionStore;
  mediaServer: MediaServer;
  warn?: ((fields: object, message: string) => void) | undefined;
}

/** What a logout ended: the sessions whose devices were signed out. */
export interface EndedSessions {
  ended: SsoSession[];
}

/**
 * Ends every session SSO made for that IdP session (the subject, its `sid`, or both). Each device is signed
 * out before its record goes, so a failure leaves the record for the next logout to try again; the others
 * are still ended, and the first failure is thrown afterwards. None found is no error: the IdP may name a
 * subject that never signed in here (OIDC Back-Channel Logout 1.0 §2.8 answers that with 200).
 */
export async function endSsoSessions(deps: EndSessionsDeps, query: IdpSessionQuery): Promise<EndedSessions> {
  const found = await deps.ssoSessions.findByIdpSession(query);
  const ended: SsoSession[] = [];
  let failure: Error | null = null;
  for (const session of found) {
    try {
      // An IdP's logout is a security control: where the server can only end the device as a whole, other
      // users' sessions on it end too rather than this user's staying.
      await deps.mediaServer.signOutDevice(session.deviceId, session.userId, 'end');
      await deps.ssoSessions.delete(session.userId, session.deviceId);
      ended.push(session);
    } catch (error) {
      deps.warn?.({ userId: session.userId, err: error }, 'could not end an SSO session');
      failure ??= error instanceof Error ? error : new Error(String(error));
    }
  }
  if (failure !== null) throw failure;
  return { ended };
}

export interface LogoutDeps extends EndSessionsDeps {
  providers: ProviderStore;
  connectors: Connectors;
  replay: ReplayCache;
  clock: Clock;
}

/**
 * An IdP's back-channel logout (OIDC Back-Channel Logout 1.0 §2.5–2.8): the notice is verified by the
 * provider's connector, its id may be used once, and every session SSO made for the IdP session it names
 * ends. A disabled provider's notice is still honoured: switching sign-in off ends no logout duty.
 */
export async function backChannelLogout(
  deps: LogoutDeps,
  input: { protocol: ProtocolName; providerName: string; notice: string },
): Promise<EndedSessions> {
  const provider = await deps.providers.get(input.protocol, input.providerName);
  if (provider === null) throw providerNotFound(input.protocol, input.providerName);
  const notice = await readNotice(deps, provider, input.notice);
  if (!(await deps.replay.remember(`logout:${provider.id}:${notice.jti}`, notice.expiresAt))) {
    throw new SsoError('invalid_request', 'The logout token is not acceptable: it was used before.', {
      step: 'verify',
      reason: 'logout_token_invalid',
    });
  }
  return endSsoSessions(deps, { providerId: provider.id, subject: notice.subject, sid: notice.sid });
}

function readNotice(deps: LogoutDeps, provider: ProviderRecord, notice: string): Promise<LogoutNotice> {
  const now = deps.clock.now();
  const read = isProviderOf(provider, 'oidc')
    ? deps.connectors.oidc.readLogoutNotice?.(provider, notice, now)
    : isProviderOf(provider, 'saml')
      ? deps.connectors.saml.readLogoutNotice?.(provider, notice, now)
      : undefined;
  if (read === undefined) {
    throw new SsoError(
      'not_implemented',
      `${provider.protocol.toUpperCase()} providers take no logout notice.`,
    );
  }
  return read;
}

/** Where the browser goes after its own logout: the pages this service cannot know by itself. */
export interface LogoutTargets {
  /** Where a user lands when nothing else is set (jellyfin-web's login page, or the service's home). */
  loginUrl: string;
  /** Where the IdP sends the browser back to after its own logout (registered there). */
  postLogoutRedirectUri: string;
}

/**
 * A user's own logout (`/sso/logout`): ends the session of `token` at the media server, forgets its SSO
 * record, and says where the browser goes next — the IdP's logout when the session came from an SSO
 * sign-in and the IdP offers one, else the provider's `logoutRedirectUrl`, else the login page.
 */
export async function logOut(
  deps: LogoutDeps,
  input: { token: string | null; deviceId: string | null },
  targets: LogoutTargets,
): Promise<{ redirect: string }> {
  const principal = input.token === null ? null : await deps.mediaServer.resolveToken(input.token);
  const session =
    principal?.kind === 'user' && input.deviceId !== null
      ? await deps.ssoSessions.findByDevice(principal.user.id, input.deviceId, deps.clock.now())
      : null;
  if (input.token !== null && principal?.kind === 'user') await deps.mediaServer.endSession(input.token);
  if (session === null) return { redirect: targets.loginUrl };
  await deps.ssoSessions.delete(session.userId, session.deviceId);
  return { redirect: await afterLogout(deps, session, targets) };
}

async function afterLogout(deps: LogoutDeps, session: SsoSession, targets: LogoutTargets): Promise<string> {
  const provider = (await deps.providers.list(session.protocol)).find((p) => p.id === session.providerId);
  if (provider === undefined) return targets.loginUrl;
  const context = { session, postLogoutRedirectUri: targets.postLogoutRedirectUri };
  const atIdp = await idpLogoutUrl(deps, provider, context).catch((error: unknown) => {
    // The media-server session is gone already; an IdP that cannot be asked leaves the fallback.
    deps.warn?.({ providerId: provider.id, err: error }, "could not build the IdP's logout URL");
    return null;
  });
  return atIdp ?? provider.settings.logoutRedirectUrl ?? targets.loginUrl;
}

function idpLogoutUrl(
  deps: LogoutDeps,
  provider: ProviderRecord,
  context: LogoutContext,
): Promise<string | null> {
  if (isProviderOf(provider, 'oidc')) {
    return deps.connectors.oidc.logoutRedirect?.(provider, context) ?? Promise.resolve(null);
  }
  if (isProviderOf(provider, 'saml')) {
    return deps.connectors.saml.logoutRedirect?.(provider, context) ?? Promise.resolve(null);
  }
  return Promise.resolve(null);
}

/** The logout use cases, as the HTTP edge calls them. */
export interface Logout {
  logOut(
    input: { token: string | null; deviceId: string | null },
    targets: LogoutTargets,
  ): Promise<{ redirect: string }>;
  backChannelLogout(input: {
    protocol: ProtocolName;
    providerName: string;
    notice: string;
  }): Promise<EndedSessions>;
}

export function createLogout(deps: LogoutDeps): Logout {
  return {
    logOut: (input, targets) => logOut(deps, input, targets),
    backChannelLogout: (input) => backChannelLogout(deps, input),
  };
}
