// An in-process OpenID Provider for tests: oidc-provider 9 on
// http://127.0.0.1:<port 0>, PKCE required (RFC 7636), PAR on by default (RFC 9126), a `groups` scope,
// auto-consent, and a tiny login page. Test switches: `onlyAuthMethod` makes the token and PAR endpoints
// accept one client authentication method only (oidc-provider itself accepts basic and post alike,
// docs/security.md §8); `rogueJwks` publishes a key other than the signing key, so ID token
// signatures fail (OIDC Core §3.1.3.7 step 6); `failNext` answers one request with an error status.
// Product shapes: an issuer with a path (mounted under it), ES256 or EdDSA signing, PAR required, no
// userinfo, claims only at userinfo, claims only in a JWT access token, endpoints on a second origin.
// `followLogin` drives fetch through the login like a browser until the redirect_uri is reached.

import { createPrivateKey, generateKeyPairSync, sign, type JsonWebKey } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export type TestAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: TestAuthMethod;
  /** Where RP-initiated logout may return to (RP-Initiated Logout 1.0 §3). */
  post_logout_redirect_uris?: string[];
  /** Where the IdP posts logout tokens (Back-Channel Logout 1.0 §2.2); ID tokens then carry `sid`. */
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
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
  /**
   * The client's registered method: discovery still lists basic and post, but the token and PAR endpoints
   * refuse the other one (RFC 6749 §2.3: a client is registered with one method).
   */
  registeredAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** A path after the origin, e.g. `/realms/media` or `/application/o/jellyfin/` (trailing slash kept). */
  issuerPath?: string;
  /** The only ID token signing algorithm (default: oidc-provider's list, signed with the RS256 key). */
  signingAlg?: SigningAlg;
  /** Advertise `require_pushed_authorization_requests` and refuse authorization requests without PAR. */
  requirePar?: boolean;
  /** Serve and advertise a userinfo endpoint (default true). */
  userinfo?: boolean;
  /** Scope claims in the ID token (default true); false releases them only at userinfo (OIDC Core §5.4). */
  claimsInIdToken?: boolean;
  /** Release `groups` with the `profile` scope too (authentik's default "profile" scope mapping). */
  groupsWithProfile?: boolean;
  /** Claims that appear only in a JWT access token (RFC 9068), never in the ID token or at userinfo. */
  accessTokenClaims?: string[];
  /** Endpoints served from a second listener, i.e. another origin than the issuer (as Google does). */
  endpointsOnOtherOrigin?: ('token_endpoint' | 'userinfo_endpoint' | 'jwks_uri')[];
}

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';

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
  /** The second listener's origin (`endpointsOnOtherOrigin`). */
  otherOrigin?: string;
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

const otherKeys = new Map<SigningAlg, JsonWebKey>();

/** The private JWK signing ID tokens with `alg`: RS256 uses the shared RSA key, the others one key each. */
function signingKeyFor(alg: SigningAlg): JsonWebKey {
  if (alg === 'RS256') return keys().signing;
  let key = otherKeys.get(alg);
  if (!key) {
    const pair =
      alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    key = { ...pair.privateKey.export({ format: 'jwk' }), kid: `test-${alg.toLowerCase()}`, use: 'sig', alg };
    otherKeys.set(alg, key);
  }
  return key;
}

/** What the middleware records and consults across requests. */
interface IdpState {
  requests: RequestCounts;
  authMethodsUsed: OidcIdp['authMethodsUsed'];
  userAgents: Set<string>;
  failures: Map<string, number>;
  /** JWT access token → the opaque one oidc-provider issued (its userinfo only knows the latter). */
  wrappedAccessTokens: Map<string, string>;
}

interface Origins {
  issuer: string;
  /** `http://127.0.0.1:<port>` of the main listener. */
  main: string;
  /** The second listener's origin, when endpoints are moved there. */
  other: string | undefined;
}

