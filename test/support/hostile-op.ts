// A small hand-rolled OpenID Provider that lies on purpose (OIDC Core §3.1.3.7): node:http on
// http://127.0.0.1:<port 0>, discovery without PAR, a JWKS, an authorization endpoint that signs the user
// in at once and redirects back with a code (echoing `state`), a token endpoint whose ID token carries the
// defect the test chose, and a userinfo endpoint whose `sub` the test may change (OIDC Core §5.3.2).
//
// It is otherwise a correct provider, so a refusal can only come from the defect: it checks the client's
// authentication (RFC 6749 §2.3.1, basic or post as advertised), the redirect_uri (RFC 6749 §4.1.3) and
// the PKCE verifier against the S256 challenge (RFC 7636 §4.6), and records what the client did.
// JWTs are built with node:crypto (RS256 = RSASSA-PKCS1-v1_5 with SHA-256, HS256 = HMAC-SHA-256).

import { createHash, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What is wrong with the ID token the token endpoint returns. */
export type IdTokenDefect =
  /** `aud` names another client. */
  | 'wrong-aud'
  /** `aud` names this client and another one, without `azp` (OIDC Core §3.1.3.7 steps 3–4). */
  | 'untrusted-extra-aud'
  /** `iss` is not the discovered issuer. */
  | 'wrong-iss'
  /** `exp` lies an hour in the past. */
  | 'expired'
  /** `nbf` lies an hour in the future. */
  | 'not-yet-valid'
  /** `nonce` is not the one of the authorization request. */
  | 'wrong-nonce'
  /** No `nonce` at all. */
  | 'missing-nonce'
  /** `alg: none`, no signature (RFC 7519 §6). */
  | 'alg-none'
  /** RS256 with a key that is not in the JWKS, under its own `kid`. */
  | 'foreign-key'
  /** RS256 with a key that is not in the JWKS, under the published `kid`. */
  | 'foreign-key-same-kid'
  /** HS256 keyed with the client secret, while discovery advertises RS256 only. */
  | 'hs256-client-secret'
  /** HS256 keyed with the published RSA public key (PEM): the classic algorithm confusion. */
  | 'hs256-public-key'
  /** No `sub` claim. */
  | 'missing-sub'
  /** The token response carries no ID token at all. */
  | 'no-id-token';

export const ID_TOKEN_DEFECTS: readonly IdTokenDefect[] = [
  'wrong-aud',
  'untrusted-extra-aud',
  'wrong-iss',
  'expired',
  'not-yet-valid',
  'wrong-nonce',
  'missing-nonce',
  'alg-none',
  'foreign-key',
  'foreign-key-same-kid',
  'hs256-client-secret',
  'hs256-public-key',
  'missing-sub',
  'no-id-token',
];

export type HostileAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface HostileOpOptions {
  /** Default `jellyfin`. */
  clientId?: string;
  /** Default `jellyfin-secret`. */
  clientSecret?: string;
  /** The user who signs in. Default `hostile-user`. */
  subject?: string;
  /** Extra claims in the ID token and userinfo (e.g. `preferred_username`, `groups`). */
  claims?: Record<string, unknown>;
  /** Advertised in `token_endpoint_auth_methods_supported` and the only ones accepted. Default both. */
  authMethods?: HostileAuthMethod[];
  /** `id_token_signing_alg_values_supported`. Default `['RS256']`; a hostile OP may claim `none` or HS256. */
  signingAlgs?: string[];
  /**
   * Behave like Microsoft Entra ID's multi-tenant endpoints: discovery at `<origin>/common/v2.0` and
   * `<origin>/organizations/v2.0` names the issuer `<origin>/{tenantid}/v2.0`, and each ID token carries
   * `tid` = `op.tenant` and `iss` = `<origin>/<tid>/v2.0`.
   */
  tenantTemplate?: boolean;
}

/** A signing key of the OP: the private half signs, the public JWK is what the JWKS may publish. */
export interface OpKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

export interface TokenRequestRecord {
  /** How the client authenticated; null when it sent no client credentials. */
  authMethod: HostileAuthMethod | null;
  /** True when the client id and secret were right. */
  clientAuthenticated: boolean;
  codeVerifier: string | null;
  /** True when `code_verifier` hashes (S256) to the `code_challenge` of the authorization request. */
  pkceValid: boolean;
  redirectUriMatches: boolean;
  /** What the endpoint answered (200 with an ID token, or 400/401 with an OAuth error). */
  status: number;
}

export interface AuthorizationRecord {
  clientId: string | null;
  redirectUri: string | null;
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  scope: string | null;
}

export interface HostileOp {
  /** `http://127.0.0.1:<port>`: the issuer and `oidEndpoint`. */
  issuer: string;
  port: number;
  clientId: string;
  clientSecret: string;
  subject: string;
  /** The defect of every ID token issued from now on; null issues a valid one. */
  defect: IdTokenDefect | null;
  /** The `sub` userinfo answers with; null = the ID token's subject. */
  userinfoSub: string | null;
  authorizations: AuthorizationRecord[];
  tokenRequests: TokenRequestRecord[];
  /** The ID tokens issued, in order (compact JWS). */
  idTokens: string[];
  userinfoRequests: number;
  jwksRequests: number;
  /** The key that signs valid ID tokens. */
  signingKey: OpKey;
  /** The keys the JWKS publishes. */
  publishedKeys: OpKey[];
  /** When set, the JWKS endpoint answers this status with no keys (e.g. 503: the endpoint is down). */
  jwksStatus: number | null;
  /** Claims added to every ID token and userinfo answer (mutable between logins). */
  claims: Record<string, unknown>;
  /** True when the OP behaves like Entra ID's multi-tenant endpoints (see HostileOpOptions). */
  tenantTemplate: boolean;
  /** The `tid` of tokens under `tenantTemplate`. */
  tenant: string;
  /** Under `tenantTemplate`: the tenant named in `iss` when it should differ from `tid` (null = `tenant`). */
  issuerTenant: string | null;
  /**
   * A new key signs from now on; with `overlap` the old one stays published beside it (the usual
   * rotation), without it only the new one is published (an abrupt rotation).
   */
  rotateKey(options: { overlap: boolean }): OpKey;
  close(): Promise<void>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  used: boolean;
}

interface Keys {
  publishedKid: string;
  published: KeyObject;
  publishedPublicPem: string;
  publishedJwk: Record<string, unknown>;
  foreign: KeyObject;
}

let cachedKeys: Keys | undefined;

/** RSA keys for the whole test process (generation takes a moment). */
function keys(): Keys {
  if (!cachedKeys) {
    const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = published.publicKey.export({ format: 'jwk' });
    cachedKeys = {
      publishedKid: 'hostile-key',
      published: published.privateKey,
      publishedPublicPem: published.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      publishedJwk: { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: 'hostile-key', use: 'sig', alg: 'RS256' },
      foreign: foreign.privateKey,
    };
  }
  return cachedKeys;
}

let keyCounter = 0;

/** A fresh RSA signing key with its own `kid`. */
export function newOpKey(): OpKey {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = pair.publicKey.export({ format: 'jwk' });
  const kid = `rotated-key-${++keyCounter}`;
  return {
    kid,
    privateKey: pair.privateKey,
    publicJwk: { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, use: 'sig', alg: 'RS256' },
  };
}

function publishedOpKey(): OpKey {
  const { publishedKid, published, publishedJwk } = keys();
  return { kid: publishedKid, privateKey: published, publicJwk: publishedJwk };
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** A compact JWS; `alg` decides how (or whether) it is signed. */
function jws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject | string | null,
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  let signature = '';
  if (header.alg === 'RS256')
    signature = sign('sha256', Buffer.from(input), key as KeyObject).toString('base64url');
  else if (header.alg === 'HS256')
    signature = createHmac('sha256', key as string)
      .update(input)
      .digest('base64url');
  return `${input}.${signature}`;
}

function idToken(op: HostileOp, issued: IssuedCode): string {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    ...op.claims,
    iss: op.issuer,
    ...tenantClaims(op),
    sub: op.subject,
    aud: issued.clientId,
    iat: now,
    exp: now + 300,
    auth_time: now,
    ...(issued.nonce === null ? {} : { nonce: issued.nonce }),
  };
  const { foreign, publishedPublicPem } = keys();
  const header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: op.signingKey.kid };
  let key: KeyObject | string | null = op.signingKey.privateKey;
  switch (op.defect) {
    case null:
      break;
    case 'wrong-aud':
      claims.aud = 'another-client';
      break;
    case 'untrusted-extra-aud':
      claims.aud = [issued.clientId, 'another-client'];
      break;
    case 'wrong-iss':
      claims.iss = 'http://127.0.0.1:1/impostor';
      break;
    case 'expired':
      claims.iat = now - 7200;
      claims.auth_time = now - 7200;
      claims.exp = now - 3600;
      break;
    case 'not-yet-valid':
      claims.nbf = now + 3600;
      break;
    case 'wrong-nonce':
      claims.nonce = 'not-the-nonce-of-this-login';
      break;
    case 'missing-nonce':
      delete claims.nonce;
      break;
    case 'alg-none':
      header.alg = 'none';
      delete header.kid;
      key = null;
      break;
    case 'foreign-key':
      header.kid = 'foreign-key';
      key = foreign;
      break;
    case 'foreign-key-same-kid':
      key = foreign;
      break;
    case 'hs256-client-secret':
      header.alg = 'HS256';
      delete header.kid;
      key = op.clientSecret;
      break;
    case 'hs256-public-key':
      header.alg = 'HS256';
      key = publishedPublicPem;
      break;
    case 'missing-sub':
      delete claims.sub;
      break;
    case 'no-id-token':
      break;
  }
  return jws(header, claims, key);
}

