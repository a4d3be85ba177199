// Compiles the service (src/ → dist/server/main.js plus chunks) with esbuild, so that `npm start` runs
// plain node with no TypeScript loader. Our code and the packages it uses are bundled: a cold start then
// reads a few files instead of resolving, reading and wrapping each package's modules one by one (1.6 s →
// 0.9 s to the first answer, bench/README.md). Each dynamic import() becomes a chunk that loads only when
// first needed.
// The contract goes beside it as JSON (openapi.json), so that the compiled start parses no YAML.
// Builds when the sources are newer than the output; `--force` always builds.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadSpec } from '../src/http/spec-file.js';
import { isStale } from './build-staleness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SERVER_DIR = join(ROOT, 'dist/server');
/** What `npm start` runs. */
export const SERVER_ENTRY = join(SERVER_DIR, 'main.js');
// This script and tsconfig.json shape the output too; generated/ only holds types (erased).
const SOURCES = [
  'src',
  'openapi.yaml',
  'scripts/build-server.ts',
  'scripts/build-staleness.ts',
  'tsconfig.json',
].map((path) => join(ROOT, path));

/**
 * Packages loaded from node_modules at run time rather than bundled:
 * - sqlite3 is a native addon that finds its binary beside its own files;
 * - pino starts its transports as worker threads from files it finds beside its own;
 * - the rest are drivers that knex, MikroORM and pg name for what this service never uses (none is
 *   installed): esbuild cannot resolve most of them, and pg-native would be a native addon too.
 * xml-crypto and @xmldom/xmldom are loaded with createRequire (src/protocols/saml-xml.ts), so they stay
 * outside too.
 */
const NOT_BUNDLED = [
  'sqlite3',
  'pino',
  'pg-native',
  'pg-query-stream',
  'better-sqlite3',
  'mysql',
  'mysql2',
  'oracledb',
  'tedious',
  'libsql',
  'mariadb',
];

/** Bundled CommonJS packages call require() for the packages left outside; an ES module has none of its own. */
const REQUIRE_IN_ESM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export function serverIsStale(): boolean {
  return isStale(SERVER_ENTRY, SOURCES);
}

/**
 * Builds when stale (or always with `force`); returns whether it built. The output is written beside
 * dist/server and swapped in whole, so a running service or a concurrent build never sees half of it.
 */
export async function buildServer({ force = false } = {}): Promise<boolean> {
  if (!force && !serverIsStale()) return false;
  const staging = `${SERVER_DIR}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await build({
      absWorkingDir: ROOT,
      entryPoints: { main: 'src/main.ts' },
      outdir: staging,
      bundle: true,
      external: NOT_BUNDLED,
      banner: { js: REQUIRE_IN_ESM },
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
    });
    writeFileSync(join(staging, 'openapi.json'), JSON.stringify(loadSpec(join(ROOT, 'openapi.yaml'))));
    rmSync(SERVER_DIR, { recursive: true, force: true });
    renameSync(staging, SERVER_DIR);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildServer({ force: process.argv.includes('--force') });
  console.log(built ? 'server compiled into dist/server/' : 'compiled server is up to date');
}
