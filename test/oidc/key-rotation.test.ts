// Signing-key rotation (OIDC Core §10.1.1): an ID token signed with a key the cached key set lacks makes
// the service fetch the key set again and check once more, so the first sign-in after a rotation succeeds;
// an attacker's stream of unknown `kid`s cannot make it fetch more than once per interval; and a key set
// endpoint that is down during that refetch is a clear refusal (401), never a 5xx.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { addOidcProvider } from '../../clients/typescript/index.js';
import { createOidcProtocol } from '../../src/protocols/oidc.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, browserGet, pageParams } from '../support/browser.js';
import { expectPrivateFailure } from '../support/error-page.js';
import { authorizeAt, startHostileOp, type HostileOp } from '../support/hostile-op.js';
import { freePort } from '../support/ports.js';
import { oidcProvider } from './fixtures.js';
import { expectSsoError } from '../support/sso-error.js';

const REDIRECT_URI = 'http://127.0.0.1:9/sso/OID/redirect/rotating';
const INTERVAL_MS = 400;

let loginCounter = 0;

/** One protocol instance and one provider for every login of a test, as in a running service. */
function adapterFor(op: HostileOp) {
  const protocol = createOidcProtocol({ jwksRefetchIntervalMs: INTERVAL_MS });
  const provider = oidcProvider(
    { oidEndpoint: op.issuer },
    { id: 'rotating', clientSecret: op.clientSecret },
  );
  /** Start and the IdP's redirect; the returned function finishes the login (the callback). */
  async function prepare() {
    const state = `state-${++loginCounter}`;
    const started = await protocol.start(provider, { state, redirectUri: REDIRECT_URI });
    const callbackUrl = await authorizeAt(op, started.url);
    return () => protocol.finish(provider, { callbackUrl, state, secrets: started.secrets });
  }
  const login = async () => (await prepare())();
  return Object.assign(login, { prepare });
}

