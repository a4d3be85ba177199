// Handlers of the `console` tag: the admin console's page, the signed-in user's account page and their
// built assets, from the bundle loaded at start. The pages hold no data: everything they show comes from
// the operations they call (elevated ones for the console, the user's own links and account for the other).
import { SsoError } from '../../sso/errors.js';
import { CONSOLE_CSP, type ConsoleBundle } from '../console-bundle.js';
import { ERROR_PAGE_CSP } from '../errors.js';
import { basePathOf, homePage } from '../pages.js';
import { reply, type HandlersOfTag } from '../handler.js';

function notBuilt(page = 'admin console'): SsoError {
  return new SsoError(
    'console_not_built',
    `The ${page} has not been built. Run \`npm run build:console\` and restart.`,
  );
}

/**
 * A page with its `./assets/…` references made absolute under SSO_PUBLIC_URL's path (which holds any
 * base path a reverse proxy puts in front of /sso/), so `/sso/admin` without its slash loads them too,
 * and `/sso/account` loads the same files from the console's assets.
 */
function pageFor(html: string, publicUrl: string): string {
  const assets = `${basePathOf(publicUrl)}/sso/admin/assets/`;
  return html.replace(/(src|href)="\.\/assets\//g, `$1="${assets}`);
}

/** `bundle` is null when the console has not been built: the page and its assets then answer 503. */
export function createConsoleHandlers(
  bundle: ConsoleBundle | null,
  publicUrl: string,
): HandlersOfTag<'console'> {
  const page = bundle === null ? null : pageFor(bundle.html, publicUrl);
  const accountHtml = bundle?.accountHtml ?? null;
  const accountPage = accountHtml === null ? null : pageFor(accountHtml, publicUrl);
  const home = homePage(publicUrl);
  return {
    getHome: () => Promise.resolve(reply({ kind: 'html', status: 200, html: home, csp: ERROR_PAGE_CSP })),
    getAdminConsole: () => {
      if (page === null) throw notBuilt();
      return Promise.resolve(reply({ kind: 'html', status: 200, html: page, csp: CONSOLE_CSP }));
    },
    // `?linked=` is read by the page's script; the page itself is the same for everyone.
    getAccountPage: () => {
      if (accountPage === null) throw notBuilt('account page');
      return Promise.resolve(reply({ kind: 'html', status: 200, html: accountPage, csp: CONSOLE_CSP }));
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
