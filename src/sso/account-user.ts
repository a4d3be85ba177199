// What the account operations share: the user they act on (404 when unknown), their links over both
// protocols, and whether the user is "SSO-only" (no password way in).
import { SsoError } from './errors.js';
import {
  DEFAULT_AUTH_PROVIDER_ID,
  type AccountLink,
  type LinkStore,
  type MediaServer,
  type MediaUser,
} from './ports.js';

export async function requireUser(mediaServer: MediaServer, userId: string): Promise<MediaUser> {
  const user = await mediaServer.getUserById(userId);
  if (user === null)
    throw new SsoError('user_not_found', 'There is no user with this id.', { step: 'admin' });
  return user;
}

export async function linksOf(links: LinkStore, userId: string): Promise<AccountLink[]> {
  return [...(await links.listByUser('oidc', userId)), ...(await links.listByUser('saml', userId))];
}

/**
 * A user who can sign in only through a link: not on the default provider with a password (Jellyfin's SSO
 * users are on the SSO provider; the embedded directory's have no password hash). An app password puts the
 * user on the default provider with a password, so it counts as a way in.
 */
export function isSsoOnly(user: MediaUser): boolean {
  const provider = user.policy.AuthenticationProviderId.toLowerCase();
  return !(provider === DEFAULT_AUTH_PROVIDER_ID.toLowerCase() && user.hasPassword);
}
