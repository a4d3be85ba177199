// The linking round trip in a real browser (headless Chromium): a user signs in through provider "home",
// then starts `?isLinking=true` at provider "work" and signs in there as another IdP account; the page
// calls Link with the stored credential before it touches storage, shows "Account linked", and the next
// sign-in through "work" lands in the same user. Registered by oidc-chromium.test.ts when Chromium exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { addOidcProvider, listOidcLinks } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

const ACCOUNTS = {
  'sub-bob': { preferred_username: 'bob', groups: ['users'] },
  'sub-bob-at-work': { preferred_username: 'robert', groups: ['users'] },
};

/** Registers the linking cases on an already launched browser (closed by the caller). */
export function registerLinkingTests(browser: Browser): void {
  let idp: OidcIdp;
  let t: TestApp;

  /** start → the IdP's form (type `sub`, submit) → our page, which then runs its script. */
  async function throughIdp(page: Page, startPath: string, sub: string): Promise<void> {
    await page.goto(`${t.baseUrl}${startPath}`);
    await page.waitForURL(`${idp.issuer}/interaction/**`);
    await page.fill('input[name="login"]', sub);
    await Promise.all([
      page.waitForURL(`${t.baseUrl}/sso/OID/redirect/**`),
      page.click('button[type="submit"]'),
    ]);
  }

  async function finalState(page: Page): Promise<string> {
    await page.waitForFunction(() => document.body.getAttribute('data-sso-state') !== 'working', undefined, {
      timeout: 45_000,
    });
    return (await page.getAttribute('body', 'data-sso-state')) ?? '';
  }

  beforeAll(async () => {
    const port = await freePort();
    idp = await startOidcIdp({
      clients: [
        {
          client_id: 'jellyfin',
          client_secret: 'jellyfin-secret',
          redirect_uris: ['home', 'work'].map((p) => `http://127.0.0.1:${port}/sso/OID/redirect/${p}`),
        },
      ],
      accounts: ACCOUNTS,
    });
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    for (const name of ['home', 'work']) {
      const { response } = await addOidcProvider({
        client: t.admin,
        path: { provider: name },
        body: {
          oidEndpoint: idp.issuer,
          oidClientId: 'jellyfin',
          oidSecret: 'jellyfin-secret',
          enabled: true,
        },
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  describe('linking in the browser', () => {
    it('when a signed-in user links a second provider, then the page links it and the next sign-in lands in that user', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));

      await throughIdp(page, '/sso/OID/start/home', 'sub-bob');
      expect(await finalState(page)).toBe('signed-in');
      const stored = await page.evaluate(() => localStorage.getItem('jellyfin_credentials'));
      const credentials = JSON.parse(stored ?? '{}') as {
        Servers: { UserId: string; AccessToken: string }[];
      };
      const bob = credentials.Servers[0];
      expect(bob?.UserId).toMatch(/^[0-9a-f]{32}$/);

      // Sign out at the IdP (its session cookie) so it asks who is signing in; localStorage stays.
      await context.clearCookies();
      await throughIdp(page, '/sso/OID/start/work?isLinking=true', 'sub-bob-at-work');
      expect(await finalState(page)).toBe('linked');
      expect(await page.textContent('#status')).toBe('Account linked');
      // Linking did not sign the browser in as anyone else.
      const after = JSON.parse(
        (await page.evaluate(() => localStorage.getItem('jellyfin_credentials'))) ?? '{}',
      ) as {
        Servers: { UserId: string; AccessToken: string }[];
      };
      expect(after.Servers[0]?.UserId).toBe(bob?.UserId);
      expect(after.Servers[0]?.AccessToken).toBe(bob?.AccessToken);

      const links = await listOidcLinks({ client: t.admin, path: { jellyfinUserId: bob?.UserId ?? '' } });
      expect(links.data).toEqual({ home: ['sub-bob'], work: ['sub-bob-at-work'] });

      // A fresh browser signing in through "work" lands in bob's account.
      const other = await browser.newContext();
      const second = await other.newPage();
      await throughIdp(second, '/sso/OID/start/work', 'sub-bob-at-work');
      expect(await finalState(second)).toBe('signed-in');
      expect(await second.textContent('#user')).toBe('bob');
      expect(problems).toEqual([]);
      await context.close();
      await other.close();
    });

    it('when nobody is signed in in this browser, then linking says so and changes nothing', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await throughIdp(page, '/sso/OID/start/work?isLinking=true', 'sub-bob-at-work');
      expect(await finalState(page)).toBe('error');
      expect(await page.textContent('#detail')).toContain('not signed in');
      expect(await page.evaluate(() => localStorage.getItem('jellyfin_credentials'))).toBeNull();
      await context.close();
    });
  });
}
