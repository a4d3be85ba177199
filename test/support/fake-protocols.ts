// Fake protocol engines (OidcProtocol, SamlProtocol of src/protocols/engines.ts) for use-case tests: an
// identity provider that signs in whoever the test says, with no HTTP, keys or XML. The real connectors run
// on top of them, so claim and attribute reading and the replay check are the service's own. A person "signs in at the IdP"
// with `idp.signIn(subject, claims)`, which gives the code (OIDC) or response (SAML) the browser would
// bring back. The fakes still check what the real adapters check against the flow: the OIDC state and the
// secrets its start issued, and the SAML InResponseTo.
import { randomBytes } from 'node:crypto';
import { SsoError } from '../../src/sso/errors.js';
import type {
  Claims,
  OidcProtocol,
  OidcSecrets,
  SamlAssertion,
  SamlProtocol,
} from '../../src/protocols/engines.js';

export const IDP_URL = 'https://idp.test';

/** What the fake SAML IdP posts back: the assertion's content, in clear, as JSON. */
interface FakeSamlResponse {
  inResponseTo: string;
  nameId: string;
  attributes: Record<string, string[]>;
  assertionId: string;
}

export interface FakeIdp {
  oidc: OidcProtocol;
  saml: SamlProtocol;
  /** OIDC: the authorization code that proves this person (the IdP's answer to the browser). */
  signIn(subject: string, claims?: Claims): string;
  /** SAML: a response to the AuthnRequest `inResponseTo`, naming this person with these attributes. */
  samlResponse(inResponseTo: string, nameId: string, attributes?: Record<string, string[]>): string;
}

function invalid(detail: string): SsoError {
  return new SsoError('idp_response_invalid', 'The identity provider sent an answer that is not valid.', {
    step: 'verify',
    detail,
  });
}

function random(): string {
  return randomBytes(12).toString('hex');
}

export function createFakeIdp(): FakeIdp {
  const codes = new Map<string, { subject: string; claims: Claims }>();
  /** The secrets each OIDC start issued, by state: finish must be given the same ones. */
  const issued = new Map<string, OidcSecrets>();

  const oidc: OidcProtocol = {
    async start(_provider, { state, redirectUri }) {
      const secrets = { pkceVerifier: random(), nonce: random(), redirectUri };
      issued.set(state, secrets);
      const url = new URL('/authorize', IDP_URL);
      url.search = new URLSearchParams({ state, redirect_uri: redirectUri }).toString();
      return { url: url.toString(), secrets };
    },
    async finish(_provider, { callbackUrl, state, secrets }) {
      const expected = issued.get(state);
      if (!expected || expected.pkceVerifier !== secrets.pkceVerifier || expected.nonce !== secrets.nonce)
        throw invalid('state or PKCE verifier does not match the authorization request');
      const answer = codes.get(callbackUrl.searchParams.get('code') ?? '');
      if (!answer) throw invalid('unknown authorization code');
      return answer;
    },
  };

  const saml: SamlProtocol = {
    async start(_provider, { relayState }) {
      const requestId = `_${random()}`;
      const url = new URL('/saml', IDP_URL);
      url.search = new URLSearchParams({ RelayState: relayState, id: requestId }).toString();
      return { url: url.toString(), requestId };
    },
    peekInResponseTo(samlResponse) {
      try {
        return (JSON.parse(samlResponse) as FakeSamlResponse).inResponseTo;
      } catch {
        return null;
      }
    },
    async verify(_provider, { samlResponse, expectedRequestId, now }): Promise<SamlAssertion> {
      const response = JSON.parse(samlResponse) as FakeSamlResponse;
      if (response.inResponseTo !== expectedRequestId)
        throw invalid('InResponseTo does not match the request');
      return {
        assertionId: response.assertionId,
        issuer: IDP_URL,
        nameId: response.nameId,
        attributes: response.attributes,
        inResponseTo: response.inResponseTo,
        notOnOrAfter: new Date(now.getTime() + 5 * 60_000),
      };
    },
    metadata: () => '<EntityDescriptor/>',
  };

  return {
    oidc,
    saml,
    signIn(subject, claims = {}) {
      const code = random();
      codes.set(code, { subject, claims: { sub: subject, ...claims } });
      return code;
    },
    samlResponse(inResponseTo, nameId, attributes = {}) {
      const response: FakeSamlResponse = { inResponseTo, nameId, attributes, assertionId: `_${random()}` };
      return JSON.stringify(response);
    },
  };
}
