// Where the service finds the repository's own files (openapi.yaml, the built console) at run time, the
// same whether it runs from its sources (src/, through tsx) or compiled (dist/server/ and its chunks).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `start` that holds package.json: the repository (or installed package) root. */
export function packageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = packageRoot(HERE);
const COMPILED_DIR = join(ROOT, 'dist', 'server');

/**
 * The contract the HTTP edge is built from: openapi.yaml, or when the service runs compiled, the JSON copy
 * the build parsed from it (scripts/build-server.ts; rebuilt with the code whenever openapi.yaml changes).
 */
export const SPEC_PATH = HERE.startsWith(COMPILED_DIR)
  ? join(COMPILED_DIR, 'openapi.json')
  : join(ROOT, 'openapi.yaml');
/** Where `npm run build:console` writes the admin console. */
export const CONSOLE_DIR = join(ROOT, 'dist/console');
