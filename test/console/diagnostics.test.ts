// The console's Test panel of a provider in headless Chromium, against the in-process OpenID Provider:
// a healthy provider passes every check, a wrong client secret fails the credentials check with its fix,
// an unreachable endpoint fails discovery, a SAML provider is tested too, and an unknown provider's 404
// is shown as a problem.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOidcProvider, addSamlProvider } from '../../clients/typescript/index.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import { chromiumPath, launchChromium } from '../support/chromium.js';
import {
  openConsoleTab,
  saveScreenshot,
  signInWithApiKey,
  type ConsoleTab,
} from '../support/console-browser.js';
import { jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { genuineAndRogueIdps } from '../support/saml-idp.js';

const ACCOUNTS = {
  'sub-alice': { preferred_username: 'alice', groups: ['jellyfin-users', 'jellyfin-admins'] },
  'sub-carol': { preferred_username: 'carol', groups: ['family'] },
};
const ROLE_RULES = {
  enabled: true,
  enableAuthorization: true,
  enableAllFolders: true,
  roles: ['jellyfin-users'],
  adminRoles: ['jellyfin-admins'],
};

const browser: Browser | null = await launchChromium();

if (browser === null) {
  console.log(
    `console diagnostics tests did not run: no Chromium at ${chromiumPath()} (apt-get install -y chromium)`,
  );
} else {
  const chromium = browser;
  afterAll(() => chromium.close());

  describe('the Test panel', () => {
    let idp: OidcIdp;
    let t: TestApp;

    beforeAll(async () => {
      const port = await freePort();
      idp = await startOidcIdp({ clients: [jellyfinClient(port, 'healthy')], accounts: ACCOUNTS });
      t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
      const oidc = {
        oidEndpoint: idp.issuer,
        oidClientId: 'jellyfin',
        ...ROLE_RULES,
        roleClaim: 'groups',
        oidScopes: ['groups'],
      };
      for (const [provider, body] of [
        ['healthy', { ...oidc, oidSecret: 'jellyfin-secret' }],
        ['wrong-secret', { ...oidc, oidSecret: 'not-the-secret-5d1c' }],
        [
          'gone',
          { ...oidc, oidSecret: 'jellyfin-secret', oidEndpoint: `http://127.0.0.1:${await freePort()}` },
        ],
      ] as const) {
        await addOidcProvider({ client: t.admin, path: { provider }, body, throwOnError: true });
      }
      await addSamlProvider({
        client: t.admin,
        path: { provider: 'corp' },
        body: {
          samlEndpoint: `${idp.issuer}/saml/sso`,
          samlClientId: 'jellyfin-sp',
          samlCertificate: genuineAndRogueIdps().idp.certificateBase64,
          samlRoleAttribute: 'groups',
          ...ROLE_RULES,
        },
        throwOnError: true,
      });
    });
    afterAll(async () => {
      await t.close();
      await idp.close();
    });

    async function openTest(protocol: string, provider: string): Promise<ConsoleTab> {
      const tab = await openConsoleTab(chromium, t.baseUrl);
      await signInWithApiKey(tab.page, BOOTSTRAP_KEY);
      await tab.page.goto(`${t.baseUrl}/sso/admin/#/providers/${protocol}/${provider}/test`);
      await tab.page.getByRole('heading', { name: `Test ${provider}`, level: 1 }).waitFor();
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
}
