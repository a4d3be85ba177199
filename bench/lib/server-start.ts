// How the service starts in production, for the cold-start and footprint rows: the compiled server
// (`npm run build:server` → `node dist/server/main.js`) when the project has one, else the TypeScript start
// through tsx that `npm start` ran before it, with a note saying so. The build runs once per bench run, so
// the figures are those of the sources being measured.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import { REPO_ROOT } from './children.js';

const run = promisify(execFile);

const COMPILED_MAIN = join('dist', 'server', 'main.js');
const BUILD_SCRIPT = 'build:server';

export interface ProductionStart {
  /** Arguments to `node`, from the repository root. */
  nodeArgs: string[];
  compiled: boolean;
  /** What was started and why, for the JSON and the printed rows. */
  note: string;
}

function hasBuildScript(): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts?: Record<string, unknown>;
    };
    return typeof manifest.scripts?.[BUILD_SCRIPT] === 'string';
  } catch {
    return false;
  }
}

/** Builds the compiled server when the project can, and says how the service is to be started. */
export async function productionStart(log: (line: string) => void): Promise<ProductionStart> {
  let buildNote = '';
  if (hasBuildScript()) {
    log(`· npm run ${BUILD_SCRIPT} …`);
    const began = performance.now();
    try {
      await run('npm', ['run', '--silent', BUILD_SCRIPT], { cwd: REPO_ROOT, timeout: 300_000 });
      buildNote = `built by npm run ${BUILD_SCRIPT} in ${Math.round(performance.now() - began)} ms`;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      const reason = stderr.trim().split('\n').slice(-2).join(' ');
      log(`  npm run ${BUILD_SCRIPT} failed: ${reason}`);
      return tsxStart(`npm run ${BUILD_SCRIPT} failed (${reason.slice(0, 200)})`);
    }
  }
  if (!existsSync(join(REPO_ROOT, COMPILED_MAIN))) {
    return tsxStart(
      hasBuildScript()
        ? `npm run ${BUILD_SCRIPT} wrote no ${COMPILED_MAIN}`
        : `no ${BUILD_SCRIPT} script in package.json`,
    );
  }
  const nodeArgs = [...startFlags(), COMPILED_MAIN];
  return {
    nodeArgs,
    compiled: true,
    note: `node ${nodeArgs.join(' ')}, the compiled start${buildNote === '' ? ' (not rebuilt: no build script)' : `, ${buildNote}`}`,
  };
}

/** BENCH_START_FLAGS: node flags for the production start only, to measure a runtime setting (e.g. a heap size). */
function startFlags(): string[] {
  return (process.env['BENCH_START_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
}

function tsxStart(why: string): ProductionStart {
  return {
    nodeArgs: ['--import', 'tsx', join('src', 'main.ts')],
    compiled: false,
    note: `node --import tsx src/main.ts (the TypeScript start through tsx, not compiled: ${why})`,
  };
}
