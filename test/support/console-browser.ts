// The admin console in headless Chromium: open it with a credential, watch the page for console errors and
// CSP violations, and save a screenshot of each view as a test artifact (test-artifacts/console/).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/console', import.meta.url));

export interface ConsoleTab {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught errors and CSP violations seen so far. */
  problems(): Promise<string[]>;
  close(): Promise<void>;
}

/** A fresh browser profile on the console's page, recording what goes wrong in it. */
export async function openConsoleTab(
  browser: Browser,
  baseUrl: string,
  options: { viewport?: { width: number; height: number }; path?: string } = {},
): Promise<ConsoleTab> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 } });
  // Runs before the page's own scripts, so a violation at load time is caught too.
  await context.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      w.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
  const page = await context.newPage();
  const seen: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location().url;
    // Chromium asks for /favicon.ico by itself; there is none, which is fine. A refused API call logs a
    // "Failed to load resource" error for its status: the tests check those answers themselves.
    if (/favicon\.ico$/.test(where) || /Failed to load resource/.test(message.text())) return;
    seen.push(`console error at ${where}: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.push(`pageerror: ${error.message}`));
  await page.goto(`${baseUrl}${options.path ?? '/sso/admin/'}`);
  return {
    context,
    page,
    problems: async () => [
      ...seen,
      ...(await page.evaluate(
        () => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [],
      )),
    ],
    close: () => context.close(),
  };
}

/** Signs the console in with an API key through its form and waits for the providers page. */
export async function signInWithApiKey(page: Page, apiKey: string): Promise<void> {
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Use this key' }).click();
  await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
