// The Devices section in headless Chromium: a user signed in in this browser and on a phone and a TV sees
// the three, this browser marked; "Sign out Pixel 8" asks first and ends the phone's session only; "Sign
// out everywhere else" ends the TV's and keeps this browser's, whose page goes on working.
import { expect, it } from 'vitest';
import { listDevices } from '../../clients/typescript/index.js';
import { directoryOf } from '../support/users.js';
import {
  describeAccountPage,
  openAccountPage,
  poll,
  rows,
  saveScreenshot,
  section,
  signedInTab,
} from './world.js';

await describeAccountPage('the Devices section of the account page', (chromium, service) => {
  /** Whether the token still opens the user's own device list (a signed-out session is 401). */
  async function works(token: string, userId: string): Promise<boolean> {
    const answer = await listDevices({
      client: service().t.clientWith(token),
      path: { jellyfinUserId: userId },
    });
    expect([200, 401]).toContain(answer.response.status);
    return answer.response.status === 200;
  }

  it('when a user signs out a lost phone and then everywhere else, then those sessions end and this browser stays', async () => {
    const tab = await signedInTab(chromium, service(), 'sub-karl');
    const { page } = tab;
    const directory = directoryOf(service().t);
    const session = async (deviceId: string, deviceName: string, appName: string): Promise<string> =>
      (await directory.createSession(tab.userId, { deviceId, deviceName, appName, appVersion: '1.0' }))
        .AccessToken;
    const phone = await session('phone-1', 'Pixel 8', 'Jellyfin Android');
    const tv = await session('tv-1', 'Living room TV', 'Jellyfin Android TV');
    await openAccountPage(page, service().t.baseUrl);
    const devices = section(page, 'Devices');
    const listed = async (): Promise<string[]> =>
      (await rows(page, 'Devices')).map((r) => `${r[0]} · ${r[1]}`);
    expect((await listed()).sort()).toEqual([
      'ChromeThis device · Jellyfin Web',
      'Living room TV · Jellyfin Android TV',
      'Pixel 8 · Jellyfin Android',
    ]);
    // This browser has no sign-out button of its own.
    expect(await devices.getByRole('button', { name: /^Sign out Chrome/ }).count()).toBe(0);
    await saveScreenshot(page, 'devices');

    await devices.getByRole('button', { name: 'Sign out Pixel 8' }).click();
    const one = page.getByRole('dialog', { name: 'Sign out on Pixel 8?' });
    await one.getByRole('button', { name: 'Cancel' }).click();
    await one.waitFor({ state: 'detached' });
    expect(await works(phone, tab.userId)).toBe(true);
    await devices.getByRole('button', { name: 'Sign out Pixel 8' }).click();
    await saveScreenshot(page, 'devices-confirm-sign-out');
    await one.getByRole('button', { name: 'Sign out', exact: true }).click();
    await devices.getByRole('status').getByText('You are signed out on Pixel 8.').waitFor();
    await poll(async () => (await listed()).sort()).toEqual([
      'ChromeThis device · Jellyfin Web',
      'Living room TV · Jellyfin Android TV',
    ]);
    await poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Devices');
    expect(await works(phone, tab.userId)).toBe(false);
    expect(await works(tv, tab.userId)).toBe(true);

    await devices.getByRole('button', { name: 'Sign out everywhere else' }).click();
    const others = page.getByRole('dialog', { name: 'Sign out everywhere else?' });
    expect(await others.textContent()).toContain(
      'Every other device and app (1 device) will have to sign in again.',
    );
    await others.getByRole('button', { name: 'Sign out', exact: true }).click();
    await devices
      .getByRole('status')
      .getByText('You are signed out on 1 device. This one stays signed in.')
      .waitFor();
    await poll(listed).toEqual(['ChromeThis device · Jellyfin Web']);
    expect(await devices.getByRole('button', { name: 'Sign out everywhere else' }).count()).toBe(0);
    expect(await works(tv, tab.userId)).toBe(false);
    await saveScreenshot(page, 'devices-signed-out-elsewhere');

    // This browser's session is intact: the page still loads everything.
    await openAccountPage(page, service().t.baseUrl);
    expect(await listed()).toEqual(['ChromeThis device · Jellyfin Web']);
    expect(await tab.problems()).toEqual([]);
    await tab.close();
  });
});
