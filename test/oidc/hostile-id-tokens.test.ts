// The ID token checks of OIDC Core §3.1.3.7 against a provider that lies on purpose
// (test/support/hostile-op.ts): every defect is refused by the protocol adapter naming the failed check,
// and through the whole service the refusal is a 401 page that leaves no user behind. Each block also has a
// valid token accepted, so a refusal can only come from the defect, never from a broken harness.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { addOidcProvider } from '../../clients/typescript/index.js';
import { createOidcProtocol } from '../../src/protocols/oidc.js';
import type { OidcProviderSettings } from '../../src/sso/provider-settings.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, browserGet, pageParams } from '../support/browser.js';
import {
  ID_TOKEN_DEFECTS,
  authorizeAt,
  startHostileOp,
  type HostileOp,
  type HostileOpOptions,
  type IdTokenDefect,
} from '../support/hostile-op.js';
import { freePort } from '../support/ports.js';
import { expectPrivateFailure } from '../support/error-page.js';
import { oidcProvider } from './fixtures.js';
import { expectSsoError } from '../support/sso-error.js';

const REDIRECT_URI = 'http://127.0.0.1:9/sso/OID/redirect/hostile';
const CLAIMS = { preferred_username: 'mallory', email: 'mallory@example.com', groups: ['jellyfin-users'] };

/** The check each defect must fail, as the adapter names it ("failed the <check> check"). */
const EXPECTED_CHECK: Record<Exclude<IdTokenDefect, 'missing-sub'>, string> = {
  'wrong-aud': 'audience',
  'untrusted-extra-aud': 'audience',
  'wrong-iss': 'issuer',
  expired: 'expiry',
  'not-yet-valid': 'not-before',
  'wrong-nonce': 'nonce',
  'missing-nonce': 'nonce',
  'alg-none': 'signature',
  'foreign-key': 'signature',
  'foreign-key-same-kid': 'signature',
  'hs256-client-secret': 'signature',
  'hs256-public-key': 'signature',
  'no-id-token': 'response format',
};

const DESCRIPTION: Record<IdTokenDefect, string> = {
  'wrong-aud': 'is issued to another client',
  'untrusted-extra-aud': 'names a second, untrusted audience without azp',
  'wrong-iss': 'names another issuer',
  expired: 'has expired',
  'not-yet-valid': 'is not valid yet (nbf in the future)',
  'wrong-nonce': 'carries another nonce',
  'missing-nonce': 'carries no nonce',
  'alg-none': 'is unsigned (alg none)',
  'foreign-key': 'is signed by a key not in the JWKS',
  'foreign-key-same-kid': 'is signed by a key not in the JWKS under the published kid',
  'hs256-client-secret': 'is HS256-signed with the client secret while RS256 is advertised',
  'hs256-public-key': 'is HS256-signed with the published RSA public key (algorithm confusion)',
  'missing-sub': 'has no sub',
  'no-id-token': 'is missing from the token response',
};

let providerCounter = 0;

/** start → the hostile OP's authorization endpoint (one redirect) → finish with the callback URL. */
async function runAdapter(op: HostileOp, settings: Partial<OidcProviderSettings> = {}) {
  const protocol = createOidcProtocol();
  const provider = oidcProvider(
    { oidEndpoint: op.issuer, ...settings },
    { id: `hostile-${++providerCounter}`, clientSecret: op.clientSecret },
  );
  const state = `state-${providerCounter}`;
  const started = await protocol.start(provider, { state, redirectUri: REDIRECT_URI });
  const callbackUrl = await authorizeAt(op, started.url);
  const finish = () => protocol.finish(provider, { callbackUrl, state, secrets: started.secrets });
  return { started, callbackUrl, finish };
}

