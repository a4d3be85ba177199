// The protocol engines the connectors wrap: OIDC on openid-client (oidc.ts) and SAML verification
// (saml.ts). Only the connectors call them; the use cases see the `Connector` port of src/sso/ports.ts.
import type { LogoutNotice } from '../sso/ports.js';
import type { OidcProviderSettings, ProviderRecord, SamlProviderSettings } from '../sso/provider-settings.js';

/** What the OIDC engine keeps for its code exchange. */
export interface OidcSecrets {
  pkceVerifier: string;
  nonce: string;
  redirectUri: string;
}

/** Claims the IdP asserted: ID token, then userinfo, then the access token's claims when it is a JWT. */
export type Claims = Record<string, unknown>;

export interface OidcProtocol {
  /** Builds the authorization request (PAR when discovery advertises it and it is not switched off). */
  start(
    provider: ProviderRecord<OidcProviderSettings>,
    input: { state: string; redirectUri: string },
  ): Promise<{ url: string; secrets: OidcSecrets }>;
  /**
   * Exchanges the code of the callback URL and validates everything (state, PKCE, ID token signature, iss,
   * aud, exp, nonce, userinfo `sub`). Throws SsoError (`idp_error`, `idp_response_invalid`,
   * `upstream_unavailable`) with the library error as cause.
   */
  finish(
    provider: ProviderRecord<OidcProviderSettings>,
    input: { callbackUrl: URL; state: string; secrets: OidcSecrets },
  ): Promise<{ subject: string; claims: Claims; session?: OidcSession }>;
  /** The IdP's RP-initiated logout URL (oidc-logout.ts); null when discovery advertises none. */
  endSessionUrl?(
    provider: ProviderRecord<OidcProviderSettings>,
    input: { idToken: string | null; postLogoutRedirectUri: string },
  ): Promise<string | null>;
  /** Validates a back-channel logout token (oidc-logout.ts). */
  verifyLogoutToken?(
    provider: ProviderRecord<OidcProviderSettings>,
    input: { logoutToken: string; now: Date },
  ): Promise<LogoutNotice>;
}

/** The IdP session a sign-in belongs to, for logout: the raw ID token and its `sid` claim, if any. */
export interface OidcSession {
  idToken: string;
  sid: string | null;
}

/** What a verified SAML response proved, read only from the signed element. */
export interface SamlAssertion {
  assertionId: string;
  issuer: string | null;
  nameId: string;
  attributes: Record<string, string[]>;
  inResponseTo: string;
  /** The NameID's Format and the AuthnStatement's SessionIndex: what a LogoutRequest repeats (Core §3.7.1). */
  nameIdFormat?: string | null;
  sessionIndex?: string | null;
  /** When the assertion stops being valid; the replay cache keeps its id until then. */
  notOnOrAfter: Date;
}

export interface SamlProtocol {
  /** A deflated AuthnRequest on the HTTP-Redirect binding. */
  start(
    provider: ProviderRecord<SamlProviderSettings>,
    input: { relayState: string; acsUrl: string },
  ): Promise<{ url: string; requestId: string }>;
  /** Reads the (unverified) InResponseTo of a posted response, to find its flow. Null when absent. */
  peekInResponseTo(samlResponse: string): string | null;
  /**
   * Verifies a posted response: signature by the configured certificate on the element whose data is used,
   * audience, recipient, destination, InResponseTo and validity windows (SAML Core §2.5, Profiles §4.1.4.3).
   * Throws SsoError naming the failed check.
   */
  verify(
    provider: ProviderRecord<SamlProviderSettings>,
    input: { samlResponse: string; acsUrl: string; expectedRequestId: string; now: Date },
  ): Promise<SamlAssertion>;
  /** SP metadata XML for the provider; with `sloUrl`, its SingleLogoutService (SAML Metadata §2.2.2). */
  metadata(
    provider: ProviderRecord<SamlProviderSettings>,
    input: { acsUrl: string; sloUrl?: string },
  ): string;
}
