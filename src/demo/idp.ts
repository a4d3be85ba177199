// The demo's OpenID Provider: oidc-provider (allowed in src/demo/ only) on loopback, with PKCE required,
// PAR, a `groups` scope, auto-consent and a password-less login form that asks only for the account name.
// Its address shows what it is, its accounts and its clients (one per provider at the service), and signs
// the browser out to switch user; the login form says which client asks. Everything lives
// in memory and is gone when the demo stops. It mirrors the test IdP (test/support/oidc-idp.ts), which
// src/ may not import.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { default as ProviderClass, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { DemoRefusal } from './refusal.js';

export interface DemoAccount {
  /** The account name typed on the login form; also the OIDC `sub`. */
  name: string;
  displayName: string;
  email: string;
  groups: string[];
}

export interface DemoClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Who the client is, shown on the IdP's pages (the same accounts sign in to every client). */
  label?: string;
}

export interface DemoIdpOptions {
  accounts: DemoAccount[];
  clients: DemoClient[];
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where a sign-in at the service starts, offered after a sign-out. */
  serviceStartUrl?: string;
  /** What signing in with an account gives at the service (shown beside each account). */
  outcomeOf?: (account: DemoAccount) => string;
}

export interface DemoIdp {
  /** `http://<host>:<port>`: the issuer, and the provider's `oidEndpoint`. */
  issuer: string;
  port: number;
  close(): Promise<void>;
}

type KoaContext = Parameters<Parameters<ProviderClass['use']>[0]>[0];

/** oidc-provider warns, once and loudly, about things a throwaway demo IdP does on purpose. */
const EXPECTED_WARNINGS = [/Unsupported runtime/, /development-only in-memory adapter/];

async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]): void => {
    const text = args.map(String).join(' ');
    if (!EXPECTED_WARNINGS.some((pattern) => pattern.test(text))) warn(...args);
  };
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}

export async function startDemoIdp(options: DemoIdpOptions): Promise<DemoIdp> {
  const host = options.host ?? '127.0.0.1';
  const server = await listen(options.port ?? 0, host);
  // A listening TCP server's address() is always an AddressInfo (only pipes give a string).
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const accounts = new Map(options.accounts.map((account) => [account.name, account]));

  const provider = await quietly(async () => {
    const Provider = await loadOidcProvider();
    return new Provider(issuer, providerConfiguration(options.clients, accounts));
  }).catch((error: unknown) => {
    server.close(); // nothing listens on without its provider
    throw error;
  });
  provider.use(async (ctx, next) => {
    if (ctx.path === '/' && ctx.method === 'GET') {
      ctx.type = 'text/html';
      ctx.body = homePage(options, null);
      return;
    }
    if (ctx.path === '/sign-out' && ctx.method === 'POST') {
      // The demo's "switch user": the IdP forgets who signed in, so the next sign-in asks again.
      const session = await provider.Session.get(ctx);
      if (session.accountId !== undefined) await session.destroy();
      ctx.type = 'text/html';
      ctx.body = homePage(options, session.accountId ?? null);
      return;
    }
    const interaction = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/.exec(ctx.path);
    if (interaction === null) {
      await next();
      return;
    }
    await handleInteraction(ctx, provider, options, interaction[1] ?? '', interaction[2]);
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    void handle(req, res);
  });

  return {
    issuer,
    port,
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * oidc-provider is a development dependency: the service never needs it, so an installation made with
 * `npm ci --omit=dev` lacks it, and the demo says so rather than failing with a module trace.
 */
async function loadOidcProvider(): Promise<typeof ProviderClass> {
  try {
    return (await import('oidc-provider')).default;
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'ERR_MODULE_NOT_FOUND')) throw error;
    throw new DemoRefusal(
      'jellyfin-sso demo needs the development dependencies (its OpenID Provider is oidc-provider), which this installation omits (npm ci --omit=dev): run `npm ci` to try the demo; `npm start` does not need them',
      { cause: error },
    );
  }
}

/** An HTTP server listening on host:port; rejects when the port cannot be taken. */
async function listen(port: number, host: string): Promise<Server> {
  const server = createServer();
  server.listen(port, host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]: unknown[]) => {
      throw error instanceof Error ? error : new Error(String(error));
    }),
  ]);
  return server;
}

function providerConfiguration(clients: DemoClient[], accounts: Map<string, DemoAccount>): Configuration {
  return {
    clients: clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: ['openid', 'profile', 'email', 'groups'],
    // Put the scope claims in the ID token too, as most real IdPs do for groups.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: true },
      userinfo: { enabled: true },
    },
    pkce: { required: () => true },
    // Explicit lifetimes (seconds); oidc-provider prints a notice for every default it falls back to.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    findAccount: (_ctx, sub) => findAccount(accounts, sub),
    loadExistingGrant: autoConsent,
    renderError: (ctx, out) => {
      ctx.type = 'text/html';
      ctx.body = page(
        'Demo IdP error',
        `<p>${escapeHtml(`${out.error}: ${out.error_description ?? ''}`)}</p>`,
      );
    },
  };
}

/** A fresh RS256 key for this run: tokens of an earlier demo never verify. */
function signingKey() {
  return {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: 'demo-key',
    use: 'sig',
    alg: 'RS256',
  };
}

function findAccount(accounts: Map<string, DemoAccount>, sub: string) {
  const account = accounts.get(sub);
  if (account === undefined) return undefined;
  return {
    accountId: sub,
    claims: () => ({
      sub,
      preferred_username: account.name,
      name: account.displayName,
      email: account.email,
      email_verified: true,
      groups: account.groups,
    }),
  };
}

