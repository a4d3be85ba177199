// The callback's code exchange (RFC 6749 §4.1.3, OIDC Core §3.1.3) on oauth4webapi: the authorization
// response checked (state; `iss` when the IdP sends it, RFC 9207), the code redeemed with the PKCE verifier
// (RFC 7636 §4.5), the ID token validated (OIDC Core §3.1.3.7): iss, aud, azp, exp, iat and nonce by
// oauth4webapi, the signature by oidc-keys.ts, a multi-tenant issuer by oidc-tenant-issuer.ts.
//
// Why not openid-client's `authorizationCodeGrant`, which the start of a login still uses: it compares
// `iss` with the discovered issuer verbatim, so a template issuer (Entra ID `common`) can only work when
// openid-client did the discovery itself, and its signature check refetches the key set on an unknown
// `kid` only when its copy is at least 60 s old, so the first sign-in after a key rotation could fail.

import * as oauth from 'oauth4webapi';

import type { DiscoveredProvider } from './oidc-discovery.js';
import { ASYMMETRIC_ALGORITHMS, type SigningKeys } from './oidc-keys.js';
import { checkTenantAllowed, isTenantTemplate, tenantIssuer } from './oidc-tenant-issuer.js';

export interface ExchangeInput {
  providerId: string;
  discovered: DiscoveredProvider;
  clientId: string;
  /** The stored redirect URI with the callback's query (RFC 6749 §4.1.3: the same redirect_uri). */
  callbackUrl: URL;
  redirectUri: string;
  state: string;
  nonce: string;
  pkceVerifier: string;
  allowedTenants: readonly string[];
  keys: SigningKeys;
}

export interface ExchangeResult {
  idTokenClaims: oauth.IDToken;
  /** The ID token itself, kept (sealed) for `id_token_hint` at logout. */
  idToken: string;
  accessToken: string;
}

/** Redeems the code and returns the ID token's claims once every check has passed. */
export async function exchangeCode(input: ExchangeInput): Promise<ExchangeResult> {
  const { discovered } = input;
  const client: oauth.Client = { client_id: input.clientId };
  const callback = oauth.validateAuthResponse(discovered.metadata, client, input.callbackUrl, input.state);
  const response = await oauth.authorizationCodeGrantRequest(
    discovered.metadata,
    client,
    discovered.auth,
    callback,
    input.redirectUri,
    input.pkceVerifier,
    { [oauth.customFetch]: discovered.fetch, [oauth.allowInsecureRequests]: discovered.allowHttp },
  );
  const issuer = await expectedIssuer(discovered.metadata, response);
  const result = await oauth.processAuthorizationCodeResponse(
    { ...discovered.metadata, issuer },
    client,
    response,
    {
      expectedNonce: input.nonce,
      requireIdToken: true,
    },
  );
  const idToken = result.id_token;
  const claims = oauth.getValidatedIdTokenClaims(result);
  if (idToken === undefined || claims === undefined) {
    // requireIdToken makes oauth4webapi refuse this already; kept so claims never come from elsewhere.
    throw new TypeError('the token response has no ID token');
  }
  await input.keys.verify({
    providerId: input.providerId,
    // Discovery refuses a document without a jwks_uri (oidc-discovery.ts).
    jwksUri: String(discovered.metadata.jwks_uri),
    fetch: discovered.fetch,
    idToken,
    algorithms: signingAlgorithms(discovered.metadata),
  });
  if (issuer !== discovered.metadata.issuer) checkTenantAllowed(claims.tid, input.allowedTenants);
  return { idTokenClaims: claims, idToken, accessToken: result.access_token };
}

/** The discovered issuer, or for a tenant template the issuer of the tenant the ID token names. */
async function expectedIssuer(metadata: oauth.AuthorizationServer, response: Response): Promise<string> {
  if (!isTenantTemplate(metadata.issuer)) return metadata.issuer;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  const idToken = typeof body === 'object' && body !== null && 'id_token' in body ? body.id_token : undefined;
  // Without an ID token oauth4webapi refuses the response itself; the issuer does not matter then.
  return typeof idToken === 'string' ? tenantIssuer(metadata.issuer, idToken) : metadata.issuer;
}

/**
 * The algorithms the signature may use: those the IdP advertises for ID tokens (OIDC Discovery §3; RS256
 * when it lists none, OIDC Core §15.1), asymmetric only, so neither `none` nor a MAC keyed with something
 * public can pass (RFC 8725 §2.1).
 */
export function signingAlgorithms(metadata: oauth.AuthorizationServer): string[] {
  const advertised = metadata.id_token_signing_alg_values_supported ?? ['RS256'];
  return ASYMMETRIC_ALGORITHMS.filter((alg) => advertised.includes(alg));
}
