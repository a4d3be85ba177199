// The sign-in landing page (/sso/) in headless Chromium: one button per enabled provider (disabled ones
// absent), `?provider=` straight to that provider, a provider's `autoRedirect` and its escape hatch
// `?local=1`, an unknown provider as a readable page; under its CSP (no violation) and never cached.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addOidcProvider, getOidcProviders } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { startOidcIdp, type OidcIdp, jellyfinClient } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

const browser: Browser | null = await launchChromium();

describeWithChromium('the landing page in headless Chromium', browser, (chromium) => {
  let idp: OidcIdp;
  let t: TestApp;
  let context: BrowserContext;

  async function addProvider(name: string, fields: { enabled: boolean; autoRedirect?: boolean }) {
    const { response } = await addOidcProvider({
      client: t.admin,
      path: { provider: name },
      body: { oidEndpoint: idp.issuer, oidClientId: 'jellyfin', oidSecret: 'jellyfin-secret', ...fields },
    });
    expect(response.status).toBe(200);
  }

  /** Opens a page, collecting CSP violations from before the page's first byte. */
  async function open(path: string): Promise<{ page: Page; status: number | undefined }> {
    const page = await context.newPage();
    const response = await page.goto(`${t.baseUrl}${path}`);
    return { page, status: response?.status() };
  }

  async function buttons(page: Page): Promise<string[]> {
    return page.locator('a.provider').allTextContents();
  }

  beforeAll(async () => {
    const port = await freePort();
    const client = jellyfinClient(port, 'alpha');
    const redirectUris = ['alpha', 'delta <b>'].map(
      (name) => `http://127.0.0.1:${port}/sso/OID/redirect/${encodeURIComponent(name)}`,
    );
    idp = await startOidcIdp({ clients: [{ ...client, redirect_uris: redirectUris }], accounts: {} });
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    await addProvider('alpha', { enabled: true });
    await addProvider('beta', { enabled: false });
    await addProvider('delta <b>', { enabled: true });
    context = await chromium.newContext();
    await context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(e.violatedDirective));
    });
  });

  afterAll(async () => {
    await context?.close();
    await t?.close();
    await idp?.close();
  });

  it('lists one button per enabled provider, disabled ones absent, styled under its CSP and never cached', async () => {
    const page = await context.newPage();
    const response = await page.goto(`${t.baseUrl}/sso/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['cache-control']).toBe('no-store');
    expect(response?.headers()['content-security-policy']).toMatch(/style-src 'sha256-[^']+' 'sha256-/);
    expect(await buttons(page)).toEqual(['Sign in with alpha', 'Sign in with delta <b>']);
    expect(await page.content()).not.toContain('beta');
    expect(await page.content()).not.toContain('jellyfin-secret');
    // The page's own style ran: the hash in the CSP matches it.
    const display = await page
      .locator('a.provider')
      .first()
      .evaluate((a) => getComputedStyle(a).display);
    expect(display).toBe('block');
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });

  it('serves the same page at /sso/login, and a button starts that provider', async () => {
    const { page } = await open('/sso/login');
    expect(await buttons(page)).toEqual(['Sign in with alpha', 'Sign in with delta <b>']);
    await Promise.all([page.waitForURL(`${idp.issuer}/**`), page.locator('a.provider').first().click()]);
  });

  it('goes straight to the provider named by ?provider=', async () => {
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/sso/?provider=alpha`);
    await page.waitForURL(`${idp.issuer}/**`);
  });

  it('answers an unknown or disabled provider with a readable page that still offers the others', async () => {
    for (const name of ['nobody', 'beta']) {
      const { page, status } = await open(`/sso/?provider=${name}`);
      expect(status).toBe(200);
      expect(await page.locator('#notice').textContent()).toContain(`no sign-in provider named "${name}"`);
      expect(await buttons(page)).toEqual(['Sign in with alpha', 'Sign in with delta <b>']);
    }
  });

  it('sends the browser to a provider with autoRedirect, unless ?local=1 asks for the page', async () => {
    await addProvider('delta <b>', { enabled: true, autoRedirect: true });
    const { data } = await getOidcProviders({ client: t.admin });
    expect(data?.['delta <b>']?.autoRedirect).toBe(true);
    expect(data?.['alpha']?.autoRedirect).toBe(false);

    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/sso/`);
    await page.waitForURL(`${idp.issuer}/**`);

    const { page: local, status } = await open('/sso/?local=1');
    expect(status).toBe(200);
    expect(await buttons(local)).toEqual(['Sign in with alpha', 'Sign in with delta <b>']);
    const { page: localWithProvider } = await open('/sso/login?local=1&provider=alpha');
    expect(localWithProvider.url()).toContain('/sso/login?local=1');
    await addProvider('delta <b>', { enabled: true, autoRedirect: false });
  });

  it('the root page points to the landing page', async () => {
    const { page } = await open('/');
    const href = await page.locator('a#sign-in').getAttribute('href');
    expect(href).toBe('/sso/');
  });
});
