// The Identities section in headless Chromium: a user signed in through `family` sees that link and
// "Link <provider>" for the other enabled providers; "Link work" goes to the work provider's linking flow
// (asking to come back to this page), which — completed at the real IdP — adds the work identity and
// returns to the page; it announces the link, takes `?linked=` out of the address and lists the new
// identity; "Unlink" asks first (Cancel and Escape keep the link), and the last way in of a user without
// a password is refused with the service's explanation, the link kept.
import type { Request } from 'playwright-core';
import { expect, it } from 'vitest';
import { listLinkDetails } from '../../clients/typescript/index.js';
import {
  backOnAccountPage,
  describeAccountPage,
  openAccountPage,
  poll,
  passIdpLogin,
  rows,
  saveScreenshot,
  section,
  signedInTab,
} from './world.js';

await describeAccountPage('the Identities section of the account page', (chromium, service) => {
  async function linksOf(userId: string): Promise<string[]> {
    const answer = await listLinkDetails({ client: service().t.admin, path: { jellyfinUserId: userId } });
    return (answer.data ?? []).map((link) => `${link.provider}:${link.label ?? link.canonicalName}`);
  }

  it('when a user links their work account, then the page sends them through its linking flow and lists it after', async () => {
    const tab = await signedInTab(chromium, service(), 'sub-erin');
    const { page } = tab;
    const identities = section(page, 'Identities');
    expect(await rows(page, 'Identities')).toEqual([['family', 'erin', expect.any(String), 'Unlink']]);
    expect(await identities.getByRole('button', { name: /^Link / }).allTextContents()).toEqual([
      'Link work',
      'Link corp',
    ]);
    await saveScreenshot(page, 'identities');

    // SAML: the page asks the service() to start corp's linking flow, which sends the browser to the IdP.
    await page.route('https://idp.example.test/**', (route) => route.fulfill({ body: 'the SAML IdP' }));
    const samlStart = page.waitForRequest((r) => r.url().includes('/sso/SAML/start/'));
    await identities.getByRole('button', { name: 'Link corp' }).click();
    const saml = new URL((await samlStart).url());
    expect(saml.pathname).toBe('/sso/SAML/start/corp');
    expect(Object.fromEntries(saml.searchParams)).toEqual({ isLinking: 'true', returnTo: 'account' });
    await page.waitForURL('https://idp.example.test/sso?**');

    // OIDC, completed at the real IdP: the browser is still signed in there as erin.
    await openAccountPage(page, service().t.baseUrl);
    const oidcStart = page.waitForRequest((r: Request) => r.url().includes('/sso/OID/start/'));
    const back = backOnAccountPage(page, 'work');
    await section(page, 'Identities').getByRole('button', { name: 'Link work' }).click();
    const oidc = new URL((await oidcStart).url());
    expect(oidc.origin + oidc.pathname).toBe(`${service().t.baseUrl}/sso/OID/start/work`);
    expect(Object.fromEntries(oidc.searchParams)).toEqual({ isLinking: 'true', returnTo: 'account' });
    await passIdpLogin(page, service().idp, 'sub-erin');
    // The flow comes back by itself: the page announces the new link and lists it.
    await back;
    await poll(() =>
      section(page, 'Identities').getByRole('status').filter({ hasText: 'linked' }).textContent(),
    ).toBe('Your work account is now linked.');
    expect(await linksOf(tab.userId)).toEqual(['family:erin', 'work:erin']);
    await saveScreenshot(page, 'identities-linked');
    expect(await rows(page, 'Identities')).toEqual([
      ['family', 'erin', expect.any(String), 'Unlink'],
      ['work', 'erin', expect.any(String), 'Unlink'],
    ]);
    expect(
      await section(page, 'Identities')
        .getByRole('button', { name: /^Link / })
        .allTextContents(),
    ).toEqual(['Link corp']);
    expect(await tab.problems()).toEqual([]);
    await tab.close();
  });

  it('when the page opens with ?linked=, then it announces the linked provider and removes it from the address', async () => {
    const tab = await signedInTab(chromium, service(), 'sub-frank');
    const { page } = tab;
    await openAccountPage(page, service().t.baseUrl, '?linked=work');
    const status = section(page, 'Identities').getByRole('status').filter({ hasText: 'linked' });
    await poll(() => status.textContent()).toBe('Your work account is now linked.');
    expect(new URL(page.url()).search).toBe('');
    await saveScreenshot(page, 'identities-linked-notice');
    // A reload does not announce it again.
    await openAccountPage(page, service().t.baseUrl);
    expect(await page.getByText('is now linked').count()).toBe(0);
    expect(await tab.problems()).toEqual([]);
    await tab.close();
  });

  it('when a user unlinks, then the dialog asks first, and the last way in of a user without a password is refused', async () => {
    const tab = await signedInTab(chromium, service(), 'sub-gwen');
    const { page } = tab;
    const identities = section(page, 'Identities');
    const unlinkFamily = identities.getByRole('button', { name: 'Unlink family' });
    await unlinkFamily.click();
    const dialog = page.getByRole('dialog', { name: 'Unlink family?' });
    await dialog.waitFor();
    // The focus starts on Cancel, the harmless choice; Escape cancels too, and the focus comes back.
    await poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await saveScreenshot(page, 'identities-confirm-unlink');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await poll(() => unlinkFamily.evaluate((b) => b === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await linksOf(tab.userId)).toEqual(['family:gwen']);

    // Gwen has no password and no other link: the service() refuses, and the page says why.
    await unlinkFamily.click();
    await dialog.getByRole('button', { name: 'Unlink', exact: true }).click();
    const refusal = identities.getByRole('alert');
    await poll(() => refusal.locator('.problem-detail').textContent()).toBe(
      'This is the only way this account can sign in: it has no password and no other linked account. ' +
        'Link another account or create an app password first.',
    );
    await saveScreenshot(page, 'identities-last-way-in');
    expect(await linksOf(tab.userId)).toEqual(['family:gwen']);
    expect(await rows(page, 'Identities')).toHaveLength(1);

    // With a second link she may unlink one; the list and the link buttons follow.
    const back = backOnAccountPage(page, 'work');
    await identities.getByRole('button', { name: 'Link work' }).click();
    await passIdpLogin(page, service().idp, 'sub-gwen');
    await back;
    await poll(() => rows(page, 'Identities')).toHaveLength(2);
    await identities.getByRole('button', { name: 'Unlink family' }).click();
    await dialog.getByRole('button', { name: 'Unlink', exact: true }).click();
    await poll(() => identities.getByRole('status').allTextContents()).toContain(
      'Your family account gwen is no longer linked.',
    );
    await poll(() => rows(page, 'Identities')).toEqual([['work', 'gwen', expect.any(String), 'Unlink']]);
    expect(await identities.getByRole('button', { name: /^Link / }).allTextContents()).toEqual([
      'Link family',
      'Link corp',
    ]);
    // The button that opened the dialog is gone: the focus is on the section's heading.
    await poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Identities');
    expect(await linksOf(tab.userId)).toEqual(['work:gwen']);
    expect(await tab.problems()).toEqual([]);
    await tab.close();
  });
});
