// Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core (never a
// downloaded browser). The binary is `CHROMIUM_PATH` or /usr/bin/chromium. When it is missing, CI fails
// loudly; elsewhere `launchChromium()` returns null and `describeWithChromium` reports the suite as skipped.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { describe } from 'vitest';

/** Flags this machine needs: no sandbox as root, and no background calls to Google's hosts. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const configured = process.env['CHROMIUM_PATH']?.trim();
  return configured === undefined || configured === '' ? '/usr/bin/chromium' : configured;
}

/**
 * Starts Chromium. playwright-core gives every launch a new, empty user-data-dir of its own and removes it
 * on `close()`; each `browser.newContext()` is a further isolated profile (cookies, storage).
 * Returns null when no binary exists and CI is not set; throws when it is missing on CI, so a browser-less
 * CI run cannot pass silently.
 */
export async function launchChromium(): Promise<Browser | null> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    if (process.env['CI'] !== undefined && process.env['CI'] !== '') {
      throw new Error(
        `Chromium not found at ${executablePath} but CI is set: install Debian's chromium ` +
          '(apt-get install -y chromium) or set CHROMIUM_PATH',
      );
    }
    return null;
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** True when a browser can run here (or CI insists on one); lets a test file decide before any hook runs. */
export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath())) return true;
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') {
    throw new Error(`Chromium not found at ${chromiumPath()} but CI is set: install Debian's chromium`);
  }
  return false;
}

/**
 * A suite that needs Chromium. It is registered either way, so that without a browser vitest itself reports
 * its tests as skipped, the suite's name saying why, instead of leaving them out of the count. (On CI a
 * missing browser has already thrown in launchChromium().)
 */
export function describeWithChromium(
  name: string,
  browser: Browser | null,
  body: (browser: Browser) => void,
): void {
  const title =
    browser === null
      ? `${name} (skipped: no Chromium at ${chromiumPath()}; apt-get install -y chromium)`
      : name;
  describe.skipIf(browser === null)(title, () => {
    // Without a browser the suite is skipped: its hooks and tests never run, so nothing touches the value.
    body(browser ?? (null as unknown as Browser));
  });
}
