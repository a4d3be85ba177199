// Binding identities to media-server users (PRODUCT.md §3): an account is found through its link
// (provider, subject) — never through a name the user can change at the IdP. A first sign-in creates a
// user named after the username claim, made unique; an existing user of that name is taken over only
// when the provider opts in (`adoptExistingUsers`).
import { SsoError } from './errors.js';
import { normaliseUsername } from './claims.js';
import type { LinkStore, MediaServer, MediaUser, VerifiedIdentity } from './ports.js';
import type { ProviderRecord } from './provider-settings.js';

export interface Account {
  user: MediaUser;
  isNewUser: boolean;
}

const MAX_NAME_ATTEMPTS = 50;

export async function ensureAccount(
  deps: { links: LinkStore; mediaServer: MediaServer },
  provider: ProviderRecord,
  identity: VerifiedIdentity,
): Promise<Account> {
  const link = await deps.links.find(provider.id, identity.subject);
  if (link !== null) {
    const user = await deps.mediaServer.getUserById(link.userId);
    if (user !== null) return { user, isNewUser: false };
    // The linked user was deleted: give the identity a fresh account and point the link at it.
    const fresh = await createUniqueUser(deps.mediaServer, identity);
    await deps.links.repoint(provider.id, identity.subject, fresh.id);
    return { user: fresh, isNewUser: true };
  }

  const wanted = desiredName(identity);
  if (provider.settings.adoptExistingUsers) {
    const existing = await deps.mediaServer.getUserByName(wanted);
    if (existing !== null) {
      await linkOrReuse(deps, provider, identity, existing.id);
      return { user: existing, isNewUser: false };
    }
  }
  const user = await createUniqueUser(deps.mediaServer, identity);
  const linkedUserId = await linkOrReuse(deps, provider, identity, user.id);
  if (linkedUserId !== user.id) {
    // A concurrent first sign-in of the same identity won the link: use its account.
    const winner = await deps.mediaServer.getUserById(linkedUserId);
    if (winner !== null) return { user: winner, isNewUser: false };
  }
  return { user, isNewUser: true };
}

/** Creates the link; when another request created it first, returns the user it points at. */
async function linkOrReuse(
  deps: { links: LinkStore },
  provider: ProviderRecord,
  identity: VerifiedIdentity,
  userId: string,
): Promise<string> {
  try {
    await deps.links.create({
      providerId: provider.id,
      subject: identity.subject,
      userId,
      label: identity.label,
    });
    return userId;
  } catch (error) {
    if (error instanceof SsoError && error.code === 'link_conflict') {
      const existing = await deps.links.find(provider.id, identity.subject);
      if (existing !== null) return existing.userId;
    }
    throw error;
  }
}

function desiredName(identity: VerifiedIdentity): string {
  return (
    normaliseUsername(identity.preferredUsername ?? '') ??
    normaliseUsername(identity.subject) ??
    `sso-user-${identity.subject.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'unknown'}`
  );
}

/** `alice`, else `alice-2`, `alice-3`, …: an existing account is never reused by name. */
async function createUniqueUser(mediaServer: MediaServer, identity: VerifiedIdentity): Promise<MediaUser> {
  const base = desiredName(identity);
  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
    const name = attempt === 1 ? base : `${base.slice(0, 60)}-${attempt}`;
    if ((await mediaServer.getUserByName(name)) !== null) continue;
    try {
      return await mediaServer.createUser(name);
    } catch (error) {
      if (error instanceof SsoError && error.code === 'name_conflict') continue;
      throw error;
    }
  }
  throw new SsoError('name_conflict', 'Could not find a free user name for this account; ask your admin.', {
    step: 'session',
  });
}
