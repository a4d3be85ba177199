// Where the service spends its CPU in one case: starts the IdP and the service (SQLite, or PostgreSQL with
// BENCH_PG_URL) as `npm run bench` does, warms the case up, then profiles the service child (V8 CPU profiler,
// started and stopped over its stdin, so start-up is not included) while driving the case for BENCH_DURATION
// seconds (default 10) with BENCH_LOGIN_WORKERS (default 8) or BENCH_CONNECTIONS (default 16). Prints self
// time by package/file and the top functions; writes bench/results/profile-<case>.json.
//   node --import tsx bench/profile.ts login|start|getnames|queries|saml|startup
// `queries` counts SQL statements per request and per login step instead of profiling; `startup` profiles
// the service from spawn to READY.
// `saml` profiles the two in-process verification loops instead (no service, no IdP).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { freePort } from '../test/support/ports.js';
import { killAllNow, spawnChild, startChild, stopAll, REPO_ROOT, type Child } from './lib/children.js';
import { httpSlice } from './lib/load.js';
import { loginSlice, oneLogin } from './lib/logins.js';
import { summariseProfile } from './lib/profile.js';
import {
  countLogin,
  countRequests,
  statementLines,
  statementReader,
  StatementTally,
} from './lib/statements.js';
import { summarise } from './lib/stats.js';

const KEY = 'bench-bootstrap-key-0123456789abcdef';
const which = process.argv[2] ?? 'login';
const seconds = Number(process.env['BENCH_DURATION'] ?? 10);
const workers = Number(process.env['BENCH_LOGIN_WORKERS'] ?? 8);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
const temp = mkdtempSync(join(tmpdir(), 'sso-bench-profile-'));

