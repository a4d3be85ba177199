// The signed-in console: header, navigation and the page the route names.
import type { JSX } from 'preact';
import { useConsole } from './context.ts';
import { ActivityPage } from './pages/activity.tsx';
import { LinksPage } from './pages/links.tsx';
import { ProvidersPage } from './pages/providers.tsx';
import { href, useRoute, type Route } from './route.ts';
import { storedUserName } from './session.ts';

const SECTIONS = [
  { id: 'providers', label: 'Providers' },
  { id: 'activity', label: 'Activity' },
  { id: 'links', label: 'Links' },
] as const;

function page(route: Route): JSX.Element {
  switch (route.segments[0]) {
    case 'activity':
      return <ActivityPage route={route} />;
    case 'links':
      return <LinksPage route={route} />;
    default:
      return <ProvidersPage route={route} />;
  }
}

export function Shell(props: { onSignOut: () => void }): JSX.Element {
  const route = useRoute();
  const { credential } = useConsole();
  const current = route.segments[0] ?? 'providers';
  const who = credential.kind === 'api-key' ? 'API key' : (storedUserName(credential) ?? 'Jellyfin session');
  return (
    <>
      <header class="topbar">
        <span class="brand">jellyfin-sso</span>
        <nav aria-label="Sections">
          {SECTIONS.map((s) => (
            <a key={s.id} href={href([s.id])} aria-current={current === s.id ? 'page' : undefined}>
              {s.label}
            </a>
          ))}
        </nav>
        <span class="who">
          <span class="small">{who}</span>
          <button type="button" class="button-small" onClick={props.onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main class="content">{page(route)}</main>
    </>
  );
}
