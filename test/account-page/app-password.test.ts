// The App password section in headless Chromium: a user creates an app password, sees it once with what
// to type where (this server's address, their name) and copies it; an app signs in with it at
// /Users/AuthenticateByName; after a reload it is not shown again (and the browser kept it nowhere); the
// user revokes it behind a confirmation and the app's next sign-in fails.
import { expect, it } from 'vitest';
import { createClient } from '../../clients/typescript/src/client/index.js';
import { authenticateByName, getAppPassword } from '../../clients/typescript/index.js';
import {
  describeAccountPage,
  openAccountPage,
  poll,
  saveScreenshot,
  section,
  signedInTab,
  startAccountService,
} from './world.js';

const APP = 'MediaBrowser Client="Finamp", Device="Phone", DeviceId="finamp-1", Version="0.9"';

await describeAccountPage('the App password section of the account page', (chromium, service) => {
  /** The app's password sign-in, as a music app makes it: the HTTP status it gets. */
  async function appSignIn(name: string, password: string): Promise<number> {
    const app = createClient({ baseUrl: service().t.baseUrl, headers: { Authorization: APP } });
    return (await authenticateByName({ client: app, body: { Username: name, Pw: password } })).response
      .status;
  }

  it('when a user creates an app password, then it is shown once with where to use it, and an app signs in with it until it is revoked', async () => {
    const tab = await signedInTab(chromium, service(), 'sub-hugo');
    const { page, context } = tab;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service().t.baseUrl });
    const appPassword = section(page, 'App password');
    await appPassword.getByText('You have no app password.').waitFor();
    expect(await appPassword.getByRole('button', { name: 'Revoke app password' }).count()).toBe(0);

    await appPassword.getByRole('button', { name: 'Create an app password' }).click();
    const value = page.locator('#app-password-value');
    await value.waitFor();
    const password = (await value.textContent()) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The panel takes the focus, and says what to type where.
    const panel = appPassword.getByRole('group', { name: 'Your new password' });
    await poll(() => panel.evaluate((box) => box === document.activeElement)).toBe(true);
    expect(await panel.locator('dl').textContent()).toBe(
      `Server address${service().t.baseUrl}User namehugoPasswordthis app password`,
    );
    await appPassword.getByText(/^You have an app password, made /).waitFor();
    await saveScreenshot(page, 'app-password-created');

    await appPassword.getByRole('button', { name: 'Copy' }).click();
    await panel.getByRole('status').getByText('Copied. Paste it into your app now.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);

    expect(await appSignIn('hugo', password)).toBe(200);
    expect(await appSignIn('hugo', `${password}x`)).toBe(401);

    // Shown once: a reload shows only that there is one, and the browser stored it nowhere.
    await openAccountPage(page, service().t.baseUrl);
    await appPassword.getByText(/^You have an app password, made /).waitFor();
    expect(await page.locator('#app-password-value').count()).toBe(0);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toContain(password);

    await appPassword.getByRole('button', { name: 'Revoke app password' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke your app password?' });
    await saveScreenshot(page, 'app-password-confirm-revoke');
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await appPassword
      .getByRole('status')
      .getByText('Your app password is revoked: apps using it can no longer sign in.')
      .waitFor();
    await appPassword.getByText('You have no app password.').waitFor();
    await poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('App password');
    expect(await appSignIn('hugo', password)).toBe(401);
    const state = await getAppPassword({ client: service().t.admin, path: { jellyfinUserId: tab.userId } });
    expect(state.data).toEqual({ created: null });
    expect(service().t.logs()).not.toContain(password);
    expect(await tab.problems()).toEqual([]);
    await tab.close();
  });

  it('when the server turned app passwords off, then creating one shows why it was refused', async () => {
    const off = await startAccountService({ SSO_APP_PASSWORDS: 'off' });
    try {
      const tab = await signedInTab(chromium, off, 'sub-jana');
      const appPassword = section(tab.page, 'App password');
      await appPassword.getByRole('button', { name: 'Create an app password' }).click();
      await poll(() => appPassword.getByRole('alert').locator('.problem-detail').textContent()).toBe(
        'App passwords are turned off on this server, or for the providers you sign in with. ' +
          'Ask your admin if an app needs one.',
      );
      await saveScreenshot(tab.page, 'app-password-refused');
      expect(await tab.page.locator('#app-password-value').count()).toBe(0);
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    } finally {
      await off.close();
    }
  });
});
