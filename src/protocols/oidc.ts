// The OIDC protocol adapter (src/sso/ports.ts `OidcProtocol`): authorization code flow with PKCE S256
// (RFC 7636), `state` and `nonce` always, PAR when advertised (RFC 9126) — built with openid-client 6 —,
// the code exchange with the ID token fully validated including its signature (OIDC Core §3.1.3.7,
// oidc-exchange.ts), userinfo `sub` matched (OIDC Core §5.3.2). Discovery is cached per provider version,
// signing keys per provider (oidc-keys.ts); failures become SsoError (oidc-errors.ts).

import * as client from 'openid-client';

import { SsoError } from '../sso/errors.js';
import type { SsoStep } from '../sso/errors.js';
import { buildScopes, normaliseOidEndpoint, parseAuthorizationParameters } from './oidc-rules.js';
import type { Log } from '../sso/ports.js';
import type { Claims, OidcProtocol, OidcSecrets } from './engines.js';
import type { OidcProviderSettings, ProviderRecord } from '../sso/provider-settings.js';
import { mergeClaims } from './oidc-claims.js';
import { discoverProvider, type DiscoveredProvider } from './oidc-discovery.js';
import { oidcErrorToSsoError, type OidcOperation } from './oidc-errors.js';
import { exchangeCode } from './oidc-exchange.js';
import { newPkcePair } from './oidc-pkce.js';
import { createSigningKeys, type SigningKeys } from './oidc-keys.js';
import { endSessionUrl, verifyLogoutToken } from './oidc-logout.js';

/** The part of a pino logger this adapter uses. Never given tokens, codes or secrets. */
export type OidcLogger = Log;

export interface OidcProtocolOptions {
  logger?: OidcLogger;
  /** Per outbound request (discovery, PAR, token, JWKS, userinfo). Default 10 s. */
  fetchTimeoutMs?: number;
  /** Default `jellyfin-sso`. */
  userAgent?: string;
  /** How long a discovered configuration is reused for the same provider version. Default 1 hour. */
  discoveryMaxAgeMs?: number;
  /** At most one refetch of a provider's key set per this interval (unknown `kid`). Default 5 s. */
  jwksRefetchIntervalMs?: number;
}

type OidcProvider = ProviderRecord<OidcProviderSettings>;
type StartInput = Parameters<OidcProtocol['start']>[1];
type FinishInput = Parameters<OidcProtocol['finish']>[1];

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;

export function createOidcProtocol(options: OidcProtocolOptions = {}): OidcProtocol {
  const logger = options.logger;
  const timeoutMs = options.fetchTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userAgent = options.userAgent ?? 'jellyfin-sso';
  const cache = createDiscoveryCache({
    timeoutMs,
    userAgent,
    maxAgeMs: options.discoveryMaxAgeMs ?? DEFAULT_MAX_AGE_MS,
    logger,
  });

  const steps: LoginSteps = {
    keys: createSigningKeys({ refetchIntervalMs: options.jwksRefetchIntervalMs }),
    // Maps a failure; when the IdP caused it, the cached discovery is dropped so the next call rediscovers.
    failure(provider, error, operation, step) {
      const mapped = oidcErrorToSsoError(error, { operation, step, timeoutMs });
      if (mapped.code === 'upstream_unavailable' || mapped.code === 'idp_response_invalid') {
        cache.forget(provider.id);
      }
      logFailure(logger, provider, mapped, operation, error);
      return mapped;
    },
    async discover(provider, step) {
      try {
        return await cache.discover(provider, step);
      } catch (error) {
        throw steps.failure(provider, error, 'discovery', step);
      }
    },
  };

  return {
    start: (provider, input) => startLogin(steps, provider, input),
    finish: (provider, input) => finishLogin(steps, provider, input),
    endSessionUrl: async (provider, input) => endSessionUrl(await steps.discover(provider, 'start'), input),
    verifyLogoutToken: async (provider, { logoutToken, now }) =>
      verifyLogoutToken({
        providerId: provider.id,
        discovered: await steps.discover(provider, 'verify'),
        clientId: provider.settings.oidClientId,
        keys: steps.keys,
        logoutToken,
        now,
      }),
  };
}

/** What the start and finish of a login share: discovery, keys, and the mapping and logging of failures. */
interface LoginSteps {
  keys: SigningKeys;
  /** The provider's discovery; failures are already mapped to SsoError. */
  discover(provider: OidcProvider, step: SsoStep): Promise<DiscoveredProvider>;
  failure(provider: OidcProvider, error: unknown, operation: OidcOperation, step: SsoStep): SsoError;
}

