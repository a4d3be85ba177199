// Request security: who the caller is (one credential per request, read the way Jellyfin reads it), the
// access rule of each operation (`x-sso-access` in the spec) and the rate limit on the public operations.
import type { Context, Document, OpenAPIBackend, Operation } from 'openapi-backend';
import { SsoError } from '../sso/errors.js';
import { checkLinksAccess, parseUserId } from '../sso/links.js';
import { isElevated, type MediaServer, type Principal } from '../sso/ports.js';
import { readToken } from './credentials.js';
import { createRateLimiter } from './rate-limit.js';
import { routedParams, type Pending } from './request-shape.js';

export type AccessRule = 'public' | 'elevated' | 'self-or-elevated';

export function accessRule(operation: Operation): AccessRule {
  if (!('x-sso-access' in operation)) {
    return operation.security !== undefined && operation.security.length === 0 ? 'public' : 'elevated';
  }
  const rule = operation['x-sso-access'];
  return rule === 'public' || rule === 'self-or-elevated' ? rule : 'elevated';
}

/**
 * Registers the credential resolution for every security scheme of the spec and the access rules after
 * it; returns the rate-limit check, run once the operation is known.
 */
export function registerRequestSecurity(
  api: OpenAPIBackend,
  definition: Document,
  options: { mediaServer: MediaServer; rateLimitPerMinute: number },
): (operation: Operation, pending: Pending) => void {
  // Every scheme is one of Jellyfin's ways to carry the same token: resolve it once per request.
  const resolved = new WeakMap<Pending, Promise<Principal | null>>();
  const resolveCaller = async (pending: Pending): Promise<Principal | null> => {
    const token = readToken({ headers: pending.request.headers, query: pending.rawQuery });
    if (token === null) return null;
    const principal = await options.mediaServer.resolveToken(token);
    pending.state.principal = principal;
    return principal;
  };
  const securityHandler = (_c: Context, pending: Pending): Promise<Principal | null> => {
    let result = resolved.get(pending);
    if (result === undefined) {
      result = resolveCaller(pending);
      resolved.set(pending, result);
    }
    return result;
  };
  for (const scheme of Object.keys(definition.components?.securitySchemes ?? {})) {
    api.registerSecurityHandler(scheme, securityHandler);
  }
  api.register({
    unauthorizedHandler: () => {
      throw new SsoError('unauthenticated', 'A valid Jellyfin access token or API key is required.', {
        step: 'credentials',
      });
    },
    postSecurityHandler: (c: Context, pending: Pending) => {
      if (c.operation !== undefined) checkAccess(c.operation, routedParams(c), pending.state.principal);
    },
  });

  const limiter = createRateLimiter(options.rateLimitPerMinute);
  return (operation, pending) => {
    if (accessRule(operation) === 'public' && !limiter.allow(pending.state.clientAddress)) {
      throw new SsoError('rate_limited', 'Too many requests from your address; wait a minute and try again.');
    }
  };
}

/** Without a principal the unauthorized handler answers; with one, the operation's rule decides. */
function checkAccess(
  operation: Operation,
  params: Record<string, unknown>,
  principal: Principal | null,
): void {
  const rule = accessRule(operation);
  if (rule === 'public' || principal === null || isElevated(principal)) return;
  if (rule === 'elevated') {
    throw new SsoError('forbidden', 'This requires an administrator or an API key.', {
      step: 'credentials',
    });
  }
  const target = params['jellyfinUserId'];
  checkLinksAccess(principal, typeof target === 'string' ? parseUserId(target) : null);
}
