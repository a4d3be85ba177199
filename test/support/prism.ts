// Prism (the OpenAPI mock server) for contract tests: one `node` child process serving openapi.yaml on a
// free loopback port, ready once it answers HTTP, stopped by its own PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface PrismServer {
  baseUrl: string;
  pid: number;
  /** Everything Prism printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** The CLI entry file of @stoplight/prism-cli (its package.json `bin.prism`). */
export function prismEntry(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@stoplight/prism-cli/package.json');
  const bin = (JSON.parse(readFileSync(packageJson, 'utf8')) as { bin: Record<string, string> }).bin['prism'];
  if (bin === undefined) throw new Error('@stoplight/prism-cli has no `prism` bin entry');
  return join(dirname(packageJson), bin);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startPrism(
  specPath: string,
  options: { timeoutMs?: number } = {},
): Promise<PrismServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // `node <entry>` directly, not npx or a shell: the PID we hold is Prism's own.
  const child = spawn(
    process.execPath,
    [prismEntry(), 'mock', specPath, '-h', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const pid = child.pid;
  if (pid === undefined) throw new Error('Prism did not start');

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 45_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Prism exited with code ${child.exitCode} before it was ready:\n${output}`);
    }
    try {
      // Any HTTP answer means the server is listening (the route is public in the spec).
      await fetch(`${baseUrl}/sso/OID/GetNames`, { signal: AbortSignal.timeout(1_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`Prism was not ready on ${baseUrl} in time:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { baseUrl, pid, output: () => output, stop };
}
