// POST /sso/SAML/ImportMetadata through the generated client: Keycloak- and authentik-shaped IdP metadata
// built around the test IdP's certificate, an EntitiesDescriptor, what is refused (POST-only SSO, a DOCTYPE,
// documents that are not IdP metadata, both or neither source, a private address), a URL served on loopback,
// and the answer saved as it is with SAML/Add.
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  addSamlProvider,
  getSamlProviders,
  importSamlMetadata,
  type Problem,
} from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { genuineAndRogueIdps } from '../support/saml-idp.js';
import { createUserWithToken } from '../support/users.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const { idp, rogue } = genuineAndRogueIdps();
const CERT = idp.certificateBase64;
const NOT_AFTER = new Date(new X509Certificate(Buffer.from(CERT, 'base64')).validTo).toISOString();

const keyDescriptor = (cert: string, use?: string): string =>
  `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
const sso = (binding: string, location: string): string =>
  `<md:SingleSignOnService Binding="${binding}" Location="${location}"/>`;

/** Keycloak's realm descriptor: signing key with use="signing", POST and Redirect on the same URL. */
function keycloakMetadata(keys = keyDescriptor(CERT, 'signing'), services?: string): string {
  const url = 'https://kc.example.test/realms/home/protocol/saml';
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${MD}" xmlns:ds="${DS}" entityID="https://kc.example.test/realms/home">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${keys}
    <md:SingleLogoutService Binding="${POST}" Location="${url}"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    ${services ?? sso(POST, url) + sso(REDIRECT, url)}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

/** authentik's provider metadata: a KeyDescriptor without use, and distinct redirect and post URLs. */
function authentikMetadata(
  entityId = 'https://ak.example.test/application/saml/jellyfin/sso/binding/redirect/',
): string {
  return `<md:EntityDescriptor xmlns:md="${MD}" entityID="${entityId}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor><KeyInfo xmlns="${DS}"><X509Data><X509Certificate>
