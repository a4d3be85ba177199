// Handlers of the `console` tag: the admin console's page and its built assets, from the bundle loaded at
// start. The page holds no data: everything it shows comes from the elevated operations it calls.
import { SsoError } from '../../sso/errors.js';
import { CONSOLE_CSP, type ConsoleBundle } from '../console-bundle.js';
import { ERROR_PAGE_CSP } from '../errors.js';
import { basePathOf, homePage } from '../pages.js';
import { reply, type HandlersOfTag } from '../handler.js';

function notBuilt(): SsoError {
  return new SsoError(
    'console_not_built',
    'The admin console has not been built. Run `npm run build:console` and restart.',
  );
}

/**
 * The page with its `./assets/…` references made absolute under SSO_PUBLIC_URL's path (which holds any
 * base path a reverse proxy puts in front of /sso/), so `/sso/admin` without its slash loads them too.
 */
function pageFor(bundle: ConsoleBundle, publicUrl: string): string {
  const assets = `${basePathOf(publicUrl)}/sso/admin/assets/`;
  return bundle.html.replace(/(src|href)="\.\/assets\//g, `$1="${assets}`);
}

/** `bundle` is null when the console has not been built: the page and its assets then answer 503. */
export function createConsoleHandlers(
  bundle: ConsoleBundle | null,
  publicUrl: string,
): HandlersOfTag<'console'> {
  const page = bundle === null ? null : pageFor(bundle, publicUrl);
  const home = homePage(publicUrl);
  return {
    getHome: () => Promise.resolve(reply({ kind: 'html', status: 200, html: home, csp: ERROR_PAGE_CSP })),
    getAdminConsole: () => {
      if (page === null) throw notBuilt();
      return Promise.resolve(reply({ kind: 'html', status: 200, html: page, csp: CONSOLE_CSP }));
    },
    getAdminConsoleAsset: ({ path: { asset } }) => {
      if (bundle === null) throw notBuilt();
      const file = bundle.assets.get(asset);
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
