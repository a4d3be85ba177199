// The logout page in a real browser (headless Chromium): after a sign-in through the in-process OpenID
// Provider, `/sso/logout` ends the session, clears jellyfin-web's stored credentials, passes through the
// IdP's logout and lands on the service's page — under its strict CSP, with no console error or violation.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { addTestProvider } from './support.js';

const browser = await launchChromium();

describeWithChromium('the logout page in Chromium', browser, (chromium: Browser) => {
  let idp: OidcIdp;
  let t: TestApp;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startOidcIdp({
      clients: [
        { ...jellyfinClient(port, 'test'), post_logout_redirect_uris: [`http://127.0.0.1:${port}/`] },
      ],
      accounts: { 'sub-ann': { preferred_username: 'ann', groups: ['jellyfin-users'] } },
    });
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    await addTestProvider(t.admin, idp.issuer);
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
    await chromium.close();
  });

  it('when a signed-in user opens /sso/logout, then the session ends, the stored credentials go, and the IdP signs out too', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // Our own pages only: the IdP's pages (which load web fonts) are not under test here.
      const where = message.location().url;
      if (message.type() === 'error' && where.startsWith(t.baseUrl) && !/favicon/.test(where)) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${t.baseUrl}/sso/OID/start/test`);
    await page.fill('input[name="login"]', 'sub-ann');
    await page.click('button[type="submit"]');
    await page.waitForSelector('body[data-sso-state="signed-in"]');
    const stored = await page.evaluate(() => localStorage.getItem('jellyfin_credentials') ?? '');
    const token =
      (JSON.parse(stored) as { Servers: { AccessToken: string }[] }).Servers[0]?.AccessToken ?? '';
    expect(await t.app.mediaServer.resolveToken(token)).not.toBeNull();

    const logoutPage = await page.goto(`${t.baseUrl}/sso/logout`);
    expect(logoutPage?.headers()['cache-control']).toBe('no-store');
    expect(logoutPage?.headers()['content-security-policy']).toMatch(/script-src 'sha256-/);
    // The IdP asks to confirm its own logout; its form posts back and it sends the browser home.
    await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/session/end`));
    await page.click('button[autofocus], button[type="submit"]');
    await page.waitForURL(`${t.baseUrl}/`);
    expect(await t.app.mediaServer.resolveToken(token)).toBeNull();
    const after = await page.evaluate(() => localStorage.getItem('jellyfin_credentials') ?? '');
    expect(after).not.toContain(token);
    expect(problems).toEqual([]);
    await context.close();
  });
});
