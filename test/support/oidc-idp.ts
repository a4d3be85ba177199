// An in-process OpenID Provider for tests: oidc-provider 9 on
// http://127.0.0.1:<port 0>, PKCE required (RFC 7636), PAR on by default (RFC 9126), a `groups` scope,
// auto-consent, and a tiny login page. Test switches: `onlyAuthMethod` makes the token and PAR endpoints
// accept one client authentication method only (oidc-provider itself accepts basic and post alike,
// docs/security.md §8); `rogueJwks` publishes a key other than the signing key, so ID token
// signatures fail (OIDC Core §3.1.3.7 step 6); `failNext` answers one request with an error status.
// `followLogin` drives fetch through the login like a browser until the redirect_uri is reached.

import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export type TestAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: TestAuthMethod;
}

export interface OidcIdpOptions {
  clients: TestClient[];
  /** sub → claims (any JSON). Claims other than email/groups are released with the `profile` scope. */
  accounts: Record<string, Record<string, unknown>>;
  /** Advertise and serve PAR (default true, as oidc-provider 9 does). */
  par?: boolean;
  /** Advertise only this method, and refuse the other one at the token and PAR endpoints. */
  onlyAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Serve a JWKS holding a different key (same `kid`) than the one signing ID tokens. */
  rogueJwks?: boolean;
  /** Edits the discovery document before it is served (e.g. to move an endpoint to another origin). */
  rewriteDiscovery?: (document: Record<string, unknown>) => Record<string, unknown>;
}

export interface RequestCounts {
  discovery: number;
  jwks: number;
  par: number;
  authorization: number;
  token: number;
  userinfo: number;
}

export interface OidcIdp {
  /** `http://127.0.0.1:<port>`: the issuer and `oidEndpoint`. */
  issuer: string;
  port: number;
  provider: Provider;
  /** Requests seen per endpoint, for cache and PAR assertions. */
  requests: RequestCounts;
  /** User-Agent headers of back-channel requests (discovery, JWKS, PAR, token, userinfo). */
  userAgents: Set<string>;
  /** Client authentication method used by each token/PAR request, in order. */
  authMethodsUsed: { endpoint: 'token' | 'par'; method: TestAuthMethod }[];
  /** The next request to `path` (e.g. `/token`) is answered with `status` and a plain-text body. */
  failNext(path: string, status: number): void;
  close(): Promise<void>;
}

const STANDARD_PROFILE_CLAIMS = [
  'name',
  'family_name',
  'given_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'updated_at',
];

let signingKeys: { signing: JsonWebKey; rogue: JsonWebKey } | undefined;

/** RSA keys for the whole test process (generation takes a moment). Same kid, different material. */
function keys(): { signing: JsonWebKey; rogue: JsonWebKey } {
  if (!signingKeys) {
    const make = (): JsonWebKey =>
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const signing = { ...make(), kid: 'test-key', use: 'sig', alg: 'RS256' };
    const rogueFull = make();
    const rogue = {
      kty: rogueFull.kty,
      n: rogueFull.n,
      e: rogueFull.e,
      kid: 'test-key',
      use: 'sig',
      alg: 'RS256',
    };
    signingKeys = { signing, rogue };
  }
  return signingKeys;
}

