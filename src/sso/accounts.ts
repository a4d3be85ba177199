// Binding identities to media-server users: an account is found through its link (provider, subject) —
// never through a name the user can change at the IdP. A first sign-in claims the link before it makes
// anything, so of two concurrent first sign-ins of one identity only the claim's winner creates a user and
// the other waits for it; a claimant that died loses its claim when the lease runs out. The new user is
// named after the username claim, made unique with one name lookup. An existing user is taken over only
// when the provider opts in (`adoptExistingUsers`) and the IdP vouches for the name (see `adoptable`).
// A link imported from the SSO plugin (pending-links.ts) names a first sign-in's account before anything else.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SsoError } from './errors.js';
import { normaliseUsername } from './usernames.js';
import { readPendingLink, takePendingLink } from './pending-links.js';
import type {
  Clock,
  LinkStore,
  MediaServer,
  MediaUser,
  PendingLinkStore,
  VerifiedIdentity,
} from './ports.js';
import type { ProviderRecord } from './provider-settings.js';

export interface Account {
  user: MediaUser;
  isNewUser: boolean;
}

export interface AccountDeps {
  links: LinkStore;
  /** Links imported from the SSO plugin, waiting by name for a first sign-in (pending-links.ts). */
  pendingLinks?: PendingLinkStore | undefined;
  mediaServer: MediaServer;
  clock: Clock;
  info?: (fields: object, message: string) => void;
  warn?: (fields: object, message: string) => void;
}

const MAX_NAME_ATTEMPTS = 50;
/** How long a claim holds: longer than making a user takes (a few media-server requests of ≤ 10 s). */
export const ACCOUNT_CLAIM_LEASE_MS = 60_000;
/**
 * How often a sign-in waiting for another one's claim looks again, and for how long in all: well inside
 * the Auth attempt's own lease (AUTH_CLAIM_LEASE_MS), so a sign-in that gives up can simply be retried.
 */
const CLAIM_POLL_MS = 100;
const CLAIM_WAIT_MS = 30_000;

export async function ensureAccount(
  deps: AccountDeps,
  provider: ProviderRecord,
  identity: VerifiedIdentity,
): Promise<Account> {
  const giveUpAt = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const link = await deps.links.find(provider.id, identity.subject);
    if (link !== null) {
      const user = await deps.mediaServer.getUserById(link.userId);
      if (user !== null) return { user, isNewUser: false };
    }
    // No account yet, or the linked user was deleted: whoever wins the claim makes one.
    const made = await underClaim(deps, provider, identity, link?.userId);
    if (made !== null) return made;
    if (Date.now() >= giveUpAt) {
      // A conflict, not a failure: the identity's link is still being made by that other sign-in.
      throw new SsoError(
        'link_conflict',
        'Another sign-in of this account is still setting it up. Try again in a moment.',
        { step: 'session', detail: 'account claim held past its wait' },
      );
    }
    await sleep(CLAIM_POLL_MS);
  }
}

/** Claims the link and, for the winner only, makes the account; null when another sign-in holds it. */
async function underClaim(
  deps: AccountDeps,
  provider: ProviderRecord,
  identity: VerifiedIdentity,
  replacing: string | undefined,
): Promise<Account | null> {
  const claimId = randomUUID();
  const now = deps.clock.now();
  const won = await deps.links.claim({
    providerId: provider.id,
    subject: identity.subject,
    label: identity.label,
    claimId,
    leaseUntil: new Date(now.getTime() + ACCOUNT_CLAIM_LEASE_MS),
    now,
    ...(replacing === undefined ? {} : { replacing }),
  });
  if (!won) return null;
  let account: Account;
  try {
    // A re-point never adopts: the identity had its own account, which an admin deleted.
    account = await adoptOrCreate(deps, provider, identity, replacing === undefined);
  } catch (error) {
    await deps.links.releaseClaim(provider.id, identity.subject, claimId).catch(() => undefined);
    throw error;
  }
  if (await deps.links.completeClaim(provider.id, identity.subject, claimId, account.user.id)) return account;
  // The lease ran out before we finished and another sign-in took over; it makes (or made) the account.
  // A user we made for nothing is removed rather than left behind unlinked.
  const fields = {
    providerId: provider.id,
    userId: account.user.id,
    subjectHash: subjectHash(identity.subject),
  };
  if (account.isNewUser) {
    await deps.mediaServer.deleteUser(account.user.id).then(
      () => deps.warn?.(fields, 'account claim lapsed while its user was made; that user was removed'),
      (error: unknown) =>
        deps.warn?.(
          { ...fields, err: error },
          'account claim lapsed; its unlinked user could not be removed',
        ),
    );
  } else {
    deps.warn?.(fields, 'account claim lapsed while adopting a user; the other sign-in decides');
  }
  return null;
}

async function adoptOrCreate(
  deps: AccountDeps,
  provider: ProviderRecord,
  identity: VerifiedIdentity,
  mayAdopt: boolean,
): Promise<Account> {
  if (mayAdopt) {
    // An imported link names the account the plugin gave this name; it comes before any adoption.
    const imported = await takePendingLink(deps, provider, identity);
    if (imported !== null) return { user: imported, isNewUser: false };
  }
  const plan = await planAccount(deps, provider, identity, mayAdopt);
  if (plan.adopt !== null) {
    deps.info?.(
      { providerId: provider.id, userId: plan.adopt.id, subjectHash: subjectHash(identity.subject) },
      'existing user adopted by a verified e-mail address',
    );
    return { user: plan.adopt, isNewUser: false };
  }
  return { user: await createUnique(deps.mediaServer, plan.candidates, plan.taken), isNewUser: true };
}

