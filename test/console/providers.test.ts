// The console's providers pages in headless Chromium, against the real service and the in-process OpenID
// Provider and SAML IdP: the list with each provider's last sign-in, adding an OIDC provider through the
// form (what is stored is what was typed, the secret included, proven by the provider Test), validation
// messages next to their field, editing with the write-only secret kept or replaced, disable/enable, the
// library pickers, delete with its confirmation, a SAML provider from imported metadata (and one whose
// certificate expired, with the answer's warning), and the values to register at the IdP equal to the
// service's own.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addOidcProvider,
  getOidcProviders,
  getSamlMetadata,
  getSamlProviders,
  testOidcProvider,
  type OidcProviderInput,
} from '../../clients/typescript/index.js';
import { makeCertificates } from '../admin/certificates.js';
import { replaceLibraries } from '../../src/media-server/embedded/libraries.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import {
  openConsoleTab,
  saveScreenshot,
  signInWithApiKey,
  type ConsoleTab,
} from '../support/console-browser.js';
import { jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { genuineAndRogueIdps } from '../support/saml-idp.js';

const MOVIES = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const SHOWS = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const NAMES = ['authentik', 'edited', 'toggled', 'libraries', 'doomed', 'refusing'];

const browser: Browser | null = await launchChromium();

describeWithChromium('the console Providers pages', browser, (chromium) => {
  afterAll(() => chromium.close());

  describe('the providers pages of the console', () => {
    let idp: OidcIdp;
    let t: TestApp;

    beforeAll(async () => {
      const port = await freePort();
      idp = await startOidcIdp({
        clients: [
          {
            ...jellyfinClient(port, 'authentik'),
            redirect_uris: NAMES.map((name) => `http://127.0.0.1:${port}/sso/OID/redirect/${name}`),
          },
        ],
        accounts: { 'sub-alice': { preferred_username: 'alice', groups: ['jellyfin-users'] } },
      });
      t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
      await replaceLibraries(t.app.database.orm, [
        { Id: MOVIES, Name: 'Movies', CollectionType: 'movies' },
        { Id: SHOWS, Name: 'Shows', CollectionType: 'tvshows' },
      ]);
    });
    afterAll(async () => {
      await t.close();
      await idp.close();
    });

    const baseInput = (): OidcProviderInput => ({
      oidEndpoint: idp.issuer,
      oidClientId: 'jellyfin',
      oidSecret: 'jellyfin-secret',
      enabled: true,
      enableAuthorization: true,
      roles: ['jellyfin-users'],
      roleClaim: 'groups',
      oidScopes: ['groups'],
    });

    async function addThroughApi(name: string, input: OidcProviderInput = baseInput()): Promise<void> {
      const { response } = await addOidcProvider({ client: t.admin, path: { provider: name }, body: input });
      expect(response.status).toBe(200);
    }

    async function stored(name: string) {
      const { data } = await getOidcProviders({ client: t.admin });
      return data?.[name];
    }

    async function credentialsCheck(name: string): Promise<string | undefined> {
      const { data } = await testOidcProvider({ client: t.admin, path: { provider: name } });
      return data?.checks.find((c) => c.check === 'oidc.client_credentials')?.status;
    }

    async function signedInTab(hash = '#/providers', viewport?: { width: number; height: number }) {
      const tab = await openConsoleTab(chromium, t.baseUrl, viewport === undefined ? {} : { viewport });
      await signInWithApiKey(tab.page, BOOTSTRAP_KEY);
      await tab.page.evaluate((h) => (location.hash = h), hash);
      return tab;
    }

    /** A provider added through the API, its page open in a signed-in tab. */
    async function providerPage(name: string, viewport?: { width: number; height: number }) {
      await addThroughApi(name);
      return signedInTab(`#/providers/oidc/${name}`, viewport);
    }

    /** The inline message under the control labelled `label`. */
    const fieldError = (page: Page, label: string) =>
      page.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-error');

    const copyValue = (page: Page, label: string) =>
      page.locator('.copy-value', { hasText: label }).locator('code');

    async function finish(tab: ConsoleTab): Promise<void> {
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    }

    it('when an OIDC provider is added through the form, then what is stored is what was typed, secret included, and the redirect URI is the one the service uses', async () => {
      const tab = await signedInTab();
      const { page } = tab;
      await page.getByRole('link', { name: 'Add OIDC provider' }).click();
      await page.getByRole('heading', { name: 'Add OIDC provider' }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill('authentik');
      await page.getByLabel('Issuer URL').fill(idp.issuer);
      await page.getByLabel('Client id').fill('jellyfin');
      await page.getByLabel('Client secret').fill('jellyfin-secret');
      await page.getByLabel('Role claim').fill('groups');
      await page.getByLabel('Extra scopes').fill('groups\n\nemail');
      await page.getByLabel('Roles allowed to sign in').fill('jellyfin-users');
      await page.getByLabel('Administrator roles').fill('jellyfin-admins\nowners');
      await page.getByLabel('Manage permissions at every sign-in').check();
      await page.getByLabel('All libraries').check();
      await page.getByLabel('Downloads', { exact: true }).selectOption('false');
      await page.getByLabel('Username claim').fill('email');
      await page.getByLabel('Extra authorization parameters').fill('{"prompt": "login"}');
      await page.getByLabel('Do not use pushed authorization requests (PAR)').check();
      await page.getByLabel('Allowed tenants (Entra ID)').fill('72F988BF-86F1-41AF-91AB-2D7CD011DB47');
      await page
        .getByLabel('Authentication provider id')
        .fill('Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider');
      expect(await copyValue(page, 'Redirect URI').textContent()).toBe(
        `${t.baseUrl}/sso/OID/redirect/authentik`,
      );
      await saveScreenshot(page, 'provider-oidc-form');
      await page.getByRole('button', { name: 'Add provider' }).click();
      await page.getByRole('heading', { name: 'OIDC provider authentik' }).waitFor();
      await page.getByText('Saved authentik.').waitFor();

      expect(await stored('authentik')).toMatchObject({
        oidEndpoint: idp.issuer,
        oidClientId: 'jellyfin',
        hasOidSecret: true,
        enabled: true,
        roleClaim: 'groups',
        oidScopes: ['groups', 'email'],
        roles: ['jellyfin-users'],
        adminRoles: ['jellyfin-admins', 'owners'],
        enableAuthorization: true,
        enableAllFolders: true,
        enableContentDownloading: false,
        defaultUsernameClaim: 'email',
        oidAuthorizationParameters: '{"prompt": "login"}',
        disablePushedAuthorization: true,
        allowedTenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
        defaultProvider: 'Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider',
        disableHttps: false,
        portOverride: null,
        schemeOverride: null,
      });
      const { data: report } = await testOidcProvider({ client: t.admin, path: { provider: 'authentik' } });
      const statuses = Object.fromEntries((report?.checks ?? []).map((c) => [c.check, c.status]));
      expect(statuses['oidc.client_credentials']).toBe('pass');
      const shown = await copyValue(page, 'Redirect URI').textContent();
      expect(report?.checks.find((c) => c.check === 'oidc.redirect_uri')?.detail).toContain(`: ${shown}`);
      await finish(tab);
    });

    it('when the endpoint is plain http, then the message shows next to the issuer field, the detail on top, and nothing is stored', async () => {
      const tab = await signedInTab('#/providers/new/oidc');
      const { page } = tab;
      await page.getByLabel('Name', { exact: true }).fill('plain');
      await page.getByLabel('Issuer URL').fill('http://idp.example.test/');
      await page.getByLabel('Client id').fill('jellyfin');
      await page.getByLabel('Port override').fill('70000');
      await page.getByRole('button', { name: 'Add provider' }).click();
      await expect.poll(() => fieldError(page, 'Port override').textContent()).toContain('65535');
      await page.getByLabel('Port override').fill('');
      await page.getByRole('button', { name: 'Add provider' }).click();
      await expect.poll(() => fieldError(page, 'Issuer URL').textContent()).toContain('must be https');
      expect(await page.locator('.problem-detail').textContent()).toContain('/body/oidEndpoint');
      expect(await fieldError(page, 'Client id').count()).toBe(0);
      expect(await page.getByLabel('Issuer URL').getAttribute('aria-invalid')).toBe('true');
      await saveScreenshot(page, 'provider-validation-error');
      expect(await stored('plain')).toBeUndefined();

      // A name that is taken is not silently replaced.
      await addThroughApi('taken');
      await page.getByLabel('Name', { exact: true }).fill('taken');
      await page.getByLabel('Issuer URL').fill(idp.issuer);
      await page.getByRole('button', { name: 'Add provider' }).click();
      await expect.poll(() => fieldError(page, 'Name').textContent()).toContain('already exists');
      expect((await stored('taken'))?.oidEndpoint).toBe(idp.issuer);
      await finish(tab);
    });

    it('when a provider is edited without touching its secret, then the secret stays set; replaced, it changes; removed, it is gone', async () => {
      const tab = await providerPage('edited');
      const { page } = tab;
      await page.getByRole('button', { name: 'Replace client secret' }).waitFor();
      expect(await page.locator('.secret-set').textContent()).toContain('set');
      expect(await page.getByLabel('Role claim').inputValue()).toBe('groups');
      await page.getByLabel('Role claim').fill('roles');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved edited.').waitFor();
      expect(await stored('edited')).toMatchObject({ roleClaim: 'roles', hasOidSecret: true });
      expect(await credentialsCheck('edited')).toBe('pass');

      await page.getByRole('button', { name: 'Replace client secret' }).click();
      expect(await page.getByLabel('Client secret').evaluate((el) => el === document.activeElement)).toBe(
        true,
      );
      await page.getByLabel('Client secret').fill('not-the-secret');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('button', { name: 'Replace client secret' }).waitFor();
      expect(await credentialsCheck('edited')).toBe('fail');

      await page.getByRole('button', { name: 'Remove client secret' }).click();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByLabel('Client secret').waitFor();
      expect(await stored('edited')).toMatchObject({ hasOidSecret: false, roleClaim: 'roles' });
      await finish(tab);
    });

    it('when the scheme and port are overridden, then the redirect URI shown is the one the service then uses', async () => {
      const tab = await providerPage('overridden');
      const { page } = tab;
      await page.getByLabel('Scheme override').selectOption('https');
      await page.getByLabel('Port override').fill('8443');
      const shown = 'https://127.0.0.1:8443/sso/OID/redirect/overridden';
      expect(await copyValue(page, 'Redirect URI').textContent()).toBe(shown);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved overridden.').waitFor();
      const { data: report } = await testOidcProvider({ client: t.admin, path: { provider: 'overridden' } });
      expect(report?.checks.find((c) => c.check === 'oidc.redirect_uri')?.detail).toContain(`: ${shown}`);
      await finish(tab);
    });

    it('when a provider is disabled and enabled again, then only its enabled state changes', async () => {
      const tab = await providerPage('toggled');
      const before = await stored('toggled');
      const { page } = tab;
      await page.getByRole('button', { name: 'Disable' }).click();
      await page.getByText('toggled is disabled.').waitFor();
      const disabled = await stored('toggled');
      expect({ ...disabled, version: '' }).toEqual({ ...before, enabled: false, version: '' });
      expect(await page.getByLabel('Enabled', { exact: true }).isChecked()).toBe(false);
      await page.getByRole('button', { name: 'Enable' }).click();
      await page.getByText('toggled is enabled.').waitFor();
      expect({ ...(await stored('toggled')), version: '' }).toEqual({ ...before, version: '' });
      expect(await credentialsCheck('toggled')).toBe('pass');
      await finish(tab);
    });

    it('when libraries are picked by name, then their ids are stored, for the provider and for each role', async () => {
      const tab = await providerPage('libraries');
      const { page } = tab;
      const libraries = page.getByRole('group', { name: 'Libraries', exact: true });
      await libraries.getByRole('checkbox', { name: 'Shows' }).check();
      const mapping = page.getByRole('group', { name: 'Library mapping' });
      expect(await mapping.count()).toBe(0);
      await page.getByLabel('Libraries by role').check();
      await mapping.waitFor();
      await page.getByRole('button', { name: 'Add a role' }).click();
      await page.getByLabel('Role 1', { exact: true }).fill('movie-fans');
      await page
        .getByRole('group', { name: 'Libraries of role 1' })
        .getByRole('checkbox', { name: 'Movies' })
        .check();
      await page.getByRole('button', { name: 'Add a role' }).click();
      await page.getByLabel('Role 2', { exact: true }).fill('everything');
      const second = page.getByRole('group', { name: 'Libraries of role 2' });
      await second.getByRole('checkbox', { name: 'Movies' }).check();
      await second.getByRole('checkbox', { name: 'Shows' }).check();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved libraries.').waitFor();
      expect(await stored('libraries')).toMatchObject({
        enabledFolders: [SHOWS],
        enableFolderRoles: true,
        folderRoleMapping: [
          { role: 'movie-fans', folders: [MOVIES] },
          { role: 'everything', folders: [MOVIES, SHOWS] },
        ],
      });
      await page.getByRole('button', { name: 'Remove role 1' }).click();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await expect
        .poll(async () => (await stored('libraries'))?.folderRoleMapping)
        .toEqual([{ role: 'everything', folders: [MOVIES, SHOWS] }]);
      await finish(tab);
    });

    it('when delete is asked for, then cancel keeps the provider and confirming removes it', async () => {
      const tab = await providerPage('doomed');
      const { page } = tab;
      const isFocused = (name: string) =>
        page.getByRole('button', { name, exact: true }).evaluate((el) => el === document.activeElement);
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByText('Delete doomed?').waitFor();
      await expect.poll(() => isFocused('Cancel')).toBe(true);
      await page.keyboard.press('Enter');
      await expect.poll(() => isFocused('Delete')).toBe(true);
      expect(await page.getByRole('button', { name: 'Yes, delete' }).count()).toBe(0);
      expect(await stored('doomed')).toBeDefined();
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
      expect(await stored('doomed')).toBeUndefined();
      expect(await page.getByRole('link', { name: 'doomed' }).count()).toBe(0);
      await finish(tab);
    });

    it('when a SAML provider is added from imported IdP metadata, then the SSO URL and certificate are filled and stored, and the ACS URL is the one in the SP metadata', async () => {
      const { idp: samlIdp } = genuineAndRogueIdps();
      const tab = await signedInTab('#/providers/new/saml');
      const { page } = tab;
      await page.getByLabel('Name', { exact: true }).fill('keycloak');
      await page.getByLabel('Import IdP metadata').fill(samlIdp.metadata);
      await page.getByRole('button', { name: 'Import metadata' }).click();
      await expect.poll(() => page.getByLabel('SSO URL').inputValue()).toBe('https://idp.example.test/sso');
      expect(await page.getByLabel('IdP certificate').inputValue()).toBe(samlIdp.certificateBase64);
      expect(await page.getByLabel('IdP entity id').inputValue()).toBe(samlIdp.entityId);
      await page.getByLabel('SP entity id').fill('jellyfin-sp');
      await page.getByLabel('Role attribute').fill('groups');
      await page.getByLabel('Roles allowed to sign in').fill('jellyfin-users');
      await saveScreenshot(page, 'provider-saml-form');
      await page.getByRole('button', { name: 'Add provider' }).click();
      await page.getByText('Saved keycloak.').waitFor();

      const { data } = await getSamlProviders({ client: t.admin });
      expect(data?.['keycloak']).toMatchObject({
        samlEndpoint: 'https://idp.example.test/sso',
        samlCertificate: samlIdp.certificateBase64,
        samlIdpEntityId: samlIdp.entityId,
        samlClientId: 'jellyfin-sp',
        samlRoleAttribute: 'groups',
        roles: ['jellyfin-users'],
        hasSpSigningKey: false,
      });
      const metadata = await getSamlMetadata({
        client: t.anonymous,
        path: { provider: 'keycloak' },
        parseAs: 'text',
      });
      const xml = String(metadata.data);
      const acs = await copyValue(page, 'ACS URL').textContent();
      expect(acs).toBe(`${t.baseUrl}/sso/SAML/post/keycloak`);
      expect(xml).toContain(`Location="${acs}"`);
      expect(xml).toContain('entityID="jellyfin-sp"');
      expect(await copyValue(page, 'SP entity id').textContent()).toBe('jellyfin-sp');
      expect(await copyValue(page, 'SP metadata URL').textContent()).toBe(
        `${t.baseUrl}/sso/SAML/metadata/keycloak`,
      );
      await finish(tab);
    });

    it('when a SAML provider is saved with an expired certificate, then it is stored and the warning of the answer is shown', async () => {
      const { expiredPem, expiredBase64 } = makeCertificates();
      const tab = await signedInTab('#/providers/new/saml');
      const { page } = tab;
      await page.getByLabel('Name', { exact: true }).fill('old-idp');
      await page.getByLabel('SSO URL').fill('https://idp.example.test/sso');
      await page.getByLabel('IdP certificate').fill(expiredPem);
      await page.getByLabel('SP entity id').fill('jellyfin');
      await page.getByRole('button', { name: 'Add provider' }).click();
      await page.getByText('Saved old-idp.').waitFor();
      expect(await page.getByRole('status').filter({ hasText: 'Saved old-idp.' }).textContent()).toContain(
        'samlCertificate expired on',
      );
      const { data } = await getSamlProviders({ client: t.admin });
      expect(data?.['old-idp']?.samlCertificate).toBe(expiredBase64);
      await finish(tab);
    });

    it('when the list is shown, then each provider has its protocol, state and last sign-in, a refusal linking to its activity', async () => {
      await addThroughApi('refusing', { ...baseInput(), enabled: false });
      const refused = await fetch(`${t.baseUrl}/sso/OID/start/refusing`, { redirect: 'manual' });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      const tab = await signedInTab();
      const { page } = tab;
      const row = page.getByRole('row', { name: /refusing/ });
      await expect.poll(() => row.textContent()).toContain('refused');
      expect(await row.textContent()).toContain('Disabled');
      expect(await row.getByRole('link', { name: 'refused' }).getAttribute('href')).toBe(
        '#/activity?provider=refusing',
      );
      await row.getByRole('link', { name: 'refusing' }).click();
      await page.getByRole('heading', { name: 'OIDC provider refusing' }).waitFor();
      await page.goBack();
      await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
      await expect.poll(() => page.locator('.last-sign-in').count()).toBeGreaterThan(0);
      await saveScreenshot(page, 'providers-list');
      await finish(tab);
    });

    it('when a provider page is opened, then Test and Preview lead to their panels', async () => {
      const tab = await providerPage('edited');
      const { page } = tab;
      await page.getByRole('link', { name: 'Test' }).click();
      expect(await page.evaluate(() => location.hash)).toBe('#/providers/oidc/edited/test');
      await page.getByRole('heading', { name: /Test edited/ }).waitFor();
      await page.goBack();
      await page.getByRole('link', { name: 'Preview' }).click();
      expect(await page.evaluate(() => location.hash)).toBe('#/providers/oidc/edited/preview');
      await page.getByRole('heading', { name: /Preview edited/ }).waitFor();
      await finish(tab);
    });

    it('when the form is opened on a phone, then nothing overflows the screen sideways', async () => {
      const tab = await providerPage('edited', { width: 390, height: 844 });
      const { page } = tab;
      await page.getByRole('heading', { name: 'OIDC provider edited' }).waitFor();
      await page.getByRole('group', { name: 'Libraries', exact: true }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await saveScreenshot(page, 'provider-form-phone');
      await finish(tab);
    });
  });
});