export async function startOidcIdp(options: OidcIdpOptions): Promise<OidcIdp> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const extraClaims = new Set<string>();
  for (const claims of Object.values(options.accounts)) {
    for (const name of Object.keys(claims)) {
      if (!['sub', 'email', 'email_verified', 'groups'].includes(name)) extraClaims.add(name);
    }
  }
  const onlyAuthMethod = options.onlyAuthMethod;
  const configuration: Configuration = {
    clients: options.clients.map((entry) => ({
      client_id: entry.client_id,
      ...(entry.client_secret === undefined ? {} : { client_secret: entry.client_secret }),
      redirect_uris: entry.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method:
        entry.token_endpoint_auth_method ??
        (entry.client_secret === undefined ? 'none' : (onlyAuthMethod ?? 'client_secret_basic')),
    })),
    clientAuthMethods: onlyAuthMethod
      ? [onlyAuthMethod, 'none']
      : ['client_secret_basic', 'client_secret_post', 'none'],
    claims: {
      openid: ['sub'],
      profile: [...new Set([...STANDARD_PROFILE_CLAIMS, ...extraClaims])],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: ['openid', 'profile', 'email', 'groups'],
    // oidc-provider keeps scope claims out of a code-flow ID token unless this is off (docs/security.md §8).
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: options.par ?? true },
      userinfo: { enabled: true },
    },
    pkce: { required: () => true },
    jwks: { keys: [keys().signing] },
    cookies: { keys: ['oidc-idp-test-cookie-key'] },
    findAccount: (_ctx, sub) => {
      const claims = options.accounts[sub];
      if (!claims) return undefined;
      return { accountId: sub, claims: () => ({ ...claims, sub }) };
    },
    // Auto-consent: every client gets the test scopes without a consent prompt.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId =
        ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
    renderError: (ctx, out) => {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };

  const provider = new Provider(issuer, configuration);
  const requests: RequestCounts = { discovery: 0, jwks: 0, par: 0, authorization: 0, token: 0, userinfo: 0 };
  const authMethodsUsed: OidcIdp['authMethodsUsed'] = [];
  const userAgents = new Set<string>();
  const failures = new Map<string, number>();

  provider.use(async (ctx, next) => {
    const path = ctx.path;
    if (path === '/.well-known/openid-configuration') requests.discovery++;
    else if (path === '/jwks') requests.jwks++;
    else if (path === '/request') requests.par++;
    else if (path === '/auth') requests.authorization++;
    else if (path === '/token') requests.token++;
    else if (path === '/me') requests.userinfo++;
    if (!path.startsWith('/interaction/') && path !== '/auth' && !path.startsWith('/auth/')) {
      userAgents.add(ctx.get('user-agent'));
    }

    const failStatus = failures.get(path);
    if (failStatus !== undefined) {
      failures.delete(path);
      ctx.status = failStatus;
      ctx.type = 'text/plain';
      ctx.body = 'injected failure';
      return;
    }

    if (ctx.method === 'POST' && (path === '/token' || path === '/request')) {
      const method: TestAuthMethod = /^basic /i.test(ctx.get('authorization'))
        ? 'client_secret_basic'
        : 'client_secret_post';
      authMethodsUsed.push({ endpoint: path === '/token' ? 'token' : 'par', method });
      if (onlyAuthMethod && method !== onlyAuthMethod) {
        ctx.status = 401;
        ctx.type = 'application/json';
        ctx.body = { error: 'invalid_client', error_description: `only ${onlyAuthMethod} is accepted` };
        return;
      }
    }

    if (options.rogueJwks && path === '/jwks') {
      ctx.type = 'application/jwk-set+json';
      ctx.body = { keys: [keys().rogue] };
      return;
    }

    const interaction = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/.exec(path);
    if (interaction) {
      await handleInteraction(ctx, provider, options.accounts, interaction[1]!, interaction[2]);
      return;
    }
    await next();
    if (options.rewriteDiscovery && path === '/.well-known/openid-configuration' && ctx.status === 200) {
      ctx.body = options.rewriteDiscovery({ ...(ctx.body as Record<string, unknown>) });
    }
  });

  const handle = provider.callback();
  server.on('request', (req, res) => {
    void handle(req, res);
  });

  return {
    issuer,
    port,
    provider,
    requests,
    userAgents,
    authMethodsUsed,
    failNext(path, status) {
      failures.set(path, status);
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

type KoaContext = Parameters<Parameters<Provider['use']>[0]>[0];

/** GET → login form; GET …/login?user=<sub> or POST …/login (login=<sub>) → signed in; …/abort → access_denied. */
async function handleInteraction(
  ctx: KoaContext,
  provider: Provider,
  accounts: Record<string, Record<string, unknown>>,
  uid: string,
  action: string | undefined,
): Promise<void> {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');

  if (action === undefined) {
    ctx.type = 'text/html';
    ctx.body =
      '<!doctype html><html><head><title>Test IdP sign-in</title></head><body>' +
      `<form method="post" action="/interaction/${encodeURIComponent(uid)}/login">` +
      '<label>User <input name="login" autocomplete="username" autofocus></label>' +
      '<button type="submit">Sign in</button></form>' +
      `<form method="post" action="/interaction/${encodeURIComponent(uid)}/abort"><button type="submit">Cancel</button></form>` +
      '</body></html>';
    return;
  }

  ctx.respond = false;
  if (action === 'abort') {
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const login =
    ctx.method === 'POST' ? new URLSearchParams(await readBody(ctx.req)).get('login') : ctx.query.user;
  const accountId = typeof login === 'string' ? login.trim() : '';
  if (!accounts[accountId]) {
    ctx.respond = true;
    ctx.status = 400;
    ctx.type = 'text/plain';
    ctx.body = `unknown test user "${accountId}"`;
    return;
  }
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId } },
    { mergeWithLastSubmission: false },
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------------------
// A fetch-driven "browser"

/** Cookies by name (path and domain are ignored: one test IdP per jar is enough). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', val = ''] = attribute.split('=').map((part) => part.trim());
        if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
        return false;
      });
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export interface FollowLoginOptions {
  /** Press "Cancel" instead of signing in: the IdP redirects back with error=access_denied. */
  deny?: boolean;
  /** Sign in through the HTML form (POST) rather than `GET …/login?user=`. */
  useForm?: boolean;
}

/**
 * Follows an authorization URL like a browser (`redirect: 'manual'`, cookies kept) through the IdP, signs in
 * as `sub`, and returns the URL the IdP finally redirects to on another origin: the redirect_uri with
 * `code`/`state`/`iss` (or `error`).
 */
export async function followLogin(
  authorizationUrl: string,
  sub: string,
  jar: CookieJar = new CookieJar(),
  options: FollowLoginOptions = {},
): Promise<URL> {
  const idpOrigin = new URL(authorizationUrl).origin;
  let next = new URL(authorizationUrl);
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const response = await fetch(next, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), cookie: jar.header() },
    });
    jar.store(response);
    init = {};
    const interaction = /^\/interaction\/([^/]+)$/.exec(next.pathname);
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = new URL(response.headers.get('location') ?? '', next);
      if (location.origin !== idpOrigin) return location;
      next = location;
      continue;
    }
    if (response.status === 200 && interaction) {
      const html = await response.text();
      if (!html.includes('<form method="post"')) throw new Error('the login page has no form');
      const base = `${idpOrigin}/interaction/${interaction[1]}`;
      if (options.deny) {
        next = new URL(`${base}/abort`);
        init = { method: 'POST' };
      } else if (options.useForm) {
        next = new URL(`${base}/login`);
        init = {
          method: 'POST',
          body: new URLSearchParams({ login: sub }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        };
      } else {
        next = new URL(`${base}/login?user=${encodeURIComponent(sub)}`);
      }
      continue;
    }
    throw new Error(`unexpected HTTP ${response.status} at ${next.pathname}: ${await response.text()}`);
  }
  throw new Error('too many redirects while following the login');
}

/** The client most suites register: `jellyfin` / `jellyfin-secret`, redirecting to the service's provider. */
export function jellyfinClient(servicePort: number, provider: string): OidcIdpOptions['clients'][number] {
  return {
    client_id: 'jellyfin',
    client_secret: 'jellyfin-secret',
    redirect_uris: [`http://127.0.0.1:${servicePort}/sso/OID/redirect/${provider}`],
  };
}
