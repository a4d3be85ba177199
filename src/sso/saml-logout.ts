// SAML single logout (SAML Profiles §4.4) as use cases: the redirect that asks the IdP to end a session
// this service made, and the SLO endpoint that reads what the IdP sends there: the answer to such a request,
// or the IdP's own LogoutRequest, whose sessions end through `endSsoSessions` before the IdP is answered.
// The protocol work (XML, redirect binding, signatures) is the `SamlLogoutProtocol` port's.
import { SsoError } from './errors.js';
import { endSsoSessions, type EndSessionsDeps } from './logout.js';
import type { Clock, ProviderStore, ReplayCache } from './ports.js';
import { providerNotFound } from './provider-admin.js';
import { isProviderOf, type SamlProviderRecord } from './provider-settings.js';

/** What a LogoutRequest names (SAML Core §3.7.1): the NameID with its format, and the session index. */
export interface SamlLogoutSession {
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
}

/** A message on the SLO endpoint's Redirect binding, as received. */
export interface SamlLogoutMessage {
  samlRequest?: string | undefined;
  samlResponse?: string | undefined;
  relayState?: string | undefined;
  sigAlg?: string | undefined;
  signature?: string | undefined;
  /** The raw query string, whose octets the IdP signed (SAML Bindings §3.4.4.1). */
  queryString?: string | undefined;
}

/** A verified message: the IdP's LogoutRequest, or its LogoutResponse to ours. */
export type SamlLogoutReceived =
  | { kind: 'request'; id: string; nameId: string; sessionIndexes: string[]; expiresAt: Date }
  | { kind: 'response'; inResponseTo: string; success: boolean; status: string };

/** Port: the SAML engine's single logout. Throws SsoError `idp_response_invalid` naming the broken rule. */
export interface SamlLogoutProtocol {
  /** The IdP URL carrying a LogoutRequest; null when the provider has no SingleLogoutService. */
  request(
    provider: SamlProviderRecord,
    session: SamlLogoutSession,
    now: Date,
  ): Promise<{ url: string; requestId: string } | null>;
  receive(provider: SamlProviderRecord, message: SamlLogoutMessage, now: Date): Promise<SamlLogoutReceived>;
  /** The IdP URL carrying our LogoutResponse to its request; null when it has no SingleLogoutService. */
  answer(
    provider: SamlProviderRecord,
    request: { id: string; relayState: string | undefined; success: boolean },
    now: Date,
  ): Promise<string | null>;
}

export interface SamlLogoutDeps extends EndSessionsDeps {
  providers: ProviderStore;
  protocol: SamlLogoutProtocol;
  /** Remembers the requests this service sent (until answered) and the IdP's request ids (replay). */
  replay: ReplayCache;
  clock: Clock;
  /** Where the browser goes after a logout when the provider has no `logoutRedirectUrl`: the landing page. */
  landingUrl: string;
}

export interface SamlLogout {
  /** The SLO endpoint: verifies the message, acts on it, and says where the browser goes next. */
  receive(providerName: string, message: SamlLogoutMessage): Promise<{ location: string }>;
}

/** How long a LogoutRequest of ours waits for its answer. */
const REQUEST_TTL_MS = 10 * 60_000;

/**
 * The replay-cache key of a LogoutRequest this service sent (SAML connector's `logoutRedirect`): our own ids
 * are remembered as "seen", so that only an answer to one of them is taken.
 */
export function samlLogoutSentKey(providerId: string, requestId: string): string {
  return `saml-logout-sent:${providerId}:${requestId}`;
}

/** Until when a LogoutRequest sent at `now` may be answered. */
export function logoutAnswerDeadline(now: Date): Date {
  return new Date(now.getTime() + REQUEST_TTL_MS);
}

export function createSamlLogout(deps: SamlLogoutDeps): SamlLogout {
  return {
    async receive(providerName, message) {
      const provider = await deps.providers.get('saml', providerName);
      if (provider === null || !isProviderOf(provider, 'saml')) throw providerNotFound('saml', providerName);
      const received = await deps.protocol.receive(provider, message, deps.clock.now());
      return received.kind === 'request'
        ? { location: await endIdpSession(deps, provider, received, message.relayState) }
        : { location: await takeAnswer(deps, provider, received) };
    },
  };
}

/**
 * SAML Profiles §4.4.4.1: an IdP-initiated LogoutRequest, already verified. Seen once only; then the sessions
 * of that NameID (each SessionIndex, or all of them) end, and the IdP is answered (§4.4.4.2).
 */
async function endIdpSession(
  deps: SamlLogoutDeps,
  provider: SamlProviderRecord,
  request: Extract<SamlLogoutReceived, { kind: 'request' }>,
  relayState: string | undefined,
): Promise<string> {
  if (!(await deps.replay.remember(`saml-logout-request:${provider.id}:${request.id}`, request.expiresAt))) {
    throw refused('This SAML LogoutRequest was already used (replay refused).', 'saml_replayed');
  }
  const sids = request.sessionIndexes.length === 0 ? [null] : request.sessionIndexes;
  let success = true;
  for (const sid of sids) {
    try {
      await endSsoSessions(deps, { providerId: provider.id, subject: request.nameId, sid });
    } catch {
      success = false; // endSsoSessions logged it; the IdP is told the logout was partial.
    }
  }
  const answer = await deps.protocol.answer(
    provider,
    { id: request.id, relayState, success },
    deps.clock.now(),
  );
  return answer ?? deps.landingUrl;
}

/** SAML Core §3.7.2: the answer to a LogoutRequest this service sent, taken once. */
async function takeAnswer(
  deps: SamlLogoutDeps,
  provider: SamlProviderRecord,
  response: Extract<SamlLogoutReceived, { kind: 'response' }>,
): Promise<string> {
  const until = logoutAnswerDeadline(deps.clock.now());
  // "Fresh" here means this service never sent that request: remembering it costs an entry until expiry.
  if (await deps.replay.remember(samlLogoutSentKey(provider.id, response.inResponseTo), until)) {
    throw refused(
      'This SAML LogoutResponse answers no logout this service asked for.',
      'saml_response_rejected',
    );
  }
  if (!(await deps.replay.remember(`saml-logout-answered:${provider.id}:${response.inResponseTo}`, until))) {
    throw refused('This SAML LogoutResponse was already used (replay refused).', 'saml_replayed');
  }
  if (!response.success) {
    throw new SsoError('idp_error', `The identity provider could not end its session (${response.status}).`, {
      step: 'verify',
      reason: 'saml_idp_refused',
    });
  }
  return provider.settings.logoutRedirectUrl ?? deps.landingUrl;
}

function refused(message: string, reason: string): SsoError {
  return new SsoError('idp_response_invalid', message, { step: 'verify', reason, detail: `saml:${reason}` });
}
