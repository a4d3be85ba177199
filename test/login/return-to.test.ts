// Linking flows that return to the account page (`?isLinking=true&returnTo=account`), over HTTP against the
// whole service, the in-process OpenID Provider and the test SAML IdP: the value travels sealed with the
// flow to the finishing page's parameters (OIDC through `state`, SAML through RelayState), a failure at the
// IdP's answer leads back to /sso/account instead of a bare "Try again", a reloaded finished page offers the
// way back, and the start refuses a value it does not know, or `returnTo` on a plain sign-in, with a
// readable page. Without `returnTo` the pages are as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLink } from '../../clients/typescript/index.js';
import { startTestApp } from '../support/app.js';
import { authBody, browserGet, browserPostForm, CookieJar, pageParams } from '../support/browser.js';
import { errorPageOf } from '../support/error-page.js';
import {
  addLinkingProviders,
  createTestSamlIdp,
  signInThroughOidc,
  type LinkingWorld,
} from '../support/linked-users.js';
import { followLogin, jellyfinClient, startOidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

const ACCOUNTS = {
  'sub-bob': { preferred_username: 'bob' },
  'sub-bob-elsewhere': { preferred_username: 'robert' },
};

describe('linking flows that return to the account page', () => {
  let w: LinkingWorld;

  beforeAll(async () => {
    const port = await freePort();
    const idp = await startOidcIdp({ clients: [jellyfinClient(port, 'idp')], accounts: ACCOUNTS });
    const t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    w = { t, idp, saml: createTestSamlIdp(), admin: t.admin };
    await addLinkingProviders(w);
  });
  afterAll(async () => {
    await w?.t.close();
    await w?.idp.close();
  });

  /** An OIDC start with `query`, through the IdP as `sub`, to the page the callback answers. */
  async function oidcThrough(query: string, sub: string, jar = new CookieJar(), deny = false) {
    const start = await browserGet(`${w.t.baseUrl}/sso/OID/start/idp${query}`, jar);
    expect(start.status).toBe(302);
    const callback = await followLogin(start.headers.get('location') ?? '', sub, new CookieJar(), { deny });
    return { page: await browserGet(callback, jar), callback, jar };
  }

  it('when an OIDC linking flow is started with returnTo=account, then its finishing page carries it and a retry keeps it', async () => {
    const { page } = await oidcThrough('?isLinking=true&returnTo=account', 'sub-bob-elsewhere');
    expect(page.status).toBe(200);
    expect(pageParams(page.text)).toMatchObject({
      isLinking: true,
      returnTo: 'account',
      retryUrl: `${w.t.baseUrl}/sso/OID/start/idp?isLinking=true&returnTo=account`,
    });
    expect(page.text).toContain('<a href="#">Back to your account</a>');
  });

  it('when a SAML linking flow is started with returnTo=account, then it comes back through RelayState to a page that carries it, and the link works', async () => {
    const bob = await signInThroughOidc(w, 'sub-bob');
    const jar = new CookieJar();
    const start = await browserGet(`${w.t.baseUrl}/sso/SAML/p/corp?isLinking=true&returnTo=account`, jar);
    expect(start.status).toBe(302);
    const location = start.headers.get('location') ?? '';
    // RelayState is the flow's random state only: the page to return to stays sealed with the flow.
    expect(new URL(location).searchParams.get('RelayState')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location).not.toContain('account');
    const answer = await w.saml.respond(location, { nameId: 'bob@corp.example' });
    const page = await browserPostForm(
      `${w.t.baseUrl}/sso/SAML/post/corp`,
      { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
      jar,
    );
    const params = pageParams(page.text);
    expect(params).toMatchObject({ mode: 'SAML', isLinking: true, returnTo: 'account' });
    expect(params.retryUrl).toBe(`${w.t.baseUrl}/sso/SAML/start/corp?isLinking=true&returnTo=account`);
    const linked = await createLink({
      client: w.t.clientWith(bob.token),
      path: { mode: 'saml', provider: 'corp', jellyfinUserId: bob.id },
      body: authBody(params.data),
      headers: { cookie: jar.header() },
    });
    expect(linked.response.status).toBe(204);
  });

  it('when a linking flow without returnTo or a sign-in finishes, then the page is as before', async () => {
    const linking = await oidcThrough('?isLinking=true', 'sub-bob-elsewhere');
    expect(pageParams(linking.page.text)).toMatchObject({
      isLinking: true,
      returnTo: null,
      retryUrl: `${w.t.baseUrl}/sso/OID/start/idp?isLinking=true`,
    });
    const signIn = await oidcThrough('', 'sub-bob');
    expect(pageParams(signIn.page.text)).toMatchObject({
      isLinking: false,
      returnTo: null,
      retryUrl: `${w.t.baseUrl}/sso/OID/start/idp`,
    });
  });

  it('when the IdP refuses a flow that returns to the account page, then the error page leads back there instead of "Try again"', async () => {
    const { page } = await oidcThrough('?isLinking=true&returnTo=account', 'sub-bob', new CookieJar(), true);
    expect(page.status).toBe(401);
    expect(errorPageOf(page.text).reason).toBe('idp_access_denied');
    expect(page.text).toContain('<a id="account" href="/sso/account">Back to your account</a>');
    expect(page.text).not.toContain('Try again');

    const plain = await oidcThrough('?isLinking=true', 'sub-bob', new CookieJar(), true);
    expect(errorPageOf(plain.page.text).reason).toBe('idp_access_denied');
    expect(plain.page.text).toContain('Try again');
    expect(plain.page.text).not.toContain('Back to your account');
  });

  it('when the finished linking page is reloaded, then it offers the way back to the account page', async () => {
    const bob = await signInThroughOidc(w, 'sub-bob');
    const { page, callback, jar } = await oidcThrough('?isLinking=true&returnTo=account', 'sub-bob');
    // bob's own identity at `idp` is already his: linking it again is a no-op the service accepts.
    const linked = await createLink({
      client: w.t.clientWith(bob.token),
      path: { mode: 'oid', provider: 'idp', jellyfinUserId: bob.id },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: jar.header() },
    });
    expect(linked.response.status).toBe(204);
    const reloaded = await browserGet(callback, jar);
    expect(reloaded.text).toContain('<title>Your account is already linked</title>');
    expect(reloaded.text).toContain('<a id="account" href="/sso/account">Back to your account</a>');
  });

  it('when returnTo has a value the service does not know, then the start answers a readable 400 page and starts nothing', async () => {
    const jar = new CookieJar();
    const page = await browserGet(`${w.t.baseUrl}/sso/OID/start/idp?isLinking=true&returnTo=profile`, jar);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(errorPageOf(page.text).reason).toBe('invalid_request');
    expect(page.text).toMatch(/<li><code>[^<]*returnTo[^<]*<\/code>: [^<]+<\/li>/);
    expect(jar.header()).not.toMatch(/sso_flow_/);
  });

  it('when returnTo is given to a sign-in (no isLinking=true), then the start refuses it with a page that says why', async () => {
    for (const path of ['/sso/OID/start/idp', '/sso/SAML/start/corp?isLinking=false&']) {
      const jar = new CookieJar();
      const separator = path.endsWith('&') ? '' : '?';
      const page = await browserGet(`${w.t.baseUrl}${path}${separator}returnTo=account`, jar);
      expect(page.status).toBe(400);
      expect(errorPageOf(page.text).reason).toBe('invalid_request');
      expect(page.text).toContain(
        '<li><code>returnTo</code>: only a linking flow returns to a page: add isLinking=true, or leave it out</li>',
      );
      expect(jar.header()).not.toMatch(/sso_flow_/);
    }
  });
});
