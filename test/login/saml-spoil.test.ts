// Nobody can spoil another person's SAML sign-in: the victim's request id and RelayState are in the
// AuthnRequest URL, and the ACS is an unauthenticated POST. Hostile posts that name the victim's flow are
// refused and leave it `started`, so the victim's genuine answer still signs them in.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSamlProvider, authenticateSaml } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import {
  assertionOf,
  genuineAndRogueIdps,
  edit,
  encodeResponse,
  evilAssertion,
  stripSignatures,
  type SamlIdp,
} from '../support/saml-idp.js';

let t: TestApp;
let idp: SamlIdp;
let rogue: SamlIdp;

beforeEach(async () => {
  const port = await freePort();
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  ({ idp, rogue } = genuineAndRogueIdps());
  const { response } = await addSamlProvider({
    client: t.admin,
    path: { provider: 'corp' },
    body: {
      samlEndpoint: 'https://idp.example.test/sso',
      samlClientId: 'jellyfin',
      samlCertificate: idp.certificateBase64,
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      roles: ['jellyfin-users'],
    },
  });
  expect(response.status).toBe(200);
});
afterEach(async () => {
  await t.close();
});

async function start(): Promise<{ jar: CookieJar; url: string }> {
  const jar = new CookieJar();
  const started = await browserGet(`${t.baseUrl}/sso/SAML/start/corp`, jar);
  expect(started.status).toBe(302);
  return { jar, url: started.headers.get('location') ?? '' };
}

const post = (samlResponse: string, relayState: string) =>
  browserPostForm(
    `${t.baseUrl}/sso/SAML/post/corp`,
    { SAMLResponse: samlResponse, RelayState: relayState },
    null,
  );

const ALICE = { nameId: 'alice@example.com', attributes: { Role: ['jellyfin-users'] } };
const MALLORY = { nameId: 'mallory@example.com', attributes: { Role: ['jellyfin-users'] } };

describe('SAML ACS: a forged post cannot spoil another sign-in', () => {
  it('when hostile posts name the victim flow, then each is refused and the victim still signs in', async () => {
    const victim = await start();
    const request = await idp.parseRequest(victim.url);
    const relayState = request.relayState ?? '';
    const stolenId = request.id;

    // What the attacker can make: their own genuine answer (they are a user of the IdP too), one signed by
    // their own key for the victim's request, and edits of both.
    const own = await start();
    const mine = await idp.respond(own.url, MALLORY);
    const byRogue = await rogue.respond(victim.url, MALLORY);
    const retargeted = mine.xml.split(mine.request.id).join(stolenId);
    const signed = assertionOf(mine.xml);
    const wrapped = edit(mine.xml, signed, signed + evilAssertion(retargeted, 'alice@example.com'));
    const idpError = stripSignatures(retargeted).replace(
      'urn:oasis:names:tc:SAML:2.0:status:Success',
      'urn:oasis:names:tc:SAML:2.0:status:Requester',
    );
    const hostile: Record<string, string> = {
      unsigned: encodeResponse(stripSignatures(byRogue.xml)),
      'bad signature': encodeResponse(retargeted),
      'signed by another key': byRogue.samlResponse,
      wrapped: encodeResponse(wrapped),
      'unsigned IdP error': encodeResponse(idpError),
      'not XML': Buffer.from('<oops').toString('base64'),
    };
    for (const [kind, samlResponse] of Object.entries(hostile)) {
      for (const relay of [relayState, '']) {
        const page = await post(samlResponse, relay);
        expect(page.status, kind).toBeGreaterThanOrEqual(400);
        expect(page.status, kind).toBeLessThan(500);
      }
    }

    const genuine = await idp.respond(victim.url, ALICE);
    const page = await post(genuine.samlResponse, genuine.relayState ?? '');
    expect(page.status).toBe(200);
    const { data, response } = await authenticateSaml({
      client: t.anonymous,
      path: { provider: 'corp' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: victim.jar.header() },
    });
    expect(response.status).toBe(200);
    expect(data?.User.Name).toBe('alice@example.com');
  });
});
