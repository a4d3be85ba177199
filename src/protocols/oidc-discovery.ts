// OpenID Connect Discovery for one provider, with the provider settings' policy:
// the issuer must match `oidEndpoint` unless `doNotValidateIssuerName`; the endpoints we call must be on
// the origin of `oidEndpoint` unless `doNotValidateEndpoints`; http only with `disableHttps` or loopback.
// The result is an openid-client Configuration whose client authentication method is taken from the
// document (RFC 8414 §2 `token_endpoint_auth_methods_supported`), never assumed.
//
// Why we fetch the document ourselves instead of `client.discovery()`: openid-client compares the issuer
// byte for byte with the URL it was given (OIDC Discovery §4.3) and has no switch for the plugin's
// `doNotValidateIssuerName`, nor for the trailing-slash tolerance the plugin had (authentik's issuers end in
// "/"). `new client.Configuration(serverMetadata, …)` is its supported way to use metadata obtained
// elsewhere. The ID token `iss` check is unaffected: the code exchange (oidc-exchange.ts) compares it with
// the discovered issuer, or for a tenant template with its tenant's issuer (OIDC Core §3.1.3.7 step 2).

import * as client from 'openid-client';

import { isRecord } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';
import type { SsoStep } from '../sso/errors.js';
import type { OidcProviderSettings } from '../sso/provider-settings.js';
import { createIdpFetch, insecureUrlError, isAllowedScheme, isLoopbackHost } from './oidc-fetch.js';
import { isTenantTemplate, templateMatchesEndpoint } from './oidc-tenant-issuer.js';

const WELL_KNOWN = '/.well-known/openid-configuration';
/** Public reason of every refusal of the discovery document (the message says which check, for the admin). */
const DISCOVERY_FAILED = 'oidc_discovery_failed';

/** The endpoints this service may call; only those it will call are checked (origin and scheme). */
const USED_ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'pushed_authorization_request_endpoint',
] as const;

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface DiscoveredProvider {
  config: client.Configuration;
  metadata: client.ServerMetadata;
  authMethod: ClientAuthMethod;
  /** The client authentication `authMethod` names, for the requests made without openid-client. */
  auth: client.ClientAuth;
  /** The fetch every request to this IdP goes through (createIdpFetch). */
  fetch: client.CustomFetch;
  /** Plain http is allowed (`disableHttps`, or a loopback IdP). */
  allowHttp: boolean;
  /** True when PAR will be used (advertised and not switched off), RFC 9126 §5. */
  usePar: boolean;
}

export interface DiscoverInput {
  /** `normaliseOidEndpoint(settings.oidEndpoint)`. */
  endpoint: string;
  settings: OidcProviderSettings;
  clientSecret: string | null;
  timeoutMs: number;
  userAgent: string;
  step: SsoStep;
}

/** Fetches and checks the discovery document and builds the openid-client Configuration. */
export async function discoverProvider(input: DiscoverInput): Promise<DiscoveredProvider> {
  const { endpoint, settings, step } = input;
  const base = new URL(endpoint);
  const allowHttp = settings.disableHttps;
  if (!isAllowedScheme(base, allowHttp)) {
    // Add applies the same rule, so only a provider stored before it can get here.
    throw new SsoError(
      'provider_disabled',
      'The provider\'s "oidEndpoint" uses http: use https, or set "disableHttps" (http is allowed without it only for loopback hosts).',
      { step, reason: 'provider_misconfigured' },
    );
  }
  const fetchFn = createIdpFetch({ timeoutMs: input.timeoutMs, userAgent: input.userAgent, allowHttp });
  const documentUrl = `${endpoint}${WELL_KNOWN}`;
  const document = await fetchDiscoveryDocument(fetchFn, documentUrl, step);
  checkIssuer(document, input, documentUrl);
  checkEndpoints(document, base, input, documentUrl);
  // The checks above establish what this service relies on; openid-client reads the rest itself.
  const metadata = document as unknown as client.ServerMetadata;
  return buildConfiguration(metadata, input, fetchFn, isLoopbackHost(base.hostname));
}

