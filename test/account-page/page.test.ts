// The account page as served: /sso/account with the console's strict CSP, its assets referenced by
// absolute path under the console's /sso/admin/assets/ (and under SSO_PUBLIC_URL's base path), the same
// page with `?linked=`, 503 when the console is not built; and in headless Chromium, the page without a
// session (or with one the service no longer accepts) saying how to sign in, and on a phone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAccountPage, getAdminConsoleAsset } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openConsoleTab } from '../support/console-browser.js';
import { describeAccountPage, openAccountPage, poll, saveScreenshot, signedInTab } from './world.js';

describe('the account page over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('when the page is served, then it has the console CSP and loads its hashed assets from the console', async () => {
    const { data, response } = await getAccountPage({ client: t.anonymous, parseAs: 'text' });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = String(data);
    expect(html).toContain('<title>Your account');
    expect(html).not.toMatch(/<script>|<style>| style=|"\.\/assets\//);
    const scripts = [...html.matchAll(/src="\/sso\/admin\/assets\/([^"]+\.js)"/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/^account-/);
    for (const [, asset] of html.matchAll(/(?:src|href)="\/sso\/admin\/assets\/([^"]+)"/g)) {
      const answer = await getAdminConsoleAsset({
        client: t.anonymous,
        path: { asset: asset! },
        parseAs: 'text',
      });
      expect(answer.response.status, asset).toBe(200);
    }
  });

  it('when it is asked for with a slash, another letter case or ?linked=, then the same page answers', async () => {
    const page = await (await fetch(`${t.baseUrl}/sso/account`)).text();
    for (const path of ['/sso/account/', '/SSO/Account', '/sso/account?linked=work']) {
      const response = await fetch(`${t.baseUrl}${path}`, { headers: { accept: 'text/html' } });
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toBe(page);
    }
  });

  it('when SSO_PUBLIC_URL has a base path, then the page references the assets under it', async () => {
    const behindProxy = await startTestApp({ SSO_PUBLIC_URL: 'https://media.example.com/jellyfin' });
    try {
      const html = await (await fetch(`${behindProxy.baseUrl}/sso/account`)).text();
      expect(html).toMatch(/src="\/jellyfin\/sso\/admin\/assets\/account-[^"]+\.js"/);
      expect(html).not.toMatch(/(src|href)="\/sso\//);
    } finally {
      await behindProxy.close();
    }
  });
});

describe('the account page when the console has not been built', () => {
  it('when dist/console is missing, then /sso/account answers 503 console_not_built, as a page for a browser', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sso-no-console-'));
    const t = await startTestApp({}, { consoleDir: empty });
    try {
      const json = await fetch(`${t.baseUrl}/sso/account`, { headers: { accept: 'application/json' } });
      expect(json.status).toBe(503);
      expect(((await json.json()) as { code: string }).code).toBe('console_not_built');
      const page = await fetch(`${t.baseUrl}/sso/account`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('npm run build:console');
    } finally {
      await t.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

await describeAccountPage('the account page in a browser', (chromium, service) => {
  it('when nobody is signed in in this browser, then the page says so and links to the sign-in', async () => {
    const tab = await openConsoleTab(chromium, service().t.baseUrl, { path: '/sso/account' });
    const { page } = tab;
    await page.getByRole('heading', { name: 'You are not signed in', level: 1 }).waitFor();
    const signIn = page.getByRole('link', { name: 'Sign in' });
    expect(await signIn.getAttribute('href')).toBe('/sso/');
    expect(await page.getByRole('region', { name: 'Identities' }).count()).toBe(0);
    await saveScreenshot(page, 'not-signed-in');
    await signIn.click();
    await page.getByRole('link', { name: /family/ }).waitFor();
    expect(await tab.problems()).toEqual([]);
    await tab.close();
  });

  it('when the stored session is no longer valid, then the page says it ended instead of failing', async () => {
    const context = await chromium.newContext();
    await context.addInitScript(() => {
      const server = {
        Id: 'x',
        ManualAddress: location.origin,
        AccessToken: 'f'.repeat(32),
        UserId: 'a'.repeat(32),
      };
      localStorage.setItem('jellyfin_credentials', JSON.stringify({ Servers: [server] }));
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${service().t.baseUrl}/sso/account`);
    await page.getByRole('heading', { name: 'Your session has ended', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/sso/');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('when a signed-in user opens the page on a phone, then their name heads it and nothing overflows sideways', async () => {
    const tab = await signedInTab(chromium, service(), 'sub-ines', { width: 390, height: 844 });
    const { page } = tab;
    await poll(() => page.locator('.who').textContent()).toBe('Signed in as ines');
    for (const name of ['Identities', 'App password', 'Devices']) {
      await page
        .getByRole('region', { name, exact: true })
        .getByRole('heading', { name, level: 2 })
        .waitFor();
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await saveScreenshot(page, 'account-phone');
    // A reload keeps the page as it is.
    await openAccountPage(page, service().t.baseUrl);
    expect(await tab.problems()).toEqual([]);
    await tab.close();
  });
});
