// The self-service walk of `npm run demo -- --app` in headless Chromium, as a person makes it: alice signs
// in at /sso/ with the demo provider, follows "Manage your account" to /sso/account, links backup (the
// flow comes back to the page, which lists it), creates an app password and types it at the scripted app
// (which signs in), sees the app among her devices and signs it out, revokes the app password, and the
// app's next sign-in is refused — no admin anywhere. Every page on the way (the service's and the demo
// IdP's) is watched for CSP violations and errors; each step leaves test-artifacts/account/demo-walk-*.png.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { APP_DEVICE } from '../../src/demo/app.js';
import { backOnAccountPage, poll, rows, saveScreenshot, section } from '../account-page/world.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { interruptDemo, startDemo, typeToApp, type Demo } from '../support/demo.js';
import { freePort } from '../support/ports.js';

const browser: Browser | null = await launchChromium();

/** A fresh profile whose pages report CSP violations, uncaught errors and console errors, across navigations. */
async function watchedContext(chromium: Browser): Promise<{ context: BrowserContext; problems: string[] }> {
  const context = await chromium.newContext({ viewport: { width: 1280, height: 860 } });
  const problems: string[] = [];
  await context.exposeBinding('__reportCsp', (_source, text: string) => problems.push(text));
  // Runs before each page's own scripts, so a violation at load time is caught too.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __reportCsp: (text: string) => void }).__reportCsp;
      void report(`${event.violatedDirective} blocked ${event.blockedURI} at ${location.href}`);
    });
  });
  context.on('page', (page) => watchPage(page, problems));
  return { context, problems };
}

function watchPage(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`pageerror at ${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium asks for /favicon.ico by itself; a refused API call logs "Failed to load resource" for its
    // status, which the walk checks through what the page says.
    if (/favicon\.ico$/.test(message.location().url) || /Failed to load resource/.test(message.text()))
      return;
    problems.push(`console error at ${message.location().url}: ${message.text()}`);
  });
}

describeWithChromium(
  'npm run demo -- --app: the account page walk in headless Chromium',
  browser,
  (chromium) => {
    let demo: Demo;

    beforeAll(async () => {
      demo = await startDemo(await freePort(), { args: ['--app'], stdin: 'pipe' });
    }, 120_000);
    afterAll(async () => {
      await chromium.close();
      if (demo?.child.exitCode === null) {
        const { result } = await interruptDemo(demo);
        if (result === 'timeout') demo.child.kill('SIGKILL');
      }
    });

    it('when alice links backup, makes an app password for the app, signs the app out and revokes the password, then the app is refused — all from /sso/account', async () => {
      const { context, problems } = await watchedContext(chromium);
      const page = await context.newPage();

      // 1. The sign-in page, the demo provider, the demo IdP's form.
      await page.goto(`${demo.publicUrl}/sso/`);
      await page.getByRole('link', { name: 'Sign in with demo' }).click();
      await page.fill('input[name="login"]', 'alice');
      await page.click('button[type="submit"]');
      await page.waitForSelector('body[data-sso-state="signed-in"]', { timeout: 45_000 });
      expect(await page.textContent('#status')).toBe('Signed in as alice');
      await saveScreenshot(page, 'demo-walk-1-signed-in');

      // 2. "Manage your account" opens the account page.
      await page.getByRole('link', { name: 'Manage your account' }).click();
      await page.waitForURL(`${demo.publicUrl}/sso/account`);
      await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor({ timeout: 30_000 });
      await poll(() => page.locator('.loading').count()).toBe(0);
      expect(await page.locator('.who').textContent()).toBe('Signed in as alice');
      const identities = section(page, 'Identities');
      expect((await rows(page, 'Identities')).map((r) => r.slice(0, 2))).toEqual([['demo', 'alice']]);
      await saveScreenshot(page, 'demo-walk-2-account');

      // 3. Link backup: the demo IdP remembers alice, the flow links and comes back to the page.
      const back = backOnAccountPage(page, 'backup');
      await identities.getByRole('button', { name: 'Link backup' }).click();
      await back;
      await poll(() => identities.getByRole('status').filter({ hasText: 'linked' }).textContent()).toBe(
        'Your backup account is now linked.',
      );
      expect((await rows(page, 'Identities')).map((r) => r.slice(0, 2))).toEqual([
        ['backup', 'alice'],
        ['demo', 'alice'],
      ]);
      expect(await identities.getByRole('button', { name: /^Link / }).count()).toBe(0);
      await saveScreenshot(page, 'demo-walk-3-backup-linked');

      // 4. An app password, typed at the scripted app.
      const appPassword = section(page, 'App password');
      await appPassword.getByText('You have no app password.').waitFor();
      await appPassword.getByRole('button', { name: 'Create an app password' }).click();
      const value = page.locator('#app-password-value');
      await value.waitFor({ timeout: 30_000 });
      const password = (await value.textContent()) ?? '';
      expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      await saveScreenshot(page, 'demo-walk-4-app-password');
      expect(await typeToApp(demo, password)).toBe(`App signed in as alice (device ${APP_DEVICE.name})`);
      expect(demo.output()).not.toContain(password);

      // 5. The app is among her devices (the page read them before the app signed in: "Refresh the list").
      await appPassword.getByRole('button', { name: 'I have saved it' }).click();
      const devices = section(page, 'Devices');
      await devices.getByRole('button', { name: 'Refresh the list' }).click();
      const listed = async (): Promise<string[]> =>
        (await rows(page, 'Devices')).map((r) => `${r[0]} · ${r[1]}`);
      await poll(listed).toContain(`${APP_DEVICE.name} · ${APP_DEVICE.client}`);
      await saveScreenshot(page, 'demo-walk-5-app-device');

      // 6. She signs the app's device out.
      await devices.getByRole('button', { name: `Sign out ${APP_DEVICE.name}` }).click();
      const signOut = page.getByRole('dialog', { name: `Sign out on ${APP_DEVICE.name}?` });
      await signOut.getByRole('button', { name: 'Sign out', exact: true }).click();
      await devices.getByRole('status').getByText(`You are signed out on ${APP_DEVICE.name}.`).waitFor();
      await poll(listed).not.toContain(`${APP_DEVICE.name} · ${APP_DEVICE.client}`);
      await saveScreenshot(page, 'demo-walk-6-app-signed-out');

      // 7. She revokes the app password; the app's next sign-in (the same password again) is refused.
      await appPassword.getByRole('button', { name: 'Revoke app password' }).click();
      const revoke = page.getByRole('dialog', { name: 'Revoke your app password?' });
      await revoke.getByRole('button', { name: 'Revoke', exact: true }).click();
      await appPassword
        .getByRole('status')
        .getByText('Your app password is revoked: apps using it can no longer sign in.')
        .waitFor();
      await appPassword.getByText('You have no app password.').waitFor();
      await saveScreenshot(page, 'demo-walk-7-revoked');
      expect(await typeToApp(demo, '')).toBe(
        'App sign-in refused (401): wrong name or password (the app password was revoked, replaced, or mistyped)',
      );

      // Her own browser stays signed in through all of it.
      await page.reload();
      await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor({ timeout: 30_000 });
      await poll(() => page.locator('.loading').count()).toBe(0);
      expect(await listed()).toContainEqual(expect.stringMatching(/This device/));
      expect(problems).toEqual([]);
      await context.close();
    }, 240_000);
  },
);
