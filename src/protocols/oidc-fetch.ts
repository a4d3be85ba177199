// Outbound HTTP to an identity provider: one fetch for discovery, PAR, token, JWKS and userinfo, with a
// timeout, our User-Agent, and the https rule (https only, unless the provider sets `disableHttps`; loopback
// hosts are always allowed over http).

import type { CustomFetch } from 'openid-client';

import { SsoError } from '../sso/errors.js';
import { isAllowedScheme } from './oidc-rules.js';

// One rule for Add and for every request (oidc-rules.ts); re-exported for the other OIDC modules.
export { isAllowedScheme, isLoopbackHost } from './oidc-rules.js';

export interface IdpFetchOptions {
  timeoutMs: number;
  userAgent: string;
  /** True when the provider sets `disableHttps`: http is then allowed to any host. */
  allowHttp: boolean;
}

/** The error for an http URL the https rule forbids. `what` names the URL (`the token_endpoint`). */
export function insecureUrlError(what: string, url: URL): SsoError {
  return new SsoError(
    'idp_response_invalid',
    `The identity provider's ${what} (${url.origin}) does not use https. Use https, or set "disableHttps" ` +
      'on the provider if this identity provider is only reachable over http.',
    { detail: `refused ${url.protocol} request to ${url.origin}` },
  );
}

/**
 * A fetch for openid-client (`client.customFetch`) and for our own discovery request. Every request gets
 * `User-Agent`, a timeout of `timeoutMs` on top of any signal the library passes, and the https rule
 * (a second guard: discovery already refuses documents that name forbidden URLs).
 */
export function createIdpFetch(options: IdpFetchOptions): CustomFetch {
  return async (url, init) => {
    const target = new URL(url);
    if (!isAllowedScheme(target, options.allowHttp)) throw insecureUrlError('endpoint', target);
    const headers = new Headers(init.headers);
    headers.set('user-agent', options.userAgent);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const request: RequestInit & { duplex?: 'half' } = {
      method: init.method,
      headers,
      // FetchBody's Uint8Array<ArrayBufferLike> is wider than BodyInit's under TS 6; undici accepts it.
      body: (init.body ?? null) as BodyInit | null,
      redirect: init.redirect,
      signal,
    };
    if (init.duplex) request.duplex = init.duplex;
    return fetch(target, request);
  };
}
