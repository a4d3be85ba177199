// `npm run demo`: the service on its embedded defaults (SQLite in a temporary folder) beside a local,
// password-less OpenID Provider with three accounts (one refused), and a provider `demo` configured through the service's
// own admin API with a freshly generated bootstrap API key. Prints where to go; Ctrl-C stops everything.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, startupRefusal, type App } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { startDemoIdp, type DemoAccount, type DemoIdp } from './idp.js';
import { DemoRefusal } from './refusal.js';
import { runScriptedTv } from './tv.js';
import { asksForHelp, DEMO_USAGE } from '../usage.js';

const DEMO_PROVIDER = 'demo';

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

/** The groups the demo provider lets in, and those it makes administrators. */
const ALLOWED_GROUPS = ['jellyfin-users'];
const ADMIN_GROUPS = ['jellyfin-admins'];

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
  /** A folder the demo made itself, removed on exit. */
  tempDir?: string;
}

async function stopAll(running: Running): Promise<void> {
  const { idp, app, tempDir } = running;
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

async function configureProvider(
  baseUrl: string,
  apiKey: string,
  body: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${baseUrl}/sso/OID/Add/${DEMO_PROVIDER}`, {
    method: 'POST',
    headers: {
      authorization: `MediaBrowser Client="jellyfin-sso demo", Token="${apiKey}"`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) {
    throw new Error(`configuring the demo provider failed: HTTP ${response.status} ${await response.text()}`);
  }
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
 * Starts the IdP, then the service, then configures the provider through the admin API. Returns the
 * config, or null when a signal arrived meanwhile (the shutdown handler then owns what is running).
 */
async function startDemo(running: Running, apiKey: string, closing: () => boolean): Promise<Config | null> {
  const config = loadDemoConfig(process.env, running, apiKey);
  const clientSecret = randomBytes(24).toString('hex');
  const idpPort = demoIdpPort(process.env);
  const idp = await startDemoIdp({
    port: idpPort,
    accounts: DEMO_ACCOUNTS,
    clients: [
      {
        clientId: 'jellyfin-demo',
        clientSecret,
        redirectUris: [`${config.publicUrl}/sso/OID/redirect/${DEMO_PROVIDER}`],
      },
    ],
    serviceStartUrl: startUrlOf(config),
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
  if (closing()) return null;

  await configureProvider(localBaseUrl(config, port), apiKey, {
    oidEndpoint: idp.issuer,
    oidClientId: 'jellyfin-demo',
    oidSecret: clientSecret,
    enabled: true,
    enableAuthorization: true,
    enableAllFolders: true,
    roles: ALLOWED_GROUPS,
    adminRoles: ADMIN_GROUPS,
    roleClaim: 'groups',
    oidScopes: ['groups', 'email'],
  });
  return closing() ? null : config;
}

/** The sign-in the demo offers: the provider `demo` at the service's public URL. */
function startUrlOf(config: Config): string {
  return `${config.publicUrl}/sso/OID/start/${DEMO_PROVIDER}`;
}

/** What signing in with the account gives, by the provider's role rules. */
function outcomeOf(account: DemoAccount): string {
  if (!account.groups.some((group) => ALLOWED_GROUPS.includes(group))) {
    return 'refused (in no allowed group; the admin console shows why, under Activity)';
  }
  return account.groups.some((group) => ADMIN_GROUPS.includes(group)) ? 'administrator' : 'member';
}

function welcome(config: Config, issuer: string, apiKey: string, tempData: boolean): string {
  const accounts = DEMO_ACCOUNTS.map(
    (a) => `    ${a.name.padEnd(6)} groups ${a.groups.join(', ')}  → ${outcomeOf(a)}`,
  );
  return [
    '',
    'jellyfin-sso demo is running.',
    '',
    `  Open  ${startUrlOf(config)}`,
    `  Admin console  ${config.publicUrl}/sso/admin/  (sign in as alice, or with the API key below)`,
    '',
    `  Demo OpenID Provider: ${issuer}/ (password-less: type an account name)`,
    ...accounts,
    `  To switch user, sign out at ${issuer}/ (the IdP remembers who signed in), then open the URL above again.`,
    '',
    `  Admin API key: ${apiKey}`,
    `    curl -H 'Authorization: MediaBrowser Token="${apiKey}"' ${config.publicUrl}/sso/OID/Get`,
    `  Data: ${config.dataDir}${tempData ? ' (removed when the demo stops)' : ''}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const running: Running = {};
  const closing = stopOnSignal(running);
  try {
    const apiKey = randomBytes(24).toString('hex');
    const config = await startDemo(running, apiKey, closing);
    if (config === null || running.idp === undefined) return;
    process.stdout.write(welcome(config, running.idp.issuer, apiKey, running.tempDir !== undefined));
    if (process.argv.slice(2).includes('--tv')) startScriptedTv(config, closing);
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
