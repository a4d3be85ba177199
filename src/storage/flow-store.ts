// FlowStore (src/sso/ports.ts) on MikroORM: login flows, started → verified → consumed (or failed),
// expiring; an Auth goes verified → claimed (one attempt, with a lease) → consumed once its session exists,
// or back to verified when it could not be made. Every transition is ONE conditional UPDATE whose WHERE
// carries the expected status (and expiry, token and provider where they matter), so concurrent requests,
// on one instance or many sharing a database, cannot both win. Flow secrets (PKCE verifier, nonce, …) are
// sealed by the SecretBox; the client that started a flow is kept only as a keyed hash, enough to count its
// open flows.

import type {
  ClaimRequest,
  ConsumeRequest,
  FlowPurpose,
  FlowSecrets,
  FlowStatus,
  FlowStore,
  LoginFlow,
  NewLoginFlow,
} from '../sso/ports.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { LoginFlowEntity, type LoginFlowRow } from './entities.js';
import type { SecretBox } from './secret-box.js';
import { isUniqueViolation, storageError, withStorageErrors, type StoreDeps } from './shared.js';
import { flowClash, OPEN_FLOW_STATUSES } from './store-rules.js';

function secretsContext(id: string): string {
  return `flow-secrets:${id}`;
}

function clientHash(box: SecretBox, clientKey: string): string {
  return box.mac(clientKey, 'flow-client');
}

