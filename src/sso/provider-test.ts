// The admin's Test of a stored provider: finds it and asks its protocol's connector for the live checks.
// Disabled providers are tested too: an admin checks a provider before switching it on.
import type { Clock, Connectors, ProviderCheck, ProviderStore } from './ports.js';
import { providerNotFound } from './provider-admin.js';
import { isProviderOf, type ProtocolName } from './provider-settings.js';

export interface ProviderTestReport {
  provider: string;
  protocol: ProtocolName;
  checks: ProviderCheck[];
}

export interface ProviderTester {
  /** The checks of the provider; SsoError `provider_not_found` when there is none of that name. */
  test(protocol: ProtocolName, name: string): Promise<ProviderTestReport>;
}

export function createProviderTester(deps: {
  providers: ProviderStore;
  connectors: Connectors;
  clock: Clock;
}): ProviderTester {
  return {
    async test(protocol, name) {
      const provider = await deps.providers.get(protocol, name);
      if (provider === null) throw providerNotFound(protocol, name);
      const context = { now: deps.clock.now() };
      // One branch per protocol, so each connector gets the record of its own protocol.
      const checks = isProviderOf(provider, 'oidc')
        ? await deps.connectors.oidc.diagnose(provider, context)
        : await deps.connectors.saml.diagnose(provider, context);
      return { provider: name, protocol: provider.protocol, checks };
    },
  };
}
