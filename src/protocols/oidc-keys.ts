// The signing keys of each OpenID Provider and the ID token signature check made with them
// (OIDC Core §3.1.3.7 step 6, §10.1.1). Providers rotate keys (Keycloak, authentik and Entra ID on a
// schedule): a token whose `kid` is not in the cached key set makes the service fetch the set again and
// check once more, so the first sign-in after a rotation succeeds. Refetches are rate-limited per provider
// (one per `refetchIntervalMs`); a token arriving inside the interval waits for the next refetch instead of
// triggering its own, so a stream of unknown `kid`s costs the IdP at most one request per interval, and a
// token is refused only when its key is still unknown in a set fetched after the cached one failed it
// (a refetch already in flight is shared: an IdP publishes a key before it signs with it).

import * as jose from 'jose';
import type { CustomFetch } from 'openid-client';

import { isRecord } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';
import { failedCheck } from './oidc-errors.js';

/** A JWK Set (RFC 7517 §5) as the IdP serves it at `jwks_uri`. */
type KeySet = jose.JSONWebKeySet;

/** The IdP fetch (createIdpFetch: timeout, User-Agent, the provider's https rule). */
type IdpFetch = CustomFetch;

export interface SigningKeysOptions {
  /** At most one refetch per provider within this interval. Default 5 s. */
  refetchIntervalMs?: number;
  /** A key set older than this is fetched again before use. Default 10 minutes. */
  maxAgeMs?: number;
  now?: () => number;
}

export interface VerifyInput {
  providerId: string;
  jwksUri: string;
  fetch: IdpFetch;
  idToken: string;
  /** Never `none` or a symmetric algorithm (ASYMMETRIC_ALGORITHMS). */
  algorithms: string[];
}

export interface SigningKeys {
  /**
   * Checks the JWS signature of the ID token with the provider's keys. Refuses with an SsoError
   * (`idp_response_invalid`, check `signature`; `upstream_unavailable` when no key set could be fetched).
   */
  verify(input: VerifyInput): Promise<void>;
}

const DEFAULT_REFETCH_INTERVAL_MS = 5_000;
const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000;

/** JWS algorithms an ID token may be verified with: asymmetric only (RFC 7518 §3.1, RFC 8037). */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export function createSigningKeys(options: SigningKeysOptions = {}): SigningKeys {
  const sets = new Map<string, ProviderKeySet>();
  const settings: KeySetSettings = {
    now: options.now ?? Date.now,
    refetchIntervalMs: options.refetchIntervalMs ?? DEFAULT_REFETCH_INTERVAL_MS,
    maxAgeMs: options.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
  };

  return {
    async verify(input) {
      // One set per provider; a discovery that names another jwks_uri replaces it.
      let set = sets.get(input.providerId);
      if (set?.jwksUri !== input.jwksUri) {
        set = createProviderKeySet(input.jwksUri, settings);
        sets.set(input.providerId, set);
      }
      await verifyWith(set, input);
    },
  };
}

/** Verifies against the current set; on an unknown key, once more against a refetched set. */
async function verifyWith(set: ProviderKeySet, input: VerifyInput): Promise<void> {
  const { idToken, algorithms } = input;
  if ((await tryVerify(idToken, await set.current(input.fetch), algorithms)) === 'verified') return;
  let fresh: KeySet;
  try {
    fresh = await set.refetched(input.fetch);
  } catch (error) {
    // The token may be genuine, but nothing the IdP publishes vouches for it: a refusal, not an outage.
    throw failedCheck(
      'signature',
      "the ID token is signed by a key the service does not know, and the identity provider's key set " +
        `could not be fetched again to look for it (${error instanceof SsoError ? error.message : 'failed'}); ` +
        'try again later',
      error,
    );
  }
  if ((await tryVerify(idToken, fresh, algorithms)) === 'verified') return;
  throw failedCheck(
    'signature',
    'no key published by the identity provider matches the ID token, even after fetching its key set again',
  );
}

type Outcome = 'verified' | 'unknown key';

/** `unknown key` when no key of the set fits the token's header; every other failure is thrown. */
async function tryVerify(idToken: string, keys: KeySet, algorithms: string[]): Promise<Outcome> {
  try {
    await jose.compactVerify(idToken, jose.createLocalJWKSet(keys), { algorithms });
    return 'verified';
  } catch (error) {
    if (error instanceof jose.errors.JWKSNoMatchingKey) return 'unknown key';
    throw signatureFailure(error);
  }
}