/** What a first sign-in would do: adopt a user, or create one under the first free name of `candidates`. */
interface AccountPlan {
  adopt: MediaUser | null;
  candidates: string[];
  /** The candidates (and the adoptable name) already taken, by whom. */
  taken: Map<string, MediaUser>;
}

/** Reads only: one name lookup, and the links of a user it may adopt. */
async function planAccount(
  deps: Pick<AccountDeps, 'links' | 'mediaServer' | 'info'>,
  provider: ProviderRecord,
  identity: VerifiedIdentity,
  mayAdopt: boolean,
): Promise<AccountPlan> {
  const candidates = nameCandidates(desiredName(identity));
  const adoptName =
    mayAdopt && provider.settings.adoptExistingUsers ? (identity.verifiedEmail ?? null) : null;
  // One lookup per sign-in: every name this sign-in may create, and the one it may adopt.
  const taken = await deps.mediaServer.findUsersByNames(
    adoptName === null ? candidates : [adoptName, ...candidates],
  );
  const existing = adoptName === null ? undefined : taken.get(adoptName);
  const adopt = existing !== undefined && (await adoptable(deps, provider, existing)) ? existing : null;
  return { adopt, candidates, taken };
}

/** The account a sign-in of this identity would use, found without writing anything (the admin's Preview). */
export type AccountPreview =
  | { action: 'existing' | 'adopt'; user: MediaUser; desiredName: string }
  | { action: 'create'; name: string; desiredName: string; takenBy: MediaUser | null };

/**
 * `ensureAccount` without its writes: the linked user, else what `adoptOrCreate` would pick. Throws the
 * refusal a sign-in gets when no free name is left.
 */
export async function previewAccount(
  deps: Pick<AccountDeps, 'links' | 'mediaServer' | 'pendingLinks'>,
  provider: ProviderRecord,
  identity: VerifiedIdentity,
): Promise<AccountPreview> {
  const desired = desiredName(identity);
  const link = await deps.links.find(provider.id, identity.subject);
  const linked = link === null ? null : await deps.mediaServer.getUserById(link.userId);
  if (linked !== null) return { action: 'existing', user: linked, desiredName: desired };
  // A first sign-in takes an imported pending link before anything else (adoptOrCreate).
  const imported = link === null ? await readPendingLink(deps, provider, identity) : null;
  if (imported?.user && imported.dropped === null) {
    return { action: 'existing', user: imported.user, desiredName: desired };
  }
  // A link to a deleted user is re-pointed to a new one, which never adopts (see underClaim).
  const plan = await planAccount(deps, provider, identity, link === null);
  if (plan.adopt !== null) return { action: 'adopt', user: plan.adopt, desiredName: desired };
  const name = plan.candidates.find((candidate) => !plan.taken.has(candidate));
  if (name === undefined) throw noFreeName();
  return { action: 'create', name, desiredName: desired, takenBy: plan.taken.get(desired) ?? null };
}

/**
 * Adoption gives an IdP account a user that was someone's before, so it is refused for an administrator
 * (a takeover of the server) and for a user any identity is linked to already (it is theirs).
 */
async function adoptable(
  deps: Pick<AccountDeps, 'links' | 'info'>,
  provider: ProviderRecord,
  user: MediaUser,
): Promise<boolean> {
  const refuse = (reason: string): boolean => {
    deps.info?.({ providerId: provider.id, userId: user.id, reason }, 'existing user not adopted');
    return false;
  };
  if (user.policy.IsAdministrator) return refuse('administrator');
  for (const protocol of ['oidc', 'saml'] as const) {
    if ((await deps.links.listByUser(protocol, user.id)).length > 0)
      return refuse('linked to another identity');
  }
  return true;
}

function desiredName(identity: VerifiedIdentity): string {
  return (
    normaliseUsername(identity.preferredUsername ?? '') ??
    normaliseUsername(identity.subject) ??
    `sso-user-${identity.subject.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'unknown'}`
  );
}

/** `alice`, `alice-2`, `alice-3`, …: an existing account is never reused by name. */
function nameCandidates(base: string): string[] {
  const names = [base];
  for (let attempt = 2; attempt <= MAX_NAME_ATTEMPTS; attempt++)
    names.push(`${base.slice(0, 60)}-${attempt}`);
  return names;
}

/** Creates the first candidate not taken; a name taken since the lookup moves on to the next one. */
async function createUnique(
  mediaServer: MediaServer,
  candidates: string[],
  taken: Map<string, MediaUser>,
): Promise<MediaUser> {
  for (const name of candidates) {
    if (taken.has(name)) continue;
    try {
      return await mediaServer.createUser(name);
    } catch (error) {
      if (error instanceof SsoError && error.code === 'name_conflict') continue;
      throw error;
    }
  }
  throw noFreeName();
}

function noFreeName(): SsoError {
  return new SsoError('name_conflict', 'Could not find a free user name for this account; ask your admin.', {
    step: 'session',
  });
}

/** For logs: which identity, without writing the subject itself. */
function subjectHash(subject: string): string {
  return createHash('sha256').update(subject, 'utf8').digest('hex').slice(0, 16);
}
