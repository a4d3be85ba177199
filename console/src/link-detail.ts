// What both the admin console's Links page and the user's account page say about one link: the name the
// IdP account is known by, a key for its row, and the path that unlinks it (deleteLink in openapi.yaml).
import type { LinkDetail } from '../../clients/typescript/index.ts';

/** How the IdP account is recognised: the label recorded when it was linked, else its subject. */
export function accountName(link: LinkDetail): string {
  return link.label ?? link.canonicalName;
}

/** The key of the link's row: its protocol, provider and IdP account. */
export function linkKey(link: LinkDetail): string {
  return `${link.protocol}/${link.provider}/${link.canonicalName}`;
}

/** The path parameters of deleteLink for this link of the user `jellyfinUserId`. */
export function unlinkPath(
  link: LinkDetail,
  jellyfinUserId: string,
): { mode: 'saml' | 'oid'; provider: string; jellyfinUserId: string; canonicalName: string } {
  return {
    mode: link.protocol === 'saml' ? 'saml' : 'oid',
    provider: link.provider,
    jellyfinUserId,
    canonicalName: link.canonicalName,
  };
}
