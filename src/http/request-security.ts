// Request security: who the caller is (one credential per request, read the way Jellyfin reads it), the
// access rule of each operation (`x-sso-access` in the spec) and the rate limit on the public operations.
import type { Operation } from 'openapi-backend';
import { SsoError } from '../sso/errors.js';
import { checkLinksAccess, parseUserId } from '../sso/links.js';
import { isElevated, type MediaServer, type Principal } from '../sso/ports.js';
import { readToken } from './credentials.js';
import { createRateLimiter } from './rate-limit.js';
import type { Pending } from './request-shape.js';

export type AccessRule = 'public' | 'elevated' | 'self-or-elevated';

export function accessRule(operation: Operation): AccessRule {
  if (!('x-sso-access' in operation)) {
    return operation.security !== undefined && operation.security.length === 0 ? 'public' : 'elevated';
  }
  const rule = operation['x-sso-access'];
  return rule === 'public' || rule === 'self-or-elevated' ? rule : 'elevated';
}

export interface RequestSecurity {
  /** The rate limit of the public operations; throws `rate_limited` when the client is over it. */
  limitRate(access: AccessRule, pending: Pending): void;
  /**
   * Resolves the caller's credential when the operation requires one (any of the spec's security schemes:
   * each is one of Jellyfin's ways to carry the same token) and applies the access rule.
   */
  authorize(route: { access: AccessRule; secured: boolean }, pending: Pending): Promise<void>;
}

export function createRequestSecurity(options: {
  mediaServer: MediaServer;
  rateLimitPerMinute: number;
}): RequestSecurity {
  const limiter = createRateLimiter(options.rateLimitPerMinute);
  const resolveCaller = async (pending: Pending): Promise<Principal | null> => {
    const token = readToken({ headers: pending.request.headers, query: pending.rawQuery });
    if (token === null) return null;
    try {
      return await options.mediaServer.resolveToken(token);
    } catch (error) {
      // A credential that cannot be checked is no credential (the caller is told to sign in); the cause
      // is in the log under the request id.
      pending.state.log.warn({ err: error }, 'the credential could not be checked');
      return null;
    }
  };
  return {
    limitRate(access, pending) {
      if (access === 'public' && !limiter.allow(pending.state.clientAddress)) {
        throw new SsoError(
          'rate_limited',
          'Too many requests from your address; wait a minute and try again.',
        );
      }
    },
    async authorize(route, pending) {
      if (!route.secured) return;
      const principal = await resolveCaller(pending);
      if (principal === null) {
        throw new SsoError('unauthenticated', 'A valid Jellyfin access token or API key is required.', {
          step: 'credentials',
        });
      }
      pending.state.principal = principal;
      checkAccess(route.access, pending.params ?? {}, principal);
    },
  };
}

/** The operation's rule decides what a known caller may do. */
function checkAccess(rule: AccessRule, params: Record<string, unknown>, principal: Principal): void {
  if (rule === 'public' || isElevated(principal)) return;
  if (rule === 'elevated') {
    throw new SsoError('forbidden', 'This requires an administrator or an API key.', {
      step: 'credentials',
    });
  }
  const target = params['jellyfinUserId'];
  checkLinksAccess(principal, typeof target === 'string' ? parseUserId(target) : null);
}
