// The sign-in landing page's decision: which providers it offers (enabled ones, by public name only) and
// where a visit goes: the provider asked for, one set to redirect by itself, or the page. `local` is the
// escape hatch that always shows the page, so an autoRedirect can never lock anyone out.
import type { ProviderStore } from './ports.js';
import type { ProtocolName } from './provider-settings.js';

/** One button of the page: nothing of the provider's settings but its protocol and name. */
export interface SignInChoice {
  protocol: ProtocolName;
  name: string;
}

export interface LandingVisit {
  /** `?provider=`: go straight to this provider's sign-in. */
  provider: string | undefined;
  /** `?local=1`: show the page, never redirect. */
  local: boolean;
}

export type LandingOutcome =
  | { kind: 'start'; choice: SignInChoice }
  | { kind: 'page'; choices: SignInChoice[]; unknownProvider: string | null };

export interface Landing {
  visit(visit: LandingVisit): Promise<LandingOutcome>;
}

const PROTOCOLS: readonly ProtocolName[] = ['oidc', 'saml'];

export function createLanding(deps: { providers: ProviderStore }): Landing {
  return {
    async visit(visit) {
      const enabled = await enabledProviders(deps.providers);
      const choices = enabled.map(({ protocol, name }) => ({ protocol, name }));
      if (visit.local) return { kind: 'page', choices, unknownProvider: null };
      if (visit.provider !== undefined) {
        const asked = choices.find((choice) => choice.name === visit.provider);
        return asked === undefined
          ? { kind: 'page', choices, unknownProvider: visit.provider }
          : { kind: 'start', choice: asked };
      }
      // Several providers set to redirect: the first in the page's order wins, so the outcome is stable.
      const automatic = enabled.find((provider) => provider.autoRedirect);
      return automatic === undefined
        ? { kind: 'page', choices, unknownProvider: null }
        : { kind: 'start', choice: { protocol: automatic.protocol, name: automatic.name } };
    },
  };
}

/** Enabled providers, OIDC first, each protocol's by name (the store's order). */
async function enabledProviders(
  providers: ProviderStore,
): Promise<Array<SignInChoice & { autoRedirect: boolean }>> {
  const lists = await Promise.all(PROTOCOLS.map((protocol) => providers.list(protocol)));
  return lists
    .flat()
    .filter((record) => record.settings.enabled)
    .map((record) => ({
      protocol: record.protocol,
      name: record.name,
      autoRedirect: record.settings.autoRedirect ?? false,
    }));
}
