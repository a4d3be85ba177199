// The rules of the OIDC Test one by one (src/protocols/oidc-diagnostics.ts), against the in-process OpenID
// Provider whose discovery document each case reshapes the way some IdP serves it.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { diagnoseOidc } from '../../src/protocols/oidc-diagnostics.js';
import type { ProviderCheck } from '../../src/sso/ports.js';
import type { OidcProviderSettings } from '../../src/sso/provider-settings.js';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { oidcProvider } from './fixtures.js';

const REDIRECT_URI = 'https://jellyfin.example.com/sso/OID/redirect/test';

let idp: OidcIdp;
let rewrite: (document: Record<string, unknown>) => Record<string, unknown>;
/** A key-set endpoint on another origin, serving what a case puts in `foreignKeys`. */
let keyServer: Server;
let keyServerUrl: string;
let foreignKeys: unknown;

beforeAll(async () => {
  idp = await startOidcIdp({
    clients: [{ client_id: 'jellyfin', client_secret: 'jellyfin-secret', redirect_uris: [REDIRECT_URI] }],
    accounts: {},
    rewriteDiscovery: (document) => rewrite(document),
  });
  keyServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(foreignKeys));
  });
  keyServer.listen(0, '127.0.0.1');
  await once(keyServer, 'listening');
  keyServerUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/jwks`;
});
afterAll(async () => {
  keyServer.close();
  await idp.close();
});
beforeEach(() => {
  rewrite = (document) => document;
});

async function run(
  settings: Partial<OidcProviderSettings> = {},
  options: { clientSecret?: string | null; redirectUri?: string } = {},
): Promise<Record<string, ProviderCheck>> {
  const checks = await diagnoseOidc({
    provider: oidcProvider(
      { oidEndpoint: idp.issuer, ...settings },
      { clientSecret: options.clientSecret === undefined ? 'jellyfin-secret' : options.clientSecret },
    ),
    redirectUri: options.redirectUri ?? REDIRECT_URI,
    timeoutMs: 5_000,
    userAgent: 'jellyfin-sso',
  });
  return Object.fromEntries(checks.map((check) => [check.check, check]));
}

describe('oidc.pkce', () => {
  it('when the IdP lists PKCE methods without S256, then it fails', async () => {
    rewrite = (document) => ({ ...document, code_challenge_methods_supported: ['plain'] });
    expect((await run())['oidc.pkce']).toMatchObject({ status: 'fail' });
  });
});

describe('oidc.par', () => {
  it('when the IdP requires PAR and the provider switches it off, then it fails', async () => {
    rewrite = (document) => ({ ...document, require_pushed_authorization_requests: true });
    const checks = await run({ disablePushedAuthorization: true });
    expect(checks['oidc.par']).toMatchObject({ status: 'fail', fix: 'Unset "disablePushedAuthorization".' });
  });

  it('when the IdP does not advertise PAR, then it passes and says the browser carries the request', async () => {
    rewrite = ({ pushed_authorization_request_endpoint: _par, ...document }) => document;
    const par = (await run())['oidc.par'];
    expect(par).toMatchObject({ status: 'pass' });
    expect(par?.detail).toContain('does not advertise PAR');
  });
});

describe('oidc.jwks', () => {
  it('when the IdP signs ID tokens only with HS256, then it fails without fetching the key set', async () => {
    rewrite = (document) => ({ ...document, id_token_signing_alg_values_supported: ['HS256'] });
    const before = idp.requests.jwks;
    expect((await run())['oidc.jwks']).toMatchObject({ status: 'fail' });
    expect(idp.requests.jwks).toBe(before);
  });

  it('when the key set holds only an encryption key and a symmetric key, then it fails', async () => {
    rewrite = (document) => ({ ...document, jwks_uri: keyServerUrl });
    const { publicKey } = await import('node:crypto').then((crypto) =>
      crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
    );
    foreignKeys = {
      keys: [
        { ...publicKey.export({ format: 'jwk' }), kid: 'enc', use: 'enc' },
        { kty: 'oct', kid: 'mac', k: 'c2VjcmV0' },
      ],
    };
    const jwks = (await run({ doNotValidateEndpoints: true }))['oidc.jwks'];
    expect(jwks).toMatchObject({ status: 'fail' });
    expect(jwks?.detail).toContain('2 key(s), none usable');
  });
});

describe('oidc.client_auth and oidc.client_credentials', () => {
  it('when no secret is set and the IdP does not list none, then client_auth fails and the probe is refused', async () => {
    rewrite = (document) => ({
      ...document,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
    const checks = await run({}, { clientSecret: null });
    expect(checks['oidc.client_auth']).toMatchObject({ status: 'fail' });
    expect(checks['oidc.client_credentials']).toMatchObject({ status: 'fail' });
  });

  it('when no secret is set and the IdP lists none, then client_auth warns', async () => {
    rewrite = (document) => ({ ...document, token_endpoint_auth_methods_supported: ['none'] });
    expect((await run({}, { clientSecret: null }))['oidc.client_auth']).toMatchObject({ status: 'warn' });
  });

  it('when the IdP offers only client_secret_post, then the service reports and probes with it', async () => {
    rewrite = (document) => ({ ...document, token_endpoint_auth_methods_supported: ['client_secret_post'] });
    const before = idp.authMethodsUsed.length;
    const checks = await run();
    expect(checks['oidc.client_auth']?.detail).toContain('client_secret_post');
    expect(checks['oidc.client_credentials']).toMatchObject({ status: 'pass' });
    expect(idp.authMethodsUsed.slice(before)).toEqual([{ endpoint: 'token', method: 'client_secret_post' }]);
  });

  it('when the token endpoint answers something else than an OAuth client or grant error, then it warns', async () => {
    rewrite = (document) => ({ ...document, token_endpoint: `${idp.issuer}/no-such-endpoint` });
    const probe = (await run())['oidc.client_credentials'];
    expect(probe).toMatchObject({ status: 'warn' });
    expect(probe?.detail).toContain('HTTP 404');
  });
});

describe('oidc.issuer, oidc.redirect_uri and oidc.role_claim', () => {
  it('when doNotValidateIssuerName is set, then the issuer check warns', async () => {
    expect((await run({ doNotValidateIssuerName: true }))['oidc.issuer']).toMatchObject({ status: 'warn' });
  });

  it('when the redirect URI is plain http on a public host, then it warns; on https it passes', async () => {
    const http = await run({}, { redirectUri: 'http://jellyfin.example.com/sso/OID/redirect/test' });
    expect(http['oidc.redirect_uri']).toMatchObject({ status: 'warn' });
    expect((await run())['oidc.redirect_uri']).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining(REDIRECT_URI),
    });
  });

  it('when the role claim is not groups, then no groups scope is asked for', async () => {
    const checks = await run({ roleClaim: 'resource_access.jellyfin\\.client.roles' });
    expect(checks['oidc.role_claim']).toMatchObject({ status: 'pass' });
  });
});
