// Open sign-ins: the list `/States` shows, and the limit on them per client (SSO_MAX_OPEN_FLOWS): every start stores a flow row, so without a
// limit one address could fill the database within the flow lifetime, at the rate limit's pace.
//
// The count is taken from the database (the flow row keeps a keyed hash of its client, indexed with the
// expiry), not from a per-instance counter in memory:
// - "open" is exact: a flow that finished, failed or expired frees its place at once, so many people
//   behind one NAT are refused only while that many sign-ins are really in progress;
// - it holds across instances sharing PostgreSQL and across restarts, like the rows it protects;
// - it costs no statement of its own: the start's INSERT counts the open flows and stores the new one only
//   below the limit (FlowStore.create), so even a burst of concurrent starts cannot pass it.
import { SsoError } from './errors.js';
import type { Clock, FlowStore } from './ports.js';
import type { ProtocolName } from './provider-settings.js';

export interface OpenFlowLimit {
  /** 0 switches the limit off. */
  maxOpenFlowsPerClient: number;
  flowTtlSeconds: number;
}

/** The refusal (429) of a start by a client that already has the maximum of open flows. */
export function tooManyOpenFlows(limit: OpenFlowLimit): SsoError {
  const minutes = Math.ceil(limit.flowTtlSeconds / 60);
  return new SsoError(
    'rate_limited',
    `Too many sign-ins are open from your address. Finish one, or wait up to ${minutes} minutes, and try again.`,
    { step: 'start', reason: 'open_sign_ins_limit', detail: `open flows>=${limit.maxOpenFlowsPerClient}` },
  );
}

/** A sign-in in progress as `/States` lists it. */
export interface OpenFlow {
  id: string;
  provider: string;
  protocol: ProtocolName;
  status: 'started' | 'verified';
  isLinking: boolean;
  created: Date;
  expires: Date;
}

/** The unexpired sign-ins of a protocol that are started or verified (claimed and finished ones are not). */
export async function listOpenFlows(
  deps: { flows: FlowStore; clock: Clock },
  protocol: ProtocolName,
): Promise<OpenFlow[]> {
  const open: OpenFlow[] = [];
  for (const flow of await deps.flows.listOpen(protocol, deps.clock.now())) {
    if (flow.status !== 'started' && flow.status !== 'verified') continue;
    open.push({
      id: flow.id,
      provider: flow.providerName,
      protocol: flow.protocol,
      status: flow.status,
      isLinking: flow.purpose === 'link',
      created: flow.createdAt,
      expires: flow.expiresAt,
    });
  }
  return open;
}
