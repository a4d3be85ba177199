// The production start: `npm start` runs the compiled server (dist/server/main.js) with plain node, and a
// SIGTERM or SIGINT to npm stops it cleanly: the port closes, no node process is left serving, and the last
// log line says the service stopped. A second signal during the shutdown stops it at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, SERVER_DIR, SERVER_ENTRY } from '../../scripts/build-server.js';
import { loadSpec } from '../../src/http/spec-file.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
/** Every process the launches started (npm, and what npm ran), recorded once the service listened. */
const launched: number[] = [];

beforeAll(async () => {
  await buildServer(); // only when src/ is newer than dist/server/, as prestart does
});

afterAll(() => {
  // A failed case may leave a service behind, even orphaned: stop every process a launch started.
  for (const pid of launched) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  port: number;
  /** Every line written to stdout so far (npm's banner, then the service's JSON log). */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the service on a fresh data folder and a free port; resolves once it listens. */
async function launch(command: string, args: string[], { detached = false } = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'sso-prod-start-'));
  dirs.push(dir);
  const child = spawn(command, args, {
    cwd: ROOT,
    detached, // its own process group, as a terminal gives a command
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? dir,
      SSO_DATA_DIR: dir,
      SSO_DATABASE_URL: `sqlite:${join(dir, 'sso.sqlite')}`,
      HOST: '127.0.0.1',
      PORT: '0',
    },
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        lines.push(line);
        const listening = /"port":(\d+).*jellyfin-sso listening on/.exec(line);
        if (listening !== null) resolve(Number(listening[1]));
      }
    });
    void exited.then(() => reject(new Error(`exited before listening:\n${lines.join('\n')}\n${stderr}`)));
  });
  launched.push(child.pid!, ...descendants(child.pid!));
  return { child, port, lines, exited };
}

/** The processes below `pid` (children first, then theirs), from /proc. */
function descendants(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  const children = readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
}

/** Whether a process still runs (a zombie waiting to be reaped does not). */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves with the connection's error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** The message of the last JSON log line. */
function lastMessage(lines: string[]): string {
  const last = lines.filter((line) => line.startsWith('{')).at(-1) ?? '{}';
  return String((JSON.parse(last) as { msg?: unknown }).msg);
}

/** The node process `npm start` runs: npm's own child (the start script execs it). */
function serviceUnderNpm(npm: Running): number {
  const [child, ...below] = descendants(npm.child.pid!);
  expect(child, 'npm has a child').toBeDefined();
  expect(commandLine(child!)).toBe(`node ${join('dist', 'server', 'main.js')}`);
  expect(below, 'the service runs no further process').toEqual([]);
  return child!;
}

describe('the compiled server', () => {
  it('when built, then the contract beside it (what it reads instead of YAML) is openapi.yaml as JSON', () => {
    expect(loadSpec(join(SERVER_DIR, 'openapi.json'))).toStrictEqual(loadSpec(join(ROOT, 'openapi.yaml')));
  });

  it('when started with plain node, then it answers GetNames, and SIGTERM stops it with status 0', async () => {
    const service = await launch(process.execPath, [SERVER_ENTRY]);
    const reply = await fetch(`http://127.0.0.1:${service.port}/sso/OID/GetNames`);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual([]);
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(lastMessage(service.lines)).toBe('jellyfin-sso stopped');
  });
});

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`when npm gets ${signal}, then the service stops cleanly: port closed, no node left, last line "stopped"`, async () => {
      const npm = await launch('npm', ['start']);
      const service = serviceUnderNpm(npm);
      expect((await fetch(`http://127.0.0.1:${npm.port}/sso/OID/GetNames`)).status).toBe(200);

      npm.child.kill(signal);
      expect(await npm.exited).toEqual({ code: 0, signal: null });
      expect(isRunning(service)).toBe(false);
      expect(await tryConnect(npm.port)).toBe('ECONNREFUSED');
      expect(lastMessage(npm.lines)).toBe('jellyfin-sso stopped');
    });
  }

  it('when Ctrl-C reaches npm and node together (and npm forwards it again), then it is one clean stop', async () => {
    const npm = await launch('npm', ['start'], { detached: true });
    const service = serviceUnderNpm(npm);
    process.kill(-npm.child.pid!, 'SIGINT'); // the whole process group, as a terminal does
    expect(await npm.exited).toEqual({ code: 0, signal: null });
    expect(isRunning(service)).toBe(false);
    expect(lastMessage(npm.lines)).toBe('jellyfin-sso stopped');
  });

  it('when a second signal comes while a request holds the shutdown, then it stops at once', async () => {
    const npm = await launch('npm', ['start']);
    const service = serviceUnderNpm(npm);
    // A request whose headers never end: closing the server waits for it (up to the headers timeout).
    const held: Socket = connect(npm.port, '127.0.0.1');
    await new Promise((resolve) => held.once('connect', resolve));
    held.write('GET /sso/OID/GetNames HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));

    npm.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(isRunning(service), 'the first signal waits for the request').toBe(true);
    npm.child.kill('SIGTERM');
    const { code } = await npm.exited;
    held.destroy();
    expect(code).not.toBe(0);
    expect(isRunning(service)).toBe(false);
    expect(lastMessage(npm.lines)).toBe('jellyfin-sso stopped at once (SIGTERM during shutdown)');
  });
});