function signatureFailure(error: unknown): SsoError {
  if (error instanceof jose.errors.JWKSMultipleMatchingKeys) {
    return failedCheck(
      'signature',
      'several published keys fit the ID token and it names none of them (no "kid")',
      error,
    );
  }
  if (error instanceof jose.errors.JOSEAlgNotAllowed || error instanceof jose.errors.JOSENotSupported) {
    return failedCheck(
      'signature',
      'the ID token uses a signing algorithm the service does not accept',
      error,
    );
  }
  return failedCheck(
    'signature',
    'the ID token is not signed by a key the identity provider publishes',
    error,
  );
}

// -------------------------------------------------------------------------------------------------------
// One provider's key set

interface ProviderKeySet {
  jwksUri: string;
  /** The cached set, fetched first when there is none or it is older than the maximum age. */
  current(fetch: IdpFetch): Promise<KeySet>;
  /** A fresh set: joins the refetch in flight, or starts one, at most one per interval (callers share it). */
  refetched(fetch: IdpFetch): Promise<KeySet>;
}

interface KeySetSettings {
  now: () => number;
  refetchIntervalMs: number;
  maxAgeMs: number;
}

function createProviderKeySet(jwksUri: string, settings: KeySetSettings): ProviderKeySet {
  let loaded: { keys: Promise<KeySet>; loadedAt: number; failed: boolean } | undefined;
  let lastRefetchAt = -Infinity;
  let next: Promise<KeySet> | undefined;

  function load(fetch: IdpFetch): Promise<KeySet> {
    const entry = { keys: fetchKeySet(fetch, jwksUri), loadedAt: settings.now(), failed: false };
    // A failed fetch is not kept: the next sign-in fetches again.
    entry.keys.catch(() => (entry.failed = true));
    loaded = entry;
    return entry.keys;
  }

  return {
    jwksUri,
    current(fetch) {
      const stale = !loaded || loaded.failed || settings.now() - loaded.loadedAt >= settings.maxAgeMs;
      return stale || !loaded ? load(fetch) : loaded.keys;
    },
    // The interval counts from the last refetch, not from a routine load: right after a routine load one
    // refetch may still run at once, so a rotation just after it costs no wait.
    refetched(fetch) {
      if (next) return next;
      const pending = (async () => {
        const wait = lastRefetchAt + settings.refetchIntervalMs - settings.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        lastRefetchAt = settings.now();
        return load(fetch);
      })();
      next = pending;
      // Callers arriving while it runs share it; once settled, the next unknown key schedules a new one.
      const settled = (): void => {
        if (next === pending) next = undefined;
      };
      pending.then(settled, settled);
      return pending;
    },
  };
}

/**
 * GET `jwks_uri` (no redirects): a 200 answer whose body is a JSON object with a `keys` list. An IdP that
 * is down or slow is `upstream_unavailable`; any other bad answer is `idp_response_invalid`.
 */
export async function fetchKeySet(fetchFn: IdpFetch, jwksUri: string): Promise<KeySet> {
  let response: Response;
  try {
    response = await fetchFn(jwksUri, {
      method: 'GET',
      headers: { accept: 'application/jwk-set+json, application/json' },
      body: undefined,
      redirect: 'manual',
    });
  } catch (error) {
    if (error instanceof SsoError) throw error;
    const late = error instanceof Error && error.name === 'TimeoutError';
    throw keySetFailure(
      'upstream_unavailable',
      late ? 'did not answer in time' : 'could not be reached',
      error,
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    const down = response.status >= 500 || response.status === 429;
    throw keySetFailure(
      down ? 'upstream_unavailable' : 'idp_response_invalid',
      `answered HTTP ${response.status}`,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!isRecord(body) || !Array.isArray(body.keys) || !body.keys.every(isRecord)) {
    throw keySetFailure('idp_response_invalid', 'is not a JSON Web Key Set');
  }
  // Checked just above: an object whose `keys` is a list of objects, which is what a JWK Set is.
  return body as unknown as KeySet;
}

function keySetFailure(
  code: 'upstream_unavailable' | 'idp_response_invalid',
  what: string,
  cause?: unknown,
): SsoError {
  return new SsoError(code, `The identity provider's signing key set (jwks_uri) ${what}.`, {
    step: 'verify',
    reason: 'oidc_jwks_failed',
    cause,
  });
}
