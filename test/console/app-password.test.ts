// The console's user view of an app password in headless Chromium: a user whose app password was made
// through the API (the API key acting for them) shows "App password made <date>" — never the password — and
// "Revoke app password" behind a confirmation: Cancel keeps it, "Yes, revoke" revokes it, after which the
// app's own sign-in (`/Users/AuthenticateByName`, embedded directory) is refused and the activity log has
// the revocation. A user without one reads "No app password" and has nothing to revoke.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../clients/typescript/src/client/index.js';
import {
  authenticateByName,
  createAppPassword,
  getAppPassword,
  listActivity,
} from '../../clients/typescript/index.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import {
  openConsoleTab,
  saveScreenshot,
  signInWithApiKey,
  type ConsoleTab,
} from '../support/console-browser.js';
import { directoryOf } from '../support/users.js';

const APP = 'MediaBrowser Client="Finamp", Device="Phone", DeviceId="finamp-1", Version="0.9"';

const browser: Browser | null = await launchChromium();

describeWithChromium('the console user view of app passwords', browser, (chromium) => {
  afterAll(() => chromium.close());

  describe('app passwords in the user view', () => {
    let t: TestApp;
    let dora: { id: string; name: string };
    let edgar: { id: string; name: string };
    let password: string;

    /** The app's sign-in with a name and a password, as Finamp makes it: its status. */
    async function appSignIn(name: string, pw: string): Promise<number> {
      const app = createClient({ baseUrl: t.baseUrl, headers: { Authorization: APP } });
      return (await authenticateByName({ client: app, body: { Username: name, Pw: pw } })).response.status;
    }

    beforeAll(async () => {
      t = await startTestApp({ SSO_RATE_LIMIT: '0' });
      const directory = directoryOf(t);
      dora = await directory.createUser('dora');
      edgar = await directory.createUser('edgar');
      const made = await createAppPassword({
        client: t.admin,
        path: { jellyfinUserId: dora.id },
        throwOnError: true,
      });
      password = made.data.password;
      expect(await appSignIn('dora', password)).toBe(200);
    });
    afterAll(() => t?.close());

    async function openUser(name: string): Promise<ConsoleTab> {
      const tab = await openConsoleTab(chromium, t.baseUrl);
      await signInWithApiKey(tab.page, BOOTSTRAP_KEY);
      await tab.page.getByRole('link', { name: 'Links' }).click();
      await tab.page.getByLabel('Find a user').fill(name);
      await tab.page.getByRole('button', { name: 'Search' }).click();
      await tab.page.getByRole('link', { name, exact: true }).click();
      await tab.page.getByRole('heading', { name: 'App password', level: 2 }).waitFor();
      return tab;
    }

    it('when a user has an app password, then the view says when it was made, and a confirmed revoke ends the app sign-in and is logged', async () => {
      const tab = await openUser('dora');
      const { page } = tab;
      const state = page.locator('#app-password-state');
      await state.getByText('App password made').waitFor();
      const made = (await getAppPassword({ client: t.admin, path: { jellyfinUserId: dora.id } })).data
        ?.created;
      expect(await state.locator('time').getAttribute('datetime')).toBe(made);
      expect(await page.content()).not.toContain(password);
      await saveScreenshot(page, 'links-app-password');

      const revoke = page.getByRole('button', { name: 'Revoke app password' });
      await revoke.click();
      const dialog = page.getByRole('alertdialog', { name: 'Revoke the app password of dora?' });
      await dialog.waitFor();
      await expect.poll(() => dialog.evaluate((box) => box === document.activeElement)).toBe(true);
      await saveScreenshot(page, 'links-confirm-revoke');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => revoke.evaluate((button) => button === document.activeElement)).toBe(true);
      expect(await appSignIn('dora', password)).toBe(200);

      await revoke.click();
      await dialog.getByRole('button', { name: 'Yes, revoke' }).click();
      await page.getByText('The app password of dora is revoked').waitFor();
      await state.getByText('No app password').waitFor();
      expect(await page.getByRole('button', { name: 'Revoke app password' }).count()).toBe(0);

      expect(await appSignIn('dora', password)).toBe(401);
      expect((await getAppPassword({ client: t.admin, path: { jellyfinUserId: dora.id } })).data).toEqual({
        created: null,
      });
      const messages = await vi.waitFor(async () => {
        const answer = await listActivity({ client: t.admin, query: { user: dora.id } });
        const found = (answer.data?.entries ?? []).map((entry) => entry.message);
        expect(found).toContain('App password revoked for "dora".');
        return found;
      });
      expect(messages).toContain('App password created for "dora".');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when a user has no app password, then the view says so and offers nothing to revoke', async () => {
      const tab = await openUser('edgar');
      const { page } = tab;
      await page.locator('#app-password-state').getByText('No app password').waitFor();
      expect(await page.getByRole('button', { name: 'Revoke app password' }).count()).toBe(0);
      expect((await getAppPassword({ client: t.admin, path: { jellyfinUserId: edgar.id } })).data).toEqual({
        created: null,
      });
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });
  });
});