export async function startOidcIdp(options: OidcIdpOptions): Promise<OidcIdp> {
  const main = await listen();
  const other = options.endpointsOnOtherOrigin?.length ? await listen() : undefined;
  const mainOrigin = `http://127.0.0.1:${main.port}`;
  const origins: Origins = {
    issuer: mainOrigin + (options.issuerPath ?? ''),
    main: mainOrigin,
    other: other && `http://127.0.0.1:${other.port}`,
  };
  const provider = new Provider(origins.issuer, buildConfiguration(options));
  const state: IdpState = {
    requests: { discovery: 0, jwks: 0, par: 0, authorization: 0, token: 0, userinfo: 0 },
    authMethodsUsed: [],
    userAgents: new Set<string>(),
    failures: new Map<string, number>(),
    wrappedAccessTokens: new Map<string, string>(),
  };
  provider.use(createMiddleware(provider, options, state, origins));

  const handle = provider.callback();
  const mountPath = (options.issuerPath ?? '').replace(/\/+$/, '');
  const onRequest = (req: IncomingMessage, res: Parameters<typeof handle>[1]): void => {
    if (!routeUnderIssuer(req, mountPath)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    void handle(req, res);
  };
  for (const listener of [main, other]) listener?.server.on('request', onRequest);

  return {
    issuer: origins.issuer,
    port: main.port,
    ...(origins.other === undefined ? {} : { otherOrigin: origins.other }),
    provider,
    requests: state.requests,
    userAgents: state.userAgents,
    authMethodsUsed: state.authMethodsUsed,
    failNext(path, status) {
      state.failures.set(path, status);
    },
    async close() {
      await closeServer(main.server);
      if (other) await closeServer(other.server);
    },
  };
}

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // Listening on TCP: address() is an AddressInfo, never a pipe name.
  return { server, port: (server.address() as AddressInfo).port };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

/**
 * An issuer with a path is served under it, as oidc-provider expects when mounted: the prefix moves to
 * `originalUrl`. The login pages stay at `/interaction/…` (a product's login UI often lives outside its
 * issuer path); anything else outside the issuer path is not found.
 */
function routeUnderIssuer(req: IncomingMessage, mountPath: string): boolean {
  if (mountPath === '') return true;
  const url = req.url ?? '/';
  if (url === mountPath || url.startsWith(`${mountPath}/`) || url.startsWith(`${mountPath}?`)) {
    Object.assign(req, { originalUrl: url, url: url.slice(mountPath.length) || '/' });
    return true;
  }
  return url.startsWith('/interaction/');
}

/** The oidc-provider configuration for the options: clients, claims, signing, PAR and userinfo. */
function buildConfiguration(options: OidcIdpOptions): Configuration {
  const extraClaims = new Set<string>();
  for (const claims of Object.values(options.accounts)) {
    for (const name of Object.keys(claims)) {
      if (!['sub', 'email', 'email_verified', 'groups'].includes(name)) extraClaims.add(name);
    }
  }
  const fixedMethod = options.onlyAuthMethod ?? options.registeredAuthMethod;
  const alg = options.signingAlg;
  const hidden = new Set(options.accessTokenClaims ?? []);
  return {
    clients: options.clients.map((entry) => ({
      client_id: entry.client_id,
      ...(entry.client_secret === undefined ? {} : { client_secret: entry.client_secret }),
      redirect_uris: entry.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method:
        entry.token_endpoint_auth_method ??
        (entry.client_secret === undefined ? 'none' : (fixedMethod ?? 'client_secret_basic')),
      ...(alg === undefined ? {} : { id_token_signed_response_alg: alg }),
      ...logoutMetadata(entry),
    })),
    clientAuthMethods: options.onlyAuthMethod
      ? [options.onlyAuthMethod, 'none']
      : ['client_secret_basic', 'client_secret_post', 'none'],
    claims: {
      openid: ['sub'],
      profile: [
        ...new Set([
          ...STANDARD_PROFILE_CLAIMS,
          ...extraClaims,
          ...(options.groupsWithProfile ? ['groups'] : []),
        ]),
      ],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: ['openid', 'profile', 'email', 'groups'],
    // oidc-provider keeps scope claims out of a code-flow ID token unless this is off (docs/security.md §8).
    conformIdTokenClaims: options.claimsInIdToken === false,
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: {
        enabled: (options.requirePar ?? false) || (options.par ?? true),
        requirePushedAuthorizationRequests: options.requirePar ?? false,
      },
      userinfo: { enabled: options.userinfo ?? true },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
    },
    ...(alg === undefined ? {} : { enabledJWA: { idTokenSigningAlgValues: [alg] } }),
    pkce: { required: () => true },
    jwks: { keys: [alg === undefined ? keys().signing : signingKeyFor(alg)] },
    cookies: { keys: ['oidc-idp-test-cookie-key'] },
    findAccount: (_ctx, sub) => {
      const claims = options.accounts[sub];
      if (!claims) return undefined;
      const released = Object.fromEntries(Object.entries(claims).filter(([name]) => !hidden.has(name)));
      return { accountId: sub, claims: () => ({ ...released, sub }) };
    },
    loadExistingGrant: autoConsent,
    // Back-channel logout tokens go to the service under test on 127.0.0.1, which oidc-provider's guard
    // against special-use addresses refuses: the test IdP sends them without that guard (undici's
    // `dispatcher` option, which the DOM's RequestInit type does not name).
    fetch: (url, init) => fetch(url, { ...init, dispatcher: undefined } as RequestInit),
    renderError: (ctx, out) => {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };
}

/** A client's logout registration, only the fields it sets (oidc-provider refuses empty ones). */
function logoutMetadata(entry: TestClient): Partial<TestClient> {
  const { post_logout_redirect_uris, backchannel_logout_uri, backchannel_logout_session_required } = entry;
  return {
    ...(post_logout_redirect_uris === undefined ? {} : { post_logout_redirect_uris }),
    ...(backchannel_logout_uri === undefined ? {} : { backchannel_logout_uri }),
    ...(backchannel_logout_session_required === undefined ? {} : { backchannel_logout_session_required }),
  };
}

/** Auto-consent: every client gets the test scopes without a consent prompt. */
async function autoConsent(ctx: KoaContextWithOIDC) {
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
}

type Middleware = Parameters<Provider['use']>[0];

/** Counting, injected failures, the client authentication rule, the login pages and the product shapes. */
function createMiddleware(
  provider: Provider,
  options: OidcIdpOptions,
  state: IdpState,
  origins: Origins,
): Middleware {
  return async (ctx, next) => {
    const path = ctx.path;
    countRequest(ctx, path, state);

    const failStatus = state.failures.get(path);
    if (failStatus !== undefined) {
      state.failures.delete(path);
      ctx.status = failStatus;
      ctx.type = 'text/plain';
      ctx.body = 'injected failure';
      return;
    }
    if (refusedClientAuth(ctx, path, options, state)) return;

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
    if (path === '/me') unwrapAccessToken(ctx, state);
    await next();
    // oidc-provider answers discovery and token requests with JSON objects.
    if (path === '/.well-known/openid-configuration' && ctx.status === 200) {
      ctx.body = discoveryAsServed(ctx.body as Record<string, unknown>, options, origins);
    }
    if (path === '/token' && ctx.status === 200 && options.accessTokenClaims) {
      ctx.body = withJwtAccessToken(ctx.body as Record<string, unknown>, options, state, origins.issuer);
    }
  };
}

function countRequest(ctx: KoaContext, path: string, state: IdpState): void {
  const { requests } = state;
  if (path === '/.well-known/openid-configuration') requests.discovery++;
  else if (path === '/jwks') requests.jwks++;
  else if (path === '/request') requests.par++;
  else if (path === '/auth') requests.authorization++;
  else if (path === '/token') requests.token++;
  else if (path === '/me') requests.userinfo++;
  if (!path.startsWith('/interaction/') && path !== '/auth' && !path.startsWith('/auth/')) {
    state.userAgents.add(ctx.get('user-agent'));
  }
}

/** Records the method of each token/PAR request; answers 401 when it is not the one the client may use. */
function refusedClientAuth(ctx: KoaContext, path: string, options: OidcIdpOptions, state: IdpState): boolean {
  if (ctx.method !== 'POST' || (path !== '/token' && path !== '/request')) return false;
  const method: TestAuthMethod = /^basic /i.test(ctx.get('authorization'))
    ? 'client_secret_basic'
    : 'client_secret_post';
  state.authMethodsUsed.push({ endpoint: path === '/token' ? 'token' : 'par', method });
  const allowed = options.onlyAuthMethod ?? options.registeredAuthMethod;
  if (!allowed || method === allowed) return false;
  ctx.status = 401;
  ctx.type = 'application/json';
  ctx.body = { error: 'invalid_client', error_description: `only ${allowed} is accepted` };
  return true;
}

/** The discovery document with the endpoints moved to the second origin, then the test's own edits. */
function discoveryAsServed(
  document: Record<string, unknown>,
  options: OidcIdpOptions,
  origins: Origins,
): Record<string, unknown> {
  const moved = { ...document };
  for (const name of options.endpointsOnOtherOrigin ?? []) {
    const value = moved[name];
    if (typeof value === 'string' && origins.other) moved[name] = value.replace(origins.main, origins.other);
  }
  return options.rewriteDiscovery ? options.rewriteDiscovery(moved) : moved;
}

/**
 * Replaces the opaque access token by a signed JWT (RFC 9068) carrying `accessTokenClaims`, as Keycloak
 * issues them; userinfo gets the opaque token back (unwrapAccessToken).
 */
function withJwtAccessToken(
  body: Record<string, unknown>,
  options: OidcIdpOptions,
  state: IdpState,
  issuer: string,
): Record<string, unknown> {
  const opaque = body.access_token;
  const idToken = body.id_token;
  if (typeof opaque !== 'string' || typeof idToken !== 'string') return body;
  // The ID token oidc-provider has just issued: its payload holds `sub` and a single `aud`.
  const { sub, aud } = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    sub: string;
    aud: string;
  };
  const account = options.accounts[sub] ?? {};
  const carried = Object.fromEntries(
    (options.accessTokenClaims ?? []).filter((name) => name in account).map((name) => [name, account[name]]),
  );
  const now = Math.floor(Date.now() / 1000);
  const jwt = signRs256(
    { alg: 'RS256', typ: 'at+jwt', kid: 'test-key' },
    { iss: issuer, sub, aud, azp: aud, iat: now, exp: now + 300, ...carried },
  );
  state.wrappedAccessTokens.set(jwt, opaque);
  return { ...body, access_token: jwt };
}

function unwrapAccessToken(ctx: KoaContext, state: IdpState): void {
  const bearer = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1];
  const opaque = bearer === undefined ? undefined : state.wrappedAccessTokens.get(bearer);
  if (opaque !== undefined) ctx.req.headers.authorization = `Bearer ${opaque}`;
}

/** A compact JWS (RFC 7515) with RS256 = RSASSA-PKCS1-v1_5 SHA-256 and the shared RSA key. */
export function signRs256(header: object, payload: object): string {
  const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  const key = createPrivateKey({ key: keys().signing, format: 'jwk' });
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
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
