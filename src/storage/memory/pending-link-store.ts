// PendingLinkStore (src/sso/ports.ts) in memory: links imported from the SSO plugin, one per (provider,
// name with letter case folded) as the database's unique index makes it. Each change is checked and
// written in one synchronous step, so of two first sign-ins with one name exactly one uses the link.
import { systemClock } from '../../sso/basics.js';
import { pendingNameKey } from '../../sso/pending-links.js';
import type { NewPendingLink, PendingLink, PendingLinkStore } from '../../sso/ports.js';
import { compareOrdinal } from '../store-rules.js';
import { atomically, copy, linkKey, type MemoryState, type MemoryStoreDeps } from './state.js';

function keyOf(providerId: string, name: string): string {
  return linkKey(providerId, pendingNameKey(name));
}

function save(state: MemoryState, now: Date, link: NewPendingLink): void {
  // A link to a provider that is gone is refused, as the database's foreign key refuses it.
  if (!state.providers.has(link.providerId)) throw new Error('pending link of an unknown provider');
  const key = keyOf(link.providerId, link.canonicalName);
  const stored = state.pendingLinks.get(key);
  if (stored === undefined) state.pendingLinks.set(key, { ...link, createdAt: now, usedAt: null });
  else if (stored.usedAt === null) Object.assign(stored, link);
}

function unused(state: MemoryState, providerId: string, name: string): PendingLink | undefined {
  const link = state.pendingLinks.get(keyOf(providerId, name));
  return link?.usedAt === null ? link : undefined;
}

export function createMemoryPendingLinkStore({
  state,
  clock = systemClock,
}: MemoryStoreDeps): PendingLinkStore {
  return {
    list: (providerId) =>
      atomically(() =>
        [...state.pendingLinks.values()]
          .filter((link) => link.providerId === providerId)
          .map(copy)
          .sort((a, b) => compareOrdinal(a.canonicalName, b.canonicalName)),
      ),
    save: (link) => atomically(() => save(state, new Date(clock.now()), link)),
    find: (providerId, name) =>
      atomically(() => {
        const link = unused(state, providerId, name);
        return link === undefined ? null : copy(link);
      }),
    use: (providerId, name, now) =>
      atomically(() => {
        const link = unused(state, providerId, name);
        if (link !== undefined) link.usedAt = new Date(now);
        return link !== undefined;
      }),
  };
}
