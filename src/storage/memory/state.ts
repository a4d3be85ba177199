// The in-memory data the memory stores share, like the tables of one database: providers, login flows,
// account links, replay keys and the activity log in plain maps. Nothing is persisted and nothing is shared
// between processes.
// Every store method does its checks and its write synchronously, with no `await` in between, so each state
// change is atomic, as the database's conditional updates are.

import type { AccountLink, ActivityEntry, Clock, LoginFlow, SsoSession } from '../../sso/ports.js';
import type { ProviderRecord } from '../../sso/provider-settings.js';

/** A flow as kept: the port's view plus what only the store needs (who started it, which attempt holds it). */
export interface MemoryFlow extends LoginFlow {
  clientKey: string;
  attemptId: string | null;
}

/** A link as kept: a pending claim has `claimId` set (and userId '' until completed, on a first sign-in). */
export interface MemoryLink extends Omit<AccountLink, 'providerName' | 'protocol'> {
  claimId: string | null;
  claimExpiresAt: Date | null;
}

export interface MemoryState {
  /** By provider id. */
  providers: Map<string, ProviderRecord>;
  /** By flow id. */
  flows: Map<string, MemoryFlow>;
  /** By `linkKey(providerId, subject)`: the map key is the unique (provider, subject) index. */
  links: Map<string, MemoryLink>;
  /** Replay key → when it expires. */
  replay: Map<string, Date>;
  /** The sign-in activity log, by entry id. */
  activity: Map<string, ActivityEntry>;
  /** The SSO session records, by JSON of (userId, deviceId): one per device, as the database's id. */
  ssoSessions: Map<string, SsoSession>;
}

/** What every memory store is built from: the shared state, and the clock for the timestamps it invents. */
export interface MemoryStoreDeps {
  state: MemoryState;
  /** Defaults to the system clock; only timestamps the store invents (createdAt, updatedAt) use it. */
  clock?: Clock | undefined;
}

export function createMemoryState(): MemoryState {
  return {
    providers: new Map(),
    flows: new Map(),
    links: new Map(),
    replay: new Map(),
    activity: new Map(),
    ssoSessions: new Map(),
  };
}

export function linkKey(providerId: string, subject: string): string {
  return JSON.stringify([providerId, subject]);
}

/**
 * A deep copy, so what a caller holds never aliases what is stored: a database hands out fresh rows too, and
 * a caller changing a returned object must not change the store.
 */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Runs one state change synchronously, start to end, and hands its outcome over as a promise, as the ports
 * require: a throw becomes a rejection. Nothing else can run in between, which is what makes it atomic.
 */
export function atomically<T>(change: () => T): Promise<T> {
  try {
    return Promise.resolve(change());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
