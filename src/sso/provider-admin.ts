// Provider administration: turns an `Add` body into settings through its protocol's connector (the same
// reader the login uses), keeps secrets write-only, and lists, describes and deletes providers.
import { SsoError, invalidField } from './errors.js';
import type { Clock, Connectors, ProviderStore } from './ports.js';
import {
  isProviderOf,
  type OidcProviderSettings,
  type ProtocolName,
  type ProviderInputs,
  type ProviderOf,
  type ProviderRecord,
  type SamlProviderSettings,
} from './provider-settings.js';

export type { ProviderInput } from './provider-settings.js';

export interface SavedProvider {
  record: ProviderRecord;
  warnings: string[];
}

/** What `Get` shows of a provider: its settings, whether secrets are set, never the secrets. */
export interface ProviderViews {
  oidc: OidcProviderSettings & { allowedTenants: string[]; hasOidSecret: boolean; version: string };
  saml: SamlProviderSettings & { hasSpSigningKey: boolean; version: string };
}

export type ProviderView = ProviderViews[ProtocolName];

export interface ProviderAdmin {
  save<P extends ProtocolName>(
    protocol: P,
    name: string,
    input: ProviderInputs[P],
    now: Date,
  ): Promise<SavedProvider>;
  remove(protocol: ProtocolName, name: string): Promise<void>;
  list<P extends ProtocolName>(protocol: P): Promise<Record<string, ProviderViews[P]>>;
  names(protocol: ProtocolName): Promise<string[]>;
}

/**
 * How long the public name list may be served from memory. A change made through this instance shows at
 * once; one made through another instance sharing the database shows within this time. The login steps
 * always read the provider itself, so an instance never signs anyone in with stale settings.
 */
export const NAMES_CACHE_MS = 2_000;

export function createProviderAdmin(deps: {
  providers: ProviderStore;
  connectors: Connectors;
  clock: Clock;
}): ProviderAdmin {
  const namesCache = new Map<ProtocolName, { names: string[]; until: number }>();
  return {
    async save(protocol, name, input, now) {
      checkProviderName(name);
      const { write, warnings } = deps.connectors[protocol].parseSettings(input, now);
      const record = await deps.providers.save(protocol, name, write);
      namesCache.delete(protocol);
      return { record, warnings };
    },
    async remove(protocol, name) {
      const removed = await deps.providers.delete(protocol, name);
      namesCache.delete(protocol);
      if (!removed) throw providerNotFound(protocol, name);
    },
    async list(protocol) {
      const views: Record<string, ProviderViews[typeof protocol]> = {};
      for (const record of await deps.providers.list(protocol)) {
        if (isProviderOf(record, protocol)) views[record.name] = viewers[protocol](record);
      }
      return views;
    },
    async names(protocol) {
      // GetNames is public and on every login page: serve it from memory for a moment (bench/README.md).
      const now = deps.clock.now().getTime();
      const cached = namesCache.get(protocol);
      if (cached !== undefined && cached.until > now) return [...cached.names];
      const names = (await deps.providers.list(protocol)).map((record) => record.name);
      namesCache.set(protocol, { names, until: now + NAMES_CACHE_MS });
      return [...names];
    },
  };
}

export function providerNotFound(protocol: ProtocolName, name: string): SsoError {
  return new SsoError(
    'provider_not_found',
    `There is no ${protocol.toUpperCase()} provider named "${name}".`,
  );
}

const viewers: { [P in ProtocolName]: (record: ProviderOf<P>) => ProviderViews[P] } = {
  oidc: (record) => ({
    ...record.settings,
    allowedTenants: record.settings.allowedTenants ?? [],
    hasOidSecret: record.secrets.clientSecret !== null,
    version: record.version,
  }),
  saml: (record) => ({
    ...record.settings,
    hasSpSigningKey: record.secrets.spSigningKey !== null,
    version: record.version,
  }),
};

/**
 * Provider names travel in URL path segments and page titles: 1–64 characters, no slash, backslash,
 * `?`, `#`, `%`, `..`, control characters, or leading/trailing white space.
 */
export function checkProviderName(name: string): void {
  const problem =
    name.length === 0 || name.length > 64
      ? 'must be 1 to 64 characters long'
      : name.trim() !== name
        ? 'must not start or end with white space'
        : /[/\\?#%]/.test(name)
          ? 'must not contain / \\ ? # or %'
          : name.includes('..') || name === '.'
            ? 'must not be "." or contain ".."'
            : // eslint-disable-next-line no-control-regex
              /[\u0000-\u001f\u007f-\u009f]/.test(name)
              ? 'must not contain control characters'
              : null;
  if (problem !== null) throw invalidField('path.provider', problem, 'admin');
}
