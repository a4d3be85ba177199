// Builds the admin console and the account page (console/ → dist/console/) when its sources are newer than the build, so
// `npm start`, the demo and the tests always serve the console as the sources say. `--force` always builds.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from './build-staleness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['console', 'clients/typescript'].map((dir) => join(ROOT, dir));
// Both pages of the build: a build made before the account page existed lacks account.html.
const BUILT = ['index.html', 'account.html'].map((page) => join(ROOT, 'dist/console', page));

export function consoleIsStale(): boolean {
  return BUILT.some((built) => isStale(built, SOURCES));
}

/** Builds when stale (or always with `force`); returns whether it built. */
export async function buildConsole({ force = false } = {}): Promise<boolean> {
  if (!force && !consoleIsStale()) return false;
  // Imported here so that a start with an up-to-date build never loads Vite. An installation without
  // development dependencies has no Vite: it serves what was built, or answers 503 on /sso/admin/.
  let build: typeof import('vite').build;
  try {
    ({ build } = await import('vite'));
  } catch {
    console.warn(
      'the admin console cannot be built here (Vite is not installed): run `npm ci` with dev dependencies',
    );
    return false;
  }
  await build({ configFile: join(ROOT, 'console/vite.config.ts'), logLevel: 'warn' });
  return true;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildConsole({ force: process.argv.includes('--force') });
  console.log(built ? 'admin console built into dist/console/' : 'admin console is up to date');
}