describe('OIDC adapter when the provider rotates its signing key', () => {
  let op: HostileOp;
  beforeEach(async () => {
    op = await startHostileOp({ subject: 'sub-rotation' });
  });
  afterEach(async () => {
    await op.close();
  });

  for (const overlap of [true, false]) {
    it(`when the key is rotated ${overlap ? 'with' : 'without'} an overlap right after a sign-in, then the next sign-in succeeds after one refetch`, async () => {
      const login = adapterFor(op);
      expect((await login()).subject).toBe('sub-rotation');
      expect(op.jwksRequests).toBe(1);

      const next = op.rotateKey({ overlap });
      const result = await login();
      expect(result.subject).toBe('sub-rotation');
      expect(op.idTokens.at(-1)).toContain('.'); // signed with the new key:
      expect(
        JSON.parse(Buffer.from(op.idTokens.at(-1)!.split('.')[0]!, 'base64url').toString()),
      ).toMatchObject({
        kid: next.kid,
      });
      expect(op.jwksRequests).toBe(2);

      // The refreshed set is reused: a third sign-in fetches nothing.
      await login();
      expect(op.jwksRequests).toBe(2);
    });
  }

  it('when the provider rotates twice, then each rotation costs one refetch and no failed sign-in', async () => {
    const login = adapterFor(op);
    await login();
    for (const overlap of [false, true]) {
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      op.rotateKey({ overlap });
      expect((await login()).subject).toBe('sub-rotation');
    }
    expect(op.jwksRequests).toBe(3);
  });

  it('when the old key signs again after an overlap rotation, then it is still accepted from the same set', async () => {
    const login = adapterFor(op);
    await login();
    const old = op.signingKey;
    op.rotateKey({ overlap: true });
    await login();
    op.signingKey = old;
    expect((await login()).subject).toBe('sub-rotation');
    expect(op.jwksRequests).toBe(2);
  });

  it("when an attacker's tokens name unknown kids in a burst, then they are refused and share the refetches (at most one per interval)", async () => {
    const login = adapterFor(op);
    await login();
    op.defect = 'foreign-key';
    const callbacks = await Promise.all(Array.from({ length: 8 }, () => login.prepare()));
    const began = Date.now();
    const errors = await Promise.all(callbacks.map((finish) => expectSsoError(finish())));
    const elapsed = Date.now() - began;
    for (const error of errors) {
      expect(error.code).toBe('idp_response_invalid');
      expect(error.message).toContain('failed the signature check');
      expect(error.message).toContain('even after fetching its key set again');
    }
    // Eight tokens, and no more refetches than one at once plus one per interval since.
    const refetches = op.jwksRequests - 1;
    expect(refetches).toBeGreaterThanOrEqual(1);
    expect(refetches).toBeLessThanOrEqual(1 + Math.floor(elapsed / INTERVAL_MS));
  });

  it('when unknown kids come one per interval, then each is checked against a key set fetched after it arrived', async () => {
    const login = adapterFor(op);
    await login();
    op.defect = 'foreign-key';
    for (let attempt = 1; attempt <= 3; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      expect((await expectSsoError(login())).code).toBe('idp_response_invalid');
      expect(op.jwksRequests).toBe(1 + attempt);
    }
  });

  it('when unknown kids keep coming one after another, then the key set is fetched at most once per interval', async () => {
    const login = adapterFor(op);
    await login();
    op.defect = 'foreign-key';
    const began = Date.now();
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await expectSsoError(login())).code).toBe('idp_response_invalid');
    }
    const elapsed = Date.now() - began;
    const refetches = op.jwksRequests - 1;
    expect(refetches).toBeGreaterThanOrEqual(1);
    // One refetch may run at once; each further one waits for the interval since the previous refetch.
    expect(refetches).toBeLessThanOrEqual(1 + Math.floor(elapsed / INTERVAL_MS));
    expect(elapsed).toBeGreaterThanOrEqual((refetches - 1) * INTERVAL_MS - 50);
  });

  it('when the key set endpoint is down during the refetch, then the sign-in is refused as a failed signature check', async () => {
    const login = adapterFor(op);
    await login();
    op.rotateKey({ overlap: false });
    op.jwksStatus = 503;
    const error = await expectSsoError(login());
    expect(error.code).toBe('idp_response_invalid');
    expect(error.message).toContain('failed the signature check');
    expect(error.message).toContain('could not be fetched again');
    expect(error.message).toContain('HTTP 503');

    // Once the endpoint is back (and the interval has passed), the same rotation signs in.
    op.jwksStatus = null;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    expect((await login()).subject).toBe('sub-rotation');
  });

  it('when the key set cannot be fetched at all before the first sign-in, then the IdP is reported unavailable', async () => {
    op.jwksStatus = 503;
    const error = await expectSsoError(adapterFor(op)());
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toContain('signing key set');
  });
});

describe('key rotation through the whole service', () => {
  let op: HostileOp;
  let t: TestApp;

  async function signIn(): Promise<{ status: number; text: string; jar: CookieJar }> {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/rotating`, jar);
    expect(start.status).toBe(302);
    const callback = await authorizeAt(op, start.headers.get('location') ?? '');
    const page = await browserGet(callback, jar);
    return { status: page.status, text: page.text, jar };
  }

  beforeAll(async () => {
    op = await startHostileOp({ subject: 'sub-rita', claims: { preferred_username: 'rita' } });
    const port = await freePort();
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    const { response } = await addOidcProvider({
      client: t.admin,
      path: { provider: 'rotating' },
      body: { oidEndpoint: op.issuer, oidClientId: op.clientId, oidSecret: op.clientSecret, enabled: true },
    });
    expect(response.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await op.close();
  });

  it('when the provider rotates its key between two sign-ins, then both reach the sign-in page', async () => {
    expect((await signIn()).status).toBe(200);
    op.rotateKey({ overlap: false });
    const page = await signIn();
    expect(page.status).toBe(200);
    expect(pageParams(page.text)).toMatchObject({ mode: 'OID', provider: 'rotating' });
  });

  it('when the key set endpoint is down while a rotated key is looked up, then the page is a 401, not a 5xx', async () => {
    expect((await signIn()).status).toBe(200);
    op.rotateKey({ overlap: false });
    op.jwksStatus = 503;
    try {
      const page = await signIn();
      expect(page.status).toBe(401);
      expectPrivateFailure(page, t.logs(), {
        reason: 'oidc_response_rejected',
        hidden: ['could not be fetched again'],
        logged: ['could not be fetched again'],
      });
    } finally {
      op.jwksStatus = null;
    }
  });
});
