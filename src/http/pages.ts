// The HTML pages of the browser steps that are not the login page: the error page. Everything echoed is
// escaped; the page has no script at all.
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
<p id="detail">${escapeHtml(problem.detail)}</p>
${retry}
<p class="small">Error <code id="reason">${escapeHtml(problem.reason)}</code> (${problem.status}) · request <code id="request-id">${escapeHtml(problem.requestId)}</code>. Give this to your admin if it keeps happening.</p>
</main>
</body>
</html>
`;
}
