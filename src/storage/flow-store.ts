// FlowStore (src/sso/ports.ts) on MikroORM: login flows, started → verified → consumed (or failed),
// expiring; an Auth goes verified → claimed (one attempt, with a lease) → consumed once its session exists,
// or back to verified when it could not be made. Every transition is ONE conditional UPDATE whose WHERE carries the expected status (and
// expiry, token and provider where they matter), so concurrent requests, on one instance or many sharing a
// database, cannot both win. Flow secrets (PKCE verifier, nonce, …) are sealed by the SecretBox; the client
// that started a flow is kept only as a keyed hash, enough to count its open flows.

import { SsoError } from '../sso/errors.js';
import type { FlowPurpose, FlowSecrets, FlowStatus, FlowStore, LoginFlow } from '../sso/ports.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { LoginFlowEntity, type LoginFlowRow } from './entities.js';
import type { SecretBox } from './secret-box.js';
import { isUniqueViolation, storageError, type StoreDeps } from './shared.js';

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
    secrets: JSON.parse(box.open(row.secrets, secretsContext(row.id))) as FlowSecrets,
    identity: row.identity ?? null,
    tokenHash: row.tokenHash ?? null,
    leaseExpiresAt: row.leaseExpiresAt ?? null,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

export function createFlowStore({ orm, box }: StoreDeps): FlowStore {
  async function findOne(
    where: Partial<Pick<LoginFlowRow, 'stateHash' | 'tokenHash' | 'provider' | 'samlRequestId'>>,
  ) {
    try {
      const row = await orm.em.fork().findOne(LoginFlowEntity, where);
      return row ? toFlow(box, row) : null;
    } catch (error) {
      throw storageError(error, 'reading a login flow', 'state');
    }
  }

  return {
    async create(flow) {
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
          decision: null,
          tokenHash: null,
          attemptId: null,
          leaseExpiresAt: null,
          clientHash: clientHash(box, flow.clientKey),
          createdAt: flow.createdAt,
          expiresAt: flow.expiresAt,
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          // Ids and states are random 256-bit values: a clash means a caller bug, not bad luck.
          throw new SsoError('internal', 'could not start the login; try again', {
            step: 'start',
            detail: 'login flow id or state hash already exists',
            cause: error,
          });
        }
        throw storageError(error, 'creating a login flow', 'start');
      }
    },

    findByStateHash: (stateHash) => findOne({ stateHash }),
    findBySamlRequestId: (providerId, samlRequestId) => findOne({ provider: providerId, samlRequestId }),
    findByTokenHash: (tokenHash) => findOne({ tokenHash }),

    async markVerified(id, result, now) {
      try {
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
      } catch (error) {
        throw storageError(error, 'marking a login flow verified', 'verify');
      }
    },

    async markFailed(id) {
      try {
        await orm.em.fork().nativeUpdate(LoginFlowEntity, { id, status: 'started' }, { status: 'failed' });
      } catch (error) {
        throw storageError(error, 'marking a login flow failed', 'state');
      }
    },

    async consume({ tokenHash, providerId, now }) {
      try {
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
      } catch (error) {
        throw storageError(error, 'consuming a login flow', 'session');
      }
    },

    async claim({ tokenHash, providerId, now, attemptId, leaseUntil }) {
      try {
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
      } catch (error) {
        throw storageError(error, 'claiming a login flow', 'session');
      }
    },

    async finishClaim(id, attemptId) {
      try {
        const changed = await orm.em
          .fork()
          .nativeUpdate(
            LoginFlowEntity,
            { id, status: 'claimed', attemptId },
            { status: 'consumed', attemptId: null, leaseExpiresAt: null },
          );
        return changed === 1;
      } catch (error) {
        throw storageError(error, 'consuming a login flow', 'session');
      }
    },

    async releaseClaim(id, attemptId) {
      try {
        await orm.em
          .fork()
          .nativeUpdate(
            LoginFlowEntity,
            { id, status: 'claimed', attemptId },
            { status: 'verified', attemptId: null, leaseExpiresAt: null },
          );
      } catch (error) {
        throw storageError(error, 'releasing a login flow', 'session');
      }
    },

    async listOpen(protocol, now) {
      try {
        const rows = await orm.em
          .fork()
          .find(
            LoginFlowEntity,
            { protocol, status: { $in: ['started', 'verified', 'claimed'] }, expiresAt: { $gt: now } },
            { orderBy: { createdAt: 'asc', id: 'asc' } },
          );
        return rows.map((row) => toFlow(box, row));
      } catch (error) {
        throw storageError(error, 'listing login flows', 'admin');
      }
    },

    async countOpenByClient(clientKey, now) {
      try {
        return await orm.em.fork().count(LoginFlowEntity, {
          clientHash: clientHash(box, clientKey),
          status: { $in: ['started', 'verified', 'claimed'] },
          expiresAt: { $gt: now },
        });
      } catch (error) {
        throw storageError(error, 'counting open login flows', 'start');
      }
    },

    async purgeExpired(now) {
      try {
        return await orm.em.fork().nativeDelete(LoginFlowEntity, { expiresAt: { $lte: now } });
      } catch (error) {
        throw storageError(error, 'purging login flows');
      }
    },
  };
}