/** GETs the discovery document (no redirects); refuses a non-200 answer or a body that is not a JSON object. */
async function fetchDiscoveryDocument(
  fetchFn: client.CustomFetch,
  documentUrl: string,
  step: SsoStep,
): Promise<Record<string, unknown>> {
  const response = await fetchFn(documentUrl, {
    method: 'GET',
    headers: { accept: 'application/json' },
    body: undefined,
    redirect: 'manual',
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    const unavailable = response.status >= 500 || response.status === 429;
    throw new SsoError(
      unavailable ? 'upstream_unavailable' : 'idp_response_invalid',
      `The identity provider's discovery document (${documentUrl}) answered HTTP ${response.status}. ` +
        (unavailable ? 'Try again later.' : 'Check the provider\'s "oidEndpoint".'),
      { step, reason: DISCOVERY_FAILED },
    );
  }
  let document: unknown;
  try {
    document = await response.json();
  } catch (cause) {
    throw discoveryInvalid(documentUrl, 'it is not JSON', step, cause);
  }
  if (!isRecord(document)) throw discoveryInvalid(documentUrl, 'it is not a JSON object', step);
  return document;
}

/** The issuer is a URL and, unless `doNotValidateIssuerName`, the `oidEndpoint` (OIDC Discovery §4.3). */
function checkIssuer(document: Record<string, unknown>, input: DiscoverInput, documentUrl: string): void {
  const { endpoint, settings, step } = input;
  const issuer = document.issuer;
  if (typeof issuer !== 'string' || !parseUrl(issuer)) {
    throw discoveryInvalid(documentUrl, 'its "issuer" is missing or not a URL', step);
  }
  if (!settings.doNotValidateIssuerName && !sameIssuer(issuer, endpoint)) {
    throw new SsoError(
      'idp_response_invalid',
      `The identity provider's issuer "${issuer}" does not match the configured "oidEndpoint" (${endpoint}). ` +
        'Use the issuer URL as "oidEndpoint", or set "doNotValidateIssuerName".',
      { step, reason: DISCOVERY_FAILED },
    );
  }
}

/**
 * The required endpoints exist; every endpoint this service will call is an http(s) URL that passes the https
 * rule and, unless `doNotValidateEndpoints`, sits on the origin of `oidEndpoint`.
 */
function checkEndpoints(
  document: Record<string, unknown>,
  base: URL,
  input: DiscoverInput,
  documentUrl: string,
): void {
  const { settings, step } = input;
  for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof document[name] !== 'string') {
      throw discoveryInvalid(documentUrl, `it has no "${name}"`, step);
    }
  }
  for (const name of USED_ENDPOINTS) {
    const value = document[name];
    if (value === undefined) continue;
    if (name === 'userinfo_endpoint' && settings.doNotLoadProfile) continue;
    if (name === 'pushed_authorization_request_endpoint' && settings.disablePushedAuthorization) continue;
    const url = typeof value === 'string' ? parseUrl(value) : null;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw discoveryInvalid(documentUrl, `its "${name}" is not an http(s) URL`, step);
    }
    if (!isAllowedScheme(url, settings.disableHttps)) throw withStep(insecureUrlError(name, url), step);
    if (!settings.doNotValidateEndpoints && url.origin !== base.origin) {
      throw new SsoError(
        'idp_response_invalid',
        `The identity provider's ${name} (${url.origin}) is not on the origin of "oidEndpoint" (${base.origin}). ` +
          'If that is intended (e.g. Google), set "doNotValidateEndpoints".',
        { step, reason: DISCOVERY_FAILED },
      );
    }
  }
}

/** The openid-client Configuration: client authentication from the document, our fetch, and our checks. */
function buildConfiguration(
  metadata: client.ServerMetadata,
  input: DiscoverInput,
  fetchFn: client.CustomFetch,
  loopback: boolean,
): DiscoveredProvider {
  const { settings } = input;
  const { authMethod, auth } = chooseClientAuth(metadata, input.clientSecret, input.step);
  const config = new client.Configuration(metadata, settings.oidClientId, undefined, auth);
  config[client.customFetch] = fetchFn;
  config.timeout = Math.max(1, Math.ceil(input.timeoutMs / 1000));
  // openid-client refuses http outright; our fetch applies the finer rule (disableHttps or loopback).
  const allowHttp = settings.disableHttps || loopback;
  if (allowHttp) client.allowInsecureRequests(config);
  // openid-client 6 trusts the TLS channel and skips signature checks unless asked; this covers a signed
  // userinfo answer. The ID token's signature is checked by the code exchange (oidc-exchange.ts).
  client.enableNonRepudiationChecks(config);

  const usePar =
    typeof metadata.pushed_authorization_request_endpoint === 'string' &&
    !settings.disablePushedAuthorization;
  return { config, metadata, authMethod, auth, fetch: fetchFn, allowHttp, usePar };
}

/**
 * RFC 8414 §2: `token_endpoint_auth_methods_supported` defaults to `client_secret_basic`. With a secret we
 * prefer basic, then post; without one the client is public (`none`). The same method authenticates PAR
 * (RFC 9126 §2) and the token request.
 */
export function chooseClientAuth(
  metadata: Pick<client.ServerMetadata, 'token_endpoint_auth_methods_supported'>,
  clientSecret: string | null,
  step: SsoStep = 'start',
): { authMethod: ClientAuthMethod; auth: client.ClientAuth } {
  if (clientSecret === null || clientSecret === '') return { authMethod: 'none', auth: client.None() };
  const supported = Array.isArray(metadata.token_endpoint_auth_methods_supported)
    ? metadata.token_endpoint_auth_methods_supported
    : ['client_secret_basic'];
  if (supported.includes('client_secret_basic')) {
    return { authMethod: 'client_secret_basic', auth: client.ClientSecretBasic(clientSecret) };
  }
  if (supported.includes('client_secret_post')) {
    return { authMethod: 'client_secret_post', auth: client.ClientSecretPost(clientSecret) };
  }
  throw new SsoError(
    'idp_response_invalid',
    'The identity provider supports neither client_secret_basic nor client_secret_post for client ' +
      `authentication (it lists: ${supported.join(', ') || 'nothing'}).`,
    { step, reason: DISCOVERY_FAILED },
  );
}

/**
 * The plugin's rule: equal ignoring a trailing slash; both sides URL-normalised (host case, default port).
 * A tenant template (Entra ID `common`) matches the endpoint that has a tenant segment in its place.
 */
function sameIssuer(issuer: string, endpoint: string): boolean {
  if (isTenantTemplate(issuer)) return templateMatchesEndpoint(issuer, parseUrl(endpoint)?.href ?? endpoint);
  const normalise = (text: string): string => (parseUrl(text)?.href ?? text).replace(/\/+$/, '');
  return normalise(issuer) === normalise(endpoint);
}

function discoveryInvalid(documentUrl: string, problem: string, step: SsoStep, cause?: unknown): SsoError {
  return new SsoError(
    'idp_response_invalid',
    `The identity provider's discovery document (${documentUrl}) cannot be used: ${problem}.`,
    { step, reason: DISCOVERY_FAILED, cause },
  );
}

function withStep(error: SsoError, step: SsoStep): SsoError {
  return new SsoError(error.code, error.message, { step, reason: error.reason, detail: error.detail });
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
