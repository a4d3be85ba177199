// Starting a sign-in, for either protocol: the connector's redirect to the IdP, and the stored flow bound to
// this browser, written by one statement that also holds the client to its open-flow limit.
import { clientKey } from './client-address.js';
import { SsoError, type SsoStep } from './errors.js';
import { createFlow, randomToken, type FlowDeps } from './flow.js';
import type { Connectors, FlowPurpose, FlowReturnTo, FlowSecrets, ProviderStore } from './ports.js';
import { providerNotFound } from './provider-admin.js';
import { isProviderOf, type ProtocolName, type ProviderOf } from './provider-settings.js';

export interface StartDeps extends FlowDeps {
  providers: ProviderStore;
  connectors: Connectors;
  /** Open flows one client may have at once (open-flows.ts, checked by the flow's insert); 0: no limit. */
  maxOpenFlowsPerClient: number;
}

export interface StartInput {
  providerName: string;
  isLinking: boolean;
  /** The caller's address as the HTTP edge trusts it (the same one the rate limit counts). */
  clientAddress: string;
  /** A sign-in for another purpose than `isLinking` says (`device`: a TV's code, device-signin.ts). */
  purpose?: FlowPurpose;
  /** The TV's Quick Connect code a `device` flow authorizes; kept with the flow's sealed secrets. */
  deviceCode?: string;
  /** The page a linking flow returns to when it is done; kept with the flow's sealed secrets. */
  returnTo?: FlowReturnTo;
}

/** What the browser gets at start: where to go, and the binding cookie to keep. */
export interface StartedLogin {
  location: string;
  flowId: string;
  browserSecret: string;
  expiresInSeconds: number;
}

/**
 * The provider of a sign-in step, of the protocol asked for, when it exists and is switched on. `step` is
 * the step a switched-off provider is refused at (start, or the IdP's answer naming its flow).
 */
export async function enabledProvider<P extends ProtocolName>(
  providers: ProviderStore,
  protocol: P,
  name: string,
  step: SsoStep = 'start',
): Promise<ProviderOf<P>> {
  const provider = await providers.get(protocol, name);
  if (provider === null || !isProviderOf(provider, protocol)) throw providerNotFound(protocol, name);
  if (!provider.settings.enabled) {
    throw new SsoError(
      'provider_disabled',
      `Sign-in with "${name}" is switched off. Ask your admin to enable it.`,
      { step },
    );
  }
  return provider;
}

export async function startLogin<P extends ProtocolName>(
  deps: StartDeps,
  protocol: P,
  input: StartInput,
): Promise<StartedLogin> {
  const provider = await enabledProvider(deps.providers, protocol, input.providerName);
  const client = clientKey(input.clientAddress);
  // The state ties the IdP's answer to this flow (OIDC `state`, SAML RelayState, Bindings §3.4.3): a random
  // secret.
  const state = randomToken();
  const started = await deps.connectors[protocol].start(provider, { state });
  const { flowId, browserSecret } = await createFlow(deps, {
    provider,
    clientKey: client,
    purpose: input.purpose ?? (input.isLinking ? 'link' : 'login'),
    state,
    started: { ...started, secrets: { ...started.secrets, ...extraSecrets(input) } },
  });
  return {
    location: started.redirect,
    flowId,
    browserSecret,
    expiresInSeconds: deps.flowTtlSeconds,
  };
}

/** What the flow keeps sealed besides the protocol's own secrets: the TV's code, the page to return to. */
function extraSecrets(input: StartInput): Omit<FlowSecrets, 'protocol' | 'idpSession'> {
  return {
    ...(input.deviceCode === undefined ? {} : { deviceCode: input.deviceCode }),
    ...(input.returnTo === undefined ? {} : { returnTo: input.returnTo }),
  };
}
