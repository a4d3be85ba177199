// What the account page's browser tests run against: the service on its embedded directory beside the
// in-process OpenID Provider, with two OIDC providers a user signs in or links with (`family` and `work`,
// two clients of that IdP) and the SAML provider `corp`; a browser tab signed in through `family` the
// way a person does it (the IdP's login form, then the service's own sign-in page, which stores the
// session in localStorage); the suite that starts and stops them around its tests; the account page
// opened in the tab, watched for CSP violations and page errors;
// screenshots saved to test-artifacts/account/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { addOidcProvider, addSamlProvider } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { openConsoleTab, type ConsoleTab } from '../support/console-browser.js';
import { createTestSamlIdp } from '../support/linked-users.js';
import { startOidcIdp, type OidcIdp, type TestClient } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import type { SamlIdp } from '../support/saml-idp.js';

export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/account', import.meta.url));

const ACCOUNTS = {
  'sub-erin': { preferred_username: 'erin' },
  'sub-frank': { preferred_username: 'frank' },
  'sub-gwen': { preferred_username: 'gwen' },
  'sub-hugo': { preferred_username: 'hugo' },
  'sub-ines': { preferred_username: 'ines' },
  'sub-jana': { preferred_username: 'jana' },
  'sub-karl': { preferred_username: 'karl' },
};

export interface AccountService {
  t: TestApp;
  idp: OidcIdp;
  saml: SamlIdp;
  close(): Promise<void>;
}

/**
 * A suite of account-page tests in headless Chromium: the account service starts before its tests and
 * stops after them, the browser with it. `service()` is the running service.
 */
export async function describeAccountPage(
  name: string,
  body: (chromium: Browser, service: () => AccountService) => void,
): Promise<void> {
  const browser = await launchChromium();
  describeWithChromium(name, browser, (chromium) => {
    let started: AccountService | undefined;
    beforeAll(async () => {
      started = await startAccountService();
    });
    afterAll(async () => {
      await started?.close();
      await chromium.close();
    });
    body(chromium, () => {
      if (started === undefined) throw new Error('the account service is not started yet');
      return started;
    });
  });
}

function client(port: number, provider: string): TestClient {
  return {
    client_id: `jellyfin-${provider}`,
    client_secret: `${provider}-secret`,
    redirect_uris: [`http://127.0.0.1:${port}/sso/OID/redirect/${provider}`],
  };
}

export async function startAccountService(env: Record<string, string> = {}): Promise<AccountService> {
  const port = await freePort();
  const idp = await startOidcIdp({
    clients: [client(port, 'family'), client(port, 'work')],
    accounts: ACCOUNTS,
  });
  const t = await startTestApp(
    { SSO_PUBLIC_URL: `http://127.0.0.1:${port}`, SSO_RATE_LIMIT: '0', ...env },
    { port },
  );
  for (const name of ['family', 'work']) {
    const added = await addOidcProvider({
      client: t.admin,
      path: { provider: name },
      body: {
        oidEndpoint: idp.issuer,
        oidClientId: `jellyfin-${name}`,
        oidSecret: `${name}-secret`,
        enabled: true,
      },
    });
    expect(added.response.status).toBe(200);
  }
  const saml = createTestSamlIdp();
  const corp = await addSamlProvider({
    client: t.admin,
    path: { provider: 'corp' },
    body: {
      samlEndpoint: 'https://idp.example.test/sso',
      samlClientId: 'jellyfin',
      samlCertificate: saml.certificateBase64,
      enabled: true,
    },
  });
  expect(corp.response.status).toBe(200);
  return {
    t,
    idp,
    saml,
    close: async () => {
      await t.close();
      await idp.close();
    },
  };
}

export interface SignedInTab extends ConsoleTab {
  userId: string;
}

/** At the IdP's login form (when it shows one: it remembers a signed-in browser), signs in as `sub`. */
export async function passIdpLogin(page: Page, idp: OidcIdp, sub: string): Promise<void> {
  await page.waitForURL((url) => url.origin !== idp.issuer || url.pathname.startsWith('/interaction/'));
  if (new URL(page.url()).origin !== idp.issuer) return;
  await page.fill('input[name="login"]', sub);
  await page.click('button[type="submit"]');
}

/** A fresh browser profile signed in through `family` as the IdP account `sub`, on its account page. */
export async function signedInTab(
  browser: Browser,
  service: AccountService,
  sub: string,
  viewport?: { width: number; height: number },
): Promise<SignedInTab> {
  const tab = await openConsoleTab(browser, service.t.baseUrl, {
    path: '/sso/OID/start/family',
    ...(viewport === undefined ? {} : { viewport }),
  });
  await passIdpLogin(tab.page, service.idp, sub);
  await tab.page.waitForSelector('body[data-sso-state="signed-in"]');
  const userId = await tab.page.evaluate(() => {
    const stored = JSON.parse(localStorage.getItem('jellyfin_credentials') ?? '{}') as {
      Servers?: { UserId?: string }[];
    };
    return stored.Servers?.[0]?.UserId ?? '';
  });
  expect(userId).toMatch(/^[0-9a-f]{32}$/);
  await openAccountPage(tab.page, service.t.baseUrl);
  return { ...tab, userId };
}

/**
 * `expect.poll` with room for a loaded machine (two test workers and their browsers on two cores): the
 * page's answers may take a few seconds there.
 */
export function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 15_000 });
}

/** Opens /sso/account (with `query`) and waits until its three sections have loaded. */
export async function openAccountPage(page: Page, baseUrl: string, query = ''): Promise<void> {
  await page.goto(`${baseUrl}/sso/account${query}`);
  await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
  await poll(() => page.locator('.loading').count()).toBe(0);
}

/**
 * The way back from a linking flow started on the page, watched from before it starts (call it, then
 * click "Link <provider>"): the finishing page calls Link and sends the browser to
 * /sso/account?linked=<provider>; resolves once the account page has taken `?linked=` out of the address
 * and its sections have loaded.
 */
export function backOnAccountPage(page: Page, provider: string): Promise<void> {
  const navigation = page.waitForRequest(
    (request) => {
      const url = new URL(request.url());
      return (
        request.isNavigationRequest() &&
        url.pathname === '/sso/account' &&
        url.searchParams.get('linked') === provider
      );
    },
    { timeout: 60_000 },
  );
  return (async () => {
    await navigation;
    await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor({ timeout: 30_000 });
    await poll(() => new URL(page.url()).search).toBe('');
    await poll(() => page.locator('.loading').count()).toBe(0);
  })();
}

/** The section named by its heading (`<section aria-labelledby>` is a region of that name). */
export function section(page: Page, name: 'Identities' | 'App password' | 'Devices') {
  return page.getByRole('region', { name, exact: true });
}

/** The rows of a section's table, as the text of their cells. */
export async function rows(page: Page, name: 'Identities' | 'Devices'): Promise<string[][]> {
  return section(page, name)
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
    );
}

/** Saves a full-page screenshot as test-artifacts/account/<name>.png. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}
