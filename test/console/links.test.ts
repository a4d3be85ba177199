// The console's Links page in headless Chromium: find users by part of their name, open a user's links
// (made by real OIDC sign-ins and a real SAML linking flow), unlink one behind a confirmation — Cancel
// keeps it, "Yes, unlink" removes it, as the generated client then sees — and a user with no link.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLinkDetails } from '../../clients/typescript/index.js';
import { BOOTSTRAP_KEY, startTestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import {
  openConsoleTab,
  saveScreenshot,
  signInWithApiKey,
  type ConsoleTab,
} from '../support/console-browser.js';
import {
  addLinkingProviders,
  createTestSamlIdp,
  linkSamlIdentity,
  signInThroughOidc,
  type LinkingWorld,
  type SignedInUser,
} from '../support/linked-users.js';
import { jellyfinClient, startOidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { directoryOf } from '../support/users.js';

const ACCOUNTS = {
  'sub-anna': { preferred_username: 'Anna-Lindqvist' },
  'sub-annika': { preferred_username: 'annika' },
  'sub-bob': { preferred_username: 'bob' },
};

const browser: Browser | null = await launchChromium();

describeWithChromium('the console Links page', browser, (chromium) => {
  afterAll(() => chromium.close());

  describe('the Links page', () => {
    let w: LinkingWorld;
    let anna: SignedInUser;
    let annette: string;

    beforeAll(async () => {
      const port = await freePort();
      const idp = await startOidcIdp({ clients: [jellyfinClient(port, 'idp')], accounts: ACCOUNTS });
      const t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
      w = { t, idp, saml: createTestSamlIdp(), admin: t.admin };
      await addLinkingProviders(w);
      anna = await signInThroughOidc(w, 'sub-anna');
      await linkSamlIdentity(w, anna, 'anna@corp.example');
      await signInThroughOidc(w, 'sub-annika');
      await signInThroughOidc(w, 'sub-bob');
      annette = (await directoryOf(t).createUser('annette')).id;
    });
    afterAll(async () => {
      await w?.t.close();
      await w?.idp.close();
    });

    async function openLinks(viewport?: { width: number; height: number }): Promise<ConsoleTab> {
      const tab = await openConsoleTab(chromium, w.t.baseUrl, viewport ? { viewport } : {});
      await signInWithApiKey(tab.page, BOOTSTRAP_KEY);
      await tab.page.getByRole('link', { name: 'Links' }).click();
      await tab.page.getByRole('heading', { name: 'Links', level: 1 }).waitFor();
      return tab;
    }

    async function search(page: Page, text: string, answer = `Users whose name contains “${text}”`) {
      await page.getByLabel('Find a user').fill(text);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText(answer).waitFor();
    }

    /** The users table as [name, role, links] rows. */
    async function userRows(page: Page): Promise<string[][]> {
      return page
        .locator('.users-table tbody tr')
        .evaluateAll((rows) =>
          rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent?.trim() ?? '')),
        );
    }

    it('when an admin searches part of a name, then the matching users come with their links, and one opens with them listed', async () => {
      const tab = await openLinks();
      const { page } = tab;
      await search(page, 'ANN');
      expect(await userRows(page)).toEqual([
        ['Anna-Lindqvist', 'User', '2'],
        ['annette', 'User', '0'],
        ['annika', 'User', '1'],
      ]);
      await saveScreenshot(page, 'links-search');

      await page.getByRole('link', { name: 'Anna-Lindqvist' }).click();
      await page.getByRole('heading', { name: 'Links of Anna-Lindqvist' }).waitFor();
      expect(new URL(page.url()).hash).toBe(`#/links?search=ANN&user=${anna.id}`);
      const links = page.locator('.links-table tbody tr');
      await expect.poll(() => links.count()).toBe(2);
      expect(await links.nth(0).textContent()).toMatch(/^idp OIDC.*Anna-Lindqvist.*sub-anna/);
      expect(await links.nth(1).textContent()).toMatch(/^corp SAML.*anna@corp\.example/);
      await saveScreenshot(page, 'links-user');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when an admin unlinks, then Cancel keeps the link and "Yes, unlink" removes it, and the list and count follow', async () => {
      const tab = await openLinks();
      const { page } = tab;
      await search(page, 'anna');
      await page.getByRole('link', { name: 'Anna-Lindqvist' }).click();
      const unlinkSaml = page.getByRole('button', { name: 'Unlink anna@corp.example (corp)' });
      await unlinkSaml.click();
      const dialog = page.getByRole('alertdialog', { name: 'Unlink anna@corp.example?' });
      await dialog.waitFor();
      await expect.poll(() => dialog.evaluate((box) => box === document.activeElement)).toBe(true);
      await saveScreenshot(page, 'links-confirm-unlink');

      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      // The focus is back on the button that asked, and Escape cancels as well.
      await expect.poll(() => unlinkSaml.evaluate((button) => button === document.activeElement)).toBe(true);
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      // The dialog listens for Escape once it has taken the focus.
      await expect.poll(() => dialog.evaluate((box) => box === document.activeElement)).toBe(true);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      const kept = await listLinkDetails({ client: w.admin, path: { jellyfinUserId: anna.id } });
      expect(kept.data?.map((l) => l.provider)).toEqual(['idp', 'corp']);

      await unlinkSaml.click();
      await dialog.getByRole('button', { name: 'Yes, unlink' }).click();
      await page.getByText('anna@corp.example (corp) is no longer linked to Anna-Lindqvist.').waitFor();
      await expect.poll(() => page.locator('.links-table tbody tr').count()).toBe(1);
      await expect.poll(() => userRows(page)).toEqual([['Anna-Lindqvist', 'User', '1']]);
      const after = await listLinkDetails({ client: w.admin, path: { jellyfinUserId: anna.id } });
      expect(after.data?.map((l) => [l.protocol, l.provider, l.canonicalName])).toEqual([
        ['oidc', 'idp', 'sub-anna'],
      ]);
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when a user has no link, then the page says so; on a phone nothing overflows sideways', async () => {
      const tab = await openLinks({ width: 390, height: 844 });
      const { page } = tab;
      await search(page, 'nette');
      await page.getByRole('link', { name: 'annette' }).click();
      await page.getByText('annette has no linked account.').waitFor();
      expect(new URL(page.url()).hash).toContain(`user=${annette}`);
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
      await saveScreenshot(page, 'links-no-link-phone');

      await search(page, 'zz-nobody', 'No user has “zz-nobody” in their name.');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });
  });
});
