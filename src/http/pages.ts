// The HTML pages without a script: the error page of the browser steps, the page of a sign-in reloaded
// after it finished, and the root's pointer page.
// Everything echoed is escaped; both run under ERROR_PAGE_CSP (the shared style by hash, nothing else).
import { escapeHtml, pageHead } from './html.js';

export interface ErrorPageInput {
  problem: {
    status: number;
    title: string;
    detail: string;
    code: string;
    reason: string;
    requestId: string;
    /** The fields of a request the browser sent itself that were refused, each with why. */
    errors?: { field: string; message: string }[];
  };
  retryUrl?: string | undefined;
  /** jellyfin-web's login page when there is one (the Jellyfin adapter); null in embedded mode. */
  homeUrl?: string | null;
  /**
   * The account page a failed linking flow was started from (its `returnTo`): offered instead of "Try
   * again", which would start a flow that no longer returns there.
   */
  accountUrl?: string | null;
}

export function errorPage({ problem, retryUrl, homeUrl = null, accountUrl = null }: ErrorPageInput): string {
  const heading =
    problem.reason === 'idp_access_denied'
      ? 'Sign-in cancelled'
      : problem.status === 403
        ? 'Access denied'
        : 'Sign-in failed';
  // Only our own http(s) or relative links: never a scheme that could run script.
  const safeRetry =
    retryUrl !== undefined && /^(https?:\/\/|\/(?!\/))/i.test(retryUrl) ? retryUrl : undefined;
  const links = [
    ...(accountUrl !== null
      ? [`<a id="account" href="${escapeHtml(accountUrl)}">Back to your account</a>`]
      : safeRetry === undefined
        ? []
        : [`<a id="retry" href="${escapeHtml(safeRetry)}">Try again</a>`]),
    ...(homeUrl === null ? [] : [`<a href="${escapeHtml(homeUrl)}">Back to the login page</a>`]),
  ];
  const retry = links.length === 0 ? '' : `<p>${links.join(' · ')}</p>`;
  return staticPage(
    heading,
    `<p id="detail">${escapeHtml(problem.detail)}</p>
${fieldList(problem.errors)}${problem.reason === 'browser_mismatch' ? publicHostHint(safeRetry) : ''}${retry}
<p class="small">Error <code id="reason">${escapeHtml(problem.reason)}</code> (${problem.status}) · request <code id="request-id">${escapeHtml(problem.requestId)}</code>. Give this to your admin if it keeps happening.</p>`,
  );
}

/** The refused fields of the browser's own request (a hand-edited address, say), each with why. */
function fieldList(errors: { field: string; message: string }[] | undefined): string {
  if (errors === undefined || errors.length === 0) return '';
  const items = errors.map((e) => `<li><code>${escapeHtml(e.field)}</code>: ${escapeHtml(e.message)}</li>`);
  return `<ul id="fields">\n${items.join('\n')}\n</ul>\n`;
}

/**
 * The cookie of a sign-in is kept per host: one started at 127.0.0.1 or a LAN address has no cookie at the
 * public URL the IdP sends the browser back to. Names the address to open (the "try again" link's origin).
 */
function publicHostHint(retryUrl: string | undefined): string {
  if (retryUrl === undefined || !/^https?:/i.test(retryUrl)) return '';
  const origin = new URL(retryUrl).origin;
  return `<p id="host-hint">Open this sign-in at <strong>${escapeHtml(origin)}</strong>: if it was started at another address (such as 127.0.0.1 or a LAN address), its cookie stayed there, where this address cannot read it.</p>\n`;
}

export interface AlreadyFinishedInput {
  isLinking: boolean;
  /** jellyfin-web's page beside the service, or null when it runs alone. */
  jellyfinUrl: string | null;
  /** The admin console, offered when the service runs alone (its users have no other page to go to). */
  consoleUrl: string | null;
  /** The account page a linking flow was started from (its `returnTo`), or null. */
  accountUrl?: string | null;
  /** Starts a new sign-in at the same provider (to sign in as someone else). */
  retryUrl: string;
}

/** A sign-in page reloaded after this browser finished it: no failure, and what to do next. */
export function alreadyFinishedPage(input: AlreadyFinishedInput): string {
  const heading = input.isLinking ? 'Your account is already linked' : 'You are already signed in';
  const next = [
    ...(input.accountUrl === undefined || input.accountUrl === null
      ? []
      : [`<a id="account" href="${escapeHtml(input.accountUrl)}">Back to your account</a>`]),
    ...(input.jellyfinUrl === null
      ? []
      : [`<a id="next" href="${escapeHtml(input.jellyfinUrl)}">Open Jellyfin</a>`]),
    ...(input.consoleUrl === null
      ? []
      : [`<a id="console" href="${escapeHtml(input.consoleUrl)}">Open the admin console</a>`]),
    `<a id="retry" href="${escapeHtml(input.retryUrl)}">${input.isLinking ? 'Link again' : 'Sign in again'}</a>`,
  ];
  const what = input.isLinking
    ? 'This linking has already been done in this browser; it was not repeated.'
    : 'This sign-in has already been completed in this browser. Nothing more is needed here: you can close this page.';
  return staticPage(
    heading,
    `<p id="detail">${what}</p>
<p>${next.join(' · ')}</p>`,
  );
}

/** The root's page when the service runs alone (behind the proxy `/` is Jellyfin's): where the console is. */
export function homePage(publicUrl: string): string {
  const base = escapeHtml(basePathOf(publicUrl));
  return staticPage(
    'jellyfin-sso',
    `<p>Single sign-on for Jellyfin is running here. Its pages and API live under <code>/sso/</code>.</p>
<p><a id="sign-in" href="${base}/sso/">Sign in</a> · <a href="${base}/sso/admin">Open the admin console</a></p>
<p class="small">Behind the reverse proxy, this address belongs to Jellyfin; only <code>/sso/</code> comes here.</p>`,
  );
}

/** SSO_PUBLIC_URL's path without its trailing slash: a reverse proxy's base path in front of /sso/, or ''. */
export function basePathOf(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/$/, '');
}

/** One page in the shared look: `heading` as title and h1, then `body` (already escaped HTML). */
export function staticPage(heading: string, body: string): string {
  return `${pageHead(heading)}
<body>
<main>
<h1>${escapeHtml(heading)}</h1>
${body}
</main>
</body>
</html>
`;
}