/** The authorization request (OIDC Core §3.1.2.1) with PKCE, state and nonce; pushed first with PAR. */
async function startLogin(
  steps: LoginSteps,
  provider: OidcProvider,
  input: StartInput,
): Promise<{ url: string; secrets: OidcSecrets }> {
  const { settings } = provider;
  // Configuration errors first: they need no network and name the field to fix.
  const extra = parseAuthorizationParameters(settings.oidAuthorizationParameters);
  const scope = buildScopes(settings);
  const discovered = await steps.discover(provider, 'start');

  const pkce = newPkcePair();
  const nonce = client.randomNonce();
  const parameters: Record<string, string> = {
    redirect_uri: input.redirectUri,
    scope,
    state: input.state,
    nonce,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  let url: URL;
  try {
    url = discovered.usePar
      ? await client.buildAuthorizationUrlWithPAR(discovered.config, parameters)
      : client.buildAuthorizationUrl(discovered.config, parameters);
  } catch (error) {
    throw steps.failure(provider, error, 'authorization request', 'start');
  }
  const secrets: OidcSecrets = { pkceVerifier: pkce.verifier, nonce, redirectUri: input.redirectUri };
  return { url: url.href, secrets };
}

/** The callback: code exchange with every ID token check, then userinfo, then the merged claims. */
async function finishLogin(
  steps: LoginSteps,
  provider: OidcProvider,
  input: FinishInput,
): Promise<Awaited<ReturnType<OidcProtocol['finish']>>> {
  const { pkceVerifier, nonce, redirectUri } = input.secrets;
  if (!pkceVerifier || !nonce || !redirectUri) {
    throw new SsoError('internal', 'The login flow lacks its PKCE verifier, nonce or redirect URI.', {
      step: 'state',
    });
  }
  const discovered = await steps.discover(provider, 'exchange');

  // The token request must carry the redirect_uri of the authorization request (RFC 6749 §4.1.3): the
  // callback's parameters go onto the stored one.
  const callbackUrl = new URL(redirectUri);
  callbackUrl.search = input.callbackUrl.search;

  let exchanged: Awaited<ReturnType<typeof exchangeCode>>;
  try {
    exchanged = await exchangeCode({
      providerId: provider.id,
      discovered,
      clientId: provider.settings.oidClientId,
      callbackUrl,
      redirectUri,
      state: input.state,
      nonce,
      pkceVerifier,
      allowedTenants: provider.settings.allowedTenants ?? [],
      keys: steps.keys,
    });
  } catch (error) {
    throw steps.failure(provider, error, 'code exchange', 'exchange');
  }
  const { idTokenClaims, idToken, accessToken } = exchanged;
  const subject = idTokenClaims.sub;
  const userinfo = await loadUserinfo(steps, provider, discovered, accessToken, subject);
  const claims = mergeClaims({ ...idTokenClaims }, userinfo, accessToken);
  // The `sid` of the ID token itself (OIDC Front-Channel Logout 1.0 §3), not a merged claim of that name.
  const sid = typeof idTokenClaims.sid === 'string' ? idTokenClaims.sid : null;
  return { subject, claims, session: { idToken, sid } };
}

/** Userinfo (OIDC Core §5.3) unless switched off or not offered; its `sub` must be the ID token's. */
async function loadUserinfo(
  steps: LoginSteps,
  provider: OidcProvider,
  discovered: DiscoveredProvider,
  accessToken: string,
  subject: string,
): Promise<Claims | null> {
  if (provider.settings.doNotLoadProfile || typeof discovered.metadata.userinfo_endpoint !== 'string') {
    return null;
  }
  try {
    return await client.fetchUserInfo(discovered.config, accessToken, subject);
  } catch (error) {
    throw steps.failure(provider, error, 'userinfo request', 'exchange');
  }
}

interface CacheEntry {
  version: string;
  loadedAt: number;
  discovered: Promise<DiscoveredProvider>;
}

/**
 * providerId → the discovery of its current version (one entry per provider; a new version replaces it).
 * A failed discovery is not kept, so the next login tries again.
 */
function createDiscoveryCache(options: {
  timeoutMs: number;
  userAgent: string;
  maxAgeMs: number;
  logger: Log | undefined;
}) {
  const cache = new Map<string, CacheEntry>();

  function forget(providerId: string, entry?: CacheEntry): void {
    if (entry === undefined || cache.get(providerId) === entry) cache.delete(providerId);
  }

  function discover(provider: OidcProvider, step: SsoStep): Promise<DiscoveredProvider> {
    const cached = cache.get(provider.id);
    if (cached && cached.version === provider.version && Date.now() - cached.loadedAt < options.maxAgeMs) {
      return cached.discovered;
    }
    const discovered = discoverProvider({
      endpoint: normaliseOidEndpoint(provider.settings.oidEndpoint),
      settings: provider.settings,
      clientSecret: provider.secrets.clientSecret,
      timeoutMs: options.timeoutMs,
      userAgent: options.userAgent,
      step,
    }).then((result) => {
      options.logger?.debug(
        {
          provider: provider.name,
          issuer: result.metadata.issuer,
          authMethod: result.authMethod,
          par: result.usePar,
        },
        'OIDC discovery loaded',
      );
      return result;
    });
    const entry: CacheEntry = { version: provider.version, loadedAt: Date.now(), discovered };
    cache.set(provider.id, entry);
    discovered.catch(() => forget(provider.id, entry));
    return discovered;
  }

  return { discover, forget };
}

function logFailure(
  logger: Log | undefined,
  provider: OidcProvider,
  mapped: SsoError,
  operation: OidcOperation,
  error: unknown,
): void {
  logger?.warn(
    {
      provider: provider.name,
      code: mapped.code,
      step: mapped.step,
      operation,
      detail: mapped.detail,
      libraryCode: libraryCode(error),
    },
    'OIDC login step failed',
  );
}

function libraryCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
