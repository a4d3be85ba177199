// The OIDC adapter against a real in-process oidc-provider (test/support/oidc-idp.ts): the whole
// start → login → finish flow, PAR (RFC 9126), client authentication from discovery (RFC 8414 §2), the
// validation failures of OIDC Core §3.1.3.7 and RFC 7636, and the discovery cache.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createOidcProtocol } from '../../src/protocols/oidc.js';
import type { OidcProtocol } from '../../src/protocols/engines.js';
import type { OidcProviderSettings } from '../../src/sso/provider-settings.js';
import { CookieJar, followLogin, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { oidcProvider } from './fixtures.js';
import { expectSsoError } from '../support/sso-error.js';

const REDIRECT_URI = 'http://127.0.0.1:9/sso/OID/redirect/test';
const CLIENT = { client_id: 'jellyfin', client_secret: 'top-secret', redirect_uris: [REDIRECT_URI] };
const ACCOUNTS = {
  alice: {
    preferred_username: 'alice',
    name: 'Alice Liddell',
    email: 'alice@example.com',
    email_verified: true,
    groups: ['jellyfin-users', 'jellyfin-admins'],
    realm_access: { roles: ['viewer'] },
  },
};

/** Runs start, the browser login and finish; returns everything a test may look at. */
async function login(
  protocol: OidcProtocol,
  idp: OidcIdp,
  settings: Partial<OidcProviderSettings> = {},
  record: Parameters<typeof oidcProvider>[1] = {},
) {
  const provider = oidcProvider(
    { oidEndpoint: idp.issuer, oidScopes: ['groups', 'email'], ...settings },
    record,
  );
  const state = `state-${Math.random().toString(36).slice(2)}`;
  const started = await protocol.start(provider, { state, redirectUri: REDIRECT_URI });
  const callbackUrl = await followLogin(started.url, 'alice', new CookieJar());
  const result = await protocol.finish(provider, { callbackUrl, state, secrets: started.secrets });
  return { provider, state, started, callbackUrl, result };
}

describe('OIDC flow against oidc-provider', () => {
  let idp: OidcIdp;
  beforeAll(async () => {
    idp = await startOidcIdp({ clients: [CLIENT], accounts: ACCOUNTS });
  });
  afterAll(async () => {
    await idp.close();
  });

  it('when a user signs in, then finish returns the subject and the claims of the ID token, userinfo and groups', async () => {
    const protocol = createOidcProtocol();
    const { result, started } = await login(protocol, idp);

    expect(result.subject).toBe('alice');
    expect(result.claims).toMatchObject({
      sub: 'alice',
      iss: idp.issuer,
      aud: 'jellyfin',
      preferred_username: 'alice',
      email: 'alice@example.com',
      groups: ['jellyfin-users', 'jellyfin-admins'],
      realm_access: { roles: ['viewer'] },
    });
    expect(started.secrets.pkceVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.secrets.nonce).toBeTruthy();
    expect(started.secrets.redirectUri).toBe(REDIRECT_URI);
  });

  it('when the user signs in through the HTML form, then the flow completes the same way', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider({ oidEndpoint: idp.issuer, oidScopes: ['groups'] }, { id: 'form' });
    const started = await protocol.start(provider, { state: 'form-state', redirectUri: REDIRECT_URI });
    const callbackUrl = await followLogin(started.url, 'alice', new CookieJar(), { useForm: true });
    const result = await protocol.finish(provider, {
      callbackUrl,
      state: 'form-state',
      secrets: started.secrets,
    });
    expect(result.claims.groups).toEqual(['jellyfin-users', 'jellyfin-admins']);
  });

  it('when discovery advertises PAR, then the authorization URL carries only client_id and request_uri', async () => {
    const protocol = createOidcProtocol();
    const parBefore = idp.requests.par;
    const provider = oidcProvider({ oidEndpoint: idp.issuer }, { id: 'par-on' });
    const { url } = await protocol.start(provider, { state: 's1', redirectUri: REDIRECT_URI });

    const params = new URL(url).searchParams;
    expect([...params.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(params.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(idp.requests.par).toBe(parBefore + 1);
  });

  it('when PAR is disabled on the provider, then the parameters travel in the authorization URL (PKCE S256, state, nonce)', async () => {
    const protocol = createOidcProtocol();
    const parBefore = idp.requests.par;
    const provider = oidcProvider(
      {
        oidEndpoint: idp.issuer,
        disablePushedAuthorization: true,
        oidScopes: ['groups'],
        oidAuthorizationParameters: '{"prompt":"login","max_age":3600}',
      },
      { id: 'par-off' },
    );
    const { url, secrets } = await protocol.start(provider, {
      state: 'plain-state',
      redirectUri: REDIRECT_URI,
    });

    const params = new URL(url).searchParams;
    expect(params.has('request_uri')).toBe(false);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe('jellyfin');
    expect(params.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(params.get('scope')).toBe('openid profile groups');
    expect(params.get('state')).toBe('plain-state');
    expect(params.get('nonce')).toBe(secrets.nonce);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('prompt')).toBe('login');
    expect(params.get('max_age')).toBe('3600');
    expect(idp.requests.par).toBe(parBefore);
  });

  it('when PAR is disabled, then the full flow still completes', async () => {
    const protocol = createOidcProtocol();
    const { result } = await login(
      protocol,
      idp,
      { disablePushedAuthorization: true },
      { id: 'par-off-flow' },
    );
    expect(result.subject).toBe('alice');
  });

  it('when doNotLoadProfile is set, then userinfo is not called and the ID token claims remain', async () => {
    const protocol = createOidcProtocol();
    const before = idp.requests.userinfo;
    const { result } = await login(protocol, idp, { doNotLoadProfile: true }, { id: 'no-profile' });
    expect(idp.requests.userinfo).toBe(before);
    expect(result.claims.groups).toEqual(['jellyfin-users', 'jellyfin-admins']);
  });

  it('when the callback state differs from the flow state, then finish fails the state check', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider({ oidEndpoint: idp.issuer }, { id: 'state' });
    const started = await protocol.start(provider, { state: 'the-real-state', redirectUri: REDIRECT_URI });
    const callbackUrl = await followLogin(started.url, 'alice');

    const error = await expectSsoError(
      protocol.finish(provider, { callbackUrl, state: 'another-state', secrets: started.secrets }),
    );
    expect(error.code).toBe('idp_response_invalid');
    expect(error.step).toBe('verify');
    expect(error.message).toContain('failed the state check');
    expect(error.cause).toBeDefined();
  });

  it('when the nonce of the flow does not match the ID token, then finish fails the nonce check', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider({ oidEndpoint: idp.issuer }, { id: 'nonce' });
    const started = await protocol.start(provider, { state: 'n-state', redirectUri: REDIRECT_URI });
    const callbackUrl = await followLogin(started.url, 'alice');

    const error = await expectSsoError(
      protocol.finish(provider, {
        callbackUrl,
        state: 'n-state',
        secrets: { ...started.secrets, nonce: 'not-the-nonce' },
      }),
    );
    expect(error.code).toBe('idp_response_invalid');
    expect(error.step).toBe('verify');
    expect(error.message).toContain('failed the nonce check');
  });

  it('when the PKCE verifier is wrong, then the identity provider refuses the code exchange', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider({ oidEndpoint: idp.issuer }, { id: 'pkce' });
    const started = await protocol.start(provider, { state: 'p-state', redirectUri: REDIRECT_URI });
    const callbackUrl = await followLogin(started.url, 'alice');

    const error = await expectSsoError(
      protocol.finish(provider, {
        callbackUrl,
        state: 'p-state',
        secrets: { ...started.secrets, pkceVerifier: 'x'.repeat(43) },
      }),
    );
    expect(error.code).toBe('idp_error');
    expect(error.step).toBe('exchange');
    expect(error.message).toMatch(/^The identity provider refused the code exchange: invalid_grant/);
    expect(error.message).not.toContain(callbackUrl.searchParams.get('code')!);
  });

  it('when the user cancels at the identity provider, then finish reports idp_error with the IdP description', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider({ oidEndpoint: idp.issuer }, { id: 'deny' });
    const started = await protocol.start(provider, { state: 'd-state', redirectUri: REDIRECT_URI });
    const callbackUrl = await followLogin(started.url, 'alice', new CookieJar(), { deny: true });
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');

    const error = await expectSsoError(
      protocol.finish(provider, { callbackUrl, state: 'd-state', secrets: started.secrets }),
    );
    expect(error.code).toBe('idp_error');
    expect(error.message).toBe(
      'The identity provider refused the sign-in: access_denied – End-User aborted interaction',
    );
  });

  it('when the token endpoint answers 503, then finish reports upstream_unavailable and the next start rediscovers', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider({ oidEndpoint: idp.issuer }, { id: 'outage' });
    const discoveriesBefore = idp.requests.discovery;
    const started = await protocol.start(provider, { state: 'o-state', redirectUri: REDIRECT_URI });
    const callbackUrl = await followLogin(started.url, 'alice');
    idp.failNext('/token', 503);

    const error = await expectSsoError(
      protocol.finish(provider, { callbackUrl, state: 'o-state', secrets: started.secrets }),
    );
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toContain('HTTP 503');
    expect(idp.requests.discovery).toBe(discoveriesBefore + 1);

    await protocol.start(provider, { state: 'o-state-2', redirectUri: REDIRECT_URI });
    expect(idp.requests.discovery).toBe(discoveriesBefore + 2);
  });

  it('when the same provider version is used again, then discovery is reused; a new version rediscovers', async () => {
    const protocol = createOidcProtocol();
    const before = idp.requests.discovery;
    await login(protocol, idp, {}, { id: 'cached', version: 'v1' });
    await login(protocol, idp, {}, { id: 'cached', version: 'v1' });
    expect(idp.requests.discovery).toBe(before + 1);

    await login(protocol, idp, {}, { id: 'cached', version: 'v2' });
    expect(idp.requests.discovery).toBe(before + 2);
    await protocol.start(oidcProvider({ oidEndpoint: idp.issuer }, { id: 'cached', version: 'v2' }), {
      state: 'again',
      redirectUri: REDIRECT_URI,
    });
    expect(idp.requests.discovery).toBe(before + 2);
  });

  it('when oidEndpoint names the discovery document with a trailing slash, then it is normalised and works', async () => {
    const protocol = createOidcProtocol();
    const { result } = await login(
      protocol,
      idp,
      { oidEndpoint: `  ${idp.issuer}/.well-known/openid-configuration/ ` },
      { id: 'well-known' },
    );
    expect(result.subject).toBe('alice');
  });

  it('when the endpoint is spelled localhost but the issuer is 127.0.0.1, then discovery fails the issuer check', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider({ oidEndpoint: `http://localhost:${idp.port}` }, { id: 'localhost' });
    const error = await expectSsoError(protocol.start(provider, { state: 's', redirectUri: REDIRECT_URI }));
    expect(error.code).toBe('idp_response_invalid');
    expect(error.message).toContain('does not match the configured "oidEndpoint"');
  });

  it('when doNotValidateIssuerName is set, then another spelling of the issuer is accepted and the ID token issuer is checked against the discovered one', async () => {
    const protocol = createOidcProtocol();
    // oidc-provider builds endpoint URLs from the request host, so the endpoints are on localhost too.
    const { result } = await login(
      protocol,
      idp,
      { oidEndpoint: `http://localhost:${idp.port}`, doNotValidateIssuerName: true },
      { id: 'lenient-issuer' },
    );
    expect(result.claims.iss).toBe(idp.issuer);
  });
});

