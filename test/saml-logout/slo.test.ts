// SAML single logout (SAML Profiles §4.4) through the whole service against the test IdP: the SP metadata's
// SingleLogoutService; an IdP-initiated LogoutRequest ending the sessions of its NameID (and SessionIndex)
// and answered with a LogoutResponse; hostile LogoutRequests refused with nothing ended; and the
// SP-initiated logout of a recorded session (signed with the SP key), whose LogoutResponse is taken once.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSamlProvider, authenticateSaml, getSamlMetadata } from '../../clients/typescript/index.js';
import { createSamlConnector } from '../../src/protocols/saml-connector.js';
import { createSamlLogoutProtocol } from '../../src/protocols/saml-logout.js';
import { createSamlProtocol } from '../../src/protocols/saml.js';
import { isProviderOf } from '../../src/sso/provider-settings.js';
import { createProviderStore } from '../../src/storage/provider-store.js';
import { createReplayCache } from '../../src/storage/replay-cache.js';
import { createSsoSessionStore } from '../../src/storage/sso-session-store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { URN, genuineAndRogueIdps, type SamlIdp } from '../support/saml-idp.js';

const pem = (name: string): string =>
  readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
const IDP_SLO = 'https://idp.example.test/slo';
const EMAIL = URN.unspecified.replace('unspecified', 'emailAddress');

let t: TestApp;
let idp: SamlIdp;
let rogue: SamlIdp;
let sloUrl: string;
let devices = 0;

