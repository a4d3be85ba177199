// The OIDC connector: the authorization code flow of the OIDC engine (oidc.ts) behind the `Connector` port.
// It owns every OIDC rule the use cases must not know: the settings reader, the redirect URI, the `error`
// answer of the authorization endpoint, and how claims become an identity.
import { SsoError, idpErrorReason } from '../sso/errors.js';
import { redirectUri } from '../sso/endpoints.js';
import type { Connector } from '../sso/ports.js';
import { provenIdentity } from '../sso/sign-in-decision.js';
import type { OidcProtocol } from './engines.js';
import { diagnoseOidc } from './oidc-diagnostics.js';
import { readOidcIdentity } from './oidc-identity.js';
import { parseOidcSettings } from './oidc-settings.js';

export interface OidcConnectorDeps {
  engine: OidcProtocol;
  /** External base URL without trailing slash (SSO_PUBLIC_URL): the redirect URI is built from it. */
  publicUrl: string;
}

/** The admin's Test waits at most this long for each request to the IdP. */
const DIAGNOSE_TIMEOUT_MS = 10_000;

export function createOidcConnector(deps: OidcConnectorDeps): Connector<'oidc'> {
  return {
    protocol: 'oidc',
    // The IdP redirects the browser back (OIDC Core §3.1.2.5): the request carries the flow's cookie.
    answerIsBrowserBound: true,
    parseSettings: (input) => parseOidcSettings(input),

    async start(provider, { state }) {
      const redirect = redirectUri(deps.publicUrl, provider);
      const { url, secrets } = await deps.engine.start(provider, { state, redirectUri: redirect });
      return {
        redirect: url,
        secrets: { protocol: 'oidc', ...secrets, redirectUri: redirect },
        requestId: null,
      };
    },

    locate({ query }) {
      const state = query['state'];
      if (state === undefined || state === '') {
        throw new SsoError(
          'flow_not_found',
          'The identity provider sent no state back. Start again from the login page.',
          { step: 'state' },
        );
      }
      return { state, requestId: () => null };
    },

    async finish(provider, { query, callbackUrl }, { secrets }) {
      refuseErrorAnswer(query);
      const { subject, claims, session } = await deps.engine.finish(provider, {
        callbackUrl,
        state: query['state'] ?? '',
        secrets,
      });
      // The exchange has held a multi-tenant issuer's `tid` to `allowedTenants` already.
      const identity = provenIdentity(readOidcIdentity(provider.settings, subject, claims));
      if (session === undefined) return identity;
      return { ...identity, idpSession: { ...session, nameIdFormat: null } };
    },

    logoutRedirect: async (provider, { session, postLogoutRedirectUri }) =>
      (await deps.engine.endSessionUrl?.(provider, { idToken: session.idToken, postLogoutRedirectUri })) ??
      null,

    async readLogoutNotice(provider, logoutToken, now) {
      if (deps.engine.verifyLogoutToken === undefined) {
        throw new SsoError('not_implemented', 'This OIDC engine reads no logout tokens.');
      }
      return deps.engine.verifyLogoutToken(provider, { logoutToken, now });
    },

    readIdentity: (provider, { subject, claims }) =>
      readOidcIdentity(provider.settings, subject, claims, provider.settings.allowedTenants ?? []),

    diagnose: (provider) =>
      diagnoseOidc({
        provider,
        redirectUri: redirectUri(deps.publicUrl, provider),
        timeoutMs: DIAGNOSE_TIMEOUT_MS,
        userAgent: 'jellyfin-sso',
      }),
  };
}

/** An authorization error response (RFC 6749 §4.1.2.1): the IdP refused; its words, shortened, say why. */
function refuseErrorAnswer(query: Record<string, string | undefined>): void {
  const idpError = query['error'];
  if (idpError === undefined || idpError === '') return;
  const description = (query['error_description'] ?? '').slice(0, 300);
  throw new SsoError(
    'idp_error',
    `The identity provider refused the sign-in: ${idpError.slice(0, 100)}${description === '' ? '' : ` – ${description}`}`,
    { step: 'exchange', reason: idpErrorReason(idpError) },
  );
}
