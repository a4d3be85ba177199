// `npm run bench`: every case of issue #8 next to its baseline, measured in the same run, printed as one
// table and written to bench/results/latest.json (see bench/README.md). Every server under test runs in a
// child process of its own; the load comes from this process (autocannon, or the login workers). A case
// and its baselines form a group: each member is warmed up, then the members take turns in short slices
// (the order rotates every round), so background load on the machine hits them alike. Figures never fail
// the run; the exit code is 1 only when a case could not run at all. Beside the cases: SQL statements per
// login step on each database, and the cold start and footprint of the production start (compiled when the
// project builds it). `--compare` adds each ratio against the previous run and the goals of issue #14.
//
// Environment: BENCH_DURATION (s per case, default 5), BENCH_WARMUP (s, default 2), BENCH_ROUNDS (slices per
// case, default 3), BENCH_CONNECTIONS (default 16), BENCH_LOGIN_WORKERS (default 8), BENCH_COLD_STARTS
// (default 3), BENCH_QUICK=1 (1 s per case, 0.5 s warm-up, 1 round, 1 cold start; written to
// results/quick.json), BENCH_PG_URL (a PostgreSQL server to use instead of a throwaway cluster),
// BENCH_LOG_LEVEL (the service's LOG_LEVEL, default info), BENCH_OUT (path of the JSON file).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { asksForHelp, BENCH_USAGE } from '../src/usage.js';
import { freePort } from '../test/support/ports.js';
import {
  cpuTimeMs,
  killAllNow,
  memoryOf,
  REPO_ROOT,
  spawnChild,
  spawnNode,
  startChild,
  stopAll,
  type Child,
} from './lib/children.js';
import { httpSlice, type HttpLoad } from './lib/load.js';
import { loginSlice, type LoginTarget } from './lib/logins.js';
import { benchSamlIdp, SamlLogins, samlProviderBody } from './lib/saml-logins.js';
import { comparisonLines, evaluateGoals, goalLines } from './lib/goals.js';
import { cpuPressure, load1, machine } from './lib/machine.js';
import { durable, redact, startPostgres, type Postgres } from './lib/pg.js';
import { productionStart, type ProductionStart } from './lib/server-start.js';
import { computePostgresVsSqlite, computeRatios, type CaseResult, type Report } from './lib/report.js';
import { loginStatements, samlStatements } from './lib/statements.js';
import { summaryLines } from './lib/summary.js';
import { emptyRaw, median, mergeRaw, summarise, type Raw } from './lib/stats.js';

// ---------------------------------------------------------------------------------------------------------
// Settings

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`bench: ${name}="${raw}" is not a number ≥ 0; using ${fallback}\n`);
    return fallback;
  }
  return value;
}

const QUICK = /^(1|true|yes)$/i.test(process.env['BENCH_QUICK'] ?? '');
const SETTINGS = {
  durationSeconds: Math.max(0.1, numberEnv('BENCH_DURATION', QUICK ? 1 : 5)),
  warmupSeconds: numberEnv('BENCH_WARMUP', QUICK ? 0.5 : 2),
  rounds: Math.max(1, Math.round(numberEnv('BENCH_ROUNDS', QUICK ? 1 : 3))),
  connections: Math.max(1, Math.round(numberEnv('BENCH_CONNECTIONS', 16))),
  loginWorkers: Math.max(1, Math.round(numberEnv('BENCH_LOGIN_WORKERS', 8))),
  coldStarts: Math.max(1, Math.round(numberEnv('BENCH_COLD_STARTS', QUICK ? 1 : 3))),
  logLevel: process.env['BENCH_LOG_LEVEL'] ?? 'info',
};
/** `--compare`: print each ratio against the previous run's, and the goals of issue #14 met or missed. */
const COMPARE = process.argv.slice(2).includes('--compare');
const OUT = resolve(
  REPO_ROOT,
  process.env['BENCH_OUT'] ?? join('bench', 'results', QUICK ? 'quick.json' : 'latest.json'),
);

const ADMIN_KEY = 'bench-bootstrap-key-0123456789abcdef';
const CLIENT_ID = 'jellyfin';
const CLIENT_SECRET = 'bench-client-secret';
const PROVIDER = 'bench'; // disablePushedAuthorization: true — start = flow write + redirect
const PROVIDER_PAR = 'bench-par'; // PAR on — start adds a back-channel PAR request (detail row only)
const PROVIDER_SAML = 'bench-saml'; // the test suite's SAML IdP, in this process
const SCOPE = 'openid profile groups email'; // what the service asks for with oidScopes [groups, email]
const ADMIN_HEADERS = { authorization: `MediaBrowser Token="${ADMIN_KEY}"` };

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function message(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 300) : String(error);
}

// ---------------------------------------------------------------------------------------------------------
// Clean-up: children, PostgreSQL, temp folder — on success, error, SIGINT and SIGTERM

