// The storage backends the conformance suite (stores.test.ts) runs against: the MikroORM stores on each test
// database (SQLite, and PostgreSQL with TEST_PG_URL), and the memory stores. Each backend builds fresh store
// instances over one shared store, and can say what is really stored, for the cases that check rows.

import { afterAll, beforeAll, describe } from 'vitest';
import type {
  ActivityStore,
  Clock,
  FlowStore,
  LinkStore,
  ProviderStore,
  ReplayCache,
  SsoSessionStore,
} from '../../src/sso/ports.js';
import { createActivityStore } from '../../src/storage/activity-store.js';
import type { ProtocolName } from '../../src/sso/provider-settings.js';
import { createFlowStore } from '../../src/storage/flow-store.js';
import { createLinkStore } from '../../src/storage/link-store.js';
import {
  createMemoryActivityStore,
  createMemoryFlowStore,
  createMemoryLinkStore,
  createMemoryProviderStore,
  createMemoryReplayCache,
  createMemorySsoSessionStore,
  createMemoryState,
  type MemoryState,
} from '../../src/storage/memory/index.js';
import { linkKey } from '../../src/storage/memory/state.js';
import { createProviderStore } from '../../src/storage/provider-store.js';
import { createReplayCache } from '../../src/storage/replay-cache.js';
import { createSsoSessionStore } from '../../src/storage/sso-session-store.js';
import { describeEachDatabase, rawRows, type TestDatabase } from '../support/db.js';

export interface StoreBackend {
  /** A fresh instance over the backend's one store, as another request (or instance) would have. */
  providers(clock?: Clock): ProviderStore;
  flows(): FlowStore;
  links(clock?: Clock): LinkStore;
  replay(): ReplayCache;
  activity(): ActivityStore;
  ssoSessions(): SsoSessionStore;
  /** The ID token column of every stored SSO session record of that user, as stored (null on memory). */
  storedIdTokens(userId: string): Promise<unknown[] | null>;
  /** How many providers of that protocol and name are stored. */
  storedProviders(protocol: ProtocolName, name: string): Promise<number>;
  /** How many link entries (complete or claimed) the provider has for the subject. */
  storedLinks(providerId: string, subject: string): Promise<number>;
  /** True when errors carry the database driver's exception as their cause. */
  driverErrors: boolean;
}

function databaseBackend(test: TestDatabase): StoreBackend {
  const db = test.db;
  return {
    providers: (clock) => createProviderStore({ ...db, clock }),
    flows: () => createFlowStore(db),
    links: (clock) => createLinkStore({ ...db, clock }),
    replay: () => createReplayCache(db),
    activity: () => createActivityStore(db),
    ssoSessions: () => createSsoSessionStore(db),
    storedIdTokens: async (userId) =>
      (
        await rawRows(db, `select id_token from sso_session where user_id = '${userId.replace(/'/g, "''")}'`)
      ).map((row) => row['id_token']),
    storedProviders: async (protocol, name) =>
      (
        await rawRows(
          db,
          `select id from sso_provider where protocol = '${protocol}' and name = '${name.replace(/'/g, "''")}'`,
        )
      ).length,
    storedLinks: async (providerId, subject) =>
      (
        await rawRows(
          db,
          `select id from sso_account_link where provider_id = '${providerId}' and subject = '${subject.replace(/'/g, "''")}'`,
        )
      ).length,
    driverErrors: true,
  };
}

function memoryBackend(state: MemoryState): StoreBackend {
  return {
    providers: (clock) => createMemoryProviderStore({ state, clock }),
    flows: () => createMemoryFlowStore({ state }),
    links: (clock) => createMemoryLinkStore({ state, clock }),
    replay: () => createMemoryReplayCache({ state }),
    activity: () => createMemoryActivityStore({ state }),
    ssoSessions: () => createMemorySsoSessionStore({ state }),
    storedIdTokens: () => Promise.resolve(null),
    storedProviders: (protocol, name) =>
      Promise.resolve(
        [...state.providers.values()].filter((p) => p.protocol === protocol && p.name === name).length,
      ),
    storedLinks: (providerId, subject) =>
      Promise.resolve(state.links.has(linkKey(providerId, subject)) ? 1 : 0),
    driverErrors: false,
  };
}

/**
 * Registers `body` once per backend, in a describe block titled `title [backend]`: each test database, with a
 * fresh database per block, and memory, with a fresh state per block.
 */
export function describeEachBackend(title: string, body: (backend: () => StoreBackend) => void): void {
  describeEachDatabase(title, (ctx) => body(() => databaseBackend(ctx())));
  describe(`${title} [memory]`, () => {
    let state: MemoryState | undefined;
    beforeAll(() => {
      state = createMemoryState();
    });
    afterAll(() => {
      state = undefined;
    });
    body(() => {
      if (!state) throw new Error('the memory state is not set up (beforeAll failed?)');
      return memoryBackend(state);
    });
  });
}