describe('OIDC endpoint origins (doNotValidateEndpoints)', () => {
  let idp: OidcIdp;
  beforeAll(async () => {
    // Like Google: userinfo lives on another origin than the issuer (here: the same server as "localhost").
    idp = await startOidcIdp({
      clients: [CLIENT],
      accounts: ACCOUNTS,
      rewriteDiscovery: (document) => ({
        ...document,
        userinfo_endpoint: String(document.userinfo_endpoint).replace('127.0.0.1', 'localhost'),
      }),
    });
  });
  afterAll(async () => {
    await idp.close();
  });

  it('when an endpoint is on another origin than oidEndpoint, then discovery is refused naming the endpoint', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider({ oidEndpoint: idp.issuer }, { id: 'origin-strict' });
    const error = await expectSsoError(protocol.start(provider, { state: 's', redirectUri: REDIRECT_URI }));
    expect(error.code).toBe('idp_response_invalid');
    expect(error.step).toBe('start');
    expect(error.message).toContain(`userinfo_endpoint (http://localhost:${idp.port}) is not on the origin`);
  });

  it('when doNotValidateEndpoints is set, then endpoints on other origins are used', async () => {
    const protocol = createOidcProtocol();
    const { result } = await login(protocol, idp, { doNotValidateEndpoints: true }, { id: 'origin-lenient' });
    expect(result.claims.email).toBe('alice@example.com');
  });
});

