// The console's routes live in the URL's fragment (#/providers, #/activity?outcome=refused, …), so the
// service serves one page and a reload or a shared link opens the same view.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The path segments after `#/`, decoded: `#/providers/oidc/authentik` → ['providers', 'oidc', 'authentik']. */
  segments: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, query: new URLSearchParams(search) };
}

/** The fragment for a route: segments encoded, query appended when not empty. */
export function href(segments: string[], query?: Record<string, string | undefined>): string {
  const path = segments.map(encodeURIComponent).join('/');
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined && value !== '') params.set(key, value);
  const search = params.toString();
  return `#/${path}${search === '' ? '' : `?${search}`}`;
}

export function navigate(segments: string[], query?: Record<string, string | undefined>): void {
  location.hash = href(segments, query);
}

/** The current route, updated on every fragment change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
