// SsoSessionStore (src/sso/ports.ts) in memory: the records of the media-server sessions SSO sign-ins made,
// one per (user, device), with the semantics of the database store (../sso-session-store.ts).

import type { IdpSessionQuery, SsoSession, SsoSessionStore } from '../../sso/ports.js';
import { atomically, copy, type MemoryState } from './state.js';

function deviceKey(userId: string, deviceId: string): string {
  return JSON.stringify([userId, deviceId]);
}

function matches(session: SsoSession, query: IdpSessionQuery): boolean {
  if (session.providerId !== query.providerId) return false;
  if (query.subject !== null && session.subject !== query.subject) return false;
  return query.sid === null || query.sid === undefined || session.sid === query.sid;
}

/** Oldest first, as the database orders them (created_at, then the record's id). */
function byCreation(a: SsoSession, b: SsoSession): number {
  return a.createdAt.getTime() - b.createdAt.getTime();
}

export function createMemorySsoSessionStore({ state }: { state: MemoryState }): SsoSessionStore {
  return {
    save: (session) =>
      atomically(() => {
        // A provider deleted meanwhile records nothing, as the database's insert finds no provider.
        if (!state.providers.has(session.providerId)) return;
        state.ssoSessions.set(deviceKey(session.userId, session.deviceId), copy(session));
      }),
    findByDevice: (userId, deviceId, now) =>
      atomically(() => {
        const found = state.ssoSessions.get(deviceKey(userId, deviceId));
        return found !== undefined && found.expiresAt > now ? copy(found) : null;
      }),
    findByIdpSession: (query) =>
      atomically(() => {
        if (query.subject === null && (query.sid === null || query.sid === undefined)) return [];
        return [...state.ssoSessions.values()]
          .filter((session) => matches(session, query))
          .sort(byCreation)
          .map(copy);
      }),
    delete: (userId, deviceId) => atomically(() => state.ssoSessions.delete(deviceKey(userId, deviceId))),
    purgeExpired: (now) =>
      atomically(() => {
        let removed = 0;
        for (const [key, session] of state.ssoSessions) {
          if (session.expiresAt <= now) {
            state.ssoSessions.delete(key);
            removed++;
          }
        }
        return removed;
      }),
  };
}
