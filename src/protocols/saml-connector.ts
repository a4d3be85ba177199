// The SAML connector: the Web Browser SSO profile of the SAML engine (saml.ts) behind the `Connector` port.
// It owns every SAML rule the use cases must not know: the settings reader, the ACS URL, how a posted
// response names its flow, the replay check, and which attributes hold the username and the roles.
import { SsoError } from '../sso/errors.js';
import { acsUrl, samlMetadataUrl, samlSloUrl } from '../sso/endpoints.js';
import type { Clock, Connector, ReplayCache, SsoSession } from '../sso/ports.js';
import type { ProviderOf } from '../sso/provider-settings.js';
import { logoutAnswerDeadline, samlLogoutSentKey, type SamlLogoutProtocol } from '../sso/saml-logout.js';
import { provenIdentity } from '../sso/sign-in-decision.js';
import type { SamlAssertion, SamlProtocol } from './engines.js';
import { diagnoseSaml } from './saml-diagnostics.js';
import { readSamlIdentity } from './saml-identity.js';
import { parseSamlSettings } from './saml-settings.js';

export interface SamlConnectorDeps {
  engine: SamlProtocol;
  /** Assertion ids seen, shared by every instance. */
  replay: ReplayCache;
  clock: Clock;
  /** External base URL without trailing slash (SSO_PUBLIC_URL): the ACS URL is built from it. */
  publicUrl: string;
  /** SSO_SAML_CLOCK_SKEW, which the engine applies; the admin's Test reports it. Default 120. */
  clockSkewSeconds?: number;
  /** Single logout (SAML Profiles §4.4); without it, signing out ends the media-server session only. */
  logout?: SamlLogoutProtocol;
}

export function createSamlConnector(deps: SamlConnectorDeps): Connector<'saml'> {
  return {
    protocol: 'saml',
    // The response is a cross-site POST (SAML Bindings §3.5) that anyone can send naming any flow.
    answerIsBrowserBound: false,
    parseSettings: (input, now) => parseSamlSettings(input, now),

    async start(provider, { state }) {
      const { url, requestId } = await deps.engine.start(provider, {
        relayState: state,
        acsUrl: acsUrl(deps.publicUrl, provider),
      });
      return { redirect: url, secrets: { protocol: 'saml' }, requestId };
    },

    // RelayState names the flow (SAML Bindings §3.5.3); an IdP-side flow that dropped it still names the
    // request it answers (InResponseTo, read unverified only to find the flow).
    locate({ samlResponse, relayState }) {
      return {
        state: relayState === undefined || relayState === '' ? null : relayState,
        requestId: () => deps.engine.peekInResponseTo(samlResponse),
      };
    },

    async finish(provider, { samlResponse }, { requestId }) {
      const assertion = await deps.engine.verify(provider, {
        samlResponse,
        acsUrl: acsUrl(deps.publicUrl, provider),
        expectedRequestId: requestId ?? '',
        now: deps.clock.now(),
      });
      await refuseReplay(deps.replay, provider.id, assertion);
      const identity = provenIdentity(
        readSamlIdentity(provider.settings, assertion.nameId, assertion.attributes),
      );
      const idpSession = {
        sid: assertion.sessionIndex ?? null,
        idToken: null,
        nameIdFormat: assertion.nameIdFormat ?? null,
      };
      return { ...identity, idpSession };
    },

    logoutRedirect: (provider, { session }) => samlLogoutRedirect(deps, provider, session),

    readIdentity: (provider, { nameId, attributes }) =>
      readSamlIdentity(provider.settings, nameId, attributes),

    metadata: (provider) =>
      deps.engine.metadata(provider, {
        acsUrl: acsUrl(deps.publicUrl, provider),
        sloUrl: samlSloUrl(deps.publicUrl, provider),
      }),

    diagnose: (provider, { now }) =>
      diagnoseSaml({
        provider,
        acsUrl: acsUrl(deps.publicUrl, provider),
        metadataUrl: samlMetadataUrl(deps.publicUrl, provider),
        clockSkewSeconds: deps.clockSkewSeconds ?? 120,
        now,
        timeoutMs: 5_000,
      }),
  };
}

/**
 * SAML Profiles §4.4.3.1: where to send the browser so the IdP ends the session of this record (its NameID
 * and SessionIndex go to the IdP's SingleLogoutService); null when the provider has none.
 */
export async function samlLogoutRedirect(
  deps: SamlConnectorDeps,
  provider: ProviderOf<'saml'>,
  session: SsoSession,
): Promise<string | null> {
  if (deps.logout === undefined) return null;
  const now = deps.clock.now();
  const sent = await deps.logout.request(
    provider,
    { nameId: session.subject, nameIdFormat: session.nameIdFormat, sessionIndex: session.sid },
    now,
  );
  if (sent === null) return null;
  await deps.replay.remember(samlLogoutSentKey(provider.id, sent.requestId), logoutAnswerDeadline(now));
  return sent.url;
}

/** Each assertion is accepted once, across every instance (SAML Profiles §4.1.4.5). */
async function refuseReplay(
  replay: ReplayCache,
  providerId: string,
  assertion: SamlAssertion,
): Promise<void> {
  const fresh = await replay.remember(`${providerId}:${assertion.assertionId}`, assertion.notOnOrAfter);
  if (!fresh) {
    throw new SsoError('idp_response_invalid', 'This SAML response was already used (replay refused).', {
      step: 'verify',
      reason: 'saml_replayed',
      detail: 'saml:replay',
    });
  }
}
