// Links: find a user, see the identity-provider accounts linked to them, and unlink one; see whether they
// have an app password, and revoke it. The route holds the search and the chosen user
// (#/links?search=ali&user=<id>), so a reload or a shared link opens the same view.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { UserSummary } from '../../../clients/typescript/index.ts';
import type { Route } from '../route.ts';
import './links/links.css';
import { UserAppPassword } from './links/user-app-password.tsx';
import { UserLinks } from './links/user-links.tsx';
import { UserSearch } from './links/user-search.tsx';

export function LinksPage(props: { route: Route }): JSX.Element {
  const search = props.route.query.get('search') ?? '';
  const userId = props.route.query.get('user');
  const [found, setFound] = useState<UserSummary[]>([]);
  // Bumped after an unlink: the search answers again, so the user's count of links follows.
  const [changes, setChanges] = useState(0);
  const chosen = found.find((u) => u.id === userId) ?? null;
  return (
    <section aria-labelledby="links-title" class="links-page">
      <h1 id="links-title">Links</h1>
      <p class="small">
        Find a user to see the identity-provider accounts they sign in with, and remove one they no longer
        use; see whether they have an app password, and revoke it.
      </p>
      <UserSearch search={search} selectedId={userId} changes={changes} onFound={setFound} />
      {userId === null ? null : (
        <UserLinks
          key={userId}
          userId={userId}
          userName={chosen?.name ?? null}
          onUnlinked={() => setChanges((n) => n + 1)}
        />
      )}
      {userId === null ? null : (
        <UserAppPassword key={`app-password-${userId}`} userId={userId} userName={chosen?.name ?? null} />
      )}
    </section>
  );
}
