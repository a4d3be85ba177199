// Whether a build output is older than its sources: the one staleness rule of the build scripts
// (build-console.ts, build-server.ts), so that `npm start` rebuilds only what changed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

/** True when `built` is missing or any file below one of `sources` (files or folders) is newer. */
export function isStale(built: string, sources: readonly string[]): boolean {
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return sources.some((source) => existsSync(source) && newestMtime(source) > builtAt);
}
