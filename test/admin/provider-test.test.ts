// The admin's Test of a provider (POST /sso/OID/Test, /sso/SAML/Test), called through the generated client
// against real identity providers: the in-process OpenID Provider, the hostile OP (key set down, Entra ID's
// discovery shape, another issuer), an IdP that is not there, and SAML certificates and SSO URLs.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  addOidcProvider,
  addSamlProvider,
  testOidcProvider,
  testSamlProvider,
  type ProviderCheck,
  type ProviderTestReport,
} from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startHostileOp, type HostileOp } from '../support/hostile-op.js';
import { jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { genuineAndRogueIdps } from '../support/saml-idp.js';
import { createUserWithToken } from '../support/users.js';
import { makeCertificates } from './certificates.js';

const OIDC_CHECKS = [
  'oidc.discovery',
  'oidc.issuer',
  'oidc.jwks',
  'oidc.pkce',
  'oidc.par',
  'oidc.client_auth',
  'oidc.client_credentials',
  'oidc.redirect_uri',
  'oidc.role_claim',
];
const SAML_CHECKS = [
  'saml.certificate',
  'saml.sso_url',
  'saml.sp_entity_id',
  'saml.acs_url',
  'saml.clock_skew',
  'saml.signing',
];
const RIGHT_SECRET = 'jellyfin-secret';
const WRONG_SECRET = 'wrong-secret-4b9e1f7c2d';

let t: TestApp;
let idp: OidcIdp;
let op: HostileOp;

beforeAll(async () => {
  const port = await freePort();
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  idp = await startOidcIdp({
    clients: [jellyfinClient(port, 'idp')],
    accounts: { 'sub-alice': { preferred_username: 'alice', groups: ['jellyfin-users'] } },
  });
  op = await startHostileOp();
});
afterAll(async () => {
  await op.close();
  await idp.close();
  await t.close();
});

async function addOidc(provider: string, body: Record<string, unknown>): Promise<void> {
  await addOidcProvider({
    client: t.admin,
    path: { provider },
    body: { oidEndpoint: idp.issuer, oidClientId: 'jellyfin', oidSecret: RIGHT_SECRET, ...body },
    throwOnError: true,
  });
}

async function testOidc(provider: string): Promise<ProviderTestReport> {
  const { data, response } = await testOidcProvider({ client: t.admin, path: { provider } });
  expect(response.status).toBe(200);
  return data!;
}

function check(report: ProviderTestReport, id: string): ProviderCheck {
  const found = report.checks.find((c) => c.check === id);
  expect(found, id).toBeDefined();
  return found!;
}

function statuses(report: ProviderTestReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.check, c.status]));
}

describe('OIDC Test against the in-process OpenID Provider', () => {
  it('when the provider is configured right, then every check passes, in order', async () => {
    await addOidc('idp', { roleClaim: 'groups', oidScopes: ['groups'] });
    const report = await testOidc('idp');
    expect(report).toMatchObject({ provider: 'idp', protocol: 'oidc' });
    expect(report.checks.map((c) => c.check)).toEqual(OIDC_CHECKS);
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(check(report, 'oidc.redirect_uri').detail).toContain(`${t.config.publicUrl}/sso/OID/redirect/idp`);
    expect(check(report, 'oidc.client_auth').detail).toContain('client_secret_basic');
    expect(check(report, 'oidc.client_credentials').detail).toContain('invalid_grant');
  });

  it('when the IdP advertises PAR, then the report says the service pushes; switched off, it says so', async () => {
    await addOidc('idp', { roleClaim: 'groups', oidScopes: ['groups'] });
    expect(check(await testOidc('idp'), 'oidc.par').detail).toContain('advertises PAR: the service pushes');
    await addOidc('idp-no-par', { disablePushedAuthorization: true });
    expect(check(await testOidc('idp-no-par'), 'oidc.par').detail).toContain(
      '"disablePushedAuthorization" is set',
    );
  });

  it('when the client secret is wrong, then oidc.client_credentials fails and the secret is shown nowhere', async () => {
    await addOidc('idp-wrong', { oidSecret: WRONG_SECRET });
    const report = await testOidc('idp-wrong');
    expect(check(report, 'oidc.client_credentials')).toMatchObject({ status: 'fail' });
    expect(check(report, 'oidc.client_credentials').detail).toContain('refused the client id or secret');
    expect(statuses(report)).toMatchObject({ 'oidc.discovery': 'pass', 'oidc.jwks': 'pass' });
    expect(JSON.stringify(report)).not.toContain(WRONG_SECRET);
    expect(t.logs()).not.toContain(WRONG_SECRET);
    expect(t.logs()).not.toContain(RIGHT_SECRET);
  });

  it('when roleClaim is groups and no groups scope is requested, then oidc.role_claim warns', async () => {
    await addOidc('idp-no-scope', { roleClaim: 'groups' });
    const roleClaim = check(await testOidc('idp-no-scope'), 'oidc.role_claim');
    expect(roleClaim).toMatchObject({ status: 'warn' });
    expect(roleClaim.fix).toContain('"groups"');
  });

  it('when role rules are configured without a roleClaim, then oidc.role_claim warns', async () => {
    await addOidc('idp-no-claim', { enableAuthorization: true, roles: ['jellyfin-users'] });
    expect(check(await testOidc('idp-no-claim'), 'oidc.role_claim')).toMatchObject({ status: 'warn' });
  });
});

