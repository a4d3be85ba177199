// `npm run demo` as a child process for tests: starts `node --import tsx src/demo/main.ts` (with its
// options, such as --app, and a standard input the test can write to), reads what it prints, and plays a
// person at it: a sign-in through the demo IdP with a fetch-driven browser (optionally a linking one), and
// a line typed at the scripted app with the app's answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '../../clients/typescript/src/client/index.js';
import { authenticateOidc, createLink } from '../../clients/typescript/index.js';
import { authBody, browserGet, pageParams } from './browser.js';
import { CookieJar, followLogin } from './oidc-idp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Demo {
  child: ChildProcess;
  output(): string;
  /** The service as this process reaches it (the demo's PORT on loopback). */
  baseUrl: string;
  /** `http://localhost:<port>`: SSO_PUBLIC_URL, where sign-ins start (their cookies are on it). */
  publicUrl: string;
  startUrl: string;
  apiKey: string;
  dataDir: string;
  /** The IdP's address, with its trailing slash. */
  issuer: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface DemoOptions {
  args?: string[];
  env?: Record<string, string>;
  /** 'pipe' to type at the scripted app (`typeToApp`); the default is no input at all. */
  stdin?: 'pipe' | 'ignore';
}

/** This process's environment without the settings the demo reads. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(SSO_|PORT$|HOST$|DEMO_|LOG_LEVEL$)/.test(key)) env[key] = value;
  }
  return env;
}

/** Starts the demo on that port; resolves once it says "Press Ctrl-C to stop." (and `--app` is waiting). */
export async function startDemo(port: number, options: DemoOptions = {}): Promise<Demo> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...cleanEnv(), PORT: String(port), ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = (options.args ?? []).includes('--app')
    ? 'The app by hand, with curl:'
    : 'Press Ctrl-C to stop.';
  // Generous: a cold tsx start on a loaded 2-core CI machine has been seen to take ~40 s.
  await waitFor(
    () => text.includes(ready),
    100_000,
    () => {
      child.kill('SIGKILL');
      return new Error(`the demo did not start:\n${text}`);
    },
  );
  return {
    child,
    output: () => text,
    baseUrl: `http://127.0.0.1:${port}`,
    publicUrl: `http://localhost:${port}`,
    startUrl: /Open\s+(http:\/\/\S+)/.exec(text)?.[1] ?? '',
    apiKey: /Admin API key:\s+(\S+)/.exec(text)?.[1] ?? '',
    dataDir: /Data:\s+(\S+)/.exec(text)?.[1] ?? '',
    issuer: /Demo OpenID Provider:\s+(http:\/\/\S+)/.exec(text)?.[1] ?? '',
    exited,
  };
}

async function waitFor(done: () => boolean, ms: number, failure: () => Error): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw failure();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Types one line at the scripted app (`--app` with stdin 'pipe'): a password, or '' to try the last one
 * again. Resolves with the line the app printed for that sign-in ("App signed in as …" or "App sign-in
 * refused (…): …").
 */
export async function typeToApp(demo: Demo, line: string): Promise<string> {
  const from = demo.output().length;
  const answer = (): string | undefined =>
    /App sign-in[^\n]*|App signed in[^\n]*/.exec(demo.output().slice(from))?.[0];
  demo.child.stdin?.write(`${line}\n`);
  await waitFor(
    () => answer() !== undefined,
    30_000,
    () => new Error(`the app did not answer:\n${demo.output()}`),
  );
  return answer() ?? '';
}

/** SIGINT, then how the demo ended and how long it took (capped at `ms`). */
export async function interruptDemo(
  demo: Demo,
  ms = 10_000,
): Promise<{ result: { code: number | null; signal: NodeJS.Signals | null } | 'timeout'; took: number }> {
  const sent = Date.now();
  demo.child.kill('SIGINT');
  const result = await Promise.race([
    demo.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms)),
  ]);
  return { result, took: Date.now() - sent };
}

/** What jellyfin-web sends: its device, and the user's token once signed in. */
export function webClient(baseUrl: string, token: string, deviceId: string): Client {
  const fields = `Client="Jellyfin Web", Device="Firefox", DeviceId="${deviceId}", Version="10.11.0"`;
  return createClient({ baseUrl, headers: { Authorization: `MediaBrowser ${fields}, Token="${token}"` } });
}

export interface DemoSignIn {
  userId: string;
  name: string;
  token: string;
  /** The browser's device: a session is per user and device, so each sign-in has its own. */
  deviceId: string;
}

/** A client acting as that signed-in browser (jellyfin-web's header with its device and token). */
export function clientOf(demo: Demo, user: DemoSignIn): Client {
  return webClient(demo.publicUrl, user.token, user.deviceId);
}

/**
 * A browser's trip through the demo IdP at `provider`: start → the IdP (its cookies in `idpJar`, so it
 * remembers who signed in, as a browser does; the form is filled with `account` when it asks) → the
 * service's page. Returns the page's flow token and the service-side cookie jar.
 */
async function throughIdp(
  demo: Demo,
  startPath: string,
  account: string,
  idpJar: CookieJar,
): Promise<{ data: string; jar: CookieJar }> {
  const jar = new CookieJar();
  const start = await browserGet(`${demo.publicUrl}${startPath}`, jar);
  if (start.status !== 302) throw new Error(`${startPath} answered ${start.status}: ${start.text}`);
  const callback = await followLogin(start.headers.get('location') ?? '', account, idpJar, { useForm: true });
  const page = await browserGet(callback, jar);
  if (page.status !== 200)
    throw new Error(`the callback answered ${page.status}: ${page.text.slice(0, 300)}`);
  return { data: pageParams(page.text).data, jar };
}

/** Signs in through the provider as the page would (Auth), on a device of its own; the user and their token. */
export async function signInAtDemo(
  demo: Demo,
  provider: string,
  account: string,
  idpJar = new CookieJar(),
): Promise<DemoSignIn> {
  const { data, jar } = await throughIdp(demo, `/sso/OID/start/${provider}`, account, idpJar);
  const deviceId = `demo-test-${randomUUID()}`;
  const auth = await authenticateOidc({
    client: createClient({ baseUrl: demo.publicUrl }),
    path: { provider },
    body: authBody(data, deviceId),
    headers: { cookie: jar.header() },
  });
  if (auth.data === undefined) throw new Error(`Auth answered ${auth.response.status}`);
  return { userId: auth.data.User.Id, name: auth.data.User.Name, token: auth.data.AccessToken, deviceId };
}

/** The linking flow the account page starts (`?isLinking=true`), finished with the user's token; the HTTP status of Link. */
export async function linkAtDemo(
  demo: Demo,
  provider: string,
  account: string,
  user: DemoSignIn,
  idpJar = new CookieJar(),
): Promise<number> {
  const { data, jar } = await throughIdp(demo, `/sso/OID/start/${provider}?isLinking=true`, account, idpJar);
  const linked = await createLink({
    client: clientOf(demo, user),
    path: { mode: 'oid', provider, jellyfinUserId: user.userId },
    body: authBody(data),
    headers: { cookie: jar.header() },
  });
  return linked.response.status;
}