describe('OIDC client authentication follows discovery', () => {
  for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
    it(`when the identity provider accepts only ${method}, then PAR and token requests use ${method}`, async () => {
      const idp = await startOidcIdp({ clients: [CLIENT], accounts: ACCOUNTS, onlyAuthMethod: method });
      try {
        const protocol = createOidcProtocol();
        const { result } = await login(protocol, idp);
        expect(result.subject).toBe('alice');
        expect(idp.authMethodsUsed).toEqual([
          { endpoint: 'par', method },
          { endpoint: 'token', method },
        ]);
      } finally {
        await idp.close();
      }
    });
  }

  it('when the identity provider accepts only client_secret_post and the client used basic, then the refusal is reported (control)', async () => {
    // Proves the test IdP really enforces the method: a hand-made basic request is refused.
    const idp = await startOidcIdp({
      clients: [CLIENT],
      accounts: ACCOUNTS,
      onlyAuthMethod: 'client_secret_post',
    });
    try {
      const response = await fetch(`${idp.issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('jellyfin:top-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=authorization_code&code=x&redirect_uri=x',
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    } finally {
      await idp.close();
    }
  });
});

describe('OIDC ID token signature', () => {
  it('when the ID token is signed with a key the identity provider does not publish, then finish fails the signature check', async () => {
    const idp = await startOidcIdp({ clients: [CLIENT], accounts: ACCOUNTS, rogueJwks: true });
    try {
      const protocol = createOidcProtocol();
      const provider = oidcProvider({ oidEndpoint: idp.issuer }, { id: 'rogue' });
      const started = await protocol.start(provider, { state: 'r-state', redirectUri: REDIRECT_URI });
      const callbackUrl = await followLogin(started.url, 'alice');

      const error = await expectSsoError(
        protocol.finish(provider, { callbackUrl, state: 'r-state', secrets: started.secrets }),
      );
      expect(error.code).toBe('idp_response_invalid');
      expect(error.step).toBe('verify');
      expect(error.message).toContain('failed the signature check');
      expect(idp.requests.jwks).toBeGreaterThan(0);
    } finally {
      await idp.close();
    }
  });
});

describe('OIDC identity provider unreachable', () => {
  it('when the identity provider is down, then start reports upstream_unavailable', async () => {
    const idp = await startOidcIdp({ clients: [CLIENT], accounts: ACCOUNTS });
    const issuer = idp.issuer;
    await idp.close();
    const protocol = createOidcProtocol();
    const error = await expectSsoError(
      protocol.start(oidcProvider({ oidEndpoint: issuer }, { id: 'down' }), {
        state: 's',
        redirectUri: REDIRECT_URI,
      }),
    );
    expect(error.code).toBe('upstream_unavailable');
    expect(error.step).toBe('start');
    expect(error.message).toContain('could not be reached for the discovery');
  });
});

describe('OIDC back-channel details', () => {
  let idp: OidcIdp;
  let impostor: Server;
  beforeAll(async () => {
    // A userinfo endpoint that describes another user than the ID token (OIDC Core §5.3.2).
    impostor = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sub: 'mallory', preferred_username: 'mallory' }));
    });
    impostor.listen(0, '127.0.0.1');
    await once(impostor, 'listening');
    const impostorPort = (impostor.address() as AddressInfo).port;
    idp = await startOidcIdp({
      clients: [CLIENT],
      accounts: ACCOUNTS,
      rewriteDiscovery: (document) => ({
        ...document,
        userinfo_endpoint: `http://127.0.0.1:${impostorPort}/me`,
      }),
    });
  });
  afterAll(async () => {
    await idp.close();
    impostor.closeAllConnections();
    impostor.close();
  });

  it('when userinfo returns another sub than the ID token, then finish fails the userinfo subject check', async () => {
    const protocol = createOidcProtocol();
    const provider = oidcProvider(
      { oidEndpoint: idp.issuer, doNotValidateEndpoints: true },
      { id: 'impostor' },
    );
    const started = await protocol.start(provider, { state: 'u-state', redirectUri: REDIRECT_URI });
    const callbackUrl = await followLogin(started.url, 'alice');

    const error = await expectSsoError(
      protocol.finish(provider, { callbackUrl, state: 'u-state', secrets: started.secrets }),
    );
    expect(error.code).toBe('idp_response_invalid');
    expect(error.step).toBe('verify');
    expect(error.message).toContain('failed the userinfo subject check');
  });

  it('when the service talks to the identity provider, then every request carries the User-Agent jellyfin-sso', async () => {
    const protocol = createOidcProtocol();
    await login(protocol, idp, { doNotLoadProfile: true }, { id: 'ua' });
    expect([...idp.userAgents]).toEqual(['jellyfin-sso']);
  });

  it('when the identity provider does not answer in time, then start reports upstream_unavailable', async () => {
    const silent = createServer(() => {
      /* never answers */
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const port = (silent.address() as AddressInfo).port;
      const protocol = createOidcProtocol({ fetchTimeoutMs: 200 });
      const error = await expectSsoError(
        protocol.start(oidcProvider({ oidEndpoint: `http://127.0.0.1:${port}` }, { id: 'silent' }), {
          state: 's',
          redirectUri: REDIRECT_URI,
        }),
      );
      expect(error.code).toBe('upstream_unavailable');
      expect(error.message).toContain('did not answer the discovery within 0.2 s');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
