// The memory backend: every store port of src/sso/ports.ts over one shared in-memory state (providers,
// flows, links, replay keys, activity), with the semantics of the database stores and nothing persisted.
// For fast tests of the use cases and for runs that need no database.

import type {
  ActivityStore,
  FlowStore,
  LinkStore,
  ProviderStore,
  ReplayCache,
  SsoSessionStore,
} from '../../sso/ports.js';
import { createMemoryActivityStore } from './activity-store.js';
import { createMemoryFlowStore } from './flow-store.js';
import { createMemoryLinkStore } from './link-store.js';
import { createMemoryProviderStore } from './provider-store.js';
import { createMemoryReplayCache } from './replay-cache.js';
import { createMemorySsoSessionStore } from './sso-session-store.js';
import { createMemoryState, type MemoryState, type MemoryStoreDeps } from './state.js';

export {
  createMemoryActivityStore,
  createMemoryFlowStore,
  createMemoryLinkStore,
  createMemoryProviderStore,
  createMemoryReplayCache,
  createMemorySsoSessionStore,
};
export { createMemoryState, type MemoryState, type MemoryStoreDeps };

export interface MemoryStores {
  providers: ProviderStore;
  flows: FlowStore;
  links: LinkStore;
  replay: ReplayCache;
  activity: ActivityStore;
  ssoSessions: SsoSessionStore;
  /** The shared state, for tests that inspect what is stored. */
  state: MemoryState;
}

/** All the stores over one fresh state. */
export function createMemoryStores(deps: Partial<MemoryStoreDeps> = {}): MemoryStores {
  const state = deps.state ?? createMemoryState();
  const withState = { state, clock: deps.clock };
  return {
    providers: createMemoryProviderStore(withState),
    flows: createMemoryFlowStore(withState),
    links: createMemoryLinkStore(withState),
    replay: createMemoryReplayCache(withState),
    activity: createMemoryActivityStore(withState),
    ssoSessions: createMemorySsoSessionStore(withState),
    state,
  };
}
