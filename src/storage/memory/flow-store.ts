// FlowStore (src/sso/ports.ts) in memory: login flows, started → verified → consumed (or failed), expiring;
// an Auth goes verified → claimed (one attempt, with a lease) → consumed, or back to verified. Each transition
// checks the same conditions as the database's conditional UPDATE (status, and expiry, token and provider
// where they matter) and writes in the same synchronous step, so only one caller can win. Flow secrets and
// the starting client are kept in clear: nothing here is at rest.

import type {
  ClaimRequest,
  ConsumeRequest,
  FlowCreated,
  FlowStore,
  LoginFlow,
  NewLoginFlow,
} from '../../sso/ports.js';
import { withProviderVersion } from '../../sso/ports.js';
import { SsoError } from '../../sso/errors.js';
import { compareOrdinal, flowClash, OPEN_FLOW_STATUSES } from '../store-rules.js';
import { atomically, copy, type MemoryFlow, type MemoryState } from './state.js';

/** The port's view of a kept flow: a fresh copy without the store's own fields, with its provider's version. */
function toFlow(
  state: MemoryState,
  { clientKey: _clientKey, attemptId: _attemptId, ...flow }: MemoryFlow,
): LoginFlow {
  return withProviderVersion(copy(flow), state.providers.get(flow.providerId)?.version ?? null);
}

function find(state: MemoryState, matches: (flow: MemoryFlow) => boolean): LoginFlow | null {
  for (const flow of state.flows.values()) if (matches(flow)) return toFlow(state, flow);
  return null;
}

function isOpen(flow: MemoryFlow, now: Date): boolean {
  return OPEN_FLOW_STATUSES.includes(flow.status) && flow.expiresAt > now;
}

function create(state: MemoryState, flow: NewLoginFlow): FlowCreated {
  const { providerVersion, maxOpenPerClient, ...kept } = flow;
  if (providerVersion !== undefined && state.providers.get(flow.providerId)?.version !== providerVersion) {
    return 'provider_changed';
  }
  if (maxOpenPerClient !== undefined && maxOpenPerClient > 0) {
    const open = [...state.flows.values()].filter(
      (other) => other.clientKey === flow.clientKey && isOpen(other, flow.createdAt),
    );
    if (open.length >= maxOpenPerClient) return 'too_many_open';
  }
  if (!state.providers.has(flow.providerId)) {
    // What the database's foreign key refuses, reported as its store does: a storage failure.
    throw new SsoError('internal', 'storage failure while creating a login flow', {
      step: 'start',
      detail: `provider ${flow.providerId} does not exist`,
    });
  }
  const taken = [...state.flows.values()].some(
    (other) => other.id === flow.id || other.stateHash === flow.stateHash,
  );
  if (taken) throw flowClash();
  state.flows.set(flow.id, {
    ...copy(kept),
    status: 'started',
    identity: null,
    tokenHash: null,
    leaseExpiresAt: null,
    attemptId: null,
  });
  return 'created';
}

function markVerified(
  state: MemoryState,
  id: string,
  result: Parameters<FlowStore['markVerified']>[1],
  now: Date,
): boolean {
  const flow = state.flows.get(id);
  if (!flow || flow.status !== 'started' || !(flow.expiresAt > now)) return false;
  if (find(state, (other) => other.tokenHash === result.tokenHash)) {
    throw new SsoError('internal', 'storage failure while marking a login flow verified', {
      step: 'verify',
      detail: 'token hash already exists',
    });
  }
  const { secrets, ...verified } = copy(result);
  Object.assign(flow, verified, secrets === undefined ? {} : { secrets }, { status: 'verified' });
  return true;
}

