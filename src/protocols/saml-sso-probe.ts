// `saml.sso_url` of the admin's Test: one GET of the IdP's SSO URL to see that it answers. The request is
// guarded so that a Test cannot be turned into a general-purpose fetch: http(s) only, no credentials in the
// URL, no redirect followed, a short timeout, and nothing of the answer is read but its status. The URL is
// the one sign-ins send browsers to; any address it may name, Add may name too (an IdP on the LAN is usual).

import type { ProviderCheck } from '../sso/ports.js';
import { fail, pass, warn } from './diagnostic-checks.js';
import { isLoopbackHost } from './oidc-rules.js';

const CHECK = 'saml.sso_url';

export async function probeSsoUrl(ssoUrl: string, timeoutMs: number): Promise<ProviderCheck> {
  let url: URL;
  try {
    url = new URL(ssoUrl);
  } catch {
    return fail(
      CHECK,
      'The SSO URL (samlEndpoint) is not a URL.',
      'Set "samlEndpoint" to the IdP\'s SSO URL.',
    );
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    return fail(
      CHECK,
      'The SSO URL (samlEndpoint) is not an http(s) URL without credentials, so it was not requested.',
      'Set "samlEndpoint" to the HTTP-Redirect SSO URL of the IdP metadata.',
    );
  }
  const shown = `${url.origin}${url.pathname}`;
  let status: number;
  try {
    const response = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      headers: { 'user-agent': 'jellyfin-sso (test)' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const late = error instanceof Error && error.name === 'TimeoutError';
    return fail(
      CHECK,
      `The SSO URL ${shown} ${late ? `did not answer within ${timeoutMs} ms` : 'could not be reached'}.`,
      'Check "samlEndpoint", and that the identity provider is reachable from this service.',
    );
  }
  return judge(url, shown, status);
}

/** Any answer below 500 shows the endpoint is there (without a SAMLRequest an IdP may well answer 400). */
function judge(url: URL, shown: string, status: number): ProviderCheck {
  const detail = `The SSO URL ${shown} answered HTTP ${status} (a GET without a SAMLRequest).`;
  if (status >= 500) {
    return warn(
      CHECK,
      `${detail} The identity provider reports an error of its own.`,
      'Check the identity provider.',
    );
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return warn(
      CHECK,
      `${detail} It uses plain http, so the sign-in page is not protected in transit.`,
      'Use the https SSO URL of the identity provider.',
    );
  }
  return pass(CHECK, detail);
}
