// OIDC sign-in in a real browser (headless Debian Chromium via playwright-core): start → the test IdP's
// login form → our page → its script calls Auth → "Signed in as …". Checks what only a browser can: the
// strict CSP lets the page's one script run, and the page reports no console error or CSP violation.
// Without a Chromium binary (and no CI) the file says so in one line and registers no cases.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addOidcProvider } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { chromiumPath, launchChromium } from '../support/chromium.js';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

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
    if (message.type() === 'error' || message.type() === 'warning') {
      seen.problems.push(`console ${message.type()}: ${message.text()}`);
    }
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

const browser: Browser | null = await launchChromium();

if (browser === null) {
  console.log(`browser tests did not run: no Chromium at ${chromiumPath()} (apt-get install -y chromium)`);
} else {
  const chromium = browser;
  let idp: OidcIdp;
  let t: TestApp;
  let port: number;
  let context: BrowserContext;

  /** Start → IdP form (type `sub`, submit) → our page; returns once the page has settled. */
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
      clients: [
        {
          client_id: 'jellyfin',
          client_secret: 'jellyfin-secret',
          redirect_uris: [`http://127.0.0.1:${port}/sso/OID/redirect/test`],
        },
      ],
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

      await page.waitForSelector('body[data-sso-state="signed-in"]', { timeout: 15_000 });
      expect(await page.textContent('#status')).toBe('Signed in as bob');
      expect(await page.textContent('#user')).toBe('bob');
      expect(await page.textContent('#detail')).toBe('You can close this page.');

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
      const principal = await t.app.mediaServer.resolveToken(token as string);
      expect(principal).not.toBeNull();
      const users = await t.app.mediaServer.getUserByName('bob');
      expect(users).not.toBeNull();
      // The flow cookie stays HttpOnly: the page's script never sees it.
      expect(await page.evaluate(() => document.cookie)).not.toMatch(/sso_flow_/);
    });

    it('when an admin-role member signs in, then the page says they administer the server', async () => {
      const page = await context.newPage();
      const seen = watch(page);
      await signIn(page, 'sub-alice');
      await page.waitForSelector('body[data-sso-state="signed-in"]', { timeout: 15_000 });
      expect(await page.textContent('#status')).toBe('Signed in as alice');
      expect(await page.textContent('#detail')).toBe('You are an administrator of this server.');
      expect(seen.problems).toEqual([]);
      expect(await cspViolations(page)).toEqual([]);
    });

    it('when the account has none of the required roles, then the browser shows the denial naming the rule', async () => {
      const page = await context.newPage();
      const seen = watch(page);
      await signIn(page, 'sub-eve');
      expect(await page.textContent('h1')).toBe('Access denied');
      expect(await page.textContent('#detail')).toContain('none of the roles this server requires (jellyfin-users)');
      // The 403 itself is the only thing Chromium may complain about; no script error, no CSP violation.
      expect(seen.problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
      expect(seen.authResponses).toEqual([]);
      expect(await cspViolations(page)).toEqual([]);
      expect(await t.app.mediaServer.getUserByName('eve')).toBeNull();
    });
  });
}
