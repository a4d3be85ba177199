// `npm run ui:dev` (scripts/ui-dev.ts) in headless Chromium: Prism on a free port and Vite's dev server
// in front of it, as the command starts them; any API key signs in, the providers are the spec's examples,
// and the Links page (links and app password) works against the mock. Stopping it frees both ports.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SPEC_PATH } from '../../src/app.js';
import { startUiDev, type UiDev } from '../../scripts/ui-dev.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { openConsoleTab, saveScreenshot, signInWithApiKey } from '../support/console-browser.js';
import { freePort } from '../support/ports.js';

/** The provider names of the spec's example answer to `GET /sso/<protocol>/Get`. */
function exampleProviderNames(path: '/sso/OID/Get' | '/sso/SAML/Get'): string[] {
  const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as {
    paths: Record<string, { get: { responses: { 200: { content: Record<string, { example: object }> } } } }>;
  };
  const example = spec.paths[path]?.get.responses[200].content['application/json']?.example ?? {};
  return Object.keys(example);
}

const browser: Browser | null = await launchChromium();

describeWithChromium('npm run ui:dev against Prism', browser, (chromium) => {
  afterAll(() => chromium.close());

  describe('npm run ui:dev', () => {
    let dev: UiDev;
    beforeAll(async () => {
      dev = await startUiDev({ mockPort: await freePort(), port: await freePort() });
    }, 120_000);
    afterAll(async () => {
      await dev?.stop();
    });

    it('when any API key is typed, then the console shows the providers of the spec example', async () => {
      const names = [...exampleProviderNames('/sso/OID/Get'), ...exampleProviderNames('/sso/SAML/Get')];
      expect(names.length).toBeGreaterThan(0);
      const tab = await openConsoleTab(chromium, dev.url.replace(/\/$/, ''), { path: '/' });
      const { page } = tab;
      await signInWithApiKey(page, 'any-key-at-all-0123456789');
      for (const name of names) await page.getByRole('cell', { name, exact: true }).waitFor();
      await saveScreenshot(page, 'ui-dev-providers');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });

    it('when the Links page is used against the mock, then it finds the example users and lists their links', async () => {
      const tab = await openConsoleTab(chromium, dev.url.replace(/\/$/, ''), { path: '/' });
      const { page } = tab;
      await signInWithApiKey(page, 'any-key-at-all-0123456789');
      await page.getByRole('link', { name: 'Links' }).click();
      await page.getByRole('link', { name: 'alice', exact: true }).click();
      await page.getByRole('heading', { name: 'Links of alice' }).waitFor();
      // The user view reads the app password's state too: the mock serves its example.
      await page.locator('#app-password-state').getByText('App password made').waitFor();
      await page
        .getByRole('button', { name: /^Unlink / })
        .first()
        .click();
      await page.getByRole('button', { name: 'Yes, unlink' }).click();
      await page.getByText(/is no longer linked to alice/).waitFor();
      await saveScreenshot(page, 'ui-dev-links');
      expect(await tab.problems()).toEqual([]);
      await tab.close();
    });
  });

  describe('stopping npm run ui:dev', () => {
    it('when it stops, then neither the console nor the mock answers any more', async () => {
      const dev = await startUiDev({ mockPort: await freePort(), port: await freePort() });
      expect((await fetch(`${dev.mockUrl}/sso/OID/GetNames`)).status).toBe(200);
      expect((await fetch(dev.url)).status).toBe(200);
      await dev.stop();
      await expect(fetch(`${dev.mockUrl}/sso/OID/GetNames`)).rejects.toThrow();
      await expect(fetch(dev.url)).rejects.toThrow();
    }, 120_000);
  });
});
