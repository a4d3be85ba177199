// Builds the admin console (console/ → dist/console/) when its sources are newer than the build, so
// `npm start`, the demo and the tests always serve the console as the sources say. `--force` always builds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['console', 'clients/typescript'].map((dir) => join(ROOT, dir));
const BUILT = join(ROOT, 'dist/console/index.html');

/** The newest modification time of the files below `path` (a folder's own time moves when a build writes into it). */
function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    // Build outputs inside the sources (the client's dist/) are not sources.
    if (entry !== 'node_modules' && entry !== 'dist')
      newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function consoleIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  return SOURCES.some((dir) => newestMtime(dir) > built);
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
