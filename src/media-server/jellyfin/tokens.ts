// Resolving callers' tokens against Jellyfin: `GET /Users/Me` for a user's token, and `/Auth/Keys` to confirm
// an API key. Answers (valid or not) are cached briefly, so an admin page does not ask Jellyfin on every call.

import { sha256 } from '../../sso/basics.js';
import { sameSecret } from '../../sso/same-secret.js';
import type { Clock, Log, Principal } from '../../sso/ports.js';
import type { JellyfinClient } from './client.js';
import { jellyfinErrorToSsoError } from './errors.js';
import { toMediaUser } from './users.js';

export interface TokenResolver {
  /** The principal of a token; null when Jellyfin does not know it or its user is disabled. */
  resolve(token: string): Promise<Principal | null>;
  /** Drops cached answers about a user whose policy changed (e.g. an admin demoted). */
  forgetUser(userId: string): void;
}

export interface TokenCacheOptions {
  /** How long an answer is reused; 0 disables the cache. */
  cacheMs: number;
  /** Most entries kept; the oldest goes first. */
  cacheSize: number;
}

/**
 * A resolver with a positive and negative cache keyed by the token's SHA-256 (tokens are never kept in
 * clear); concurrent look-ups of one token share one call.
 */
export function createTokenResolver(
  client: JellyfinClient,
  deps: { clock: Clock; log: Log },
  options: TokenCacheOptions,
): TokenResolver {
  const cache = new Map<string, { principal: Principal | null; expiresAt: number }>();
  const pending = new Map<string, Promise<Principal | null>>();

  function remember(key: string, principal: Principal | null): void {
    if (options.cacheMs <= 0) return;
    cache.delete(key);
    while (cache.size >= options.cacheSize) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
    cache.set(key, { principal, expiresAt: deps.clock.now().getTime() + options.cacheMs });
  }

  function lookUpOnce(key: string, token: string): Promise<Principal | null> {
    const running = pending.get(key);
    if (running) return running;
    const lookup = lookUpToken(client, deps.log, token).then(
      (principal) => {
        remember(key, principal);
        return principal;
      },
      (error: unknown) => {
        throw jellyfinErrorToSsoError(error, 'checking a credential', 'credentials');
      },
    );
    const settled = lookup.finally(() => pending.delete(key));
    settled.catch(() => undefined);
    pending.set(key, lookup);
    return lookup;
  }

  return {
    async resolve(token) {
      if (token === '') return null;
      const key = sha256(token);
      const hit = cache.get(key);
      if (hit && hit.expiresAt > deps.clock.now().getTime()) return structuredClone(hit.principal);
      return structuredClone(await lookUpOnce(key, token));
    },
    forgetUser(userId) {
      for (const [key, entry] of cache) {
        if (entry.principal?.kind === 'user' && entry.principal.user.id === userId) cache.delete(key);
      }
    },
  };
}

async function lookUpToken(client: JellyfinClient, log: Log, token: string): Promise<Principal | null> {
  const answer = await client.currentUser(token);
  if (answer.status === 401) return null;
  if (answer.status === 200) {
    const user = toMediaUser(answer.user);
    // Jellyfin already answers 401 for a disabled user's token; this is a second guard.
    return user.policy.IsDisabled ? null : { kind: 'user', user };
  }
  // 400 "token is not owned by a user" means an API key. A 400 can also come from a proxy in between, and an
  // API key is a full admin credential, so confirm it is listed before granting that.
  const keys = await client.apiKeys();
  const key = keys.find((entry) => sameSecret(entry.AccessToken, token));
  if (!key) {
    log.warn({}, 'Jellyfin answered 400 to /Users/Me for a token that is not one of its API keys; refused');
    return null;
  }
  return {
    kind: 'apiKey',
    keyId: key.Id !== null ? String(key.Id) : sha256(token).slice(0, 16),
    name: key.AppName ?? 'API key',
  };
}
