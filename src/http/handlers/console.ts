// Handlers of the `console` tag: the admin console's page and its built assets, from the bundle loaded at
// start. The page holds no data: everything it shows comes from the elevated operations it calls.
import { SsoError } from '../../sso/errors.js';
import { CONSOLE_CSP, type ConsoleBundle } from '../console-bundle.js';
import { escapeHtml, PAGE_STYLE, PAGE_STYLE_HASH } from '../html.js';
import { reply, type HandlersOfTag } from '../handler.js';

function builtBundle(bundle: ConsoleBundle | null): ConsoleBundle {
  if (bundle === null) {
    throw new SsoError(
      'console_not_built',
      'The admin console has not been built. Run `npm run build:console` and restart.',
    );
  }
  return bundle;
}

/**
 * The page with its `./assets/…` references made absolute under SSO_PUBLIC_URL's path (which holds any
 * base path a reverse proxy puts in front of /sso/), so `/sso/admin` without its slash loads them too.
 */
function pageFor(bundle: ConsoleBundle, publicUrl: string): string {
  const assets = `${new URL(publicUrl).pathname.replace(/\/$/, '')}/sso/admin/assets/`;
  return bundle.html.replace(/(src|href)="\.\/assets\//g, `$1="${assets}`);
}

/** The root's page when the service runs alone: where the console and the API description are. */
function homePage(publicUrl: string): string {
  const base = escapeHtml(new URL(publicUrl).pathname.replace(/\/$/, ''));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jellyfin-sso</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
<h1>jellyfin-sso</h1>
<p>Single sign-on for Jellyfin is running here. Its pages and API live under <code>/sso/</code>.</p>
<p><a href="${base}/sso/admin">Open the admin console</a></p>
<p class="small">Behind the reverse proxy, this address belongs to Jellyfin; only <code>/sso/</code> comes here.</p>
</main>
</body>
</html>
`;
}

/** `bundle` is null when the console has not been built: the page and its assets then answer 503. */
export function createConsoleHandlers(
  bundle: ConsoleBundle | null,
  publicUrl: string,
): HandlersOfTag<'console'> {
  const html = bundle === null ? null : pageFor(bundle, publicUrl);
  const home = homePage(publicUrl);
  return {
    getHome: () =>
      Promise.resolve(
        reply({
          kind: 'html',
          status: 200,
          html: home,
          csp: `default-src 'none'; style-src ${PAGE_STYLE_HASH}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        }),
      ),
    getAdminConsole: () => {
      builtBundle(bundle);
      return Promise.resolve(reply({ kind: 'html', status: 200, html: html ?? '', csp: CONSOLE_CSP }));
    },
    getAdminConsoleAsset: ({ path: { asset } }) => {
      const file = builtBundle(bundle).assets.get(asset);
      if (file === undefined) throw new SsoError('not_found', `The console has no asset named "${asset}".`);
      return Promise.resolve(
        reply({
          kind: 'text',
          status: 200,
          contentType: file.contentType,
          text: file.text,
          // Vite puts a hash of the content in every asset's name: a name never changes its bytes.
          headers: { 'Cache-Control': 'public, max-age=31536000, immutable' },
        }),
      );
    },
  };
}
