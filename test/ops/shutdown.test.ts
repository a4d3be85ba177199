// Graceful shutdown of a spawned service during a burst of full OIDC sign-ins (the in-process IdP): after
// SIGTERM the service refuses new connections, finishes every request it had received (callbacks held
// inside it by a stalled token endpoint included), and exits 0; past SSO_SHUTDOWN_TIMEOUT it cuts what is
// left, says how many requests, and exits 1.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addOidcProvider, createSsoClient } from '../../clients/typescript/index.js';
import { BOOTSTRAP_KEY } from '../support/app.js';
import { authBody, pageParams } from '../support/browser.js';
import { CookieJar, followLogin, jellyfinClient, startOidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Service {
  child: ChildProcess;
  baseUrl: string;
  lines: string[];
  exited: Promise<number | null>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Spawns the service (embedded mode, a fresh SQLite file) on `port`; resolves once it listens. */
async function spawnService(port: number, env: Record<string, string> = {}): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'sso-shutdown-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      SSO_DATA_DIR: dir,
      SSO_DATABASE_URL: `sqlite:${join(dir, 'sso.sqlite')}`,
      SSO_BOOTSTRAP_API_KEY: BOOTSTRAP_KEY,
      SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      SSO_RATE_LIMIT: '0',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        lines.push(pending.slice(0, end));
        if (pending.slice(0, end).includes('jellyfin-sso listening on')) resolve();
        pending = pending.slice(end + 1);
      }
    });
    void exited.then(() => reject(new Error(`exited before listening:\n${lines.join('\n')}`)));
  });
  return { child, baseUrl: `http://127.0.0.1:${port}`, lines, exited };
}

/** One request to the service on a connection of its own (no keep-alive pool), and what became of it. */
interface Outcome {
  connectedAt: number | null;
  answeredAt: number | null;
  status: number | null;
  headers: Headers;
  body: string;
  /** The whole body arrived (the response ended), as opposed to a connection cut mid-answer. */
  complete: boolean;
  error: string | null;
}

interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

function call(url: string, init: CallInit = {}): Promise<Outcome> {
  const outcome: Outcome = {
    connectedAt: null,
    answeredAt: null,
    status: null,
    headers: new Headers(),
    body: '',
    complete: false,
    error: null,
  };
  return new Promise<Outcome>((resolve) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent: false });
    req.on('socket', (socket) => socket.once('connect', () => (outcome.connectedAt = performance.now())));
    req.on('response', (response) => {
      outcome.status = response.statusCode ?? null;
      for (const [name, value] of Object.entries(response.headers)) {
        for (const one of [value ?? []].flat()) outcome.headers.append(name, one);
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (outcome.body += chunk));
      response.on('end', () => resolve({ ...outcome, complete: true, answeredAt: performance.now() }));
      response.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ ...outcome, error: error.code ?? 'error' }),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ...outcome, error: error.code ?? error.message }),
    );
    req.end(init.body);
  });
}

/**
 * A stand-in origin for the IdP's token endpoint (the discovery document points there) that passes each
 * request on, or holds it after `hold()`: the callbacks that reach it then wait inside the service.
 */
async function stallingTokenEndpoint() {
  let target = '';
  let gate: Promise<void> | null = null;
  let release: () => void = () => undefined;
  let held = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        if (gate !== null) {
          held++;
          await gate;
        }
        const headers = Object.entries(req.headers).filter(
          ([name]) => !/^(host|connection|content-length)$/.test(name),
        );
        const upstream = await fetch(`${target}${req.url ?? '/'}`, {
          method: req.method ?? 'POST',
          headers: headers.map(([name, value]): [string, string] => [name, String(value)]),
          body: Buffer.concat(chunks),
        });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      })().catch(() => res.destroy());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo; // a TCP listener: an AddressInfo, never a pipe name
  cleanups.push(() => {
    release();
    server.closeAllConnections();
    server.close();
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    forwardTo: (origin: string) => void (target = origin),
    hold: () => void (gate = new Promise<void>((resolve) => (release = resolve))),
    held: () => held,
    release: () => release(),
  };
}

/** A service step that a sign-in made, and what became of it. */
interface Step {
  name: 'start' | 'callback' | 'auth';
  outcome: Outcome;
}