/** Under `tenantTemplate`: the tenant's issuer and its `tid` (Entra ID's ID token shape). */
function tenantClaims(op: HostileOp): Record<string, unknown> {
  if (!op.tenantTemplate) return {};
  return { iss: `${op.issuer}/${op.issuerTenant ?? op.tenant}/v2.0`, tid: op.tenant };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** RFC 6749 §2.3.1: the Basic credentials are form-urlencoded before base64. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const match = /^basic\s+(.+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const unescape = (text: string): string => decodeURIComponent(text.replace(/\+/g, ' '));
  return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
}

export async function startHostileOp(options: HostileOpOptions = {}): Promise<HostileOp> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const authMethods = options.authMethods ?? ['client_secret_basic', 'client_secret_post'];
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Set<string>();

  const op: HostileOp = {
    issuer,
    port,
    clientId: options.clientId ?? 'jellyfin',
    clientSecret: options.clientSecret ?? 'jellyfin-secret',
    subject: options.subject ?? 'hostile-user',
    defect: null,
    userinfoSub: null,
    authorizations: [],
    tokenRequests: [],
    idTokens: [],
    userinfoRequests: 0,
    jwksRequests: 0,
    signingKey: publishedOpKey(),
    publishedKeys: [publishedOpKey()],
    jwksStatus: null,
    claims: { ...(options.claims ?? {}) },
    tenantTemplate: options.tenantTemplate ?? false,
    tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    issuerTenant: null,
    rotateKey({ overlap }) {
      const next = newOpKey();
      op.publishedKeys = overlap ? [...op.publishedKeys, next] : [next];
      op.signingKey = next;
      return next;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };

  const discovery: Record<string, unknown> = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: options.signingAlgs ?? ['RS256'],
    token_endpoint_auth_methods_supported: authMethods,
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'profile', 'email', 'groups'],
  };
  if (op.tenantTemplate) {
    // Entra ID's multi-tenant document: the issuer template, userinfo on another origin (Microsoft Graph),
    // and no `code_challenge_methods_supported` although PKCE works.
    discovery.issuer = `${issuer}/{tenantid}/v2.0`;
    discovery.userinfo_endpoint = `http://localhost:${port}/userinfo`;
    delete discovery.code_challenge_methods_supported;
  }

  const authorize = (url: URL, res: ServerResponse): void => {
    const q = url.searchParams;
    const record: AuthorizationRecord = {
      clientId: q.get('client_id'),
      redirectUri: q.get('redirect_uri'),
      state: q.get('state'),
      nonce: q.get('nonce'),
      codeChallenge: q.get('code_challenge'),
      codeChallengeMethod: q.get('code_challenge_method'),
      scope: q.get('scope'),
    };
    op.authorizations.push(record);
    if (record.clientId !== op.clientId || record.redirectUri === null || q.get('response_type') !== 'code') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('invalid_request: unknown client, no redirect_uri or response_type is not code');
      return;
    }
    const code = randomBytes(24).toString('base64url');
    codes.set(code, {
      clientId: record.clientId,
      redirectUri: record.redirectUri,
      nonce: record.nonce,
      codeChallenge: record.codeChallenge,
      codeChallengeMethod: record.codeChallengeMethod,
      used: false,
    });
    const target = new URL(record.redirectUri);
    target.searchParams.set('code', code);
    if (record.state !== null) target.searchParams.set('state', record.state);
    res.writeHead(302, { location: target.href });
    res.end();
  };

  const token = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = new URLSearchParams(await readBody(req));
    const basic = basicCredentials(req.headers.authorization);
    const authMethod: HostileAuthMethod | null = basic
      ? 'client_secret_basic'
      : form.has('client_secret')
        ? 'client_secret_post'
        : null;
    const clientId = basic?.id ?? form.get('client_id');
    const clientSecret = basic?.secret ?? form.get('client_secret');
    const clientAuthenticated =
      authMethod !== null &&
      authMethods.includes(authMethod) &&
      clientId === op.clientId &&
      clientSecret === op.clientSecret;

    const code = form.get('code') ?? '';
    const issued = codes.get(code);
    const codeVerifier = form.get('code_verifier');
    const pkceValid =
      issued !== undefined &&
      issued.codeChallengeMethod === 'S256' &&
      codeVerifier !== null &&
      createHash('sha256').update(codeVerifier).digest('base64url') === issued.codeChallenge;
    const redirectUriMatches = issued !== undefined && form.get('redirect_uri') === issued.redirectUri;
    const record: TokenRequestRecord = {
      authMethod,
      clientAuthenticated,
      codeVerifier,
      pkceValid,
      redirectUriMatches,
      status: 200,
    };
    op.tokenRequests.push(record);

    const refuse = (status: number, error: string, description: string): void => {
      record.status = status;
      sendJson(res, status, { error, error_description: description });
    };
    if (!clientAuthenticated) return refuse(401, 'invalid_client', 'client authentication failed');
    if (form.get('grant_type') !== 'authorization_code') {
      return refuse(400, 'unsupported_grant_type', 'only authorization_code');
    }
    if (issued === undefined || issued.used || issued.clientId !== clientId) {
      return refuse(400, 'invalid_grant', 'unknown or used code');
    }
    issued.used = true;
    if (!redirectUriMatches) return refuse(400, 'invalid_grant', 'redirect_uri mismatch');
    if (!pkceValid) return refuse(400, 'invalid_grant', 'PKCE verification failed');

    const accessToken = randomBytes(24).toString('base64url'); // opaque: never decoded as a JWT
    accessTokens.add(accessToken);
    const id = op.defect === 'no-id-token' ? null : idToken(op, issued);
    if (id !== null) op.idTokens.push(id);
    sendJson(res, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'openid profile',
      ...(id === null ? {} : { id_token: id }),
    });
  };

  const userinfo = (req: IncomingMessage, res: ServerResponse): void => {
    op.userinfoRequests++;
    const match = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!match || !accessTokens.has(match[1]!)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
      res.end();
      return;
    }
    sendJson(res, 200, { ...op.claims, sub: op.userinfoSub ?? op.subject });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    const route = `${req.method} ${url.pathname}`;
    const handle = async (): Promise<void> => {
      switch (route) {
        case 'GET /.well-known/openid-configuration':
        case 'GET /common/v2.0/.well-known/openid-configuration':
        case 'GET /organizations/v2.0/.well-known/openid-configuration':
          return sendJson(res, 200, discovery);
        case 'GET /jwks':
          op.jwksRequests++;
          if (op.jwksStatus !== null) return sendJson(res, op.jwksStatus, { error: 'unavailable' });
          return sendJson(
            res,
            200,
            { keys: op.publishedKeys.map((key) => key.publicJwk) },
            { 'content-type': 'application/jwk-set+json' },
          );
        case 'GET /authorize':
          return authorize(url, res);
        case 'POST /token':
          return token(req, res);
        case 'GET /userinfo':
        case 'POST /userinfo':
          return userinfo(req, res);
        default:
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
      }
    };
    handle().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  return op;
}

/** Follows the authorization URL like a browser (one redirect, not followed): the callback URL. */
export async function authorizeAt(op: HostileOp, authorizationUrl: string): Promise<URL> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  await response.body?.cancel();
  const location = response.headers.get('location');
  if (response.status !== 302 || location === null) {
    throw new Error(`the hostile OP at ${op.issuer} answered ${response.status} without a redirect`);
  }
  return new URL(location);
}
