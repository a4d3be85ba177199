// The host of a sign-in and its reload, over HTTP against the whole service and the in-process OP: a start
// a browser opens at another host than SSO_PUBLIC_URL's moves to the public origin first (once, browsers
// only, and not when a trusted proxy says the public host was asked for); a callback that brings no cookie
// for its flow names the address to open; a finished sign-in reloaded in its own browser is "already signed
// in", in another browser a refusal. fetch always sends Sec-Fetch-Mode: cors, so the browser's navigation
// is sent with node:http.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { authBody, browserGet, pageParams } from '../support/browser.js';
import { errorPageOf } from '../support/error-page.js';
import { startConsoleService, type ConsoleService } from '../support/console-service.js';
import { CookieJar, followLogin, type OidcIdp } from '../support/oidc-idp.js';

/** A GET as a browser's navigation would send it, to `url`'s address with `headers` (Host among them). */
function navigate(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; location: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', ...headers } },
      (response) => {
        response.resume();
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location ?? '',
          setCookie: response.headers['set-cookie'] ?? [],
        });
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}

describe('the host of a sign-in', () => {
  let service: ConsoleService;
  let t: TestApp;
  let idp: OidcIdp;
  let port: number;
  let publicOrigin: string;

  beforeAll(async () => {
    service = await startConsoleService('test');
    await service.addProvider('test');
    ({ t, idp } = service);
    publicOrigin = t.baseUrl; // the service's own address is its SSO_PUBLIC_URL here
    port = Number(new URL(publicOrigin).port);
  });
  afterAll(() => service?.close());

  const startPath = '/sso/OID/start/test?isLinking=true';

  it('when a browser opens a start at another host, then it is sent to the same start on the public origin, once', async () => {
    const moved = await navigate(`${publicOrigin}${startPath}`, { host: `localhost:${port}` });
    expect(moved.status).toBe(302);
    expect(moved.location).toBe(`${publicOrigin}${startPath}`);
    expect(moved.setCookie.join()).toMatch(/^sso_start_moved=1;.*Max-Age=30/);
    expect(moved.setCookie.join()).not.toMatch(/sso_flow_/);

    const there = await navigate(`${publicOrigin}${startPath}`, { host: `127.0.0.1:${port}` });
    expect(new URL(there.location).origin).toBe(idp.issuer);
    expect(there.setCookie.join()).toMatch(/sso_flow_/);
  });

  it('when a linking start that returns to the account page is moved, then the move keeps returnTo and the flow carries it', async () => {
    const returning = '/sso/OID/p/test?IsLinking=true&returnTo=account';
    const moved = await navigate(`${publicOrigin}${returning}`, { host: `localhost:${port}` });
    expect(moved.status).toBe(302);
    expect(moved.location).toBe(`${publicOrigin}/sso/OID/start/test?isLinking=true&returnTo=account`);

    const jar = new CookieJar();
    const start = await browserGet(moved.location, jar);
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
    const page = await browserGet(callback, jar);
    expect(pageParams(page.text)).toMatchObject({ isLinking: true, returnTo: 'account' });
  });

  it('when the start still arrives with another host after a move (a proxy that drops Host), then it goes on and the log says what to fix', async () => {
    const again = await navigate(`${publicOrigin}/sso/OID/start/test`, {
      host: `backend.internal:${port}`,
      cookie: 'sso_start_moved=1',
    });
    expect(new URL(again.location).origin).toBe(idp.issuer);
    expect(t.logs()).toContain('let the reverse proxy pass the Host header on');
  });

  it('when a trusted proxy says the public host was asked for, or a script starts the sign-in, then there is no move', async () => {
    const proxied = await navigate(`${publicOrigin}/sso/OID/start/test`, {
      host: 'backend.internal:8097',
      'x-forwarded-host': `127.0.0.1:${port}`,
    });
    expect(new URL(proxied.location).origin).toBe(idp.issuer);
    // fetch is no navigation (Sec-Fetch-Mode: cors): tools and scripts keep the plain start.
    const scripted = await fetch(`http://localhost:${port}/sso/OID/start/test`, { redirect: 'manual' });
    expect(new URL(scripted.headers.get('location') ?? '').origin).toBe(idp.issuer);
  });

  it('when the callback brings no cookie for its flow, then the page names the address to open', async () => {
    const start = await browserGet(`${publicOrigin}/sso/OID/start/test`, new CookieJar());
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
    const page = await browserGet(callback, new CookieJar());
    expect(page.status).toBe(401);
    expect(errorPageOf(page.text).reason).toBe('browser_mismatch');
    expect(page.text).toContain(`Open this sign-in at <strong>${publicOrigin}</strong>`);
    expect(page.text).toContain(`href="${publicOrigin}/sso/OID/start/test"`);
  });

  it('when the finished sign-in page is reloaded in its browser, then it is "already signed in"; elsewhere it is refused', async () => {
    const jar = new CookieJar();
    const start = await browserGet(`${publicOrigin}/sso/OID/start/test`, jar);
    const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
    const first = await browserGet(callback, jar);
    const auth = await fetch(`${publicOrigin}/sso/OID/Auth/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: jar.header() },
      body: JSON.stringify(authBody(pageParams(first.text).data)),
    });
    expect(auth.status).toBe(200);

    const reloaded = await browserGet(callback, jar);
    expect(reloaded.status).toBe(200);
    expect(reloaded.text).toContain('<title>You are already signed in</title>');
    expect(reloaded.text).toContain('you can close this page');
    expect(reloaded.text).toContain(`href="/sso/admin/">Open the admin console`);
    expect(reloaded.text).not.toContain('sso-params');

    const elsewhere = await browserGet(callback, new CookieJar());
    expect(elsewhere.status).toBe(400);
    expect(errorPageOf(elsewhere.text).reason).toBe('flow_used');
  });
});
