// Links: a user's links to identity-provider accounts.
import type { JSX } from 'preact';
import type { Route } from '../route.ts';

export function LinksPage(_props: { route: Route }): JSX.Element {
  return (
    <section aria-labelledby="links-title">
      <h1 id="links-title">Links</h1>
      <p>Search a user to see and remove their links.</p>
    </section>
  );
}
