// The sign-in landing page (`/sso/`): one button per enabled provider, a notice when the provider asked for
// does not exist, and the way to a password sign-in beside jellyfin-web. No script: its CSP allows the
// shared style and its own by hash, nothing else.
import type { SignInChoice } from '../sso/landing.js';
import { PAGE_STYLE_HASH, cspHash, escapeHtml, pageHead } from './html.js';

export interface LandingPageInput {
  /** The buttons, each with the URL of its sign-in start. */
  choices: Array<SignInChoice & { startUrl: string }>;
  /** A `?provider=` that names no enabled provider. */
  unknownProvider: string | null;
  /** jellyfin-web's page for a password sign-in; null when the service runs alone. */
  passwordUrl: string | null;
}

const LANDING_STYLE = `
ul.providers{list-style:none;padding:0;margin:1.5rem 0}
ul.providers li{margin:.75rem 0}
a.provider{display:block;min-width:16rem;padding:.75rem 1.25rem;border:1px solid #00a4dc;border-radius:4px;text-decoration:none;font-size:1.05rem}
a.provider:hover,a.provider:focus{background:#00a4dc;color:#101010}
#notice{color:#ff6b6b}
`;

export const LANDING_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${PAGE_STYLE_HASH} ${cspHash(LANDING_STYLE)}`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function landingPage(input: LandingPageInput): string {
  const notice =
    input.unknownProvider === null
      ? ''
      : `<p id="notice">There is no sign-in provider named "${escapeHtml(input.unknownProvider)}". Choose one below.</p>\n`;
  const buttons =
    input.choices.length === 0
      ? '<p id="empty">No sign-in provider is enabled yet. Ask your administrator.</p>'
      : `<ul class="providers">${input.choices.map(button).join('')}</ul>`;
  const password =
    input.passwordUrl === null
      ? ''
      : `\n<p class="small"><a id="password" href="${escapeHtml(input.passwordUrl)}">Sign in with a password instead</a></p>`;
  return `${pageHead('Sign in', LANDING_STYLE)}
<body>
<main>
<h1>Sign in</h1>
${notice}${buttons}${password}
</main>
</body>
</html>
`;
}

function button(choice: SignInChoice & { startUrl: string }): string {
  return (
    `<li><a class="provider" data-protocol="${choice.protocol}" href="${escapeHtml(choice.startUrl)}">` +
    `Sign in with ${escapeHtml(choice.name)}</a></li>`
  );
}