describe('OIDC adapter against a hostile OpenID Provider', () => {
  let op: HostileOp;
  beforeAll(async () => {
    op = await startHostileOp({ subject: 'sub-mallory', claims: CLAIMS });
  });
  afterAll(async () => {
    await op.close();
  });
  beforeEach(() => {
    op.defect = null;
    op.userinfoSub = null;
  });

  it('when the ID token is valid, then finish accepts it and the OP saw PKCE S256, basic auth and the nonce', async () => {
    const userinfoBefore = op.userinfoRequests;
    const { started, callbackUrl, finish } = await runAdapter(op);
    const result = await finish();

    expect(result.subject).toBe('sub-mallory');
    expect(result.claims).toMatchObject({ ...CLAIMS, iss: op.issuer, aud: 'jellyfin', sub: 'sub-mallory' });
    expect(callbackUrl.searchParams.get('state')).toBe(`state-${providerCounter}`);

    const authorization = op.authorizations.at(-1)!;
    expect(authorization).toMatchObject({
      clientId: 'jellyfin',
      redirectUri: REDIRECT_URI,
      nonce: started.secrets.nonce,
      codeChallengeMethod: 'S256',
      scope: 'openid profile',
    });
    expect(op.tokenRequests.at(-1)).toEqual({
      authMethod: 'client_secret_basic',
      clientAuthenticated: true,
      codeVerifier: started.secrets.pkceVerifier,
      pkceValid: true,
      redirectUriMatches: true,
      status: 200,
    });
    expect(op.userinfoRequests).toBe(userinfoBefore + 1);
    expect(op.jwksRequests).toBeGreaterThan(0);
  });

  for (const defect of ID_TOKEN_DEFECTS.filter(
    (d): d is Exclude<IdTokenDefect, 'missing-sub'> => d !== 'missing-sub',
  )) {
    const check = EXPECTED_CHECK[defect];
    it(`when the ID token ${DESCRIPTION[defect]}, then finish refuses it with the ${check} check`, async () => {
      op.defect = defect;
      const userinfoBefore = op.userinfoRequests;
      const { finish } = await runAdapter(op);
      const error = await expectSsoError(finish());

      expect(error.code).toBe('idp_response_invalid');
      expect(error.step).toBe('verify');
      expect(error.message).toContain(`failed the ${check} check`);
      // The OP accepted the client and its PKCE verifier: the refusal is ours, caused by the ID token.
      expect(op.tokenRequests.at(-1)).toMatchObject({
        clientAuthenticated: true,
        pkceValid: true,
        status: 200,
      });
      // Nothing of an unverified token is used to call userinfo.
      expect(op.userinfoRequests).toBe(userinfoBefore);
    });
  }

  it('when the ID token has no sub, then finish refuses it naming the ID token, not userinfo', async () => {
    op.defect = 'missing-sub';
    const userinfoBefore = op.userinfoRequests;
    const { finish } = await runAdapter(op);
    const error = await expectSsoError(finish());
    expect(error.code).toBe('idp_response_invalid');
    expect(error.step).toBe('verify');
    expect(op.userinfoRequests).toBe(userinfoBefore);
    // Userinfo was never called: a message blaming it sends the admin to the wrong place.
    expect(error.message).toMatch(/failed the (subject|response format) check/);
    expect(error.message).not.toContain('userinfo');
  });

  it('when userinfo describes another sub than the ID token, then finish fails the userinfo subject check', async () => {
    op.userinfoSub = 'sub-alice';
    const { finish } = await runAdapter(op);
    const error = await expectSsoError(finish());
    expect(error.code).toBe('idp_response_invalid');
    expect(error.message).toContain('failed the userinfo subject check');
  });

  it('when doNotLoadProfile is set, then an unsigned ID token is still refused', async () => {
    op.defect = 'alg-none';
    const userinfoBefore = op.userinfoRequests;
    const { finish } = await runAdapter(op, { doNotLoadProfile: true });
    const error = await expectSsoError(finish());
    expect(error.message).toContain('failed the signature check');
    expect(op.userinfoRequests).toBe(userinfoBefore);
  });

  it('when every lenient discovery switch is on, then a token for another audience is still refused', async () => {
    op.defect = 'wrong-aud';
    const { finish } = await runAdapter(op, {
      disableHttps: true,
      doNotValidateEndpoints: true,
      doNotValidateIssuerName: true,
      doNotLoadProfile: true,
    });
    const error = await expectSsoError(finish());
    expect(error.message).toContain('failed the audience check');
  });

  it('when the callback code is replayed, then the OP refuses it and finish reports the refusal', async () => {
    const { finish } = await runAdapter(op);
    await finish();
    const error = await expectSsoError(finish());
    expect(error.code).toBe('idp_error');
    expect(error.message).toContain('invalid_grant');
  });
});

