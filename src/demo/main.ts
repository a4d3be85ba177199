// `npm run demo`: the service on its embedded defaults (SQLite in a temporary folder) beside a local,
// password-less OpenID Provider with three accounts (one refused), and two providers, `demo` and `backup`,
// configured through the service's own admin API with a freshly generated bootstrap API key. Prints where
// to go and the self-service walk (providers.ts); `--tv` and `--app` add a scripted TV and a scripted app.
// Ctrl-C stops everything.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, startupRefusal, type App } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { startScriptedApp, type ScriptedApp } from './app.js';
import { startDemoIdp, type DemoAccount, type DemoIdp } from './idp.js';
import { configureProvider, demoProviders, idpClients, outcomeOf, type DemoProvider } from './providers.js';
import { DemoRefusal } from './refusal.js';
import { runScriptedTv } from './tv.js';
import { welcome } from './welcome.js';
import { asksForHelp, DEMO_USAGE } from '../usage.js';

const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    name: 'alice',
    displayName: 'Alice Admin',
    email: 'alice@demo.invalid',
    groups: ['jellyfin-admins', 'jellyfin-users'],
  },
  { name: 'bob', displayName: 'Bob Member', email: 'bob@demo.invalid', groups: ['jellyfin-users'] },
  // In no group the provider allows: her sign-in is refused by the role rule, for the admin to look into.
  { name: 'carol', displayName: 'Carol Outsider', email: 'carol@demo.invalid', groups: ['family'] },
];

/** The listen errors a setting causes, as the refusal names them. */
const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

/** The IdP's listen failure as a refusal naming DEMO_IDP_PORT; anything else as it was. */
function idpListenRefusal(error: unknown, port: number): unknown {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  const problem = LISTEN_PROBLEMS[code];
  if (problem === undefined) return error;
  return new DemoRefusal(
    `jellyfin-sso demo cannot start its OpenID Provider on 127.0.0.1:${port} (DEMO_IDP_PORT): ${problem}; choose another DEMO_IDP_PORT, or leave it unset for a free port`,
    { cause: error },
  );
}

interface Running {
  idp?: DemoIdp;
  app?: App;
  /** `--app`: stops reading the terminal. */
  scriptedApp?: ScriptedApp;
  /** A folder the demo made itself, removed on exit. */
  tempDir?: string;
}

async function stopAll(running: Running): Promise<void> {
  const { idp, app, tempDir } = running;
  running.scriptedApp?.stop();
  running.scriptedApp = undefined;
  running.idp = undefined;
  running.app = undefined;
  running.tempDir = undefined;
  await idp?.close();
  await app?.close();
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
}

function loadDemoConfig(env: NodeJS.ProcessEnv, running: Running, apiKey: string): Config {
  const given = env['SSO_DATA_DIR']?.trim();
  const dataDir =
    given !== undefined && given !== ''
      ? given
      : (running.tempDir = mkdtempSync(join(tmpdir(), 'jellyfin-sso-demo-')));
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    ...env,
    SSO_MEDIA_SERVER: 'embedded',
    SSO_DATA_DIR: dataDir,
    SSO_DATABASE_URL: `sqlite:${join(dataDir, 'sso.sqlite')}`,
    SSO_BOOTSTRAP_API_KEY: apiKey,
  });
  if (config.port === 0)
    throw new ConfigError(['PORT must not be 0 for the demo: the IdP needs the URL ahead']);
  return config;
}

