// `npm run ui:dev`: the admin console with hot reload against the Prism mock of openapi.yaml, so the
// console can be worked on with neither an IdP nor a database. Starts Prism and Vite's dev server (which
// sends /sso/ to Prism), prints the URL to open, and stops both on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ViteDevServer } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PRISM_READY_MS = 60_000;

export interface UiDevOptions {
  /** Prism's port; 4010 as `npm run mock`. */
  mockPort?: number;
  /** The console's port; 5173 as the Vite config says. */
  port?: number;
}

export interface UiDev {
  /** Where the console is served. */
  url: string;
  mockUrl: string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited(child);
  clearTimeout(timer);
}

/** Prism on 127.0.0.1:`port`, resolved once it says it is listening. */
async function startMock(port: number): Promise<{ child: ChildProcess; url: string }> {
  const url = `http://127.0.0.1:${port}`;
  // The CLI's own file run by this node, not npx or a shell: the child we hold is Prism itself.
  const prism = join(ROOT, 'node_modules/.bin/prism');
  const child = spawn(
    process.execPath,
    [prism, 'mock', join(ROOT, 'openapi.yaml'), '-h', '127.0.0.1', '-p', `${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Prism did not start within a minute:\n${output}`)),
      PRISM_READY_MS,
    );
    const read = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (!output.includes('Prism is listening')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited (code ${code}) before it listened on port ${port}:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  return { child, url };
}

/** Vite's dev server for console/, its /sso/ proxy pointed at `mockUrl`. */
async function startConsole(mockUrl: string, port: number | undefined): Promise<ViteDevServer> {
  // The Vite config reads the proxy target from the environment when it loads, which is now.
  process.env['SSO_MOCK_URL'] = mockUrl;
  const { createServer } = await import('vite');
  const server = await createServer({
    configFile: join(ROOT, 'console/vite.config.ts'),
    ...(port === undefined ? {} : { server: { port } }),
  });
  await server.listen();
  return server;
}

export async function startUiDev(options: UiDevOptions = {}): Promise<UiDev> {
  const mock = await startMock(options.mockPort ?? 4010);
  let vite: ViteDevServer;
  try {
    vite = await startConsole(mock.url, options.port);
  } catch (error) {
    await stopChild(mock.child);
    throw error;
  }
  const url = vite.resolvedUrls?.local[0] ?? `http://localhost:${vite.config.server.port}/`;
  return {
    url,
    mockUrl: mock.url,
    stop: async () => {
      await vite.close();
      await stopChild(mock.child);
    },
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dev = await startUiDev();
  console.log(`The admin console against the Prism mock (${dev.mockUrl}):\n\n  ${dev.url}\n`);
  console.log(
    'Sign in with any API key: the mock answers every operation with the examples of openapi.yaml.',
  );
  console.log('Ctrl-C stops both.');
  const stop = (): void => {
    void dev.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
