// The console's Activity page in headless Chromium: a real sign-in refused by the role rule (carol, in no
// allowed group, through the IdP's login form) appears with the reason that refused it; the outcome and
// provider filters live in the URL and survive a reload; "Older" and "Newest" page through more entries
// than one page holds; and the page is readable on a phone.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listActivity } from '../../clients/typescript/index.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { saveScreenshot, type ConsoleTab } from '../support/console-browser.js';
import { openConsoleAt, startConsoleService, type ConsoleService } from '../support/console-service.js';

/** More attempts than one page of the console (50) holds. */
const OFF_ATTEMPTS = 55;

const browser: Browser | null = await launchChromium();

describeWithChromium('the console Activity page', browser, (chromium) => {
  afterAll(() => chromium.close());

  describe('the Activity page', () => {
    let service: ConsoleService;
    let t: ConsoleService['t'];

    beforeAll(async () => {
      service = await startConsoleService('family');
      t = service.t;
      await service.addProvider('family');
      await service.addProvider('off', { enabled: false });
      // Real sign-ins through the IdP's login form: alice gets in, carol (in no allowed group) is refused.
      const context = await chromium.newContext();
      const page = await context.newPage();
      await signInAtIdp(page, 'sub-alice', 'signed-in');
      await context.clearCookies();
      await signInAtIdp(page, 'sub-carol', 'refused');
      await context.close();
    });
    afterAll(() => service.close());

    /** A real sign-in at `family` through the IdP's login form, up to the service's result page. */
    async function signInAtIdp(page: Page, sub: string, result: 'signed-in' | 'refused'): Promise<void> {
      await page.goto(`${t.baseUrl}/sso/OID/start/family`);
      await page.waitForURL(`${service.idp.issuer}/interaction/**`);
      await page.fill('input[name="login"]', sub);
      await page.click('button[type="submit"]');
      if (result === 'signed-in') await page.waitForSelector('body[data-sso-state="signed-in"]');
      else await page.getByRole('heading', { name: 'Access denied' }).waitFor();
    }

    async function openActivity(
      fragment: string,
      viewport?: { width: number; height: number },
    ): Promise<ConsoleTab> {
      const tab = await openConsoleAt(chromium, t.baseUrl, `#/activity${fragment}`, viewport);
      await tab.page.getByRole('heading', { name: 'Sign-in activity', level: 1 }).waitFor();
      return tab;
    }

    function rows(page: Page) {
      return page.getByRole('table').locator('tbody tr');
    }

    it('when carol is refused by the role rule, then her attempt is listed with the reason that refused it', async () => {
      const tab = await openActivity('');
      const { page } = tab;
      const carol = rows(page).filter({ hasText: 'carol' });
      await expect.poll(() => carol.count()).toBe(1);
      const cells = carol.locator('td');
      expect(await cells.nth(1).textContent()).toBe('family OIDC');
      expect(await cells.nth(3).textContent()).toBe('✗ Refused');
      expect(await cells.nth(3).getAttribute('class')).toContain('outcome-refused');
      expect(await cells.nth(4).textContent()).toBe('authorize');
      expect(await cells.nth(5).textContent()).toContain(
        'none of the roles this server requires (jellyfin-users)',
      );
      expect(await cells.nth(5).textContent()).toContain('Rule: access.required_role');
      expect(await cells.nth(5).textContent()).toContain('User was shown: not_permitted');
      expect(await cells.nth(6).textContent()).toMatch(/^127\.0\.0\.1request [0-9a-f-]{36}$/);
      const time = carol.locator('time');
      const iso = await time.getAttribute('datetime');
      expect(Date.parse(iso ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect(await time.getAttribute('title')).toBe(iso);
      expect(await rows(page).filter({ hasText: 'alice' }).locator('td').nth(3).textContent()).toBe(
        '✓ Signed in',
      );
      await saveScreenshot(page, 'activity');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when filtered by outcome and provider, then the URL keeps the filters through a reload', async () => {
      const tab = await openActivity('');
      const { page } = tab;
      await page.getByLabel('Provider').fill('family');
      await page.getByLabel('Outcome').selectOption('refused');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL(/#\/activity\?provider=family&outcome=refused$/);
      const check = async (): Promise<void> => {
        await expect.poll(() => rows(page).filter({ hasText: 'carol' }).count()).toBe(1);
        expect(await rows(page).filter({ hasText: 'alice' }).count()).toBe(0);
        expect(await rows(page).filter({ hasNotText: 'Refused' }).count()).toBe(0);
        expect(await page.getByLabel('Provider').inputValue()).toBe('family');
        expect(await page.getByLabel('Outcome').inputValue()).toBe('refused');
      };
      await check();
      await page.reload();
      await check();

      await page.getByLabel('Outcome').selectOption('success');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => rows(page).filter({ hasText: 'alice' }).count()).toBe(1);
      expect(await rows(page).filter({ hasText: 'carol' }).count()).toBe(0);

      await page.getByLabel('User').fill('alice');
      await page.getByLabel('Outcome').selectOption('');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL(/#\/activity\?provider=family&user=alice$/);
      await expect.poll(() => rows(page).count()).toBe(1);
      expect(await rows(page).first().textContent()).toContain('alice');

      // Since is typed in local time and kept in the URL as an ISO time.
      await page.getByLabel('Since').fill('2099-01-01T00:00');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No sign-in attempt matches these filters.').waitFor();
      const since = new URL(page.url().replace('#/activity', '')).searchParams.get('since');
      expect(since).toBe(new Date(2099, 0, 1, 0, 0).toISOString());
      await page.reload();
      expect(await page.getByLabel('Since').inputValue()).toBe('2099-01-01T00:00');

      await page.getByLabel('Since').fill('');
      await page.getByLabel('Provider').fill('nobody-here');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No sign-in attempt matches these filters.').waitFor();
      await page.getByRole('link', { name: 'Clear' }).click();
      await expect.poll(() => page.getByLabel('Provider').inputValue()).toBe('');
      await expect.poll(() => rows(page).filter({ hasText: 'carol' }).count()).toBe(1);
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when there are more entries than one page, then Older and Newest page through them', async () => {
      for (let i = 0; i < OFF_ATTEMPTS; i++) {
        const response = await fetch(`${t.baseUrl}/sso/OID/start/off`, { redirect: 'manual' });
        await response.body?.cancel();
      }
      // Entries are written after the reply.
      await expect
        .poll(async () => {
          const { data } = await listActivity({ client: t.admin, query: { provider: 'off', limit: 200 } });
          return data?.entries.length;
        })
        .toBe(OFF_ATTEMPTS);
      const tab = await openActivity('?provider=off');
      const { page } = tab;
      await expect.poll(() => rows(page).count()).toBe(50);
      expect(await page.getByRole('link', { name: 'Newest' }).count()).toBe(0);
      const newest = await rows(page).first().locator('time').getAttribute('datetime');
      await page.getByRole('link', { name: 'Older' }).click();
      await page.waitForURL(/#\/activity\?provider=off&before=[0-9a-f]{29}$/);
      await expect.poll(() => rows(page).count()).toBe(OFF_ATTEMPTS - 50);
      expect(await page.getByRole('link', { name: 'Older' }).count()).toBe(0);
      expect(await rows(page).first().locator('td').nth(5).textContent()).toContain('disabled');
      await page.getByRole('link', { name: 'Newest' }).click();
      await expect.poll(() => rows(page).count()).toBe(50);
      expect(await rows(page).first().locator('time').getAttribute('datetime')).toBe(newest);
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when the page is opened on a phone, then each entry is readable without scrolling sideways', async () => {
      const tab = await openActivity('?provider=family', { width: 390, height: 844 });
      const { page } = tab;
      await expect.poll(() => rows(page).filter({ hasText: 'carol' }).count()).toBe(1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const wrap = page.locator('.table-wrap');
      expect(await wrap.evaluate((element) => element.scrollWidth - element.clientWidth)).toBeLessThanOrEqual(
        0,
      );
      await saveScreenshot(page, 'activity-phone');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });
  });
});
