// The admin console's page and sign-in: served with its strict CSP and hashed assets, 503 when not built,
// and in headless Chromium each way an administrator gets in — an API key kept in the tab, single sign-on
// into the embedded directory, and (jellyfin mode) the jellyfin-web session already on this origin — and
// the "administrators only" page for everyone else.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAdminConsole, getAdminConsoleAsset } from '../../clients/typescript/index.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { openConsoleTab, saveScreenshot, signInWithApiKey } from '../support/console-browser.js';
import { startConsoleService, type ConsoleService } from '../support/console-service.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import type { OidcIdp } from '../support/oidc-idp.js';

describe('the console page over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('when /sso/admin is asked for without its slash, then the same page loads its assets by absolute path', async () => {
    const response = await fetch(`${t.baseUrl}/sso/admin`, { redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/src="\/sso\/admin\/assets\/index-[^"]+\.js"/);
  });

  it('when the page is served, then its CSP allows scripts and styles from this origin only and it references hashed assets', async () => {
    const { data, response } = await getAdminConsole({ client: t.anonymous, parseAs: 'text' });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = String(data);
    expect(html).not.toMatch(/<script>|<style>| style=/); // nothing inline
    const scripts = [...html.matchAll(/src="\/sso\/admin\/assets\/([^"]+\.js)"/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBe(1);
    const asset = await getAdminConsoleAsset({
      client: t.anonymous,
      path: { asset: scripts[0]! },
      parseAs: 'text',
    });
    expect(asset.response.status).toBe(200);
    expect(asset.response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('when a browser opens the root, then a short page points to the console (not a JSON 404)', async () => {
    const response = await fetch(`${t.baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'sha256-/,
    );
    expect(await response.text()).toContain('<a href="/sso/admin">Open the admin console</a>');
  });

  it('when an asset is unknown or its name is not a plain file name, then 404 or 400 and nothing from disk', async () => {
    const unknown = await fetch(`${t.baseUrl}/sso/admin/assets/nothing-here.js`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('not_found');
    for (const name of ['..%2F..%2Fpackage.json', '.env.js', 'index.html', '%2Fetc%2Fpasswd.js']) {
      const response = await fetch(`${t.baseUrl}/sso/admin/assets/${name}`);
      expect([400, 404], name).toContain(response.status);
      expect(await response.text()).not.toMatch(/"dependencies"|root:/);
    }
  });
});

describe('the console when it has not been built', () => {
  it('when dist/console is missing, then the page answers 503 console_not_built, as a page for a browser', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sso-no-console-'));
    const t = await startTestApp({}, { consoleDir: empty });
    try {
      const json = await fetch(`${t.baseUrl}/sso/admin/`, { headers: { accept: 'application/json' } });
      expect(json.status).toBe(503);
      expect(((await json.json()) as { code: string }).code).toBe('console_not_built');
      const page = await fetch(`${t.baseUrl}/sso/admin/`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('npm run build:console');
      const asset = await fetch(`${t.baseUrl}/sso/admin/assets/index-x.js`);
      expect(asset.status).toBe(503);
    } finally {
      await t.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

const browser: Browser | null = await launchChromium();

describeWithChromium('signing in to the console', browser, (chromium) => {
  afterAll(() => chromium.close());

  describe('signing in to the console (embedded directory)', () => {
    let service: ConsoleService;
    let idp: OidcIdp;
    let t: TestApp;

    beforeAll(async () => {
      service = await startConsoleService('test');
      ({ t, idp } = service);
      await service.addProvider('test');
    });
    afterAll(() => service.close());

    it('when an API key is typed, then the console opens on the providers, keeps the key in this tab only, and signs out', async () => {
      const tab = await openConsoleTab(chromium, t.baseUrl);
      const { page } = tab;
      await page.getByRole('heading', { name: 'jellyfin-sso admin' }).waitFor();
      await saveScreenshot(page, 'sign-in');
      await page.getByLabel('API key').fill('not-a-key-0123456789');
      await page.getByRole('button', { name: 'Use this key' }).click();
      await page.getByText('That API key was not accepted.').waitFor();

      await signInWithApiKey(page, BOOTSTRAP_KEY);
      await page.getByRole('cell', { name: 'test', exact: true }).waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('jellyfin-sso.console.apiKey'))).toBe(
        BOOTSTRAP_KEY,
      );
      expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(BOOTSTRAP_KEY);
      // A reload keeps the tab signed in; a new tab (another profile here) does not.
      await page.reload();
      await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API key').waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('jellyfin-sso.console.apiKey'))).toBeNull();
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    async function signInThroughSso(page: Page, sub: string): Promise<void> {
      await page.getByRole('link', { name: 'Sign in with test' }).click();
      await page.waitForURL(`${idp.issuer}/interaction/**`);
      await page.fill('input[name="login"]', sub);
      await page.click('button[type="submit"]');
      await page.waitForSelector('body[data-sso-state="signed-in"]');
    }

    it('when an embedded administrator signs in through SSO, then the result page leads to the console, which knows them', async () => {
      const tab = await openConsoleTab(chromium, t.baseUrl);
      const { page } = tab;
      await signInThroughSso(page, 'sub-alice');
      await page.getByRole('link', { name: 'Open the admin console' }).click();
      await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
      await expect.poll(() => page.locator('.who').textContent()).toContain('alice');
      await saveScreenshot(page, 'providers-signed-in-through-sso');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when a member who is not an administrator signs in, then the console says it is for administrators only', async () => {
      const tab = await openConsoleTab(chromium, t.baseUrl);
      const { page } = tab;
      await signInThroughSso(page, 'sub-bob');
      expect(await page.getByRole('link', { name: 'Open the admin console' }).isVisible()).toBe(false);
      await page.goto(`${t.baseUrl}/sso/admin/`);
      await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
      await expect.poll(() => page.locator('main').textContent()).toContain('signed in as bob');
      await saveScreenshot(page, 'administrators-only');
      // An API key still gets in from there.
      await page.getByRole('button', { name: 'Sign in differently' }).click();
      await signInWithApiKey(page, BOOTSTRAP_KEY);
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when the stored jellyfin-web credentials are malformed, then the console asks for a sign-in instead of failing', async () => {
      const context = await chromium.newContext();
      await context.addInitScript(() => {
        localStorage.setItem('jellyfin_credentials', '{"Servers":[null,5,{"AccessToken":""},{"UserId":7}]}');
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${t.baseUrl}/sso/admin/`);
      await page.getByLabel('API key').waitFor();
      expect(errors).toEqual([]);
      await context.close();
    });

    it('when the console is opened on a phone, then nothing overflows the screen sideways', async () => {
      const tab = await openConsoleTab(chromium, t.baseUrl, { viewport: { width: 390, height: 844 } });
      await signInWithApiKey(tab.page, BOOTSTRAP_KEY);
      const overflow = await tab.page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await saveScreenshot(tab.page, 'providers-phone');
      await tab.close();
    });
  });

  requireJellyfinDocuments();
  describe('signing in to the console (jellyfin mode)', () => {
    let fake: FakeJellyfin;
    let t: TestApp;

    beforeAll(async () => {
      fake = await startFakeJellyfin({ version: '10.11.11' });
      t = await startTestApp({
        SSO_MEDIA_SERVER: 'jellyfin',
        JELLYFIN_URL: fake.url,
        JELLYFIN_API_KEY: fake.apiKey,
      });
    });
    afterAll(async () => {
      await t.close();
      await fake.close();
    });

    /** The localStorage jellyfin-web keeps for a signed-in user on this origin. */
    async function openAsJellyfinWebUser(userId: string, name: string): Promise<Page> {
      const token = fake.addToken(userId, { client: 'Jellyfin Web' }).token;
      const credentials = {
        Servers: [{ Id: fake.serverId, ManualAddress: t.baseUrl, AccessToken: token, UserId: userId }],
      };
      const context = await chromium.newContext();
      const stored = {
        credentials: JSON.stringify(credentials),
        userKey: `user-${userId}-${fake.serverId}`,
        user: JSON.stringify({ Id: userId, Name: name }),
      };
      await context.addInitScript((item) => {
        localStorage.setItem('jellyfin_credentials', item.credentials);
        localStorage.setItem(item.userKey, item.user);
      }, stored);
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/sso/admin/`);
      return page;
    }

    it('when a Jellyfin administrator is signed in to jellyfin-web here, then the console opens without asking anything', async () => {
      const page = await openAsJellyfinWebUser(fake.admin.id, fake.admin.name);
      await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
      await expect.poll(() => page.locator('.who').textContent()).toContain(fake.admin.name);
      expect(await page.getByLabel('API key').count()).toBe(0);
      await page.context().close();
    });

    it('when a Jellyfin user who is not an administrator is signed in, then the console says administrators only', async () => {
      const user = fake.addUser({ name: 'carol' });
      const page = await openAsJellyfinWebUser(user.id, 'carol');
      await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
      await page.context().close();
    });
  });
});
