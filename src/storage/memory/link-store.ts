// LinkStore (src/sso/ports.ts) in memory: account links (provider, subject) → media-server user, one per
// (provider, subject) as the database's unique index makes it. A first sign-in claims the link before its
// account exists (claimId + lease, userId '' until completed): a pending link is no link to readers, and a
// claim whose claimant died lapses with its lease. Each change is checked and written in one synchronous step.

import { systemClock } from '../../sso/basics.js';
import type { AccountLink, LinkClaim, LinkStore } from '../../sso/ports.js';
import type { ProtocolName, ProviderRecord } from '../../sso/provider-settings.js';
import { compareOrdinal, linkConflict, linkGone, linkProviderGone, PENDING_USER_ID } from '../store-rules.js';
import { atomically, linkKey, type MemoryLink, type MemoryState, type MemoryStoreDeps } from './state.js';

function named(link: MemoryLink, provider: ProviderRecord): AccountLink {
  const { providerId, subject, userId, label, createdAt } = link;
  return {
    providerId,
    providerName: provider.name,
    protocol: provider.protocol,
    subject,
    userId,
    label,
    createdAt: new Date(createdAt),
  };
}

/** The port's view of a link: null while it is claimed, or when it or its provider is gone. */
function toLink(state: MemoryState, link: MemoryLink | undefined): AccountLink | null {
  const provider = link?.claimId === null ? state.providers.get(link.providerId) : undefined;
  return link && provider ? named(link, provider) : null;
}

function listByUser(state: MemoryState, protocol: ProtocolName, userId: string): AccountLink[] {
  return [...state.links.values()]
    .filter((link) => link.userId === userId)
    .map((link) => toLink(state, link))
    .filter((link): link is AccountLink => link !== null && link.protocol === protocol)
    .sort((a, b) => compareOrdinal(a.providerName, b.providerName) || compareOrdinal(a.subject, b.subject));
}

function create(state: MemoryState, now: Date, link: Parameters<LinkStore['create']>[0]): AccountLink {
  const provider = state.providers.get(link.providerId);
  if (!provider) throw linkProviderGone();
  const key = linkKey(link.providerId, link.subject);
  if (state.links.has(key)) throw linkConflict(link.providerId);
  const stored: MemoryLink = { ...link, claimId: null, claimExpiresAt: null, createdAt: now };
  state.links.set(key, stored);
  return named(stored, provider);
}

/** A first claim inserts a pending link; a re-point takes the complete link naming `replacing`; a lapsed claim is taken over. */
function claim(state: MemoryState, now: Date, request: LinkClaim): boolean {
  const { providerId, subject, label, claimId, leaseUntil, replacing } = request;
  const key = linkKey(providerId, subject);
  const held = { claimId, claimExpiresAt: new Date(leaseUntil) };
  const link = state.links.get(key);
  if (!link) {
    if (replacing !== undefined) return false;
    state.links.set(key, { providerId, subject, userId: PENDING_USER_ID, label, ...held, createdAt: now });
    return true;
  }
  const repointable = replacing !== undefined && link.userId === replacing && link.claimId === null;
  const lapsed = link.claimId !== null && link.claimExpiresAt !== null && link.claimExpiresAt <= request.now;
  if (!repointable && !lapsed) return false;
  Object.assign(link, held);
  return true;
}

function heldLink(state: MemoryState, providerId: string, subject: string, claimId: string) {
  const link = state.links.get(linkKey(providerId, subject));
  return link?.claimId === claimId ? link : undefined;
}

export function createMemoryLinkStore({ state, clock = systemClock }: MemoryStoreDeps): LinkStore {
  const now = () => new Date(clock.now());
  return {
    find: (providerId, subject) =>
      atomically(() => toLink(state, state.links.get(linkKey(providerId, subject)))),
    listByUser: (protocol, userId) => atomically(() => listByUser(state, protocol, userId)),
    create: (link) => atomically(() => create(state, now(), link)),
    delete: (providerId, subject) => atomically(() => state.links.delete(linkKey(providerId, subject))),
    repoint: (providerId, subject, userId) =>
      atomically(() => {
        const link = state.links.get(linkKey(providerId, subject));
        if (!link) throw linkGone();
        link.userId = userId;
      }),
    claim: (request) => atomically(() => claim(state, now(), request)),
    completeClaim: (providerId, subject, claimId, userId) =>
      atomically(() => {
        const link = heldLink(state, providerId, subject, claimId);
        if (link) Object.assign(link, { userId, claimId: null, claimExpiresAt: null });
        return link !== undefined;
      }),
    releaseClaim: (providerId, subject, claimId) =>
      atomically(() => {
        const link = heldLink(state, providerId, subject, claimId);
        // A first sign-in's pending link goes; a re-point claim leaves the link as it was.
        if (link?.userId === PENDING_USER_ID) state.links.delete(linkKey(providerId, subject));
        else if (link) Object.assign(link, { claimId: null, claimExpiresAt: null });
      }),
  };
}
