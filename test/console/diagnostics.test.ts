// The console's Test and Preview panels of a provider in headless Chromium. Test, against the in-process
// OpenID Provider: a healthy provider passes every check, a wrong client secret fails the credentials check
// with its fix, an unreachable endpoint fails discovery, a SAML provider is tested too, and an unknown
// provider's 404 is shown as a problem. Preview: an administrator allowed, an account in no allowed group
// refused with the rule named, invalid JSON named next to the claims, and SAML attributes.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSamlProvider } from '../../clients/typescript/index.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { saveScreenshot, type ConsoleTab } from '../support/console-browser.js';
import {
  openConsoleAt,
  ROLE_RULES,
  startConsoleService,
  type ConsoleService,
} from '../support/console-service.js';
import { freePort } from '../support/ports.js';
import { genuineAndRogueIdps } from '../support/saml-idp.js';

const browser: Browser | null = await launchChromium();

describeWithChromium('the console Test and Preview panels', browser, (chromium) => {
  afterAll(() => chromium.close());

  let service: ConsoleService;
  let t: ConsoleService['t'];

  beforeAll(async () => {
    service = await startConsoleService('healthy');
    t = service.t;
    await service.addProvider('healthy');
    await service.addProvider('wrong-secret', { oidSecret: 'not-the-secret-5d1c' });
    await service.addProvider('gone', { oidEndpoint: `http://127.0.0.1:${await freePort()}` });
    await addSamlProvider({
      client: t.admin,
      path: { provider: 'corp' },
      body: {
        samlEndpoint: `${service.idp.issuer}/saml/sso`,
        samlClientId: 'jellyfin-sp',
        samlCertificate: genuineAndRogueIdps().idp.certificateBase64,
        samlRoleAttribute: 'groups',
        ...ROLE_RULES,
      },
      throwOnError: true,
    });
  });
  afterAll(() => service.close());

  /** A console tab signed in with the API key, on one provider's Test or Preview panel. */
  async function openPanel(
    protocol: string,
    provider: string,
    panel: 'test' | 'preview',
  ): Promise<ConsoleTab> {
    const tab = await openConsoleAt(chromium, t.baseUrl, `#/providers/${protocol}/${provider}/${panel}`);
    const title = `${panel === 'test' ? 'Test' : 'Preview'} ${provider}`;
    await tab.page.getByRole('heading', { name: title, level: 1 }).waitFor();
    return tab;
  }

  describe('the Test panel', () => {
    async function openTest(protocol: string, provider: string): Promise<ConsoleTab> {
      const tab = await openPanel(protocol, provider, 'test');
      await tab.page.getByRole('button', { name: 'Run the checks' }).click();
      return tab;
    }

    /** The list item of one check, found by the name an admin reads. */
    function checkRow(page: Page, name: string) {
      return page
        .getByRole('list', { name: 'Checks' })
        .getByRole('listitem')
        .filter({ has: page.getByText(name, { exact: true }) });
    }

    it('when a healthy provider is tested, then every check is listed as passed, with a way back', async () => {
      const tab = await openTest('oidc', 'healthy');
      const { page } = tab;
      await page.getByText('All 9 checks passed.').waitFor();
      const rows = page.getByRole('list', { name: 'Checks' }).getByRole('listitem');
      expect(await rows.count()).toBe(9);
      expect(await rows.filter({ hasText: /^✓ Pass/ }).count()).toBe(9);
      await expect
        .poll(() => checkRow(page, 'Redirect URI to register').textContent())
        .toContain(`${t.config.publicUrl}/sso/OID/redirect/healthy`);
      expect(await checkRow(page, 'Client id and secret').textContent()).toContain('invalid_grant');
      expect(await page.getByRole('link', { name: 'Back to healthy' }).getAttribute('href')).toBe(
        '#/providers/oidc/healthy',
      );
      await saveScreenshot(page, 'test-pass');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when the client secret is wrong, then the credentials check fails with its fix, and the summary counts it', async () => {
      const tab = await openTest('oidc', 'wrong-secret');
      const { page } = tab;
      await page.getByText('1 check failed.').waitFor();
      const credentials = checkRow(page, 'Client id and secret');
      expect(await credentials.locator('.check-status').textContent()).toBe('✗ Fail');
      expect(await credentials.locator('.check-status').getAttribute('class')).toContain('status-fail');
      expect(await credentials.textContent()).toContain('refused the client id or secret');
      expect(await credentials.locator('.check-fix').textContent()).toMatch(/^Fix: .+/);
      expect(await checkRow(page, 'Discovery document').locator('.check-status').textContent()).toBe(
        '✓ Pass',
      );
      expect(await page.locator('main').textContent()).not.toContain('not-the-secret-5d1c');
      await saveScreenshot(page, 'test-fail');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when the endpoint cannot be reached, then discovery fails and the checks that need it say so', async () => {
      const tab = await openTest('oidc', 'gone');
      const { page } = tab;
      await page.getByText(/^7 checks failed/).waitFor();
      const discovery = checkRow(page, 'Discovery document');
      expect(await discovery.locator('.check-status').textContent()).toBe('✗ Fail');
      expect(await discovery.locator('.check-fix').textContent()).toContain('reachable');
      expect(await checkRow(page, 'Signing keys').textContent()).toContain('Not checked');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when a SAML provider is tested, then its certificate, SSO URL and the values to register are listed', async () => {
      const tab = await openTest('saml', 'corp');
      const { page } = tab;
      await page.getByText('All 6 checks passed.').waitFor();
      expect(await checkRow(page, 'IdP certificate').locator('.check-status').textContent()).toBe('✓ Pass');
      expect(await checkRow(page, 'Single sign-on URL').textContent()).toContain('answered HTTP');
      expect(await checkRow(page, 'ACS and metadata URLs to register').textContent()).toContain(
        `${t.config.publicUrl}/sso/SAML/post/corp`,
      );
      await saveScreenshot(page, 'test-saml');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when the provider does not exist, then the problem is shown and no check', async () => {
      const tab = await openTest('oidc', 'nobody');
      const { page } = tab;
      await page.getByRole('alert').getByText('provider_not_found').waitFor();
      expect(await page.getByRole('list', { name: 'Checks' }).count()).toBe(0);
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });
  });

  describe('the Preview panel', () => {
    /** The value shown for one term of the decision's details. */
    async function fact(page: Page, term: string): Promise<string> {
      const value = page.locator(`xpath=//dt[normalize-space()="${term}"]/following-sibling::dd[1]`);
      return (await value.textContent()) ?? '';
    }

    async function previewClaims(page: Page, claims: unknown): Promise<void> {
      await page.getByLabel('Claims (JSON)').fill(JSON.stringify(claims, null, 2));
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
    }

    it("when the claims are an administrator's, then the decision is allowed with the account and its rights", async () => {
      const tab = await openPanel('oidc', 'healthy', 'preview');
      const { page } = tab;
      // Pre-filled from the provider: its role claim holding its first allowed role.
      const example: unknown = JSON.parse(await page.getByLabel('Claims (JSON)').inputValue());
      expect(example).toMatchObject({
        sub: expect.any(String),
        preferred_username: 'carol',
        groups: ['jellyfin-users'],
      });

      await previewClaims(page, {
        sub: 'sub-alice',
        preferred_username: 'alice',
        groups: ['jellyfin-users', 'jellyfin-admins'],
      });
      await page.getByText('Allowed.').waitFor();
      expect(await page.getByRole('status').filter({ hasText: 'Allowed.' }).textContent()).toContain(
        'a new account alice',
      );
      expect(await fact(page, 'Username')).toBe('alice');
      expect(await fact(page, 'Account')).toBe('New account');
      expect(await fact(page, 'Roles')).toBe('jellyfin-users, jellyfin-adminsRead from the claim "groups".');
      expect(await fact(page, 'Administrator')).toBe('Yes');
      expect(await fact(page, 'Libraries')).toBe('All libraries');
      await saveScreenshot(page, 'preview-allowed');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when the account is in no allowed group, then the decision is refused and names the rule', async () => {
      const tab = await openPanel('oidc', 'healthy', 'preview');
      const { page } = tab;
      await previewClaims(page, { sub: 'sub-carol', preferred_username: 'carol', groups: ['family'] });
      const refused = page.getByRole('alert').filter({ hasText: 'Refused' });
      await refused.waitFor();
      expect(await refused.textContent()).toContain('at step authorize');
      expect(await fact(page, 'Rule')).toBe('access.required_role');
      expect(await fact(page, 'Why')).toContain('none of the roles this server requires (jellyfin-users)');
      expect(await fact(page, 'User would be shown')).toBe('not_permitted');
      expect(await fact(page, 'Roles')).toContain('family');
      expect(await page.getByRole('term').filter({ hasText: 'Administrator' }).count()).toBe(0);
      await saveScreenshot(page, 'preview-refused');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when the claims are not a JSON object with a sub, then the textarea says why and nothing is sent', async () => {
      const tab = await openPanel('oidc', 'healthy', 'preview');
      const { page } = tab;
      const claims = page.getByLabel('Claims (JSON)');
      const sent: string[] = [];
      page.on('request', (request) => {
        if (request.url().includes('/Preview/')) sent.push(request.url());
      });
      for (const [text, message] of [
        ['{"sub": "x", ', 'This is not valid JSON'],
        ['["sub"]', 'must be one JSON object'],
        ['{"preferred_username": "carol"}', 'need a "sub"'],
      ] as const) {
        await claims.fill(text);
        await page.getByRole('button', { name: 'Preview', exact: true }).click();
        await expect.poll(() => page.locator('.field-error').textContent()).toContain(message);
        expect(await claims.getAttribute('aria-invalid')).toBe('true');
        expect(await claims.getAttribute('aria-describedby')).toContain(
          await page.locator('.field-error').getAttribute('id'),
        );
      }
      expect(sent).toEqual([]);
      expect(await page.getByRole('heading', { name: 'Decision' }).count()).toBe(0);
      // Fixed, it is sent and the message goes.
      await previewClaims(page, { sub: 'sub-bob', preferred_username: 'bob', groups: ['jellyfin-users'] });
      await page.getByText('Allowed.').waitFor();
      expect(await page.locator('.field-error').count()).toBe(0);
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when a SAML NameID and attributes are previewed, then each attribute row counts', async () => {
      const tab = await openPanel('saml', 'corp', 'preview');
      const { page } = tab;
      expect(await page.getByLabel('Attribute 1 name').inputValue()).toBe('groups');
      expect(await page.getByLabel('Attribute 1 values').inputValue()).toBe('jellyfin-users');
      await page.getByLabel('NameID').fill('dave');
      await page.getByLabel('Attribute 1 values').fill('family');
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'Refused' }).waitFor();
      expect(await fact(page, 'Rule')).toBe('access.required_role');
      expect(await fact(page, 'Roles')).toBe('familyRead from the attribute "groups".');

      await page.getByRole('button', { name: 'Add an attribute' }).click();
      await page.getByLabel('Attribute 2 name').fill('groups');
      await page.getByLabel('Attribute 2 values').fill('jellyfin-users\njellyfin-admins');
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
      await page.getByText('Allowed.').waitFor();
      expect(await fact(page, 'Username')).toBe('dave');
      expect(await fact(page, 'Administrator')).toBe('Yes');
      await page.getByRole('button', { name: 'Remove attribute 2' }).click();
      expect(await page.getByLabel('Attribute 2 name').count()).toBe(0);
      await saveScreenshot(page, 'preview-saml');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });
  });
});