/** Where this process can reach the service itself (the admin calls do not go through a proxy). */
function localBaseUrl(config: Config, port: number): string {
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** DEMO_IDP_PORT, or 0 for a free port. */
function demoIdpPort(env: NodeJS.ProcessEnv): number {
  const port = Number(env['DEMO_IDP_PORT'] ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError([`DEMO_IDP_PORT must be a port number (got "${env['DEMO_IDP_PORT']}")`]);
  }
  return port;
}

/** Ctrl-C (or SIGTERM) stops whatever has started so far; returns whether a stop has begun. */
function stopOnSignal(running: Running): () => boolean {
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stdout.write(`\n${signal}: stopping the demo…\n`);
    stopAll(running).then(
      () => {
        process.stdout.write('Demo stopped.\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`demo shutdown failed: ${describe(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return () => closing;
}

/**
 * Starts the IdP, then the service, then configures the providers through the admin API. Returns the
 * config, or null when a signal arrived meanwhile (the shutdown handler then owns what is running).
 */
async function startDemo(
  running: Running,
  apiKey: string,
  providers: DemoProvider[],
  closing: () => boolean,
): Promise<Config | null> {
  const config = loadDemoConfig(process.env, running, apiKey);
  const idpPort = demoIdpPort(process.env);
  const idp = await startDemoIdp({
    port: idpPort,
    accounts: DEMO_ACCOUNTS,
    clients: idpClients(providers, config.publicUrl),
    serviceStartUrl: `${config.publicUrl}/sso/`,
    outcomeOf,
  }).catch((error: unknown) => {
    throw idpListenRefusal(error, idpPort);
  });
  running.idp = idp;
  if (closing()) return null;

  running.app = await createApp({ config, log: createLogger(config.logLevel) });
  const { port } = await running.app.listen(config.port, config.host).catch((error: unknown) => {
    const refusal = startupRefusal(error, { host: config.host, port: config.port });
    throw refusal === null ? error : new DemoRefusal(refusal, { cause: error });
  });
  for (const provider of providers) {
    if (closing()) return null;
    await configureProvider(localBaseUrl(config, port), apiKey, idp.issuer, provider);
  }
  return closing() ? null : config;
}

async function main(): Promise<void> {
  const running: Running = {};
  const closing = stopOnSignal(running);
  try {
    const apiKey = randomBytes(24).toString('hex');
    const providers = demoProviders();
    const config = await startDemo(running, apiKey, providers, closing);
    if (config === null || running.idp === undefined) return;
    const args = process.argv.slice(2);
    const withApp = args.includes('--app');
    process.stdout.write(
      welcome({
        config,
        accounts: DEMO_ACCOUNTS,
        providers,
        issuer: running.idp.issuer,
        apiKey,
        tempData: running.tempDir !== undefined,
        withApp,
      }),
    );
    if (args.includes('--tv')) startScriptedTv(config, closing);
    if (withApp) running.scriptedApp = startAppFor(config);
  } catch (error) {
    await stopAll(running).catch(() => undefined);
    if (error instanceof ConfigError || error instanceof DemoRefusal) {
      process.stderr.write(`${error.message}\n`);
      if (/^(debug|trace)$/.test(process.env['LOG_LEVEL']?.trim() ?? '')) {
        process.stderr.write(`${describe(error.cause ?? error)}\n`);
      }
      process.exit(2);
    }
    throw error;
  }
}

/** `--tv`: a scripted TV signs in with Quick Connect once someone authorizes its code (tv.ts). */
function startScriptedTv(config: Config, closing: () => boolean): void {
  runScriptedTv({
    baseUrl: localBaseUrl(config, config.port),
    publicUrl: config.publicUrl,
    write: (text) => process.stdout.write(text),
    running: () => !closing(),
  }).catch((error: unknown) => {
    if (!closing()) process.stderr.write(`the scripted TV stopped: ${describe(error)}\n`);
  });
}

/**
 * `--app`: a scripted app signs in with an app password typed (or piped) at the demo's standard input,
 * or given as DEMO_APP_PASSWORD (app.ts). DEMO_APP_USER names who it signs in as (alice).
 */
function startAppFor(config: Config): ScriptedApp {
  return startScriptedApp({
    baseUrl: localBaseUrl(config, config.port),
    publicUrl: config.publicUrl,
    username: process.env['DEMO_APP_USER']?.trim() || 'alice',
    password: process.env['DEMO_APP_PASSWORD'],
    input: process.stdin,
    interactive: process.stdin.isTTY === true,
    write: (text) => process.stdout.write(text),
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

if (asksForHelp(process.argv.slice(2))) {
  process.stdout.write(DEMO_USAGE);
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`jellyfin-sso demo failed to start: ${describe(error)}\n`);
    process.exit(1);
  });
}
