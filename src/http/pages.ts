// The HTML pages without a script: the error page of the browser steps, and the root's pointer page.
// Everything echoed is escaped; both run under ERROR_PAGE_CSP (the shared style by hash, nothing else).
import { PAGE_STYLE, escapeHtml } from './html.js';

export interface ErrorPageInput {
  problem: { status: number; title: string; detail: string; code: string; reason: string; requestId: string };
  retryUrl?: string | undefined;
  /** jellyfin-web's login page when there is one (the Jellyfin adapter); null in embedded mode. */
  homeUrl?: string | null;
}

export function errorPage({ problem, retryUrl, homeUrl = null }: ErrorPageInput): string {
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
    ...(safeRetry === undefined ? [] : [`<a id="retry" href="${escapeHtml(safeRetry)}">Try again</a>`]),
    ...(homeUrl === null ? [] : [`<a href="${escapeHtml(homeUrl)}">Back to the login page</a>`]),
  ];
  const retry = links.length === 0 ? '' : `<p>${links.join(' · ')}</p>`;
  return staticPage(
    heading,
    `<p id="detail">${escapeHtml(problem.detail)}</p>
${retry}
<p class="small">Error <code id="reason">${escapeHtml(problem.reason)}</code> (${problem.status}) · request <code id="request-id">${escapeHtml(problem.requestId)}</code>. Give this to your admin if it keeps happening.</p>`,
  );
}

/** The root's page when the service runs alone (behind the proxy `/` is Jellyfin's): where the console is. */
export function homePage(publicUrl: string): string {
  const base = escapeHtml(basePathOf(publicUrl));
  return staticPage(
    'jellyfin-sso',
    `<p>Single sign-on for Jellyfin is running here. Its pages and API live under <code>/sso/</code>.</p>
<p><a href="${base}/sso/admin">Open the admin console</a></p>
<p class="small">Behind the reverse proxy, this address belongs to Jellyfin; only <code>/sso/</code> comes here.</p>`,
  );
}

/** SSO_PUBLIC_URL's path without its trailing slash: a reverse proxy's base path in front of /sso/, or ''. */
export function basePathOf(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/$/, '');
}

/** One page in the shared look: `heading` as title and h1, then `body` (already escaped HTML). */
function staticPage(heading: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(heading)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(heading)}</h1>
${body}
</main>
</body>
</html>
`;
}
