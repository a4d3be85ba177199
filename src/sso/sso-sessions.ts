// The SSO session records Auth writes once a sign-in's media-server session exists: which IdP session (and
// ID token) it belongs to, so a later logout — the user's, or the IdP's — can find and end it.

import type { Clock, DeviceInfo, LoginFlow, SsoSessionStore } from './ports.js';

/**
 * How long a record (and its sealed ID token) is kept. Media-server sessions do not expire, but an IdP
 * session older than this has long ended at the IdP, and its logout would name nothing here any more.
 */
export const SSO_SESSION_RECORD_DAYS = 30;

export interface RecordDeps {
  ssoSessions: SsoSessionStore;
  clock: Clock;
  warn?: ((fields: object, message: string) => void) | undefined;
}

/**
 * Records the session Auth just made for the flow's identity on `device`. A failure is logged, never
 * thrown: the user is signed in already, and only a later logout of this one device would miss it.
 */
export async function recordSsoSession(
  deps: RecordDeps,
  flow: LoginFlow,
  signedIn: { userId: string; device: DeviceInfo },
): Promise<void> {
  if (flow.identity === null) return;
  const now = deps.clock.now();
  const idpSession = flow.secrets.idpSession;
  await deps.ssoSessions
    .save({
      userId: signedIn.userId,
      deviceId: signedIn.device.deviceId,
      providerId: flow.providerId,
      protocol: flow.protocol,
      subject: flow.identity.subject,
      sid: idpSession?.sid ?? null,
      idToken: idpSession?.idToken ?? null,
      nameIdFormat: idpSession?.nameIdFormat ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SSO_SESSION_RECORD_DAYS * 86_400_000),
    })
    .catch((error: unknown) => {
      deps.warn?.(
        { userId: signedIn.userId, flowId: flow.id, err: error },
        'could not record an SSO session',
      );
    });
}
