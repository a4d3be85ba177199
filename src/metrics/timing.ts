// Latency and failure counts around the service's calls, each added by wrapping what the app builds: the
// sign-in steps' handlers (by operation id), Jellyfin's request function (by endpoint template) and the
// stores (database failures). Each wrapped call costs a clock read and, on a failure, a count.
import type { Handlers, RequestState } from '../http/handler.js';
import { isRecord } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';
import type { Metrics } from './registry.js';

/** The handlers timed in `sso_step_duration_seconds`, and the step each one is (aliases with their step). */
const STEPS: Record<string, { protocol: 'oidc' | 'saml'; step: 'start' | 'callback' | 'auth' }> = {
  startOidcLogin: { protocol: 'oidc', step: 'start' },
  startOidcLoginAlias: { protocol: 'oidc', step: 'start' },
  completeOidcLogin: { protocol: 'oidc', step: 'callback' },
  completeOidcLoginAlias: { protocol: 'oidc', step: 'callback' },
  authenticateOidc: { protocol: 'oidc', step: 'auth' },
  startSamlLogin: { protocol: 'saml', step: 'start' },
  startSamlLoginAlias: { protocol: 'saml', step: 'start' },
  receiveSamlResponse: { protocol: 'saml', step: 'callback' },
  receiveSamlResponseAlias: { protocol: 'saml', step: 'callback' },
  authenticateSaml: { protocol: 'saml', step: 'auth' },
};

/** The handlers, where each sign-in step's is timed (its outcome: `ok`, or `error` when it threw). */
export function timingSteps(handlers: Handlers, metrics: Metrics): Handlers {
  const timed: Handlers = { ...handlers };
  for (const [operationId, handler] of Object.entries(handlers)) {
    const step = STEPS[operationId];
    if (step === undefined) continue;
    // Bound once: an observation then costs no label lookup.
    const ok = metrics.stepSeconds.labels({ ...step, outcome: 'ok' });
    const error = metrics.stepSeconds.labels({ ...step, outcome: 'error' });
    Object.assign(timed, {
      [operationId]: async (input: never, state: RequestState) => {
        const started = performance.now();
        try {
          const reply = await handler(input, state);
          ok.observe((performance.now() - started) / 1000);
          return reply;
        } catch (thrown) {
          error.observe((performance.now() - started) / 1000);
          throw thrown;
        }
      },
    });
  }
  return timed;
}

/** How a Jellyfin call failed (request.ts `JellyfinFailure`), read without importing the adapter. */
const FAILURES = new Set(['network', 'timeout', 'status', 'shape']);

function failureOf(error: unknown): string {
  const failure = isRecord(error) ? error['failure'] : undefined;
  return typeof failure === 'string' && FAILURES.has(failure) ? failure : 'other';
}

/** Times one media-server call under its endpoint template (`GET /Users/{userId}`), counting a failure. */
export async function timeMediaCall<T>(
  metrics: Metrics,
  endpoint: string,
  run: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } catch (error) {
    metrics.mediaCallErrors.inc({ endpoint, failure: failureOf(error) });
    throw error;
  } finally {
    metrics.mediaCallSeconds.observe({ endpoint }, (performance.now() - started) / 1000);
  }
}

/**
 * A database failure as the stores report it: any error but an SsoError that is the caller's (a value
 * that cannot be stored is `invalid_request`; the stores turn every database failure into `internal`).
 */
function isDatabaseFailure(error: unknown): boolean {
  return !(error instanceof SsoError) || error.code === 'internal';
}

/**
 * The store with each method counting its database failures in `sso_database_errors_total{store}`. The
 * stores are plain objects of methods (storage/*-store.ts); a failure passes through unchanged.
 */
export function countingFailures<T extends object>(store: T, name: string, metrics: Metrics): T {
  const counter = metrics.databaseErrors.labels({ store: name });
  const onFailure = (error: unknown): never => {
    if (isDatabaseFailure(error)) counter.inc();
    throw error;
  };
  const wrapped: Record<string, unknown> = {};
  const members: [string, unknown][] = Object.entries(store);
  for (const [key, member] of members) {
    wrapped[key] =
      typeof member === 'function'
        ? (...args: unknown[]): unknown => {
            const result: unknown = Reflect.apply(member, store, args);
            return result instanceof Promise ? result.catch(onFailure) : result;
          }
        : member;
  }
  // The same keys, each function wrapped with its own parameters and result: TypeScript cannot follow a
  // mapped copy built by iteration.
  return wrapped as T;
}