/** Auto-consent: the demo client gets every scope it asks for without a consent screen. */
async function autoConsent(ctx: KoaContextWithOIDC) {
  const client = ctx.oidc.client;
  const accountId = ctx.oidc.session?.accountId;
  if (client === undefined || accountId === undefined) return undefined;
  const consentGrantId: unknown = ctx.oidc.result?.['consent']?.grantId;
  const grantId =
    typeof consentGrantId === 'string' ? consentGrantId : ctx.oidc.session?.grantIdFor(client.clientId);
  if (grantId !== undefined) return ctx.oidc.provider.Grant.find(grantId);
  const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
  grant.addOIDCScope('openid profile email groups');
  await grant.save();
  return grant;
}

/** GET → the login form; POST …/login (login=<name>) → signed in; POST …/abort → access_denied. */
async function handleInteraction(
  ctx: KoaContext,
  provider: ProviderClass,
  options: DemoIdpOptions,
  uid: string,
  action: string | undefined,
): Promise<void> {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');
  const base = `/interaction/${encodeURIComponent(uid)}`;
  const client = options.clients.find((c) => c.clientId === details.params['client_id']);
  const form = (problem: string | null): string => loginForm(base, options.accounts, client, problem);

  if (action === undefined || ctx.method !== 'POST') {
    ctx.type = 'text/html';
    ctx.body = form(null);
    return;
  }
  if (action === 'abort') {
    ctx.respond = false;
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in at the demo IdP' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const login = new URLSearchParams(await readBody(ctx.req)).get('login')?.trim() ?? '';
  if (!options.accounts.some((account) => account.name === login)) {
    ctx.status = 400;
    ctx.type = 'text/html';
    ctx.body = form(`There is no demo account named "${login}".`);
    return;
  }
  ctx.respond = false;
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId: login } },
    { mergeWithLastSubmission: false },
  );
}

/** The IdP's own address: what it is, its accounts, and the sign-out that lets the browser switch user. */
function homePage(options: DemoIdpOptions, signedOut: string | null): string {
  const again =
    options.serviceStartUrl === undefined
      ? ''
      : ` <a href="${escapeHtml(options.serviceStartUrl)}">Sign in at the service</a>`;
  return page(
    'Demo identity provider',
    '<h1>Demo identity provider</h1>' +
      (signedOut === null
        ? ''
        : `<p class="done">Signed out <code>${escapeHtml(signedOut)}</code> here: the next sign-in asks for an account again.${again}</p>`) +
      '<p>This is the local OpenID Provider of <code>npm run demo</code>, a stand-in for authentik, Keycloak or ' +
      'any other identity provider. It has no passwords: the sign-in form asks only for an account name.</p>' +
      `<ul>${accountRows([...options.accounts], options.outcomeOf)}</ul>` +
      clientList(options.clients) +
      '<p>It remembers who signed in (as a real IdP does). To sign in as someone else, sign out here first.</p>' +
      '<form method="post" action="/sign-out"><button type="submit">Sign out (switch user)</button></form>' +
      (options.serviceStartUrl === undefined ? '' : `<p>${again}</p>`),
  );
}

function accountRows(accounts: DemoAccount[], outcomeOf?: (account: DemoAccount) => string): string {
  return accounts
    .map(
      (account) =>
        `<li><code>${escapeHtml(account.name)}</code> (${escapeHtml(account.displayName)}): groups ` +
        `${account.groups.map((group) => `<code>${escapeHtml(group)}</code>`).join(', ')}` +
        (outcomeOf === undefined ? '' : ` → ${escapeHtml(outcomeOf(account))}`) +
        '</li>',
    )
    .join('');
}

/** The clients, when there is more than one: each account signs in to any of them. */
function clientList(clients: DemoClient[]): string {
  if (clients.length < 2) return '';
  const rows = clients.map(
    (client) =>
      `<li><code>${escapeHtml(client.clientId)}</code>` +
      (client.label === undefined ? '' : `: ${escapeHtml(client.label)}`) +
      '</li>',
  );
  return `<p>Its clients (every account can sign in to each):</p><ul>${rows.join('')}</ul>`;
}

function loginForm(
  base: string,
  accounts: DemoAccount[],
  client: DemoClient | undefined,
  problem: string | null,
): string {
  const rows = accountRows(accounts);
  const asking =
    client === undefined
      ? ''
      : `<p>Signing in to <code>${escapeHtml(client.clientId)}</code>` +
        (client.label === undefined ? '' : ` (${escapeHtml(client.label)})`) +
        '.</p>';
  return page(
    'Demo IdP sign-in',
    '<h1>Demo identity provider</h1>' +
      '<p>This is the local OpenID Provider of <code>npm run demo</code>. There are no passwords: ' +
      'type the name of a demo account and press Sign in.</p>' +
      asking +
      `<ul>${rows}</ul>` +
      (problem === null ? '' : `<p class="problem">${escapeHtml(problem)}</p>`) +
      `<form method="post" action="${base}/login">` +
      '<label>Account name <input name="login" autocomplete="username" autofocus required></label> ' +
      '<button type="submit">Sign in</button></form>' +
      `<form method="post" action="${base}/abort"><button type="submit" class="secondary">Cancel</button></form>`,
  );
}

function page(title: string, body: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>` +
    'body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}' +
    'form{margin:1rem 0}input{padding:.3rem}button{padding:.3rem .8rem}.problem{color:#b00020}' +
    '.done{color:#05603a}' +
    `</style></head><body>${body}</body></html>`
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
