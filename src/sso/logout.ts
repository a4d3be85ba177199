// Single logout: ending the media-server sessions SSO sign-ins made. `endSsoSessions` serves every logout
// the IdP asks for (OIDC Back-Channel Logout, a SAML LogoutRequest): it ends each recorded session of that IdP
// session at the media server, then forgets its record.

import type { IdpSessionQuery, MediaServer, SsoSession, SsoSessionStore } from './ports.js';

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
      await deps.mediaServer.signOutDevice(session.deviceId);
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