/** A member signs in (start → IdP → ACS → Auth) on a new device; its token and user id. */
async function signIn(
  nameId: string,
  sessionIndex: string,
): Promise<{ token: string; userId: string; deviceId: string }> {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/SAML/start/corp`, jar);
  const answer = await idp.respond(
    start.headers.get('location') ?? '',
    { nameId, sessionIndex, attributes: { Role: ['jellyfin-users'] } },
    { nameIdFormat: EMAIL },
  );
  const page = await browserPostForm(
    `${t.baseUrl}/sso/SAML/post/corp`,
    { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
    null,
  );
  const deviceId = `slo-device-${++devices}`;
  const auth = await authenticateSaml({
    client: t.anonymous,
    path: { provider: 'corp' },
    body: authBody(pageParams(page.text).data, deviceId),
    headers: { cookie: jar.header() },
  });
  expect(auth.response.status).toBe(200);
  return { token: auth.data?.AccessToken ?? '', userId: auth.data?.User.Id ?? '', deviceId };
}

async function signedIn(token: string): Promise<boolean> {
  return (await t.app.mediaServer.resolveToken(token)) !== null;
}

/** GETs the SLO endpoint as the browser would, without following the redirect. */
async function deliver(url: string): Promise<{ status: number; location: string; text: string }> {
  const response = await fetch(url, { redirect: 'manual', headers: { Accept: 'text/html' } });
  return {
    status: response.status,
    location: response.headers.get('location') ?? '',
    text: await response.text(),
  };
}

/**
 * Signs in, reads the session record Auth wrote, and asks the SAML connector (on the service's own database,
 * so the SLO endpoint knows the request) for the redirect that logs that session out at the IdP.
 */
async function spInitiatedLogout(nameId: string, sessionIndex: string) {
  const user = await signIn(nameId, sessionIndex);
  const { orm, box } = t.app.database;
  const record = await createSsoSessionStore({ orm, box }).findByDevice(
    user.userId,
    user.deviceId,
    new Date(),
  );
  const provider = await createProviderStore({ orm, box }).get('saml', 'corp');
  if (provider === null || !isProviderOf(provider, 'saml') || record === null) throw new Error('no record');
  const deps = {
    engine: createSamlProtocol(),
    replay: createReplayCache({ orm }),
    clock: { now: () => new Date() },
    publicUrl: t.config.publicUrl,
    logout: createSamlLogoutProtocol({ publicUrl: t.config.publicUrl }),
  };
  const connector = createSamlConnector(deps);
  const url = await connector.logoutRedirect?.(provider, { session: record, postLogoutRedirectUri: '' });
  return { record, url: url ?? null };
}

beforeAll(async () => {
  ({ idp, rogue } = genuineAndRogueIdps());
  const port = await freePort();
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  sloUrl = `${t.baseUrl}/sso/SAML/SLO/corp`;
  const { response } = await addSamlProvider({
    client: t.admin,
    path: { provider: 'corp' },
    body: {
      samlEndpoint: 'https://idp.example.test/sso',
      samlSloEndpoint: IDP_SLO,
      samlClientId: 'jellyfin',
      samlCertificate: idp.certificateBase64,
      samlIdpEntityId: idp.entityId,
      samlSpSigningKey: `${pem('sp-key.pem')}\n${pem('sp-cert.pem')}`,
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      roles: ['jellyfin-users'],
    },
  });
  expect(response.status).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

describe('SAML single logout', () => {
  it('the SP metadata advertises the SingleLogoutService on the Redirect binding', async () => {
    const { data } = await getSamlMetadata({
      client: t.anonymous,
      path: { provider: 'corp' },
      parseAs: 'text',
    });
    expect(data).toContain(`<md:SingleLogoutService Binding="${URN.redirect}" Location="${sloUrl}"/>`);
  });

  it('an IdP LogoutRequest ends the session of its NameID and SessionIndex, then of the NameID, and is answered', async () => {
    const first = await signIn('alice@example.com', 's-a1');
    const second = await signIn('alice@example.com', 's-a2');
    const bob = await signIn('bob@example.com', 's-b1');

    const request = idp.slo.logoutRequest(
      sloUrl,
      { nameId: 'alice@example.com', nameIdFormat: EMAIL, sessionIndex: 's-a1' },
      { relayState: 'idp-state' },
    );
    const reply = await deliver(request.url);
    expect(reply.status).toBe(302);
    expect(reply.location.startsWith(`${IDP_SLO}?SAMLResponse=`)).toBe(true);
    const answer = idp.slo.read(reply.location, pem('sp-cert.pem'));
    expect(answer.signatureValid).toBe(true);
    expect(answer.relayState).toBe('idp-state');
    expect(answer.rootAttribute('InResponseTo')).toBe(request.id);
    expect(answer.rootAttribute('Destination')).toBe(IDP_SLO);
    expect(answer.text('Issuer')).toBe('jellyfin');
    expect(answer.xml).toContain(`StatusCode Value="${URN.success}"`);
    expect([await signedIn(first.token), await signedIn(second.token), await signedIn(bob.token)]).toEqual([
      false,
      true,
      true,
    ]);

    const everything = idp.slo.logoutRequest(sloUrl, { nameId: 'alice@example.com', nameIdFormat: EMAIL });
    expect((await deliver(everything.url)).status).toBe(302);
    expect([await signedIn(second.token), await signedIn(bob.token)]).toEqual([false, true]);
  });

  describe('hostile LogoutRequests are refused and end nothing', () => {
    const expired = new Date(Date.now() - 600_000).toISOString();
    const cases: Array<[string, () => string]> = [
      ['unsigned', () => idp.slo.logoutRequest(sloUrl, { nameId: 'carol' }, { sign: false }).url],
      ['signed by another key', () => rogue.slo.logoutRequest(sloUrl, { nameId: 'carol' }).url],
      [
        'from another issuer',
        () => idp.slo.logoutRequest(sloUrl, { nameId: 'carol', issuer: 'https://evil' }).url,
      ],
      ['expired', () => idp.slo.logoutRequest(sloUrl, { nameId: 'carol', notOnOrAfter: expired }).url],
      [
        'addressed elsewhere',
        () => idp.slo.logoutRequest(sloUrl, { nameId: 'carol', destination: 'https://other/slo' }).url,
      ],
      [
        'altered after signing',
        () =>
          idp.slo
            .logoutRequest(sloUrl, { nameId: 'carol' }, { relayState: 'a' })
            .url.replace('RelayState=a', 'RelayState=b'),
      ],
    ];
    for (const [name, make] of cases) {
      it(`when it is ${name}, then the answer is 401 and the session stays`, async () => {
        const carol = await signIn('carol', 's-c');
        const reply = await deliver(make());
        expect(reply.status).toBe(401);
        expect(reply.text).toContain('<!doctype html>');
        expect(await signedIn(carol.token)).toBe(true);
      });
    }

    it('when a valid LogoutRequest is replayed, then the second delivery is refused', async () => {
      await signIn('dave', 's-d');
      const { url } = idp.slo.logoutRequest(sloUrl, { nameId: 'dave' });
      expect((await deliver(url)).status).toBe(302);
      const later = await signIn('dave', 's-d2');
      expect((await deliver(url)).status).toBe(401);
      expect(await signedIn(later.token)).toBe(true);
    });
  });

  it('an SP-initiated logout sends the recorded NameID and SessionIndex, signed, and takes the answer once', async () => {
    const { record, url } = await spInitiatedLogout('erin@example.com', 's-e1');
    expect(record).toMatchObject({
      protocol: 'saml',
      subject: 'erin@example.com',
      sid: 's-e1',
      nameIdFormat: EMAIL,
    });

    const sent = idp.slo.read(url ?? '', pem('sp-cert.pem'));
    expect(sent.param).toBe('SAMLRequest');
    expect(sent.signatureValid).toBe(true);
    expect(sent.rootAttribute('Destination')).toBe(IDP_SLO);
    expect(sent.text('NameID')).toBe('erin@example.com');
    expect(sent.xml).toContain(`Format="${EMAIL}"`);
    expect(sent.text('SessionIndex')).toBe('s-e1');
    expect(sent.text('Issuer')).toBe('jellyfin');

    const requestId = sent.rootAttribute('ID') ?? '';
    const unknown = await deliver(idp.slo.logoutResponse(sloUrl, '_not-ours'));
    expect(unknown.status).toBe(401);
    const refusedAtIdp = idp.slo.logoutResponse(sloUrl, requestId, { status: URN.responder });
    expect((await deliver(refusedAtIdp)).status).toBe(401);
  });

  it('an answer to an SP-initiated logout goes on to the landing page, once only', async () => {
    const { url } = await spInitiatedLogout('fan@example.com', 's-f1');
    const sent = idp.slo.read(url ?? '');
    const response = idp.slo.logoutResponse(sloUrl, sent.rootAttribute('ID') ?? '');
    const first = await deliver(response);
    expect(first.status).toBe(302);
    expect(first.location).toBe(`${t.config.publicUrl}/sso/`);
    expect((await deliver(response)).status).toBe(401);
    const wrongIssuer = idp.slo.logoutResponse(sloUrl, sent.rootAttribute('ID') ?? '', {
      issuer: 'https://evil',
    });
    expect((await deliver(wrongIssuer)).status).toBe(401);
  });
});