describe('OIDC Test against the hostile OP', () => {
  async function addHostile(provider: string, body: Record<string, unknown> = {}): Promise<void> {
    await addOidc(provider, { oidEndpoint: op.issuer, oidSecret: op.clientSecret, ...body });
  }

  it('when its key set answers 503, then oidc.jwks fails and the reply is still 200', async () => {
    await addHostile('jwks-down');
    op.jwksStatus = 503;
    try {
      const jwks = check(await testOidc('jwks-down'), 'oidc.jwks');
      expect(jwks).toMatchObject({ status: 'fail' });
      expect(jwks.detail).toContain('HTTP 503');
    } finally {
      op.jwksStatus = null;
    }
    expect(check(await testOidc('jwks-down'), 'oidc.jwks').status).toBe('pass');
  });

  it("when discovery is Entra ID's (no code_challenge_methods_supported), then oidc.pkce warns", async () => {
    const entra = await startHostileOp({ tenantTemplate: true });
    try {
      await addOidc('entra', {
        oidEndpoint: `${entra.issuer}/common/v2.0`,
        oidSecret: entra.clientSecret,
        doNotLoadProfile: true,
      });
      const report = await testOidc('entra');
      expect(check(report, 'oidc.pkce')).toMatchObject({ status: 'warn' });
      expect(check(report, 'oidc.issuer').detail).toContain('multi-tenant template');
      expect(statuses(report)).toMatchObject({ 'oidc.jwks': 'pass', 'oidc.client_credentials': 'pass' });
    } finally {
      await entra.close();
    }
  });

  it('when the issuer differs from oidEndpoint, then oidc.issuer fails and the other checks still run', async () => {
    await addHostile('other-issuer', {
      oidEndpoint: `http://localhost:${op.port}`,
      doNotValidateEndpoints: true,
    });
    const report = await testOidc('other-issuer');
    expect(statuses(report)).toMatchObject({
      'oidc.discovery': 'pass',
      'oidc.issuer': 'fail',
      'oidc.jwks': 'pass',
      'oidc.client_credentials': 'pass',
    });
    expect(check(report, 'oidc.issuer').detail).toContain(op.issuer);
  });

  it('when the client authenticates with a wrong secret, then the OP saw the probe refused as invalid_client', async () => {
    await addHostile('hostile-wrong', { oidSecret: WRONG_SECRET });
    const before = op.tokenRequests.length;
    expect(check(await testOidc('hostile-wrong'), 'oidc.client_credentials').status).toBe('fail');
    expect(op.tokenRequests.slice(before)).toEqual([
      expect.objectContaining({ authMethod: 'client_secret_basic', clientAuthenticated: false, status: 401 }),
    ]);
  });
});

describe('OIDC Test when the IdP is not there', () => {
  it('when discovery cannot be reached, then oidc.discovery fails, the network checks say why, and no 5xx', async () => {
    await addOidc('gone', { oidEndpoint: `http://127.0.0.1:${await freePort()}` });
    const report = await testOidc('gone');
    expect(report.checks.map((c) => c.check)).toEqual(OIDC_CHECKS);
    expect(check(report, 'oidc.discovery').status).toBe('fail');
    for (const id of ['oidc.issuer', 'oidc.jwks', 'oidc.pkce', 'oidc.par', 'oidc.client_auth']) {
      expect(check(report, id)).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('Not checked'),
      });
    }
    expect(check(report, 'oidc.client_credentials').fix).toContain('oidc.discovery');
    expect(check(report, 'oidc.redirect_uri').status).toBe('pass');
  });
});

