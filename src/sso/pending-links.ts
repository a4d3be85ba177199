// Pending links at a first sign-in: a link imported from the SSO plugin names a user by the username the
// plugin read from the IdP. The first sign-in on that provider whose username matches turns it into a
// subject link to that user, once; a deleted user or an administrator the import did not allow is dropped,
// and the sign-in goes on as any first sign-in.
import type { Clock, MediaServer, MediaUser, PendingLinkStore, VerifiedIdentity } from './ports.js';
import type { ProviderRecord } from './provider-settings.js';

export interface PendingLinkDeps {
  pendingLinks?: PendingLinkStore | undefined;
  mediaServer: MediaServer;
  clock: Clock;
  info?: (fields: object, message: string) => void;
  warn?: (fields: object, message: string) => void;
}

/**
 * The key a name is matched by: each character upper-cased on its own (an ordinal comparison ignoring case,
 * as Jellyfin compares user names), so `alice` and `ALICE` meet and `ß` stays one character.
 */
export function pendingNameKey(name: string): string {
  return Array.from(name, (char) => {
    const upper = char.toUpperCase();
    return upper.length === char.length ? upper : char;
  }).join('');
}

/** The name the plugin would have keyed this identity's link by: its username claim or NameID. */
export function pluginLinkName(identity: VerifiedIdentity): string {
  return identity.preferredUsername ?? identity.subject;
}

/** The unused pending link of this identity's name, its user, and why it would be dropped (null: usable). */
export interface PendingMatch {
  userId: string;
  user: MediaUser | null;
  dropped: 'user deleted' | 'administrator' | null;
}

/** Reads only: what the pending link of this identity's name would give a first sign-in (the admin's Preview). */
export async function readPendingLink(
  deps: Pick<PendingLinkDeps, 'pendingLinks' | 'mediaServer'>,
  provider: ProviderRecord,
  identity: VerifiedIdentity,
): Promise<PendingMatch | null> {
  if (deps.pendingLinks === undefined) return null;
  const pending = await deps.pendingLinks.find(provider.id, pluginLinkName(identity));
  if (pending === null) return null;
  const user = await deps.mediaServer.getUserById(pending.userId);
  const dropped =
    user === null
      ? 'user deleted'
      : user.policy.IsAdministrator && !pending.allowAdmin
        ? 'administrator'
        : null;
  return { userId: pending.userId, user, dropped };
}

/**
 * The user a pending link gives this first sign-in, the link then used; null when there is none, when
 * another sign-in used it first, or when it is dropped (user gone, or an administrator not allowed).
 */
export async function takePendingLink(
  deps: PendingLinkDeps,
  provider: ProviderRecord,
  identity: VerifiedIdentity,
): Promise<MediaUser | null> {
  const match = await readPendingLink(deps, provider, identity);
  if (match === null || deps.pendingLinks === undefined) return null;
  // Used either way: a pending link decides one first sign-in, and a dropped one must not wait for another.
  const used = await deps.pendingLinks.use(provider.id, pluginLinkName(identity), deps.clock.now());
  if (!used) return null;
  const fields = { providerId: provider.id, userId: match.userId };
  if (match.dropped !== null || match.user === null) {
    deps.warn?.(
      { ...fields, reason: match.dropped },
      'imported pending link dropped; a new account is made instead',
    );
    return null;
  }
  deps.info?.(fields, 'imported pending link used: the identity is linked to its user');
  return match.user;
}
