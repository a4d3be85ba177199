// OIDC sign-in in a real browser (headless Debian Chromium via playwright-core): start → the test IdP's
// login form → our page → its script calls Auth → "Signed in as …". Checks what only a browser can: the
// strict CSP lets the page's one script run, and the page reports no console error or CSP violation.
// Without a Chromium binary (and no CI) the file says so in one line and registers no browser cases.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addOidcProvider } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { CookieJar, followLogin, startOidcIdp, type OidcIdp, jellyfinClient } from '../support/oidc-idp.js';
import { browserGet } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { registerLinkingTests } from './linking-cases.js';

const ACCOUNTS = {
  'sub-alice': { preferred_username: 'alice', name: 'Alice', groups: ['jellyfin-users', 'jellyfin-admins'] },
  'sub-bob': { preferred_username: 'bob', name: 'Bob', groups: ['jellyfin-users'] },
  'sub-eve': { preferred_username: 'eve', name: 'Eve', groups: ['strangers'] },
};

/** What the page did while the test watched: console errors, uncaught errors, CSP violations. */
interface PageWatch {
  problems: string[];
  cspHeaders: string[];
  authResponses: { status: number; body: Record<string, unknown> | null }[];
}

function watch(page: Page): PageWatch {
  const seen: PageWatch = { problems: [], cspHeaders: [], authResponses: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const where = message.location().url;
    // Chromium asks every origin for /favicon.ico by itself; neither server has one, which is fine.
    if (new URL(where, 'http://x').pathname === '/favicon.ico' && /status of 404/.test(message.text()))
      return;
    seen.problems.push(`console ${message.type()} at ${where}: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/sso/OID/redirect/')) {
      seen.cspHeaders.push(response.headers()['content-security-policy'] ?? '');
    }
    if (url.pathname.startsWith('/sso/OID/Auth/')) {
      const entry: PageWatch['authResponses'][number] = { status: response.status(), body: null };
      seen.authResponses.push(entry);
      response.json().then(
        (body: Record<string, unknown>) => (entry.body = body),
        () => undefined,
      );
    }
  });
  return seen;
}

/** Reports CSP violations from inside the page (the init script runs before the page's own script). */
async function recordCspViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      w.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
}

// The launcher's own contract runs everywhere, so this file always has a case even without a browser.
describe('launchChromium without a Chromium binary', () => {
  const saved = { path: process.env['CHROMIUM_PATH'], ci: process.env['CI'] };
  afterEach(() => {
    for (const [name, value] of [
      ['CHROMIUM_PATH', saved.path],
      ['CI', saved.ci],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('when CI is not set, then it returns null', async () => {
    process.env['CHROMIUM_PATH'] = '/nonexistent/chromium';
    delete process.env['CI'];
    expect(await launchChromium()).toBeNull();
  });

  it('when CI is set, then it fails loudly naming the path', async () => {
    process.env['CHROMIUM_PATH'] = '/nonexistent/chromium';
    process.env['CI'] = 'true';
    await expect(launchChromium()).rejects.toThrow(
      /Chromium not found at \/nonexistent\/chromium but CI is set/,
    );
  });
});

const browser: Browser | null = await launchChromium();

describeWithChromium('OIDC sign-in in headless Chromium', browser, (chromium) => {
  let idp: OidcIdp;
  let t: TestApp;
  let port: number;
  let context: BrowserContext;

  /** Start → IdP form (type `sub`, submit) → our page; returns once the browser has reached our page. */
  async function signIn(page: Page, sub: string): Promise<void> {
    await page.goto(`${t.baseUrl}/sso/OID/start/test`);
    await page.waitForURL(`${idp.issuer}/interaction/**`);
    await page.fill('input[name="login"]', sub);
    await Promise.all([
      page.waitForURL(`${t.baseUrl}/sso/OID/redirect/test?**`),
      page.click('button[type="submit"]'),
    ]);
  }

  beforeAll(async () => {
    port = await freePort();
    idp = await startOidcIdp({
      clients: [jellyfinClient(port, 'test')],
      accounts: ACCOUNTS,
    });
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    const { response } = await addOidcProvider({
      client: t.admin,
      path: { provider: 'test' },
      body: {
        oidEndpoint: idp.issuer,
        oidClientId: 'jellyfin',
        oidSecret: 'jellyfin-secret',
        enabled: true,
        enableAuthorization: true,
        enableAllFolders: true,
        roles: ['jellyfin-users'],
        adminRoles: ['jellyfin-admins'],
        roleClaim: 'groups',
        oidScopes: ['groups'],
      },
    });
    expect(response.status).toBe(200);
  });
  afterAll(async () => {
    await chromium.close();
    await t?.close();
    await idp?.close();
  });
  beforeEach(async () => {
    context = await chromium.newContext();
    await recordCspViolations(context);
  });
  afterEach(async () => {
    await context.close();
  });

  describe('OIDC sign-in in headless Chromium', () => {
    it('when a member signs in through the IdP form, then the page calls Auth and shows who signed in', async () => {
      const page = await context.newPage();
      const seen = watch(page);
      await signIn(page, 'sub-bob');

      await page.waitForSelector('body[data-sso-state="signed-in"]', { timeout: 30_000 });
      expect(await page.textContent('#status')).toBe('Signed in as bob');
      expect(await page.textContent('#user')).toBe('bob');
      expect(await page.textContent('#detail')).toBe(
        'You are signed in to this server. Nothing more is needed here: you can close this page.',
      );
      expect(await page.title()).toBe('Signed in as bob');

      expect(seen.cspHeaders).toHaveLength(1);
      expect(seen.cspHeaders[0]).toMatch(/script-src 'sha256-[^']+'/);
      expect(seen.cspHeaders[0]).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(seen.problems).toEqual([]);
      expect(await cspViolations(page)).toEqual([]);

      // The session the page received is real: the token resolves to the new user of the directory.
      expect(seen.authResponses.map((r) => r.status)).toEqual([200]);
      await expect.poll(() => seen.authResponses[0]?.body).not.toBeNull();
      const token = seen.authResponses[0]?.body?.['AccessToken'];
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      expect(await t.app.mediaServer.resolveToken(token as string)).toMatchObject({
        kind: 'user',
        user: { name: 'bob' },
      });
      const directory = t.app.mediaServer as unknown as { listUsers(): Promise<{ name: string }[]> };
      expect((await directory.listUsers()).map((u) => u.name)).toContain('bob');
      // The flow cookie stays HttpOnly: the page's script never sees it.
      expect(await page.evaluate(() => document.cookie)).not.toMatch(/sso_flow_/);
    });

    it('when an admin-role member signs in, then the page says they administer the server', async () => {
      const page = await context.newPage();
      const seen = watch(page);
      await signIn(page, 'sub-alice');
      await page.waitForSelector('body[data-sso-state="signed-in"]', { timeout: 30_000 });
      expect(await page.textContent('#status')).toBe('Signed in as alice');
      expect(await page.textContent('#detail')).toBe(
        'You are an administrator of this server: open the admin console below, or close this page.',
      );
      expect(seen.problems).toEqual([]);
      expect(await cspViolations(page)).toEqual([]);
    });

    it('when the finished sign-in page is reloaded, then it says the user is already signed in, and another browser is refused', async () => {
      const page = await context.newPage();
      await signIn(page, 'sub-bob');
      await page.waitForSelector('body[data-sso-state="signed-in"]', { timeout: 30_000 });
      const callbackUrl = page.url();
      await page.reload();
      expect(await page.textContent('h1')).toBe('You are already signed in');
      expect(await page.title()).toBe('You are already signed in');
      expect(await page.getByRole('link', { name: 'Sign in again' }).getAttribute('href')).toBe(
        `${t.baseUrl}/sso/OID/start/test`,
      );
      expect(await cspViolations(page)).toEqual([]);

      const otherBrowser = await chromium.newContext();
      const other = await otherBrowser.newPage();
      const refused = await other.goto(callbackUrl);
      expect(refused?.status()).toBe(400);
      expect(await other.title()).toBe('Sign-in failed');
      expect(await other.textContent('#reason')).toBe('flow_used');
      await otherBrowser.close();
    });

    it('when the sign-in is opened at another host name than the public URL, then it moves there first and succeeds', async () => {
      const page = await context.newPage();
      await page.goto(`http://localhost:${port}/sso/OID/start/test`);
      await page.waitForURL(`${idp.issuer}/interaction/**`);
      await page.fill('input[name="login"]', 'sub-bob');
      await page.click('button[type="submit"]');
      await page.waitForSelector('body[data-sso-state="signed-in"]', { timeout: 30_000 });
      expect(new URL(page.url()).origin).toBe(t.baseUrl);
    });

    it('when the page runs beside jellyfin-web, then it stores the session as jellyfin-web expects and opens /web/', async () => {
      // The embedded directory always serves `target: standalone`. So the IdP round trip is done with fetch,
      // the flow cookie handed to the browser, and the browser opens the callback itself (Playwright does not
      // route the hops of a redirect chain): the route swaps the params block (data, not code: the script's
      // CSP hash still holds) and stands in for jellyfin-web at /web/index.html.
      const jar = new CookieJar();
      const start = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
      const callback = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
      await context.addCookies(
        jar
          .header()
          .split('; ')
          .map((pair) => pair.split('='))
          .map(([name = '', value = '']) => ({
            name,
            value,
            url: t.baseUrl,
            httpOnly: true,
            sameSite: 'Lax',
          })),
      );
      const page = await context.newPage();
      const seen = watch(page);
      await page.route(`${t.baseUrl}/sso/OID/redirect/**`, async (route) => {
        const response = await route.fetch();
        const html = (await response.text()).replace(
          /(<script type="application\/json" id="sso-params">)([^<]*)(<\/script>)/,
          (_all, open: string, json: string, close: string) =>
            open +
            JSON.stringify({ ...JSON.parse(json), target: 'jellyfin-web' }).replace(/</g, '\\u003c') +
            close,
        );
        await route.fulfill({ response, body: html });
      });
      await page.route(`${t.baseUrl}/web/index.html`, (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>fake jellyfin-web</title>' }),
      );
      await page.goto(callback.toString());
      await page
        .waitForURL(`${t.baseUrl}/web/index.html`, { timeout: 30_000 })
        .catch(async (error: unknown) => {
          throw new Error(`${String(error)}\nstill at ${page.url()}: ${await page.textContent('main')}`);
        });
      expect(seen.cspHeaders).toHaveLength(1);

      const stored: Record<string, string> = await page.evaluate(() => ({ ...localStorage }));
      const credentials = JSON.parse(stored['jellyfin_credentials'] ?? '{}');
      const server = credentials.Servers?.[0];
      expect(server).toMatchObject({ ManualAddress: t.baseUrl, LastConnectionMode: 2 });
      expect(server.AccessToken).toMatch(/^[0-9a-f]{32}$/);
      const user = await t.app.mediaServer.getUserByName('bob');
      expect(server.UserId).toBe(user?.id);
      expect(JSON.parse(stored[`user-${server.UserId}-${server.Id}`] ?? '{}')).toMatchObject({
        Name: 'bob',
        EnableAutoLogin: true,
      });
      expect(stored['enableAutoLogin']).toBe('true');
      expect(stored['_deviceId2']).toMatch(/^[A-Za-z0-9+/]+1*$/);
      expect(await t.app.mediaServer.resolveToken(server.AccessToken)).toMatchObject({
        kind: 'user',
        user: { id: user?.id },
      });
      expect(seen.problems).toEqual([]);
    });

    it('when the account has none of the required roles, then the browser shows the denial and the log names the rule', async () => {
      const page = await context.newPage();
      const seen = watch(page);
      await signIn(page, 'sub-eve');
      expect(await page.textContent('h1')).toBe('Access denied');
      expect(await page.textContent('#detail')).toContain('Ask your admin');
      expect(await page.textContent('#reason')).toBe('not_permitted');
      const requestId = (await page.textContent('#request-id')) ?? '';
      expect(await page.content()).not.toContain('jellyfin-users');
      const logged = t
        .logs()
        .split('\n')
        .filter((line) => line.includes(requestId));
      expect(
        logged.some((line) => line.includes('none of the roles this server requires (jellyfin-users)')),
      ).toBe(true);
      // The 403 itself is the only thing Chromium may complain about; no script error, no CSP violation.
      expect(seen.problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
      expect(seen.authResponses).toEqual([]);
      expect(await cspViolations(page)).toEqual([]);
      expect(await t.app.mediaServer.getUserByName('eve')).toBeNull();
    });
  });
  registerLinkingTests(chromium);
});