describe('SAML Test', () => {
  const certificates = makeCertificates();
  const { idp: samlIdp } = genuineAndRogueIdps();
  let ssoServer: Server;
  let ssoUrl: string;

  beforeAll(async () => {
    // An SSO endpoint answers a GET without SAMLRequest with an error page of its own.
    ssoServer = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end('<p>no SAMLRequest</p>');
    });
    ssoServer.listen(0, '127.0.0.1');
    await once(ssoServer, 'listening');
    ssoUrl = `http://127.0.0.1:${(ssoServer.address() as AddressInfo).port}/sso`;
  });
  afterAll(async () => {
    ssoServer.close();
    await once(ssoServer, 'close');
  });

  async function addAndTest(
    provider: string,
    body: { samlEndpoint?: string; samlCertificate?: string } = {},
  ): Promise<ProviderTestReport> {
    await addSamlProvider({
      client: t.admin,
      path: { provider },
      body: {
        samlEndpoint: ssoUrl,
        samlClientId: 'jellyfin-sp',
        samlCertificate: samlIdp.certificateBase64,
        ...body,
      },
      throwOnError: true,
    });
    const { data, response } = await testSamlProvider({ client: t.admin, path: { provider } });
    expect(response.status).toBe(200);
    return data!;
  }

  it("when the provider has the test IdP's certificate and a live SSO URL, then every check passes", async () => {
    const report = await addAndTest('saml-ok');
    expect(report).toMatchObject({ provider: 'saml-ok', protocol: 'saml' });
    expect(report.checks.map((c) => c.check)).toEqual(SAML_CHECKS);
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(check(report, 'saml.sso_url').detail).toContain('HTTP 400');
    expect(check(report, 'saml.sp_entity_id').detail).toContain('"jellyfin-sp"');
    expect(check(report, 'saml.acs_url').detail).toContain(`${t.config.publicUrl}/sso/SAML/post/saml-ok`);
    expect(check(report, 'saml.acs_url').detail).toContain(`${t.config.publicUrl}/sso/SAML/metadata/saml-ok`);
    expect(check(report, 'saml.clock_skew').detail).toContain('120 s');
    expect(check(report, 'saml.signing').detail).toContain('SHA-1 is refused');
  });

  it('when the certificate has expired, then saml.certificate fails', async () => {
    const report = await addAndTest('saml-expired', { samlCertificate: certificates.expiredBase64 });
    expect(check(report, 'saml.certificate')).toMatchObject({ status: 'fail' });
    expect(check(report, 'saml.certificate').detail).toContain('expired on');
  });

  it('when the certificate ends within 30 days, then saml.certificate warns', async () => {
    const report = await addAndTest('saml-ending', { samlCertificate: certificates.base64 });
    expect(check(report, 'saml.certificate')).toMatchObject({ status: 'warn' });
  });

  it('when the SSO URL cannot be reached, then saml.sso_url fails', async () => {
    const report = await addAndTest('saml-gone', {
      samlEndpoint: `http://127.0.0.1:${await freePort()}/sso`,
    });
    expect(check(report, 'saml.sso_url')).toMatchObject({ status: 'fail' });
    expect(check(report, 'saml.sso_url').detail).toContain('could not be reached');
  });
});

describe('who may run a Test', () => {
  it('when the provider does not exist, then 404 provider_not_found for both protocols', async () => {
    const oidc = await testOidcProvider({ client: t.admin, path: { provider: 'nobody' } });
    expect(oidc.response.status).toBe(404);
    expect(oidc.error).toMatchObject({ code: 'provider_not_found', status: 404 });
    const saml = await testSamlProvider({ client: t.admin, path: { provider: 'nobody' } });
    expect(saml.response.status).toBe(404);
    expect(saml.error).toMatchObject({ code: 'provider_not_found' });
  });

  it('when a non-administrator calls it, then 403 and nothing is requested from the IdP', async () => {
    await addOidc('idp', { roleClaim: 'groups', oidScopes: ['groups'] });
    const { token } = await createUserWithToken(t);
    const before = idp.requests.discovery;
    const result = await testOidcProvider({ client: t.clientWith(token), path: { provider: 'idp' } });
    expect(result.response.status).toBe(403);
    expect(result.error).toMatchObject({ code: 'forbidden' });
    expect(idp.requests.discovery).toBe(before);
  });
});