${CERT.replace(/(.{64})/g, '$1\n')}
</X509Certificate></X509Data></KeyInfo></md:KeyDescriptor><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>${sso(POST, 'https://ak.example.test/application/saml/jellyfin/sso/binding/post/')}${sso(REDIRECT, 'https://ak.example.test/application/saml/jellyfin/sso/binding/redirect/')}</md:IDPSSODescriptor></md:EntityDescriptor>`;
}

/** Keycloak metadata padded past 1 MiB with a comment. */
const oversized = (): string =>
  keycloakMetadata().replace('<md:IDPSSODescriptor', `<!--${'x'.repeat(1024 * 1024)}--><md:IDPSSODescriptor`);

let t: TestApp;
let userToken: string;
let metadataServer: Server;
let metadataUrl: string;

beforeAll(async () => {
  t = await startTestApp({ SSO_BODY_LIMIT: String(2 * 1024 * 1024) });
  userToken = (await createUserWithToken(t)).token;
  metadataServer = createServer((request, response) => {
    if (request.url === '/moved') {
      response.writeHead(302, { location: 'https://elsewhere.example.test/md' }).end();
      return;
    }
    const body = request.url === '/big' ? oversized() : keycloakMetadata();
    response.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(body);
  });
  metadataServer.listen(0, '127.0.0.1');
  await once(metadataServer, 'listening');
  // A server listening on a TCP port answers address() with an AddressInfo, never a pipe name.
  metadataUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  metadataServer.close();
  await t.close();
});

async function refusal(body: { xml?: string; url?: string }, status = 400): Promise<Problem> {
  const result = await importSamlMetadata({ client: t.admin, body });
  expect(result.response.status).toBe(status);
  // Every 4xx/5xx of this operation is a Problem in the spec; the client types `error` as their union.
  return result.error as Problem;
}

describe('when the metadata is an IdP EntityDescriptor', () => {
  it('then Keycloak-shaped metadata gives the entity id, the Redirect SSO URL and the signing certificate', async () => {
    const { data, response } = await importSamlMetadata({
      client: t.admin,
      body: { xml: keycloakMetadata() },
    });
    expect(response.status).toBe(200);
    expect(data).toEqual({
      entityId: 'https://kc.example.test/realms/home',
      samlEndpoint: 'https://kc.example.test/realms/home/protocol/saml',
      // Its SingleLogoutService has the POST binding only: logout requests go by redirect.
      samlSloEndpoint: null,
      samlCertificate: CERT,
      certificateNotAfter: NOT_AFTER,
      warnings: [],
    });
  });

  it('then authentik-shaped metadata (no use, wrapped base64) gives its redirect URL and certificate', async () => {
    const { data } = await importSamlMetadata({ client: t.admin, body: { xml: authentikMetadata() } });
    expect(data?.samlEndpoint).toBe(
      'https://ak.example.test/application/saml/jellyfin/sso/binding/redirect/',
    );
    expect(data?.samlCertificate).toBe(CERT);
  });

  it('then a SingleLogoutService on the Redirect binding fills samlSloEndpoint', async () => {
    const url = 'https://kc.example.test/realms/home/protocol/saml';
    const slo = `<md:SingleLogoutService Binding="${REDIRECT}" Location="${url}/slo"/>`;
    const xml = keycloakMetadata().replace('<md:NameIDFormat>', `${slo}<md:NameIDFormat>`);
    const { data } = await importSamlMetadata({ client: t.admin, body: { xml } });
    expect(data?.samlSloEndpoint).toBe(`${url}/slo`);
  });

  it('then an encryption-only key is ignored, and of several signing keys the first is taken with a warning', async () => {
    const keys =
      keyDescriptor(rogue.certificateBase64, 'encryption') +
      keyDescriptor(CERT, 'signing') +
      keyDescriptor(rogue.certificateBase64);
    const { data } = await importSamlMetadata({ client: t.admin, body: { xml: keycloakMetadata(keys) } });
    expect(data?.samlCertificate).toBe(CERT);
    expect(data?.warnings).toEqual([expect.stringContaining('2 signing certificates')]);
  });

  it('then the answer saves as it is with SAML/Add', async () => {
    const { data } = await importSamlMetadata({ client: t.admin, body: { xml: keycloakMetadata() } });
    if (!data) throw new Error('no import');
    const saved = await addSamlProvider({
      client: t.admin,
      path: { provider: 'imported' },
      body: {
        samlEndpoint: data.samlEndpoint,
        samlCertificate: data.samlCertificate,
        samlIdpEntityId: data.entityId,
        samlClientId: 'jellyfin',
      },
    });
    expect(saved.response.status).toBe(200);
    const { data: providers } = await getSamlProviders({ client: t.admin });
    expect(providers?.['imported']).toMatchObject({
      samlEndpoint: data.samlEndpoint,
      samlCertificate: CERT,
      samlIdpEntityId: data.entityId,
    });
  });
});

it('when an EntitiesDescriptor holds an SP and two IdPs, then the first IdP is taken with a warning', async () => {
  const sp = `<md:EntityDescriptor entityID="https://sp.example.test"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`;
  const inner = (xml: string): string => xml.replace(/^<\?xml[^>]*>\s*/, '');
  const xml = `<md:EntitiesDescriptor xmlns:md="${MD}">${sp}${inner(keycloakMetadata())}${authentikMetadata('https://second.example.test')}</md:EntitiesDescriptor>`;
  const { data } = await importSamlMetadata({ client: t.admin, body: { xml } });
  expect(data?.entityId).toBe('https://kc.example.test/realms/home');
  expect(data?.warnings).toEqual([expect.stringContaining('2 identity providers')]);
});

describe('when the metadata cannot serve', () => {
  it('then an IdP with only the HTTP-POST SSO binding is refused, naming the missing Redirect binding', async () => {
    const xml = keycloakMetadata(undefined, sso(POST, 'https://kc.example.test/sso'));
    const problem = await refusal({ xml });
    expect(problem.errors?.[0]?.field).toBe('xml');
    expect(problem.detail).toMatch(/HTTP-Redirect/);
  });

  it('then a DOCTYPE with an entity is refused before parsing', async () => {
    const xml = `<!DOCTYPE md [<!ENTITY e SYSTEM "file:///etc/passwd">]>${keycloakMetadata().replace(/^<\?xml[^>]*>\s*/, '')}`;
    expect((await refusal({ xml })).detail).toMatch(/DOCTYPE/);
  });

  it('then a document that is not SAML metadata is refused', async () => {
    expect((await refusal({ xml: '<html><body>login</body></html>' })).detail).toMatch(/not SAML metadata/);
  });

  it('then SP metadata (no IDPSSODescriptor) is refused as not IdP metadata', async () => {
    const xml = `<md:EntityDescriptor xmlns:md="${MD}" entityID="sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`;
    expect((await refusal({ xml })).detail).toMatch(/not IdP metadata/);
  });

  it('then metadata over 1 MiB is refused, given as text or served at a URL', async () => {
    expect((await refusal({ xml: oversized() })).errors?.[0]?.field).toBe('/body/xml');
    expect((await refusal({ url: `${metadataUrl}/big` })).detail).toMatch(/larger than 1048576 bytes/);
  });
});

describe('when the source is not exactly one of xml and url', () => {
  it('then both are refused', async () => {
    const problem = await refusal({ xml: keycloakMetadata(), url: `${metadataUrl}/md` });
    expect(problem.errors?.[0]?.field).toBe('url');
  });

  it('then neither is refused', async () => {
    expect((await refusal({})).detail).toMatch(/xml or url/);
  });
});

describe('when the metadata is fetched from a URL', () => {
  it('then a loopback http URL is fetched and read', async () => {
    const { data, response } = await importSamlMetadata({
      client: t.admin,
      body: { url: `${metadataUrl}/md` },
    });
    expect(response.status).toBe(200);
    expect(data?.samlCertificate).toBe(CERT);
  });

  it('then a redirect is not followed, and the answer names where it pointed', async () => {
    const problem = await refusal({ url: `${metadataUrl}/moved` }, 502);
    expect(problem.detail).toMatch(/elsewhere\.example\.test/);
  });

  it('then a private address is refused without a connection', async () => {
    const problem = await refusal({ url: 'https://10.0.0.1/metadata' });
    expect(problem.errors?.[0]?.field).toBe('url');
    expect(problem.detail).toMatch(/non-public address 10\.0\.0\.1/);
  });

  it('then plain http to a host that is not loopback is refused', async () => {
    expect((await refusal({ url: 'http://idp.example.test/metadata' })).detail).toMatch(/must be https/);
  });
});

it('when a user who is not an administrator imports, then 403', async () => {
  const result = await importSamlMetadata({
    client: t.clientWith(userToken),
    body: { xml: keycloakMetadata() },
  });
  expect(result.response.status).toBe(403);
});
