// Child processes of the bench: each server under test and each loop runs in its own `node --import tsx`
// process (the production start of the service runs as `npm start` does, see server-start.ts). Every child
// is registered here so that `stopAll()` (normal end, error, SIGINT/SIGTERM) ends it;
// a child also exits by itself when its stdin closes, i.e. when this process dies (bench/servers/child.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Resolves with the JSON of the child's `READY {json}` line; rejects when it exits first. */
  ready: Promise<Record<string, unknown>>;
  /** Lines the child printed on stdout other than READY (e.g. `RESULT {json}`). */
  lines: string[];
  /** Resolves with the exit code (or signal name) once the child is gone. */
  exited: Promise<number | string>;
  /** The last few KiB of stderr, for error messages. */
  stderrTail(): string;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
  /** Resolves with the next stdout line equal to `line`, or starting with it when it ends with a space. */
  waitForLine(line: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const live = new Set<Child>();

export interface SpawnOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Extra node flags placed before `--import tsx` (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Where stderr is appended (the bench's temp folder). */
  logFile?: string;
  /** Where stdout goes instead of being read (a service that logs to stdout; no READY line then). */
  stdoutFile?: string;
  readyTimeoutMs?: number;
}

/** Spawns `node --import tsx <script> …args` from the repository root. */
export function spawnChild(name: string, script: string, options: SpawnOptions = {}): Child {
  return spawnNode(name, [...(options.nodeFlags ?? []), '--import', 'tsx', script], options);
}

/** Spawns `node <nodeArgs> …args` from the repository root. */
export function spawnNode(name: string, nodeArgs: string[], options: SpawnOptions = {}): Child {
  const stdout = options.stdoutFile === undefined ? 'pipe' : openSync(options.stdoutFile, 'a');
  const proc = spawn(process.execPath, [...nodeArgs, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['pipe', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') closeSync(stdout); // the child has its own copy
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn node ${nodeArgs.join(' ')}`);
  let stderr = '';
  const lines: string[] = [];
  let buffer = '';
  const waiters: { line: string; resolve: (line: string) => void }[] = [];
  let resolveReady: (info: Record<string, unknown>) => void = () => undefined;
  let rejectReady: (error: Error) => void = () => undefined;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined); // callers that never await it must not crash the process
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('READY ')) resolveReady(JSON.parse(line.slice(6)) as Record<string, unknown>);
      else lines.push(line);
      const matches = (w: { line: string }): boolean =>
        w.line.endsWith(' ') ? line.startsWith(w.line) : line === w.line;
      for (const waiter of waiters.filter(matches)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
      newline = buffer.indexOf('\n');
    }
  });
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
    if (options.logFile !== undefined) appendFileSync(options.logFile, chunk);
  });
  proc.stdin?.on('error', () => undefined); // EPIPE when the child is already gone
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(child);
      rejectReady(
        new Error(`${name} exited (${signal ?? code}) before it was ready: ${stderr.trim().slice(-2000)}`),
      );
      resolve(signal ?? code ?? -1);
    });
  });
  const timeout = setTimeout(
    () => rejectReady(new Error(`${name} was not ready within ${options.readyTimeoutMs ?? 60_000} ms`)),
    options.readyTimeoutMs ?? 60_000,
  );
  timeout.unref();
  void ready.then(
    () => clearTimeout(timeout),
    () => clearTimeout(timeout),
  );

  const child: Child = {
    name,
    pid: proc.pid,
    proc,
    ready,
    lines,
    exited,
    stderrTail: () => stderr,
    send: (line) => {
      proc.stdin?.write(`${line}\n`);
    },
    waitForLine: (line, timeoutMs = 60_000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: no "${line}" within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          line,
          resolve: (matched) => {
            clearTimeout(timer);
            resolve(matched);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${name} exited while waiting for "${line}"`));
        });
      }),
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
  live.add(child);
  return child;
}

/** Spawns and waits for READY; stops the child again if it fails to get there. */
export async function startChild(
  name: string,
  script: string,
  options: SpawnOptions = {},
): Promise<{ child: Child; info: Record<string, unknown> }> {
  const child = spawnChild(name, script, options);
  try {
    return { child, info: await child.ready };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** Ends every child still running (SIGTERM, then SIGKILL after 5 s). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop()));
}

/** Synchronous last resort (process 'exit'): SIGKILL whatever is left. */
export function killAllNow(): void {
  for (const child of live) {
    try {
      child.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Peak (VmHWM) and current (VmRSS) resident set of a process in KiB, from /proc (Linux); null elsewhere. */
export function memoryOf(pid: number): { peakKiB: number; currentKiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1]);
    const peakKiB = field('VmHWM');
    const currentKiB = field('VmRSS');
    return Number.isFinite(peakKiB) && Number.isFinite(currentKiB) ? { peakKiB, currentKiB } : null;
  } catch {
    return null;
  }
}

/** Samples VmRSS every `everyMs` (for systems without VmHWM); `stop()` returns the highest value seen. */
export function sampleRss(pid: number, everyMs = 200): { stop(): number | null } {
  let highest: number | null = null;
  const take = (): void => {
    const memory = memoryOf(pid);
    if (memory !== null) highest = Math.max(highest ?? 0, memory.currentKiB);
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return highest;
    },
  };
}

let ticksPerSecond: number | null = null;

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc (Linux); null elsewhere. */
export function cpuTimeMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) — utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    ticksPerSecond ??= clockTicks();
    return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond : null;
  } catch {
    return null;
  }
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
