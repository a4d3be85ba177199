// Users with links made the real way, for tests of the link administration: an OIDC provider `idp` (the
// in-process OpenID Provider) and a SAML provider `corp` (the test SAML IdP); a sign-in through `idp` makes
// a user with one link, and the SAML linking flow adds a second identity to a signed-in user.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import {
  addOidcProvider,
  addSamlProvider,
  authenticateOidc,
  createLink,
  type Client,
} from '../../clients/typescript/index.js';
import type { TestApp } from './app.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from './browser.js';
import { followLogin, type OidcIdp } from './oidc-idp.js';
import { createSamlIdp, type SamlIdp } from './saml-idp.js';

export interface LinkingWorld {
  t: TestApp;
  /** Its client `jellyfin` must redirect to the service's provider `idp`. */
  idp: OidcIdp;
  saml: SamlIdp;
  /** An elevated client of the service. */
  admin: Client;
}

export interface SignedInUser {
  id: string;
  token: string;
}

function samlFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
}

export function createTestSamlIdp(): SamlIdp {
  return createSamlIdp({
    entityId: 'https://idp.example.test',
    privateKeyPem: samlFixture('idp-key.pem'),
    certPem: samlFixture('idp-cert.pem'),
  });
}

/** Adds the OIDC provider `idp` and the SAML provider `corp`, neither with a role gate. */
export async function addLinkingProviders(w: LinkingWorld): Promise<void> {
  const oidc = await addOidcProvider({
    client: w.admin,
    path: { provider: 'idp' },
    body: { oidEndpoint: w.idp.issuer, oidClientId: 'jellyfin', oidSecret: 'jellyfin-secret', enabled: true },
  });
  expect(oidc.response.status).toBe(200);
  const saml = await addSamlProvider({
    client: w.admin,
    path: { provider: 'corp' },
    body: {
      samlEndpoint: 'https://idp.example.test/sso',
      samlClientId: 'jellyfin',
      samlCertificate: w.saml.certificateBase64,
      enabled: true,
    },
  });
  expect(saml.response.status).toBe(200);
}

/** A whole OIDC sign-in through `idp` as the IdP account `sub`: its user (made on first sign-in) and token. */
export async function signInThroughOidc(w: LinkingWorld, sub: string): Promise<SignedInUser> {
  const jar = new CookieJar();
  const start = await browserGet(`${w.t.baseUrl}/sso/OID/start/idp`, jar);
  const page = await browserGet(await followLogin(start.headers.get('location') ?? '', sub), jar);
  const result = await authenticateOidc({
    client: w.t.anonymous,
    path: { provider: 'idp' },
    body: authBody(pageParams(page.text).data),
    headers: { cookie: jar.header() },
  });
  expect(result.response.status).toBe(200);
  return { id: result.data?.User.Id ?? '', token: result.data?.AccessToken ?? '' };
}

/** Links the SAML identity `nameId` at `corp` to the signed-in user, through the linking flow. */
export async function linkSamlIdentity(w: LinkingWorld, user: SignedInUser, nameId: string): Promise<void> {
  const jar = new CookieJar();
  const start = await browserGet(`${w.t.baseUrl}/sso/SAML/start/corp?isLinking=true`, jar);
  const answer = await w.saml.respond(start.headers.get('location') ?? '', { nameId });
  const page = await browserPostForm(
    `${w.t.baseUrl}/sso/SAML/post/corp`,
    { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
    jar,
  );
  const linked = await createLink({
    client: w.t.clientWith(user.token),
    path: { mode: 'saml', provider: 'corp', jellyfinUserId: user.id },
    body: authBody(pageParams(page.text).data),
    headers: { cookie: jar.header() },
  });
  expect(linked.response.status).toBe(204);
}