/** The verified flow a token redeems for this provider, still in time; a claimed one whose lease ran out too. */
function redeemable(state: MemoryState, request: ConsumeRequest, allowLapsedClaim: boolean) {
  for (const flow of state.flows.values()) {
    if (flow.tokenHash !== request.tokenHash || flow.providerId !== request.providerId) continue;
    if (!(flow.expiresAt > request.now) || !meetsConditions(state, flow, request)) return null;
    if (flow.status === 'verified') return flow;
    const lapsed =
      flow.status === 'claimed' && flow.leaseExpiresAt !== null && flow.leaseExpiresAt <= request.now;
    return allowLapsedClaim && lapsed ? flow : null;
  }
  return null;
}

/** The request's optional conditions, as the database's WHERE has them. */
function meetsConditions(state: MemoryState, flow: MemoryFlow, request: ConsumeRequest): boolean {
  if (request.purpose !== undefined && flow.purpose !== request.purpose) return false;
  const bound = request.browser?.some(
    (cookie) => cookie.flowId === flow.id && cookie.browserHash === flow.browserHash,
  );
  if (bound === false) return false;
  const version = state.providers.get(flow.providerId)?.version;
  return request.providerVersion === undefined || version === request.providerVersion;
}

function claim(state: MemoryState, request: ClaimRequest): LoginFlow | null {
  const flow = redeemable(state, request, true);
  if (!flow) return null;
  Object.assign(flow, {
    status: 'claimed',
    attemptId: request.attemptId,
    leaseExpiresAt: request.leaseUntil,
  });
  return toFlow(state, flow);
}

/** Ends the claim of `attemptId` (if it still holds it), moving the flow to `status`. */
function endClaim(
  state: MemoryState,
  id: string,
  attemptId: string,
  status: 'consumed' | 'verified',
): boolean {
  const flow = state.flows.get(id);
  if (!flow || flow.status !== 'claimed' || flow.attemptId !== attemptId) return false;
  Object.assign(flow, { status, attemptId: null, leaseExpiresAt: null });
  return true;
}

function purgeExpired(state: MemoryState, now: Date): number {
  let removed = 0;
  for (const [id, flow] of state.flows) {
    if (flow.expiresAt <= now) {
      state.flows.delete(id);
      removed++;
    }
  }
  return removed;
}

export function createMemoryFlowStore({ state }: { state: MemoryState }): FlowStore {
  return {
    create: (flow) => atomically(() => create(state, flow)),
    findByStateHash: (stateHash) => atomically(() => find(state, (flow) => flow.stateHash === stateHash)),
    findBySamlRequestId: (providerId, requestId) =>
      atomically(() =>
        find(state, (flow) => flow.providerId === providerId && flow.samlRequestId === requestId),
      ),
    findByTokenHash: (tokenHash) => atomically(() => find(state, (flow) => flow.tokenHash === tokenHash)),
    markVerified: (id, result, now) => atomically(() => markVerified(state, id, result, now)),
    markFailed: (id) =>
      atomically(() => {
        const flow = state.flows.get(id);
        if (flow?.status === 'started') flow.status = 'failed';
      }),
    consume: (request) =>
      atomically(() => {
        const flow = redeemable(state, request, false);
        if (!flow) return null;
        flow.status = 'consumed';
        return toFlow(state, flow);
      }),
    claim: (request) => atomically(() => claim(state, request)),
    finishClaim: (id, attemptId) => atomically(() => endClaim(state, id, attemptId, 'consumed')),
    releaseClaim: (id, attemptId) => atomically(() => void endClaim(state, id, attemptId, 'verified')),
    listOpen: (protocol, now) =>
      atomically(() =>
        [...state.flows.values()]
          .filter((flow) => flow.protocol === protocol && isOpen(flow, now))
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareOrdinal(a.id, b.id))
          .map((flow) => toFlow(state, flow)),
      ),
    countOpenByClient: (clientKey, now) =>
      atomically(
        () =>
          [...state.flows.values()].filter((flow) => flow.clientKey === clientKey && isOpen(flow, now))
            .length,
      ),
    purgeExpired: (now) => atomically(() => purgeExpired(state, now)),
  };
}