/** SAML: the loop child profiles itself (bench/loops/saml.ts --profile), one mode at a time. */
async function profileSaml(): Promise<void> {
  const lines: string[] = [];
  const out: Record<string, unknown> = { case: 'saml', date: new Date().toISOString() };
  for (const mode of ['service', 'xmlcrypto'] as const) {
    const file = join(temp, `saml-${mode}.cpuprofile`);
    const child = spawnChild(`saml-${mode}`, 'bench/loops/saml.ts', {
      args: ['--modes', mode, '--duration', String(seconds), '--warmup', '2', '--profile', file],
    });
    await child.exited;
    const result = child.lines.find((line) => line.startsWith('RESULT '));
    if (result === undefined) throw new Error(`no result from the SAML loop: ${child.stderrTail()}`);
    const figures = (
      JSON.parse(result.slice(7)) as Record<string, { opsPerSec?: number; p50Ms?: number; error?: string }>
    )[mode];
    if (figures?.error !== undefined) throw new Error(`${mode}: ${figures.error}`);
    const summary = summariseProfile(file, 20);
    out[mode] = { opsPerSec: figures?.opsPerSec, p50Ms: figures?.p50Ms, ...summary };
    lines.push(
      `saml ${mode}: ${figures?.opsPerSec?.toFixed(0)}/s, p50 ${figures?.p50Ms?.toFixed(2)} ms; CPU ${summary.totalMs} ms`,
      ...summary.byPlace.map(
        (p) => `  ${p.share.toFixed(1).padStart(5)}%  ${p.ms.toFixed(0).padStart(7)} ms  ${p.place}`,
      ),
      'top functions (self):',
      ...summary.topFunctions
        .slice(0, 12)
        .map((f) => `  ${f.share.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.fn}`),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResult('saml', out);
}

/**
 * SQL statements per request and per login step (one request at a time, so the step times are uncontended
 * too): the service child counts knex's query events, read between steps over its stdin.
 */
async function countQueries(child: Child, baseUrl: string): Promise<void> {
  const runs = 20;
  const target = { kind: 'service', baseUrl, provider: 'bench' } as const;
  for (let i = 0; i < 3; i++) await oneLogin(target, 'bench-0', null); // the first one creates the user
  const read = statementReader(child);
  const tally = new StatementTally();
  await countRequests(read, tally, 'GetNames', `${baseUrl}/sso/OID/GetNames`, runs);
  await countRequests(read, tally, 'start (PAR off)', `${baseUrl}/sso/OID/start/bench`, runs);
  for (let i = 0; i < runs; i++) {
    await countLogin(read, tally, target, 'bench-0', (step) => `login: ${step}`);
  }
  const rows = tally.rows();
  const lines = [
    `SQL statements per request / login step (mean of ${runs}, one at a time; 'other' = begin/commit/pragma…):`,
    ...statementLines(rows),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResult('queries', {
    case: 'queries',
    date: new Date().toISOString(),
    database: (process.env['BENCH_PG_URL'] ?? '') === '' ? 'sqlite' : 'postgresql',
    runs,
    rows,
  });
}

function writeResult(name: string, out: unknown): void {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `profile-${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
}

/** Start-up: the service child runs with --cpu-prof from spawn until READY (fresh SQLite database). */
async function profileStartup(): Promise<void> {
  const port = await freePort();
  const dir = join(temp, 'startup-profile');
  const began = performance.now();
  const { child } = await startChild('sso', 'bench/servers/sso.ts', {
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'],
    args: ['--port', String(port), '--log', join(temp, 'service.log')],
    env: {
      SSO_DATABASE_URL: `sqlite:${join(temp, 'startup.sqlite')}`,
      SSO_DATA_DIR: temp,
      SSO_BOOTSTRAP_API_KEY: KEY,
      LOG_LEVEL: 'info',
    },
  });
  const readyMs = performance.now() - began;
  await child.stop(); // SIGTERM → process.exit → the profile is written
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no start-up profile written');
  const summary = summariseProfile(join(dir, file), 20);
  const lines = [
    `startup: spawn → READY ${readyMs.toFixed(0)} ms; main-thread CPU ${summary.totalMs} ms`,
    ...summary.byPlace.map(
      (p) => `  ${p.share.toFixed(1).padStart(5)}%  ${p.ms.toFixed(0).padStart(7)} ms  ${p.place}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResult('startup', { case: 'startup', date: new Date().toISOString(), readyMs, ...summary });
}

/** With BENCH_PROFILE_RAW=1 the V8 profile itself is kept (results/*.cpuprofile, not committed) for DevTools. */
function keepRawProfile(file: string, name: string): void {
  if (process.env['BENCH_PROFILE_RAW'] !== '1') return;
  copyFileSync(file, join(REPO_ROOT, 'bench', 'results', `${name}.cpuprofile`));
}

async function main(): Promise<void> {
  if (which === 'saml') return profileSaml();
  if (which === 'startup') return profileStartup();
  if (!['login', 'start', 'getnames', 'queries'].includes(which)) {
    throw new Error(`unknown case "${which}" (login|start|getnames|queries|saml|startup)`);
  }
  const port = await freePort();
  const idp = await startChild('idp', 'bench/servers/idp.ts', {
    env: {
      BENCH_IDP: JSON.stringify({
        clientId: 'jellyfin',
        clientSecret: 'bench-client-secret',
        redirectUris: [`http://127.0.0.1:${port}/sso/OID/redirect/bench`],
        accounts: 64,
      }),
    },
  });
  const profileFile = join(temp, 'service.cpuprofile');
  const database = process.env['BENCH_PG_URL'] ?? `sqlite:${join(temp, 'sso.sqlite')}`;
  const { child } = await startChild('sso', 'bench/servers/sso.ts', {
    args: ['--port', String(port), '--log', join(temp, 'service.log')],
    env: {
      SSO_DATABASE_URL: database,
      SSO_DATA_DIR: temp,
      SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      SSO_BOOTSTRAP_API_KEY: KEY,
      SSO_RATE_LIMIT: '0',
      SSO_MAX_OPEN_FLOWS: '1000000', // counted, as in production, but never refusing the load
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'info',
      BENCH_PROFILE_OUT: profileFile,
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const added = await fetch(`${baseUrl}/sso/OID/Add/bench`, {
    method: 'POST',
    headers: { authorization: `MediaBrowser Token="${KEY}"`, 'content-type': 'application/json' },
    body: JSON.stringify({
      oidEndpoint: String(idp.info['issuer']),
      oidClientId: 'jellyfin',
      oidSecret: 'bench-client-secret',
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      roles: ['jellyfin-users'],
      roleClaim: 'groups',
      oidScopes: ['groups', 'email'],
      disablePushedAuthorization: true,
    }),
  });
  if (added.status !== 200) throw new Error(`Add answered ${added.status}`);
  if (which === 'queries') return countQueries(child, baseUrl);
  process.stderr.write(`profiling "${which}" for ${seconds} s …\n`);
  const drive = async (durationSeconds: number) =>
    summarise(
      which === 'login'
        ? await loginSlice({ kind: 'service', baseUrl, provider: 'bench' }, workers, durationSeconds)
        : await httpSlice(
            which === 'start'
              ? { url: `${baseUrl}/sso/OID/start/bench`, expect: [302] }
              : { url: `${baseUrl}/sso/OID/GetNames` },
            connections,
            durationSeconds,
          ),
    );
  await drive(2); // warm-up, not profiled
  const profiling = child.waitForLine('PROFILING');
  child.send('profile:start');
  await profiling;
  const measured = await drive(seconds);
  const profiled = child.waitForLine('PROFILED');
  child.send('profile:stop');
  await profiled;
  await child.stop();
  const summary = summariseProfile(profileFile, 20);
  keepRawProfile(profileFile, which);
  const out = {
    case: which,
    concurrency: which === 'login' ? workers : connections,
    date: new Date().toISOString(),
    database: database.startsWith('sqlite:') ? 'sqlite' : 'postgresql',
    rate: measured.rate,
    p50Ms: measured.p50Ms,
    errors: measured.errors,
    steps: measured.steps,
    ...summary,
  };
  const lines = [
    `${which}: ${measured.rate.toFixed(1)}/s, p50 ${measured.p50Ms.toFixed(1)} ms, ${measured.errors} errors; service CPU ${summary.totalMs} ms (idle excluded)`,
    'self time by place:',
    ...summary.byPlace.map(
      (p) => `  ${p.share.toFixed(1).padStart(5)}%  ${p.ms.toFixed(0).padStart(7)} ms  ${p.place}`,
    ),
    'top functions (self):',
    ...summary.topFunctions.map(
      (f) => `  ${f.share.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.fn}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResult(which === 'login' && workers !== 8 ? `login-${workers}w` : which, out);
}

let failed = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void stopAll().finally(() => {
      rmSync(temp, { recursive: true, force: true });
      process.exit(130);
    });
  });
}
process.on('exit', () => {
  killAllNow();
  rmSync(temp, { recursive: true, force: true });
});
main()
  .catch((error: unknown) => {
    failed = true;
    process.stderr.write(
      `profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  })
  .finally(async () => {
    await stopAll();
    rmSync(temp, { recursive: true, force: true });
    process.exit(failed ? 1 : 0);
  });
