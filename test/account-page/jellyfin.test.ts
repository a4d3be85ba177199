// The account page beside a Jellyfin server (the fake one, validating every request against Jellyfin's
// 10.11 document): a jellyfin-web session on this origin opens it; the user signs out their phone through
// Jellyfin's Devices API, then makes an app password that Jellyfin itself accepts at
// /Users/AuthenticateByName. Jellyfin ends the user's sessions when the password changes: the password
// stays on screen all the same.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SSO_AUTH_PROVIDER_ID } from '../../src/sso/ports.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import { openAccountPage, poll, rows, saveScreenshot, section } from './world.js';

requireJellyfinDocuments();

const browser: Browser | null = await launchChromium();

describeWithChromium('the account page with a Jellyfin server', browser, (chromium) => {
  let fake: FakeJellyfin;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeJellyfin({ version: '10.11.11' });
    t = await startTestApp({
      SSO_RATE_LIMIT: '0',
      SSO_MEDIA_SERVER: 'jellyfin',
      JELLYFIN_URL: fake.url,
      JELLYFIN_API_KEY: fake.apiKey,
    });
  });
  afterAll(async () => {
    expect(fake?.violations ?? []).toEqual([]);
    await t?.close();
    await fake?.close();
    await chromium.close();
  });

  /** A browser holding the localStorage jellyfin-web keeps for a signed-in user on this origin. */
  async function asJellyfinWebUser(user: { id: string; name: string }, token: string, deviceId: string) {
    const context = await chromium.newContext();
    const stored = {
      credentials: JSON.stringify({
        Servers: [{ Id: fake.serverId, ManualAddress: t.baseUrl, AccessToken: token, UserId: user.id }],
      }),
      userKey: `user-${user.id}-${fake.serverId}`,
      user: JSON.stringify({ Id: user.id, Name: user.name }),
      deviceId,
    };
    await context.addInitScript((item) => {
      localStorage.setItem('jellyfin_credentials', item.credentials);
      localStorage.setItem(item.userKey, item.user);
      localStorage.setItem('_deviceId2', item.deviceId);
    }, stored);
    return context.newPage();
  }

  async function appSignIn(name: string, password: string): Promise<number> {
    const answer = await fetch(`${fake.url}/Users/AuthenticateByName`, {
      method: 'POST',
      headers: {
        Authorization: 'MediaBrowser Client="Finamp", Device="Phone", DeviceId="finamp-1", Version="0.9"',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ Username: name, Pw: password }),
    });
    return answer.status;
  }

  it('when a jellyfin-web user opens the page, then they sign out their phone and make an app password Jellyfin accepts', async () => {
    const user = fake.addUser({
      name: 'lena',
      password: 'unusable-x',
      policy: { AuthenticationProviderId: SSO_AUTH_PROVIDER_ID },
    });
    const web = fake.addToken(user.id, {
      deviceId: 'web-lena',
      deviceName: 'Firefox',
      client: 'Jellyfin Web',
    });
    fake.addToken(user.id, { deviceId: 'phone-lena', deviceName: 'iPhone', client: 'Swiftfin' });
    const page: Page = await asJellyfinWebUser(user, web.token, 'web-lena');
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await openAccountPage(page, t.baseUrl);
    await poll(() => page.locator('.who').textContent()).toBe('Signed in as lena');
    await section(page, 'Identities').getByText('No sign-in account is linked to you yet.').waitFor();
    const devices = section(page, 'Devices');
    expect((await rows(page, 'Devices')).map((r) => `${r[0]} · ${r[1]}`).sort()).toEqual([
      'FirefoxThis device · Jellyfin Web',
      'iPhone · Swiftfin',
    ]);
    await saveScreenshot(page, 'jellyfin-devices');

    await devices.getByRole('button', { name: 'Sign out iPhone' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Sign out', exact: true }).click();
    await devices.getByRole('status').getByText('You are signed out on iPhone.').waitFor();
    expect(fake.tokensOf(user.id).map((token) => token.deviceId)).toEqual(['web-lena']);

    const appPassword = section(page, 'App password');
    await appPassword.getByRole('button', { name: 'Create an app password' }).click();
    const password = (await page.locator('#app-password-value').textContent()) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await appSignIn('lena', password)).toBe(200);
    // Jellyfin ended the browser's session with the password change; the password is still on screen.
    expect(fake.tokensOf(user.id).map((token) => token.deviceId)).not.toContain('web-lena');
    expect(await page.locator('#app-password-value').isVisible()).toBe(true);
    await section(page, 'App password')
      .getByText('Your server signed you out everywhere when the password changed, in this browser too.', {
        exact: false,
      })
      .waitFor();
    await saveScreenshot(page, 'jellyfin-app-password');
    await page.getByRole('button', { name: 'I have saved it: sign in again' }).click();
    await page.getByRole('heading', { name: 'Your session has ended', level: 1 }).waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