const tempRoot = mkdtempSync(join(tmpdir(), 'sso-bench-'));
let postgres: Postgres | null = null;
let cleaned: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    await stopAll();
    if (postgres?.ok === true) await postgres.stop();
    rmSync(tempRoot, { recursive: true, force: true });
  })();
  return cleaned;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    say(`\nbench: ${signal}, cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  killAllNow();
  rmSync(tempRoot, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// The service child

interface Service {
  child: Child;
  baseUrl: string;
}

/** A helper child (bare servers, openid-client RP). */
interface Helper {
  url: string;
  pid: number;
}

function serviceEnv(port: number, databaseUrl: string, dataDir: string): Record<string, string> {
  return {
    SSO_DATABASE_URL: databaseUrl,
    SSO_DATA_DIR: dataDir,
    SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    SSO_BOOTSTRAP_API_KEY: ADMIN_KEY,
    SSO_RATE_LIMIT: '0', // the per-address limit (300/min) would answer 429 to a load generator
    // The open sign-ins limit stays on (its COUNT is part of what start costs) but high enough never to refuse.
    SSO_MAX_OPEN_FLOWS: '1000000',
    SSO_MEDIA_SERVER: 'embedded',
    LOG_LEVEL: SETTINGS.logLevel,
  };
}

function serviceArgs(port: number, dataDir: string): string[] {
  return ['--port', String(port), '--log', join(dataDir, 'service.log')];
}

function providerBody(issuer: string, disablePar: boolean): Record<string, unknown> {
  return {
    oidEndpoint: issuer,
    oidClientId: CLIENT_ID,
    oidSecret: CLIENT_SECRET,
    enabled: true,
    enableAuthorization: true,
    enableAllFolders: true,
    roles: ['jellyfin-users'],
    adminRoles: ['jellyfin-admins'],
    roleClaim: 'groups',
    oidScopes: ['groups', 'email'],
    disablePushedAuthorization: disablePar,
  };
}

/** The SAML IdP of the SAML login case: in this process, which signs every response before its slice. */
const samlIdp = benchSamlIdp();

async function addProvider(baseUrl: string, path: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200)
    throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
}

/** The bench's providers: OIDC with PAR off and on (on the IdP child at `issuer`), and SAML. */
async function addProviders(baseUrl: string, issuer: string | null): Promise<void> {
  if (issuer === null) throw new Error('the IdP did not start');
  await addProvider(baseUrl, `/sso/OID/Add/${PROVIDER}`, providerBody(issuer, true));
  await addProvider(baseUrl, `/sso/OID/Add/${PROVIDER_PAR}`, providerBody(issuer, false));
  await addProvider(baseUrl, `/sso/SAML/Add/${PROVIDER_SAML}`, samlProviderBody(samlIdp));
}

/** Starts the service on `databaseUrl` and adds the bench providers; stops it again on failure. */
async function startService(
  name: string,
  port: number,
  databaseUrl: string,
  issuer: string | null,
  moreEnv: Record<string, string> = {},
): Promise<Service> {
  const dataDir = mkdtempSync(join(tempRoot, `${name}-`));
  const { child } = await startChild(name, 'bench/servers/sso.ts', {
    args: serviceArgs(port, dataDir),
    env: { ...serviceEnv(port, databaseUrl, dataDir), ...moreEnv },
    logFile: join(tempRoot, `${name}.stderr.log`),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await addProviders(baseUrl, issuer);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { child, baseUrl };
}

// ---------------------------------------------------------------------------------------------------------
// The production start (compiled when the project builds it): cold start and footprint

/** The production start reads its port and address from the environment, and logs to stdout (a file here). */
function spawnProduction(name: string, start: ProductionStart, port: number, dataDir: string): Child {
  return spawnNode(name, start.nodeArgs, {
    env: {
      ...serviceEnv(port, `sqlite:${join(dataDir, 'sso.sqlite')}`, dataDir),
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdoutFile: join(dataDir, 'service.log'),
    logFile: join(tempRoot, `${name}.stderr.log`),
  });
}

/** Polls GetNames every 5 ms until the first 200; resolves with the ms since `began`. */
async function firstAnswer(child: Child, port: number, began: number): Promise<number> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`the service exited before answering: ${child.stderrTail().slice(-500)}`);
    if (performance.now() - began > 120_000) throw new Error('no 200 within 120 s');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/sso/OID/GetNames`, {
        signal: AbortSignal.timeout(2_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - began;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Spawn → first 200 on GetNames. */
async function coldStart(name: string, dataDir: string, start: ProductionStart): Promise<number> {
  const port = await freePort();
  const began = performance.now();
  const child = spawnProduction(name, start, port, dataDir);
  try {
    return await firstAnswer(child, port, began);
  } finally {
    await child.stop();
  }
}

async function coldStarts(report: Report, start: ProductionStart): Promise<void> {
  say(`· cold start: spawn → first 200 on GetNames (${start.compiled ? 'compiled' : 'tsx'}) …`);
  try {
    const dir = mkdtempSync(join(tempRoot, 'cold-'));
    const fresh: number[] = [];
    const existing: number[] = [];
    for (let i = 0; i < SETTINGS.coldStarts; i++) {
      const freshDir = mkdtempSync(join(tempRoot, 'cold-fresh-'));
      fresh.push(await coldStart('cold-fresh', freshDir, start));
      rmSync(freshDir, { recursive: true, force: true });
    }
    await coldStart('cold-prepare', dir, start); // creates the database the "existing" starts open
    for (let i = 0; i < SETTINGS.coldStarts; i++) existing.push(await coldStart('cold-existing', dir, start));
    report.coldStart = {
      status: 'ok',
      compiled: start.compiled,
      freshDatabaseMs: fresh.map(Math.round),
      freshMedianMs: Math.round(median(fresh)),
      existingDatabaseMs: existing.map(Math.round),
      existingMedianMs: Math.round(median(existing)),
      note: `spawn of ${start.note} (SQLite) until the first 200 on GetNames; fresh = empty data folder (key file, migrations), existing = an existing database`,
    };
  } catch (error) {
    failures++;
    report.coldStart = { status: 'failed', reason: message(error) };
    say(`  cold start failed: ${message(error)}`);
  }
}

/**
 * Peak RSS of the production start after the whole bench: a fresh service on SQLite takes each case's load
 * once, for the length of a case (GetNames, start, OIDC logins, SAML logins, admin), then its VmHWM is read.
 * The CPU it used per successful operation of each case is kept too, so that a runtime setting measured
 * with BENCH_START_FLAGS shows what it costs beside what it saves.
 */
async function footprint(report: Report, start: ProductionStart, port: number, issuer: string | null) {
  say(`· footprint: the ${start.compiled ? 'compiled' : 'tsx'} start through every case …`);
  const dataDir = mkdtempSync(join(tempRoot, 'footprint-'));
  const child = spawnProduction('footprint', start, port, dataDir);
  const baseUrl = `http://127.0.0.1:${port}`;
  const seconds = SETTINGS.durationSeconds;
  const cpuMsPerOp: Record<string, number | null> = {};
  const measured = async (name: string, slice: () => Promise<Raw>): Promise<void> => {
    const before = cpuTimeMs(child.pid);
    const raw = await slice();
    const after = cpuTimeMs(child.pid);
    const ok = raw.count - raw.errors;
    cpuMsPerOp[name] =
      before === null || after === null || ok === 0 ? null : Math.round(((after - before) / ok) * 100) / 100;
  };
  try {
    await firstAnswer(child, port, performance.now());
    await addProviders(baseUrl, issuer);
    const { connections, loginWorkers } = SETTINGS;
    await measured('GetNames', () =>
      httpSlice({ url: `${baseUrl}/sso/OID/GetNames` }, connections, seconds, false),
    );
    await measured('start', () =>
      httpSlice({ url: `${baseUrl}/sso/OID/start/${PROVIDER}`, expect: [302] }, connections, seconds, false),
    );
    await measured('OIDC login', () =>
      loginSlice({ kind: 'service', baseUrl, provider: PROVIDER }, loginWorkers, seconds, false),
    );
    const saml = new SamlLogins(samlIdp, baseUrl, PROVIDER_SAML, loginWorkers);
    await saml.prepare(seconds);
    await measured('SAML login', () => saml.slice(seconds, false));
    await measured('admin', () => httpSlice(adminLoad(baseUrl, issuer), connections, seconds, false));
    const memory = memoryOf(child.pid);
    report.footprint = {
      status: 'ok',
      peakMiB: memory === null ? null : Math.round(memory.peakKiB / 102.4) / 10,
      compiled: start.compiled,
      cpuMsPerOp,
      note: `VmHWM of ${start.note} on SQLite after ${seconds} s of each case (GetNames, start, OIDC login, SAML login, admin)`,
    };
  } catch (error) {
    failures++;
    report.footprint = { status: 'failed', reason: message(error) };
    say(`  footprint failed: ${message(error)}`);
  } finally {
    await child.stop();
  }
}

/** Each connection alternates Add (replacing provider "bench-admin") and Get. */
function adminLoad(baseUrl: string, issuer: string | null): HttpLoad {
  return {
    url: baseUrl,
    requests: [
      {
        method: 'POST',
        path: '/sso/OID/Add/bench-admin',
        headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(providerBody(issuer ?? 'http://127.0.0.1:9', true)),
      },
      { method: 'GET', path: '/sso/OID/Get', headers: ADMIN_HEADERS },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Groups: a case and its baselines, interleaved

type CaseBase = Omit<CaseResult, 'status'>;
type Slice = (seconds: number, record: boolean) => Promise<Raw>;

interface Member {
  base: CaseBase;
  /** How to run one slice, or why the member cannot run (`failed`: it should have). */
  run: Slice | { reason: string; failed: boolean };
  /** Processes whose CPU time is charged to this member's operations (name → pid); the first is the server. */
  processes?: Record<string, number>;
  /** Work before each slice of `seconds` that is neither timed nor charged (e.g. signing SAML responses). */
  prepare?: (seconds: number) => Promise<void>;
}

const cases: CaseResult[] = [];
let failures = 0;

function unavailable(base: CaseBase, reason: string, failed: boolean): Member {
  return { base, run: { reason, failed } };
}

function http(load: HttpLoad): Slice {
  return (seconds, record) => httpSlice(load, SETTINGS.connections, seconds, record);
}

function logins(target: LoginTarget): Slice {
  return (seconds, record) => loginSlice(target, SETTINGS.loginWorkers, seconds, record);
}

function fail(result: CaseResult, reason: string): void {
  result.status = 'failed';
  result.reason = reason;
  failures++;
  say(`  ${result.label}: failed: ${reason}`);
}

const LOAD_GENERATOR = 'load generator (this process)';

/** CPU time (user + system, all threads) of each process, plus this process's own, in ms. */
function cpuSnapshot(processes: Record<string, number>): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) {
    const ms = cpuTimeMs(pid);
    if (ms !== null) snapshot[name] = ms;
  }
  const own = process.cpuUsage();
  snapshot[LOAD_GENERATOR] = (own.user + own.system) / 1000;
  return snapshot;
}

async function runGroup(title: string, members: Member[]): Promise<CaseResult[]> {
  say(`· ${title} (${members.map((m) => m.base.id).join(', ')}) …`);
  const results = members.map((m): CaseResult => ({ ...m.base, status: 'ok', load1: load1() }));
  const pressure = cpuPressure();
  const active: {
    index: number;
    run: Slice;
    prepare: (seconds: number) => Promise<void>;
    raw: Raw;
    processes: Record<string, number>;
    cpuMs: Record<string, number>;
  }[] = [];
  members.forEach((member, index) => {
    const result = results[index] as CaseResult;
    if (typeof member.run !== 'function') {
      if (member.run.failed) fail(result, member.run.reason);
      else {
        result.status = 'skipped';
        result.reason = member.run.reason;
      }
      return;
    }
    const processes = member.processes ?? {};
    const cpuMs = Object.fromEntries(Object.keys(processes).map((name) => [name, 0]));
    active.push({
      index,
      run: member.run,
      prepare: member.prepare ?? (async () => undefined),
      raw: emptyRaw(),
      processes,
      cpuMs: { ...cpuMs, [LOAD_GENERATOR]: 0 },
    });
  });
  for (const entry of [...active]) {
    if (SETTINGS.warmupSeconds === 0) break;
    try {
      await entry.prepare(SETTINGS.warmupSeconds);
      await entry.run(SETTINGS.warmupSeconds, false);
    } catch (error) {
      fail(results[entry.index] as CaseResult, `warm-up: ${message(error)}`);
      active.splice(active.indexOf(entry), 1);
    }
  }
  const sliceSeconds = SETTINGS.durationSeconds / SETTINGS.rounds;
  for (let round = 0; round < SETTINGS.rounds; round++) {
    const order = active.map((_, i) => active[(i + round) % active.length]);
    for (const entry of order) {
      if (entry === undefined || !active.includes(entry)) continue;
      try {
        await entry.prepare(sliceSeconds);
        const before = cpuSnapshot(entry.processes);
        mergeRaw(entry.raw, await entry.run(sliceSeconds, true));
        const after = cpuSnapshot(entry.processes);
        for (const [name, ms] of Object.entries(after)) {
          entry.cpuMs[name] = (entry.cpuMs[name] ?? 0) + ms - (before[name] ?? ms);
        }
      } catch (error) {
        fail(results[entry.index] as CaseResult, message(error));
        active.splice(active.indexOf(entry), 1);
      }
    }
  }
  for (const entry of active) {
    const result = results[entry.index] as CaseResult;
    const measured = summarise(entry.raw);
    const ok = measured.count - measured.errors;
    const cpuMsPerOp = Object.fromEntries(
      Object.entries(entry.cpuMs).map(([name, ms]) => [
        name,
        ok > 0 ? Math.round((100 * ms) / ok) / 100 : null,
      ]),
    );
    const server = Object.keys(entry.processes)[0];
    Object.assign(result, {
      rate: measured.rate,
      p50Ms: measured.p50Ms,
      p99Ms: measured.p99Ms,
      count: measured.count,
      seconds: measured.seconds,
      errors: measured.errors,
      rounds: SETTINGS.rounds,
      ...(Object.keys(measured.statuses).length > 0 ? { statuses: measured.statuses } : {}),
      ...(measured.firstError === undefined ? {} : { firstError: measured.firstError }),
      ...(server === undefined ? {} : { serverCpuMsPerOp: cpuMsPerOp[server] ?? null }),
      cpuMsPerOp,
      ...(measured.steps === undefined ? {} : { extra: { steps: measured.steps } }),
      ...(pressure === null ? {} : { cpuPressureSome10s: pressure }),
    });
    if (measured.count === 0) {
      say(
        `  ${result.label}: no operation completed within the measured time (the machine is too busy for slices this short)`,
      );
    } else if (measured.errors === measured.count) {
      fail(result, `every operation failed: ${measured.firstError ?? '?'}`);
    } else if (measured.errors > 0) {
      say(
        `  ${result.label}: ${measured.errors} of ${measured.count} failed (first: ${measured.firstError ?? '?'})`,
      );
    }
  }
  cases.push(...results);
  return results;
}

/**
 * One more response of the SAML login case, never posted, for the verification loops: both loops and the
 * login case then check the same kind of bytes (same IdP, key, user shape, audience, ACS URL).
 */
async function spareSamlResponse(report: Report, svc: Service | null): Promise<string | null> {
  if (svc === null) return null;
  try {
    const spare = await new SamlLogins(samlIdp, svc.baseUrl, PROVIDER_SAML, 1).spare();
    const file = join(tempRoot, 'saml-response.json');
    writeFileSync(file, JSON.stringify(spare));
    return file;
  } catch (error) {
    report.notes.push(`the SAML loops verify a response of their own: ${message(error)}`);
    return null;
  }
}

/** The SAML loops run in one child that alternates the two modes itself (same process, same conditions). */
async function samlGroup(verify: CaseBase, xmlCrypto: CaseBase, responseFile: string | null): Promise<void> {
  say(`· SAML verification loops (${verify.id}, ${xmlCrypto.id}) …`);
  const results: CaseResult[] = [
    { ...verify, status: 'ok', load1: load1() },
    { ...xmlCrypto, status: 'ok', load1: load1() },
  ];
  cases.push(...results);
  const [service, baseline] = results as [CaseResult, CaseResult];
  const child = spawnChild('saml-loops', 'bench/loops/saml.ts', {
    args: [
      '--duration',
      String(SETTINGS.durationSeconds),
      '--warmup',
      String(SETTINGS.warmupSeconds),
      '--rounds',
      String(SETTINGS.rounds),
      ...(responseFile === null ? [] : ['--response', responseFile]),
    ],
    logFile: join(tempRoot, 'saml-loops.stderr.log'),
  });
  await child.exited;
  const line = child.lines.find((l) => l.startsWith('RESULT '));
  if (line === undefined) {
    const reason = `no result from bench/loops/saml.ts: ${child.stderrTail().trim().slice(-300)}`;
    fail(service, reason);
    fail(baseline, reason);
    return;
  }
  type Mode = {
    cpuMsPerOp?: number;
    error?: string;
    opsPerSec?: number;
    p50Ms?: number;
    p99Ms?: number;
    ops?: number;
    seconds?: number;
  };
  const parsed = JSON.parse(line.slice(7)) as {
    error?: string;
    service?: Mode;
    xmlcrypto?: Mode;
    responseBytes?: number;
  };
  for (const [result, mode] of [
    [service, parsed.service],
    [baseline, parsed.xmlcrypto],
  ] as const) {
    const error = parsed.error ?? mode?.error;
    if (error !== undefined || mode === undefined) {
      fail(result, `verification not usable: ${error ?? 'no figures'}`);
      continue;
    }
    Object.assign(result, {
      rate: mode.opsPerSec,
      p50Ms: mode.p50Ms,
      p99Ms: mode.p99Ms,
      count: mode.ops,
      seconds: mode.seconds,
      errors: 0,
      rounds: SETTINGS.rounds,
      serverCpuMsPerOp: mode.cpuMsPerOp === undefined ? null : Math.round(mode.cpuMsPerOp * 1000) / 1000,
      extra: { responseBytes: parsed.responseBytes, concurrency: 1, process: 'the loop child itself' },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// SQL statements per login step, one login at a time, on each database (after the load: caches are warm)

const STATEMENT_RUNS = QUICK ? 3 : 10;

async function countStatements(report: Report, services: [string, Service | null][]): Promise<void> {
  say('· SQL statements per login step (OIDC and SAML) …');
  const counted = (report.statements ??= {});
  for (const [database, svc] of services) {
    if (svc === null) continue;
    try {
      const rows = await loginStatements(
        svc.child,
        { kind: 'service', baseUrl: svc.baseUrl, provider: PROVIDER },
        {
          returningSub: 'bench-0',
          runs: STATEMENT_RUNS,
          newSubs: Array.from({ length: STATEMENT_RUNS }, (_, i) => `bench-${SETTINGS.loginWorkers + i}`),
        },
      );
      const saml = new SamlLogins(samlIdp, svc.baseUrl, PROVIDER_SAML, 1);
      rows.push(...(await samlStatements(svc.child, saml, STATEMENT_RUNS)));
      counted[database] = { status: 'ok', rows };
    } catch (error) {
      failures++;
      counted[database] = { status: 'failed', reason: message(error) };
      say(`  statement counts [${database}] failed: ${message(error)}`);
    }
  }
}

/** An earlier run's JSON, or null when there is none (or it cannot be read). */
function readReport(path: string): Report | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Report;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  const began = performance.now();
  const info = machine();
  const report: Report = {
    schema: 1,
    date: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    machine: info,
    settings: { ...SETTINGS },
    cases,
    peakRss: {},
    coldStart: {},
    loginSteps: {},
    statements: {},
    notes: [],
  };
  say(
    `jellyfin-sso bench (${report.mode}): ${info.cores} cores, ${info.cpuModel}, Node ${info.node}, load ${info.loadAverageAtStart}`,
  );
  say(
    `  ${SETTINGS.durationSeconds} s per case in ${SETTINGS.rounds} slice(s) after ${SETTINGS.warmupSeconds} s warm-up; ${SETTINGS.connections} connections; ${SETTINGS.loginWorkers} login workers`,
  );

  // --- Cold start, before anything else runs: spawn → first 200 on GetNames ---
  const production = await productionStart(say);
  report.notes.push(`production start (cold start, footprint): ${production.note}`);
  await coldStarts(report, production);

  // --- Children: IdP, both services, the bare servers, the openid-client RP ---
  const sqlitePort = await freePort();
  const sqliteNormalPort = await freePort();
  const pgPort = await freePort();
  const rpPort = await freePort();
  const footprintPort = await freePort();
  const redirectUris = [sqlitePort, sqliteNormalPort, pgPort, footprintPort].flatMap((port) =>
    [PROVIDER, PROVIDER_PAR].map((name) => `http://127.0.0.1:${port}/sso/OID/redirect/${name}`),
  );
  redirectUris.push(`http://127.0.0.1:${rpPort}/cb`);
  let issuer: string | null = null;
  let idpPid: number | null = null;
  let idpError = '';
  try {
    const idp = await startChild('idp', 'bench/servers/idp.ts', {
      env: {
        BENCH_IDP: JSON.stringify({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUris,
          // One per login worker, then the never-seen accounts of the statement counts' new-user logins.
          accounts: SETTINGS.loginWorkers + 64,
        }),
      },
      logFile: join(tempRoot, 'idp.stderr.log'),
    });
    issuer = String(idp.info['issuer']);
    idpPid = idp.child.pid;
  } catch (error) {
    idpError = `the IdP could not start: ${message(error)}`;
    say(`  ${idpError}`);
  }

  let sqlite: Service | null = null;
  let sqliteError = '';
  try {
    sqlite = await startService('sso-sqlite', sqlitePort, `sqlite:${join(tempRoot, 'sqlite.db')}`, issuer);
  } catch (error) {
    sqliteError = `the SQLite service could not start: ${message(error)}`;
    say(`  ${sqliteError}`);
  }
  // The same service with SSO_SQLITE_SYNCHRONOUS=normal: detail rows beside start and the logins, to show
  // what FULL's commit costs (README "Configuration" says what NORMAL risks).
  let sqliteNormal: Service | null = null;
  let sqliteNormalError = '';
  try {
    sqliteNormal = await startService(
      'sso-sqlite-normal',
      sqliteNormalPort,
      `sqlite:${join(tempRoot, 'sqlite-normal.db')}`,
      issuer,
      { SSO_SQLITE_SYNCHRONOUS: 'normal' },
    );
  } catch (error) {
    sqliteNormalError = `the SQLite (synchronous=NORMAL) service could not start: ${message(error)}`;
    say(`  ${sqliteNormalError}`);
  }

  say('· PostgreSQL …');
  postgres = await startPostgres(say);
  let pg: Service | null = null;
  let pgReason = '';
  let pgFailed = false;
  if (!postgres.ok) {
    pgReason = postgres.reason;
    pgFailed = postgres.failed;
    say(`  PostgreSQL cases ${pgFailed ? 'could not run' : 'skipped'}: ${pgReason}`);
  } else {
    report.notes.push(`PostgreSQL from ${postgres.source}, scratch database ${redact(postgres.url)}`);
    report.postgres = { durability: postgres.durability, durable: durable(postgres.durability) };
    const settings = Object.entries(postgres.durability).map(([name, value]) => `${name}=${value}`);
    report.notes.push(
      durable(postgres.durability)
        ? `PostgreSQL runs with production durability (${settings.join(', ')})`
        : `PostgreSQL runs WITHOUT production durability (${settings.join(', ')}): its writes are cheaper than in production`,
    );
    try {
      pg = await startService('sso-pg', pgPort, postgres.url, issuer);
    } catch (error) {
      pgReason = `the PostgreSQL service could not start: ${message(error)}`;
      pgFailed = true;
      say(`  ${pgReason}`);
    }
  }

  // The bare servers answer the same bytes as the service: GetNames' body and type, start's Location and cookie.
  let bare: Helper | null = null;
  let express: Helper | null = null;
  let bareError = 'no service to copy the replies from';
  const source = sqlite ?? pg;
  if (source !== null) {
    try {
      const names = await fetch(`${source.baseUrl}/sso/OID/GetNames`);
      const start = await fetch(`${source.baseUrl}/sso/OID/start/${PROVIDER}`, { redirect: 'manual' });
      await start.arrayBuffer();
      const replies = {
        names: {
          contentType: names.headers.get('content-type') ?? 'application/json',
          body: await names.text(),
        },
        redirect: {
          location: start.headers.get('location') ?? '',
          setCookie: start.headers.getSetCookie()[0] ?? '',
        },
      };
      const env = { BENCH_BARE: JSON.stringify(replies) };
      const bareChild = await startChild('bare-http', 'bench/servers/bare-http.ts', {
        args: ['--port', '0'],
        env,
      });
      bare = { url: `http://127.0.0.1:${String(bareChild.info['port'])}`, pid: bareChild.child.pid };
      const expressChild = await startChild('bare-express', 'bench/servers/bare-express.ts', {
        args: ['--port', '0'],
        env,
      });
      express = { url: `http://127.0.0.1:${String(expressChild.info['port'])}`, pid: expressChild.child.pid };
      report.notes.push(
        `the bare servers answer the service's own GetNames body (${Buffer.byteLength(replies.names.body)} bytes, ${replies.names.contentType}) and its start 302 (Location of ${replies.redirect.location.length} chars + the flow Set-Cookie)`,
      );
    } catch (error) {
      bareError = `the bare servers could not start: ${message(error)}`;
    }
  }
  let rp: Helper | null = null;
  let rpError = idpError;
  if (issuer !== null) {
    try {
      const rpChild = await startChild('rp-openid-client', 'bench/servers/rp.ts', {
        args: ['--port', String(rpPort)],
        env: {
          BENCH_RP: JSON.stringify({
            issuer,
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            scope: SCOPE,
          }),
        },
        logFile: join(tempRoot, 'rp.stderr.log'),
      });
      rp = { url: `http://127.0.0.1:${rpPort}`, pid: rpChild.child.pid };
    } catch (error) {
      rpError = `the openid-client RP could not start: ${message(error)}`;
    }
  }

  // --- The cases ---
  const withIdp: Record<string, number> = idpPid === null ? {} : { IdP: idpPid };
  const onSqlite = (
    base: CaseBase,
    slice: (svc: Service) => Slice,
    more: Record<string, number> = {},
  ): Member =>
    sqlite === null
      ? unavailable(base, sqliteError, true)
      : { base, run: slice(sqlite), processes: { service: sqlite.child.pid, ...more } };
  const onPg = (base: CaseBase, slice: (svc: Service) => Slice, more: Record<string, number> = {}): Member =>
    pg === null
      ? unavailable(base, pgReason, pgFailed)
      : { base, run: slice(pg), processes: { service: pg.child.pid, ...more } };
  const onSqliteNormal = (
    base: CaseBase,
    slice: (svc: Service) => Slice,
    more: Record<string, number> = {},
  ): Member =>
    sqliteNormal === null
      ? unavailable(base, sqliteNormalError, true)
      : { base, run: slice(sqliteNormal), processes: { service: sqliteNormal.child.pid, ...more } };
  const normalNote =
    'not in the issue table: the SQLite case with SSO_SQLITE_SYNCHRONOUS=normal (WAL synced at checkpoints only), measured in the same slices as the FULL row (the default)';
  const names = (svc: Service): Slice => http({ url: `${svc.baseUrl}/sso/OID/GetNames` });
  const start =
    (provider: string) =>
    (svc: Service): Slice =>
      http({ url: `${svc.baseUrl}/sso/OID/start/${provider}`, expect: [302] });
  const login = (svc: Service): Slice =>
    logins({ kind: 'service', baseUrl: svc.baseUrl, provider: PROVIDER });

  /** A member served by one of the helper children, or unavailable when that child did not start. */
  const onChild = (
    base: CaseBase,
    target: Helper | null,
    error: string,
    slice: (url: string) => Slice,
    more: Record<string, number> = {},
  ): Member =>
    target === null
      ? unavailable(base, error, true)
      : { base, run: slice(target.url), processes: { server: target.pid, ...more } };
  const namesNode: CaseBase = {
    id: 'getnames-node-http',
    label: 'bare node:http, same bytes',
    short: 'node:http',
    unit: 'req/s',
    role: 'baseline',
  };
  const namesExpress: CaseBase = {
    id: 'getnames-express',
    label: 'bare express 5 route, same bytes',
    short: 'express 5',
    unit: 'req/s',
    role: 'baseline',
  };
  const namesCase = (id: string, database: string): CaseBase => ({
    id,
    label: `GET /sso/OID/GetNames [${database}]`,
    unit: 'req/s',
    role: 'case',
    baselines: [namesNode.id, namesExpress.id],
  });
  await runGroup('GetNames', [
    onSqlite(namesCase('getnames-sqlite', 'SQLite'), names),
    onPg(namesCase('getnames-pg', 'PostgreSQL'), names),
    onChild(namesNode, bare, bareError, (url) => http({ url: `${url}/sso/OID/GetNames` })),
    onChild(namesExpress, express, bareError, (url) => http({ url: `${url}/sso/OID/GetNames` })),
  ]);

  const startNote =
    'provider with disablePushedAuthorization: true, so start = flow write + 302, no back-channel request; discovery cached after the first call';
  const startBare: CaseBase = {
    id: 'start-node-http',
    label: 'bare node:http 302',
    short: 'node:http 302',
    unit: 'req/s',
    role: 'baseline',
  };
  const startExpress: CaseBase = {
    id: 'start-express',
    label: 'bare express 5 route, same 302',
    short: 'express 5 302',
    unit: 'req/s',
    role: 'baseline',
  };
  await runGroup('start', [
    onSqlite(
      {
        id: 'start-sqlite',
        label: 'GET /sso/OID/start/{provider} [SQLite, PAR off]',
        short: 'SQLite FULL, PAR off',
        unit: 'req/s',
        role: 'case',
        baselines: [startBare.id, startExpress.id],
        note: startNote,
      },
      start(PROVIDER),
    ),
    onPg(
      {
        id: 'start-pg',
        label: 'GET /sso/OID/start/{provider} [PostgreSQL, PAR off]',
        unit: 'req/s',
        role: 'case',
        baselines: [startBare.id, startExpress.id],
        note: startNote,
      },
      start(PROVIDER),
    ),
    onChild(startBare, bare, bareError, (url) => http({ url: `${url}/start`, expect: [302] })),
    onChild(startExpress, express, bareError, (url) => http({ url: `${url}/start`, expect: [302] })),
    onSqlite(
      {
        id: 'start-par-sqlite',
        label: 'GET /sso/OID/start/{provider} [SQLite, PAR on]',
        unit: 'req/s',
        role: 'detail',
        baselines: ['start-sqlite'],
        note: 'not in the issue table: the same start with PAR, i.e. plus one back-channel PAR request to the IdP per start',
      },
      start(PROVIDER_PAR),
    ),
    onSqliteNormal(
      {
        id: 'start-sqlite-normal',
        label: 'GET /sso/OID/start/{provider} [SQLite NORMAL, PAR off]',
        unit: 'req/s',
        role: 'detail',
        baselines: [startExpress.id, 'start-sqlite'],
        note: `${normalNote}; ${startNote}`,
      },
      start(PROVIDER),
    ),
  ]);

  const loginNote = `${SETTINGS.loginWorkers} workers, one login after another each: start → oidc-provider (authorize, interaction page, login, code) → redirect (code grant, userinfo, page) → Auth`;
  const loginBase: CaseBase = {
    id: 'login-openid-client',
    label: 'same sequence, openid-client alone',
    short: 'openid-client',
    unit: 'logins/s',
    role: 'baseline',
    note: 'bench/servers/rp.ts: start → the same IdP hops → code grant + userinfo (client_secret_basic, ID token signature checked, as the service does); no database, no page, no Auth step',
  };
  const loginResults = await runGroup('full OIDC login', [
    onSqlite(
      {
        id: 'login-sqlite',
        label: 'full OIDC login [SQLite]',
        short: 'SQLite FULL',
        unit: 'logins/s',
        role: 'case',
        baselines: [loginBase.id],
        note: loginNote,
      },
      login,
      withIdp,
    ),
    onPg(
      {
        id: 'login-pg',
        label: 'full OIDC login [PostgreSQL]',
        unit: 'logins/s',
        role: 'case',
        baselines: [loginBase.id],
        note: loginNote,
      },
      login,
      withIdp,
    ),
    onChild(loginBase, rp, rpError, (url) => logins({ kind: 'openid-client', baseUrl: url }), withIdp),
    onSqliteNormal(
      {
        id: 'login-sqlite-normal',
        label: 'full OIDC login [SQLite NORMAL]',
        unit: 'logins/s',
        role: 'detail',
        baselines: [loginBase.id, 'login-sqlite'],
        note: `${normalNote}; ${loginNote}`,
      },
      login,
      withIdp,
    ),
  ]);
  const samlMember = (base: CaseBase, svc: Service | null, reason: string, failed: boolean): Member => {
    if (svc === null) return unavailable(base, reason, failed);
    const saml = new SamlLogins(samlIdp, svc.baseUrl, PROVIDER_SAML, SETTINGS.loginWorkers);
    return {
      base,
      run: (seconds, record) => saml.slice(seconds, record),
      prepare: (seconds) => saml.prepare(seconds),
      processes: { service: svc.child.pid },
    };
  };
  const samlCase = (id: string, database: string): CaseBase => ({
    id,
    label: `full SAML login through HTTP [${database}]`,
    ...(id === 'saml-login-sqlite' ? { short: 'SQLite FULL' } : {}),
    unit: 'logins/s',
    role: 'case',
    baselines: ['saml-xml-crypto'],
    note: `${SETTINGS.loginWorkers} workers: POST of a fresh signed response to the ACS (signature, conditions, replay cache, flow lookup, page) → POST /sso/SAML/Auth; each login's start and the IdP's signature are made before the slice, outside its time and CPU`,
  });
  const samlResults = await runGroup('full SAML login', [
    samlMember(samlCase('saml-login-sqlite', 'SQLite'), sqlite, sqliteError, true),
    samlMember(samlCase('saml-login-pg', 'PostgreSQL'), pg, pgReason, pgFailed),
    samlMember(
      {
        ...samlCase('saml-login-sqlite-normal', 'SQLite NORMAL'),
        role: 'detail',
        baselines: ['saml-xml-crypto', 'saml-login-sqlite'],
        note: normalNote,
      },
      sqliteNormal,
      sqliteNormalError,
      true,
    ),
  ]);
  for (const result of [...loginResults, ...samlResults]) {
    if (result.extra?.['steps'] !== undefined) report.loginSteps[result.id] = result.extra['steps'];
  }

  await runGroup('admin', [
    onSqlite(
      {
        id: 'admin-add-get-sqlite',
        label: 'POST /sso/OID/Add then GET /sso/OID/Get [SQLite]',
        unit: 'req/s',
        role: 'case',
        note: 'each connection alternates Add (replacing provider "bench-admin") and Get; the rate counts both (pairs/s = half); absolute, for trend',
      },
      (svc) => http(adminLoad(svc.baseUrl, issuer)),
    ),
  ]);

  await countStatements(report, [
    ['sqlite', sqlite],
    ['postgresql', pg],
  ]);

  // --- Peak RSS of each service child: VmHWM, its lifetime peak, which covers every case above ---
  for (const [name, svc, reason] of [
    ['sqlite', sqlite, sqliteError],
    ['postgresql', pg, pgReason],
  ] as const) {
    if (svc === null) {
      report.peakRss[name] = { status: name === 'postgresql' && !pgFailed ? 'skipped' : 'failed', reason };
      continue;
    }
    const memory = memoryOf(svc.child.pid);
    report.peakRss[name] = {
      peakMiB: memory === null ? null : Math.round(memory.peakKiB / 102.4) / 10,
      note: `VmHWM of the ${name} service child after all its cases (GetNames, start, login${name === 'sqlite' ? ', admin' : ''})`,
    };
  }
  await footprint(report, production, footprintPort, issuer);
  const samlResponseFile = await spareSamlResponse(report, sqlite ?? pg);
  await stopAll(); // nothing but the SAML loop child from here on

  // --- SAML: in-process loops, alone on the machine (apart from this idle parent) ---
  await samlGroup(
    {
      id: 'saml-verify',
      label: 'SAML verify() of one signed response, in-process',
      unit: 'verifications/s',
      role: 'case',
      baselines: ['saml-xml-crypto'],
      note: 'SamlProtocol.verify() called directly on the same response, one at a time — not through the ACS, so the replay check and flow lookup are not in the loop',
    },
    {
      id: 'saml-xml-crypto',
      label: 'xml-crypto alone, same signature',
      short: 'xml-crypto',
      unit: 'verifications/s',
      role: 'baseline',
      note: 'base64 decode + xmldom parse + SignedXml.loadSignature/checkSignature, same bytes and certificate',
    },
    samlResponseFile,
  );

  computeRatios(cases);
  computePostgresVsSqlite(cases);
  report.machine.loadAverageAtEnd = load1();
  report.machine.cpuPressureAtEnd = cpuPressure();
  report.durationSeconds = Math.round((performance.now() - began) / 100) / 10;
  report.notes.push(
    'rate counts successful operations only; ratio = rate of the case ÷ rate of its baseline, both measured in this run (1.00× = as fast as the baseline)',
    'load comes from the parent process; on 2 cores the load generator and the server share the CPUs, so the bare baselines are partly bounded by autocannon itself',
  );

  // --- Output ---
  report.goals = evaluateGoals(report);
  const out = summaryLines(report);
  mkdirSync(dirname(OUT), { recursive: true });
  const previousPath = join(dirname(OUT), 'previous.json');
  if (!QUICK && existsSync(OUT) && process.env['BENCH_OUT'] === undefined) renameSync(OUT, previousPath);
  if (COMPARE) {
    // A full run compares with the run it just moved to previous.json; a quick one with the last full run.
    const earlier = QUICK ? join(dirname(OUT), 'latest.json') : previousPath;
    out.push('', ...comparisonLines(report, readReport(earlier), earlier), '', ...goalLines(report.goals));
  }
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
  out.push(`written: ${OUT}${failures > 0 ? ` — ${failures} case(s) could not run` : ''}`, '');
  process.stdout.write(out.join('\n'));
}

if (asksForHelp(process.argv.slice(2))) {
  process.stdout.write(BENCH_USAGE);
  process.exit(0);
}

main()
  .catch((error: unknown) => {
    failures++;
    say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  })
  .finally(async () => {
    await cleanup();
    process.exit(failures > 0 ? 1 : 0);
  });
