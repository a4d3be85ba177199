// The providers the sign-in steps read, kept in memory so that no step spends a statement on them. No timer
// decides when an entry is stale: every step checks the provider's version in the statement it runs anyway
// (the start's INSERT, the flow read at the IdP's answer, the Auth or Link consume), and refuses before it
// changes anything when its copy is older (flow.ts `ProviderChangedError`); `whileCurrent` then forgets the
// copy and runs the step once more on a fresh read. A step that fails otherwise on a kept copy costs one read
// to learn whether the copy was old (then it runs again too). So a change through any instance counts from the next
// step on. Only switched-on providers are kept: a refusal for a switched-off one is always read afresh.
import { SsoError } from './errors.js';
import { ProviderChangedError } from './flow.js';
import type { ProviderStore } from './ports.js';
import type { ProtocolName, ProviderRecord } from './provider-settings.js';

export interface ProviderCache {
  /** Reads through the cache; `list`, `save` and `delete` go to the store (and forget what they change). */
  providers: ProviderStore;
  /**
   * Runs a step that read `name` through the cache. When it refuses because that copy was old (or refers to
   * a provider that is no more), the copy is forgotten and the step runs again on a fresh read.
   */
  whileCurrent<T>(protocol: ProtocolName, name: string, step: () => Promise<T>): Promise<T>;
}

/** What a step throws when the copy of the provider it was given may be old: checked again on a fresh read. */
function mayBeStale(error: unknown): boolean {
  if (error instanceof ProviderChangedError) return true;
  // A provider removed and added again under its name has a new id: flows name the new one.
  return error instanceof SsoError && (error.code === 'provider_mismatch' || error.code === 'flow_not_found');
}

export function cacheProviders(store: ProviderStore): ProviderCache {
  const kept = new Map<string, ProviderRecord>();
  const key = (protocol: ProtocolName, name: string): string => JSON.stringify([protocol, name]);
  const forget = (protocol: ProtocolName, name: string): void => void kept.delete(key(protocol, name));
  const providers: ProviderStore = {
    async get(protocol, name) {
      const cached = kept.get(key(protocol, name));
      if (cached !== undefined) return cached;
      const provider = await store.get(protocol, name);
      if (provider?.settings.enabled === true) kept.set(key(protocol, name), provider);
      return provider;
    },
    list: (protocol) => store.list(protocol),
    save: async (protocol, name, write) => {
      forget(protocol, name);
      return store.save(protocol, name, write);
    },
    delete: async (protocol, name) => {
      forget(protocol, name);
      return store.delete(protocol, name);
    },
  };
  return {
    providers,
    async whileCurrent(protocol, name, step) {
      const copy = kept.get(key(protocol, name));
      try {
        return await step();
      } catch (error) {
        if (copy === undefined) throw error;
        // A step may fail on an old copy before its statement could tell (a back-channel call to an IdP
        // the provider no longer names): one read says whether the copy was current.
        if (!mayBeStale(error) && (await store.get(protocol, name))?.version === copy.version) throw error;
        forget(protocol, name);
      }
      try {
        return await step();
      } catch (error) {
        if (!(error instanceof ProviderChangedError)) throw error;
        // Changed again while this step ran: rare enough to ask the user to retry.
        throw new SsoError('internal', 'The provider was changed during sign-in. Try again.', {
          cause: error,
        });
      }
    },
  };
}
