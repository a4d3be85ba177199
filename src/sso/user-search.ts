// Finding a user for an administrator: part of a name → the matching users, sorted by name, each with the
// number of identities linked to it, so the admin can pick whose links to see or remove.
import type { LinkStore, MediaServer, MediaUser } from './ports.js';

export interface UserSummary {
  id: string;
  name: string;
  isAdministrator: boolean;
  /** Identities linked to the user, over both protocols. */
  links: number;
}

export interface UserSearch {
  /** Users whose name contains `search` in any letter case (every user without it), at most `limit`. */
  search(query: { search?: string | undefined; limit: number }): Promise<UserSummary[]>;
}

/** By name regardless of case; names that differ only in case (Jellyfin refuses those) in ordinal order. */
function byName(a: MediaUser, b: MediaUser): number {
  const [upperA, upperB] = [a.name.toUpperCase(), b.name.toUpperCase()];
  if (upperA !== upperB) return upperA < upperB ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function createUserSearch(deps: { mediaServer: MediaServer; links: LinkStore }): UserSearch {
  const countLinks = async (userId: string): Promise<number> => {
    const [oidc, saml] = await Promise.all([
      deps.links.listByUser('oidc', userId),
      deps.links.listByUser('saml', userId),
    ]);
    return oidc.length + saml.length;
  };

  return {
    async search({ search, limit }) {
      const wanted = (search ?? '').toUpperCase();
      const found = (await deps.mediaServer.listUsers())
        .filter((user) => user.name.toUpperCase().includes(wanted))
        .sort(byName)
        .slice(0, limit);
      // Links are counted only for the users answered: at most `limit` of them.
      return Promise.all(
        found.map(async (user) => ({
          id: user.id,
          name: user.name,
          isAdministrator: user.policy.IsAdministrator,
          links: await countLinks(user.id),
        })),
      );
    },
  };
}