function toFlow(box: SecretBox, row: LoginFlowRow): LoginFlow {
  return {
    id: row.id,
    providerId: row.provider,
    providerName: row.providerName,
    protocol: row.protocol as ProtocolName,
    purpose: row.purpose as FlowPurpose,
    status: row.status as FlowStatus,
    stateHash: row.stateHash,
    browserHash: row.browserHash,
    samlRequestId: row.samlRequestId ?? null,
    // Flows stored before secrets named their protocol lack the field; the row's protocol says which it is.
    secrets: {
      protocol: row.protocol,
      ...JSON.parse(box.open(row.secrets, secretsContext(row.id))),
    } as FlowSecrets,
    identity: row.identity ?? null,
    tokenHash: row.tokenHash ?? null,
    leaseExpiresAt: row.leaseExpiresAt ?? null,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

type FindKey = Partial<Pick<LoginFlowRow, 'stateHash' | 'tokenHash' | 'provider' | 'samlRequestId'>>;

function findOne({ orm, box }: StoreDeps, where: FindKey): Promise<LoginFlow | null> {
  return withStorageErrors('reading a login flow', 'state', async () => {
    const row = await orm.em.fork().findOne(LoginFlowEntity, where);
    return row ? toFlow(box, row) : null;
  });
}

async function create({ orm, box }: StoreDeps, flow: NewLoginFlow): Promise<void> {
  try {
    await orm.em.fork().insert(LoginFlowEntity, {
      id: flow.id,
      provider: flow.providerId,
      providerName: flow.providerName,
      protocol: flow.protocol,
      purpose: flow.purpose,
      status: 'started',
      stateHash: flow.stateHash,
      browserHash: flow.browserHash,
      samlRequestId: flow.samlRequestId,
      secrets: box.seal(JSON.stringify(flow.secrets), secretsContext(flow.id)),
      identity: null,
      tokenHash: null,
      attemptId: null,
      leaseExpiresAt: null,
      clientHash: clientHash(box, flow.clientKey),
      createdAt: flow.createdAt,
      expiresAt: flow.expiresAt,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw flowClash(error);
    throw storageError(error, 'creating a login flow', 'start');
  }
}

function markVerified(
  { orm }: StoreDeps,
  id: string,
  result: Parameters<FlowStore['markVerified']>[1],
  now: Date,
): Promise<boolean> {
  return withStorageErrors('marking a login flow verified', 'verify', async () => {
    const changed = await orm.em.fork().nativeUpdate(
      LoginFlowEntity,
      { id, status: 'started', expiresAt: { $gt: now } },
      {
        status: 'verified',
        identity: result.identity,
        tokenHash: result.tokenHash,
      },
    );
    return changed === 1;
  });
}

function markFailed({ orm }: StoreDeps, id: string): Promise<void> {
  return withStorageErrors('marking a login flow failed', 'state', async () => {
    await orm.em.fork().nativeUpdate(LoginFlowEntity, { id, status: 'started' }, { status: 'failed' });
  });
}

function consume({ orm, box }: StoreDeps, { tokenHash, providerId, now }: ConsumeRequest) {
  return withStorageErrors('consuming a login flow', 'session', async () => {
    // The single winner: status, token, provider and expiry are all part of the WHERE.
    const changed = await orm.em
      .fork()
      .nativeUpdate(
        LoginFlowEntity,
        { status: 'verified', tokenHash, provider: providerId, expiresAt: { $gt: now } },
        { status: 'consumed' },
      );
    if (changed !== 1) return null;
    const row = await orm.em.fork().findOne(LoginFlowEntity, { tokenHash });
    return row ? toFlow(box, row) : null;
  });
}

function claim({ orm, box }: StoreDeps, request: ClaimRequest): Promise<LoginFlow | null> {
  const { tokenHash, providerId, now, attemptId, leaseUntil } = request;
  return withStorageErrors('claiming a login flow', 'session', async () => {
    // The single winner: a verified flow, or a claimed one whose attempt's lease ran out.
    const changed = await orm.em.fork().nativeUpdate(
      LoginFlowEntity,
      {
        tokenHash,
        provider: providerId,
        expiresAt: { $gt: now },
        $or: [{ status: 'verified' }, { status: 'claimed', leaseExpiresAt: { $lte: now } }],
      },
      { status: 'claimed', attemptId, leaseExpiresAt: leaseUntil },
    );
    if (changed !== 1) return null;
    const row = await orm.em.fork().findOne(LoginFlowEntity, { tokenHash, attemptId });
    return row ? toFlow(box, row) : null;
  });
}

/** claimed (by `attemptId`) → `status`, in one conditional update; false when the attempt lost its claim. */
function endClaim(
  { orm }: StoreDeps,
  { id, attemptId }: { id: string; attemptId: string },
  status: 'consumed' | 'verified',
): Promise<boolean> {
  const what = status === 'consumed' ? 'consuming a login flow' : 'releasing a login flow';
  return withStorageErrors(what, 'session', async () => {
    const changed = await orm.em
      .fork()
      .nativeUpdate(
        LoginFlowEntity,
        { id, status: 'claimed', attemptId },
        { status, attemptId: null, leaseExpiresAt: null },
      );
    return changed === 1;
  });
}

function listOpen({ orm, box }: StoreDeps, protocol: ProtocolName, now: Date): Promise<LoginFlow[]> {
  return withStorageErrors('listing login flows', 'admin', async () => {
    const rows = await orm.em
      .fork()
      .find(
        LoginFlowEntity,
        { protocol, status: { $in: OPEN_FLOW_STATUSES }, expiresAt: { $gt: now } },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
    return rows.map((row) => toFlow(box, row));
  });
}

function countOpenByClient({ orm, box }: StoreDeps, clientKey: string, now: Date): Promise<number> {
  return withStorageErrors('counting open login flows', 'start', () =>
    orm.em.fork().count(LoginFlowEntity, {
      clientHash: clientHash(box, clientKey),
      status: { $in: OPEN_FLOW_STATUSES },
      expiresAt: { $gt: now },
    }),
  );
}

function purgeExpired({ orm }: StoreDeps, now: Date): Promise<number> {
  return withStorageErrors('purging login flows', undefined, () =>
    orm.em.fork().nativeDelete(LoginFlowEntity, { expiresAt: { $lte: now } }),
  );
}

export function createFlowStore(deps: StoreDeps): FlowStore {
  return {
    create: (flow) => create(deps, flow),
    findByStateHash: (stateHash) => findOne(deps, { stateHash }),
    findBySamlRequestId: (providerId, samlRequestId) =>
      findOne(deps, { provider: providerId, samlRequestId }),
    findByTokenHash: (tokenHash) => findOne(deps, { tokenHash }),
    markVerified: (id, result, now) => markVerified(deps, id, result, now),
    markFailed: (id) => markFailed(deps, id),
    consume: (request) => consume(deps, request),
    claim: (request) => claim(deps, request),
    finishClaim: (id, attemptId) => endClaim(deps, { id, attemptId }, 'consumed'),
    releaseClaim: async (id, attemptId) => void (await endClaim(deps, { id, attemptId }, 'verified')),
    listOpen: (protocol, now) => listOpen(deps, protocol, now),
    countOpenByClient: (clientKey, now) => countOpenByClient(deps, clientKey, now),
    purgeExpired: (now) => purgeExpired(deps, now),
  };
}