/** One sign-in: the service's start, callback and Auth steps (each on its own connection), the IdP between. */
async function signIn(baseUrl: string, steps: Step[]): Promise<boolean> {
  const jar = new CookieJar();
  const step = async (name: Step['name'], url: string, init: CallInit = {}): Promise<Outcome> => {
    const headers = { ...init.headers, cookie: jar.header(), accept: 'text/html' };
    const outcome = await call(url, { ...init, headers });
    steps.push({ name, outcome });
    jar.store(new Response(null, { headers: outcome.headers }));
    return outcome;
  };
  const start = await step('start', `${baseUrl}/sso/OID/start/idp`);
  if (start.status !== 302) return false;
  const callbackUrl = await followLogin(start.headers.get('location') ?? '', 'sub-bob');
  const page = await step('callback', callbackUrl.toString());
  if (page.status !== 200) return false;
  const auth = await step('auth', `${baseUrl}/sso/OID/Auth/idp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(authBody(pageParams(page.body).data)),
  });
  return auth.status === 200;
}

/** Starts an IdP (its token endpoint behind the stalling stand-in), a service on a free port, provider `idp`. */
async function setUp(env: Record<string, string> = {}) {
  const port = await freePort();
  const stall = await stallingTokenEndpoint();
  const idp = await startOidcIdp({
    clients: [jellyfinClient(port, 'idp')],
    accounts: { 'sub-bob': { preferred_username: 'bob' } },
    rewriteDiscovery: (document) => ({
      ...document,
      token_endpoint: String(document['token_endpoint']).replace(/^http:\/\/[^/]+/, stall.origin),
    }),
  });
  stall.forwardTo(idp.issuer);
  cleanups.push(() => idp.close());
  const service = await spawnService(port, env);
  const added = await addOidcProvider({
    client: createSsoClient({ baseUrl: service.baseUrl, token: BOOTSTRAP_KEY }),
    path: { provider: 'idp' },
    // The token endpoint sits on the stand-in's origin.
    body: {
      oidEndpoint: idp.issuer,
      oidClientId: 'jellyfin',
      oidSecret: 'jellyfin-secret',
      enabled: true,
      doNotValidateEndpoints: true,
    },
  });
  expect(added.response.status).toBe(200);
  return { service, stall };
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Margin for the service to accept a connection the kernel already completed (a loaded machine). */
const ACCEPT_MARGIN_MS = 250;

describe('graceful shutdown', () => {
  it('when SIGTERM comes during a login burst, then every request it had gets a complete answer, new connections are refused, exit 0', async () => {
    const { service, stall } = await setUp();
    const steps: Step[] = [];
    let signalled = false;
    const workers = Array.from({ length: 12 }, async () => {
      let signedIn = 0;
      while (!signalled || signedIn === 0) {
        if (await signIn(service.baseUrl, steps).catch(() => false)) signedIn++;
        else if (signalled) break;
      }
      return signedIn;
    });
    await until(() => steps.filter((s) => s.name === 'auth').length >= 12, 'a dozen sign-ins');

    stall.hold();
    await until(() => stall.held() >= 3, 'callbacks held inside the service');
    const heldCallbacks = stall.held();
    const signalAt = performance.now();
    signalled = true;
    service.child.kill('SIGTERM');
    // While the held callbacks keep the process up, a new connection is refused.
    await until(() => service.lines.some((line) => line.includes('shutting down')), 'the shutdown line');
    const late = await call(`${service.baseUrl}/sso/health`);
    expect(late.error).toBe('ECONNREFUSED');
    stall.release();

    expect(await service.exited).toBe(0);
    const signedIn = await Promise.all(workers);
    expect(signedIn.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(12);

    const accepted = steps.filter(
      ({ outcome }) => outcome.connectedAt !== null && outcome.connectedAt < signalAt - ACCEPT_MARGIN_MS,
    );
    const incomplete = accepted.filter(({ outcome }) => !outcome.complete || outcome.error !== null);
    expect(incomplete.map(({ name, outcome }) => `${name}: ${outcome.error}`)).toEqual([]);
    // The callbacks that were inside the service at the signal finished afterwards, with their page.
    const pagesAfter = steps.filter(
      ({ name, outcome }) =>
        name === 'callback' &&
        outcome.status === 200 &&
        outcome.body.includes('id="sso-params"') &&
        (outcome.answeredAt ?? 0) > signalAt,
    );
    expect(heldCallbacks).toBeGreaterThanOrEqual(3);
    expect(pagesAfter.length).toBeGreaterThanOrEqual(heldCallbacks);
    // Whatever failed did so at the connection, before any answer: refused once the listener closed, or
    // reset when the kernel had queued it just before the signal and the service never took it in (any
    // server that stops listening does that). Nothing was answered halfway.
    const failed = steps.filter(({ outcome }) => outcome.error !== null);
    expect(
      failed.filter(
        ({ outcome }) =>
          !['ECONNREFUSED', 'ECONNRESET'].includes(outcome.error ?? '') || outcome.status !== null,
      ),
    ).toEqual([]);
    expect(service.lines.at(-1)).toContain('jellyfin-sso stopped');
  }, 90_000);

  it('when requests outlast SSO_SHUTDOWN_TIMEOUT, then they are cut, the log says how many, and the exit status is 1', async () => {
    const { service, stall } = await setUp({ SSO_SHUTDOWN_TIMEOUT: '1' });
    stall.hold();
    const steps: Step[] = [];
    const signIns = [signIn(service.baseUrl, steps), signIn(service.baseUrl, steps)];
    await until(() => stall.held() >= 2, 'two callbacks held inside the service');

    const signalAt = performance.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(1);
    expect(performance.now() - signalAt).toBeGreaterThanOrEqual(1000);
    expect(await Promise.all(signIns)).toEqual([false, false]);
    const callbacks = steps.filter(({ name }) => name === 'callback');
    expect(callbacks.map(({ outcome }) => outcome.error)).toEqual(['ECONNRESET', 'ECONNRESET']);
    const cut = service.lines.find((line) => line.includes('were cut'));
    expect(cut).toContain('2 request(s) in progress were cut');
    stall.release();
  }, 60_000);
});