describe('OIDC adapter against a hostile OP that advertises none and HS256', () => {
  let op: HostileOp;
  beforeAll(async () => {
    // Discovery lies too: it claims `none` and HS256 are fine, so only our own signature check is left.
    op = await startHostileOp({ claims: CLAIMS, signingAlgs: ['RS256', 'HS256', 'none'] });
  });
  afterAll(async () => {
    await op.close();
  });

  it('when the ID token is a valid RS256 token, then finish accepts it', async () => {
    op.defect = null;
    const { finish } = await runAdapter(op);
    expect((await finish()).subject).toBe('hostile-user');
  });

  for (const defect of [
    'alg-none',
    'hs256-client-secret',
    'hs256-public-key',
    'foreign-key-same-kid',
  ] as const) {
    it(`when the ID token ${DESCRIPTION[defect]}, then finish still fails the signature check`, async () => {
      op.defect = defect;
      const { finish } = await runAdapter(op);
      const error = await expectSsoError(finish());
      expect(error.code).toBe('idp_response_invalid');
      expect(error.message).toContain('failed the signature check');
    });
  }
});

describe('OIDC adapter against a hostile OP that accepts only client_secret_post', () => {
  it('when the token endpoint accepts only client_secret_post, then the adapter authenticates with post', async () => {
    const op = await startHostileOp({ authMethods: ['client_secret_post'] });
    try {
      const { finish } = await runAdapter(op);
      expect((await finish()).subject).toBe('hostile-user');
      expect(op.tokenRequests.map((r) => r.authMethod)).toEqual(['client_secret_post']);
      expect(op.tokenRequests[0]?.pkceValid).toBe(true);
    } finally {
      await op.close();
    }
  });
});

describe('hostile ID tokens through the whole service', () => {
  let op: HostileOp;
  let t: TestApp;

  async function directoryUsers(): Promise<string[]> {
    const directory = t.app.mediaServer as unknown as { listUsers(): Promise<{ name: string }[]> };
    return (await directory.listUsers()).map((u) => u.name).sort();
  }

  async function signIn(): Promise<{ status: number; text: string; jar: CookieJar; callback: URL }> {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/hostile`, jar);
    expect(start.status).toBe(302);
    const callback = await authorizeAt(op, start.headers.get('location') ?? '');
    expect(callback.origin).toBe(t.baseUrl);
    const page = await browserGet(callback, jar);
    return { status: page.status, text: page.text, jar, callback };
  }

  const options: HostileOpOptions = { subject: 'sub-mallory', claims: CLAIMS };
  // One service for the block: a refused sign-in leaves nothing behind, which each test checks.
  beforeAll(async () => {
    op = await startHostileOp(options);
    const port = await freePort();
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    const { response } = await addOidcProvider({
      client: t.admin,
      path: { provider: 'hostile' },
      body: {
        oidEndpoint: op.issuer,
        oidClientId: op.clientId,
        oidSecret: op.clientSecret,
        enabled: true,
        enableAuthorization: true,
        enableAllFolders: true,
        roleClaim: 'groups',
        adminRoles: ['jellyfin-users'],
      },
    });
    expect(response.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await op.close();
  });
  beforeEach(() => {
    op.defect = null;
  });

  it('when the hostile OP sends a valid ID token, then the service shows the sign-in page (control)', async () => {
    const page = await signIn();
    expect(page.status).toBe(200);
    expect(pageParams(page.text)).toMatchObject({ mode: 'OID', provider: 'hostile' });
  });

  for (const defect of ['alg-none', 'wrong-aud', 'foreign-key', 'hs256-client-secret'] as const) {
    const check = EXPECTED_CHECK[defect];
    it(`when the ID token ${DESCRIPTION[defect]}, then the callback answers a 401 page, the log names the ${check} check, and no user is created`, async () => {
      op.defect = defect;
      const page = await signIn();
      expect(page.status).toBe(401);
      expect(page.text).toContain('Sign-in failed');
      // The stranger learns that the answer was refused, not which check caught it; the log says which.
      expectPrivateFailure(page, t.logs(), {
        reason: 'oidc_response_rejected',
        hidden: [`failed the ${check} check`],
        logged: [`failed the ${check} check`],
      });
      expect(page.text).not.toContain('id="sso-params"');
      expect(await directoryUsers()).toEqual([]);
      // The token is not logged, and the refused flow is spent: the same callback cannot be retried.
      expect(t.logs()).not.toContain(op.idTokens.at(-1) ?? 'no-token');
      const again = await browserGet(page.callback, page.jar);
      expect(again.status).toBe(400);
      expect(again.text).toContain('flow_used');
      expect(await directoryUsers()).toEqual([]);
    });
  }
});
