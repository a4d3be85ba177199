// Account links (docs/plugin-compatibility.md §3.13–3.15, §10): list, link and unlink the identities bound to a user.
// Who may call: the user themself or an elevated caller, API keys included (`checkLinksAccess`); the other
// rules are about the links: one identity belongs to one user, and only its own user may drop it.
import type { RequestContext } from './activity.js';
import { isSsoOnly, linksOf } from './account-user.js';
import { SsoError } from './errors.js';
import type { Login } from './login.js';
import {
  isElevated,
  type AccountLink,
  type DeviceInfo,
  type LinkStore,
  type MediaServer,
  type MediaUser,
  type Principal,
} from './ports.js';
import { providerNotFound } from './provider-admin.js';
import type { ProtocolName } from './provider-settings.js';
import type { ProviderStore } from './ports.js';

/** A Jellyfin user id as 32 hex digits or a dashed GUID → 32 lower-case hex; null for anything else. */
export function parseUserId(value: string): string | null {
  const hex = value.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex : null;
}

/**
 * Who may see or change the links of the user `targetUserId` (null when the id is malformed): an elevated
 * caller, or that user themself when their policy lets them change their own settings.
 */
export function checkLinksAccess(principal: Principal, targetUserId: string | null): void {
  if (isElevated(principal)) return;
  if (principal.kind === 'user' && targetUserId !== null && principal.user.id === targetUserId) {
    if (principal.user.policy.EnableUserPreferenceAccess) return;
    throw new SsoError('forbidden', 'Your account is not allowed to change its own settings.', {
      step: 'credentials',
    });
  }
  throw new SsoError('forbidden', "Only administrators may see or change another user's links.", {
    step: 'credentials',
  });
}

/** One link as a person sees it. */
export interface LinkDetail {
  protocol: ProtocolName;
  provider: string;
  canonicalName: string;
  label: string | null;
  created: Date;
}

export interface LinkAdmin {
  /** Every link of the user over both protocols, with its readable label, ordered by provider. */
  details(userId: string): Promise<LinkDetail[]>;
  /** `{ provider: [subject…] }` for every provider of the protocol (providers without links give `[]`). */
  list(protocol: ProtocolName, userId: string): Promise<Record<string, string[]>>;
  link(input: {
    protocol: ProtocolName;
    providerName: string;
    userId: string;
    token: string;
    device: DeviceInfo;
    cookies: Record<string, string>;
    /** The request, for the activity log. */
    request?: RequestContext | undefined;
  }): Promise<'linked' | 'already-linked'>;
  unlink(input: {
    protocol: ProtocolName;
    providerName: string;
    userId: string;
    subject: string;
    /** An elevated caller's explicit choice to unlink even an SSO-only user's last link. */
    allowLastWayIn?: boolean;
  }): Promise<void>;
}

export function createLinkAdmin(deps: {
  providers: ProviderStore;
  links: LinkStore;
  mediaServer: MediaServer;
  login: Login;
}): LinkAdmin {
  const requireUser = async (userId: string): Promise<MediaUser> => {
    const user = await deps.mediaServer.getUserById(userId);
    if (user === null)
      throw new SsoError('user_not_found', 'There is no user with this id.', { step: 'link' });
    return user;
  };

  return {
    async details(userId) {
      await requireUser(userId);
      const links = [
        ...(await deps.links.listByUser('oidc', userId)),
        ...(await deps.links.listByUser('saml', userId)),
      ];
      return links
        .map((l) => ({
          protocol: l.protocol,
          provider: l.providerName,
          canonicalName: l.subject,
          label: l.label,
          created: l.createdAt,
        }))
        .sort((a, b) => (a.protocol + a.provider < b.protocol + b.provider ? -1 : 1));
    },

    async list(protocol, userId) {
      await requireUser(userId);
      const providers = await deps.providers.list(protocol);
      const links = await deps.links.listByUser(protocol, userId);
      const out: Record<string, string[]> = {};
      for (const provider of providers) {
        out[provider.name] = links.filter((l) => l.providerId === provider.id).map((l) => l.subject);
      }
      return out;
    },

    async link(input) {
      const { protocol, providerName, userId } = input;
      const provider = await deps.providers.get(protocol, providerName);
      if (provider === null) throw providerNotFound(protocol, providerName);
      await requireUser(userId);
      // The linking flow is consumed first: a token proves one identity, once (docs/security.md §3).
      const { identity } = await deps.login.consumeForLink(input);
      const existing = await deps.links.find(provider.id, identity.subject);
      if (existing !== null) {
        if (existing.userId === userId) return 'already-linked';
        throw new SsoError(
          'link_conflict',
          `This ${providerName} account is already linked to another user. Unlink it there first.`,
          { step: 'link' },
        );
      }
      await deps.links.create({
        providerId: provider.id,
        subject: identity.subject,
        userId,
        label: identity.label,
      });
      return 'linked';
    },

    async unlink({ protocol, providerName, userId, subject, allowLastWayIn = false }) {
      const provider = await deps.providers.get(protocol, providerName);
      if (provider === null) throw providerNotFound(protocol, providerName);
      checkOwnLink(await deps.links.find(provider.id, subject), { providerName, subject, userId });
      if (!allowLastWayIn) await checkNotLastWayIn(deps, userId);
      await deps.links.delete(provider.id, subject);
    },
  };
}

/** Refuses to drop the only link of a user who has no password: they could never sign in again. */
async function checkNotLastWayIn(
  deps: { links: LinkStore; mediaServer: MediaServer },
  userId: string,
): Promise<void> {
  if ((await linksOf(deps.links, userId)).length > 1) return;
  const user = await deps.mediaServer.getUserById(userId);
  if (user === null || !isSsoOnly(user)) return;
  throw new SsoError(
    'link_conflict',
    'This is the last way this user can sign in: they have no password and no other link. Link another ' +
      'account or make an app password first.',
    { step: 'link', reason: 'last_way_in' },
  );
}

/** The link to drop must exist and be this user's. */
function checkOwnLink(
  link: AccountLink | null,
  wanted: { providerName: string; subject: string; userId: string },
): void {
  if (link === null) {
    throw new SsoError(
      'link_not_found',
      `No ${wanted.providerName} identity "${wanted.subject}" is linked.`,
      {
        step: 'link',
      },
    );
  }
  if (link.userId !== wanted.userId) {
    throw new SsoError('link_conflict', 'This identity is linked to another user, not to this one.', {
      step: 'link',
    });
  }
}
