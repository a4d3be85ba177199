// LinkStore (src/sso/ports.ts) on MikroORM: account links (provider, subject) → media-server user. The
// unique index on (provider, subject) is the arbiter when two logins race to create the same link; its
// violation becomes SsoError('link_conflict'). Links die with their provider (ON DELETE CASCADE).
// A first sign-in claims the link before its account exists (claimId + lease, userId '' until completed):
// such a pending link is no link to readers, and a claim whose claimant died lapses with its lease.

import { randomUUID } from 'node:crypto';
import type { AccountLink, LinkStore } from '../sso/ports.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { AccountLinkEntity, ProviderEntity, type AccountLinkRow } from './entities.js';
import { isUniqueViolation, storageError, systemClock, type StoreDeps } from './shared.js';
import { compareOrdinal, linkConflict, linkGone, linkProviderGone, PENDING_USER_ID } from './store-rules.js';

interface ProviderRef {
  name: string;
  protocol: string;
}

function toLink(row: AccountLinkRow, provider: ProviderRef): AccountLink {
  return {
    providerId: row.provider,
    providerName: provider.name,
    protocol: provider.protocol as ProtocolName,
    subject: row.subject,
    userId: row.userId,
    label: row.label ?? null,
    createdAt: row.createdAt,
  };
}

export function createLinkStore({ orm, clock = systemClock }: StoreDeps): LinkStore {
  return {
    async find(providerId, subject) {
      try {
        const em = orm.em.fork();
        const row = await em.findOne(AccountLinkEntity, { provider: providerId, subject, claimId: null });
        if (!row) return null;
        const provider = await em.findOne(
          ProviderEntity,
          { id: providerId },
          { fields: ['name', 'protocol'] },
        );
        return provider ? toLink(row, provider) : null;
      } catch (error) {
        throw storageError(error, 'reading an account link', 'link');
      }
    },

    async listByUser(protocol, userId) {
      try {
        const em = orm.em.fork();
        const providers = await em.find(ProviderEntity, { protocol }, { fields: ['id', 'name', 'protocol'] });
        if (providers.length === 0) return [];
        const byId = new Map(providers.map((provider) => [provider.id, provider]));
        const rows = await em.find(AccountLinkEntity, {
          userId,
          claimId: null,
          provider: { $in: [...byId.keys()] },
        });
        const links: AccountLink[] = [];
        for (const row of rows) {
          const provider = byId.get(row.provider);
          if (provider) links.push(toLink(row, provider));
        }
        // Stable, dialect-independent order: provider name, then subject (ordinal).
        return links.sort(
          (a, b) => compareOrdinal(a.providerName, b.providerName) || compareOrdinal(a.subject, b.subject),
        );
      } catch (error) {
        throw storageError(error, 'listing account links', 'link');
      }
    },

    async create(link) {
      const em = orm.em.fork();
      let provider: ProviderRef | null;
      try {
        provider = await em.findOne(
          ProviderEntity,
          { id: link.providerId },
          { fields: ['name', 'protocol'] },
        );
      } catch (error) {
        throw storageError(error, 'creating an account link', 'link');
      }
      if (!provider) throw linkProviderGone();
      const row: AccountLinkRow = {
        id: randomUUID(),
        provider: link.providerId,
        subject: link.subject,
        userId: link.userId,
        label: link.label,
        claimId: null,
        claimExpiresAt: null,
        createdAt: clock.now(),
      };
      try {
        await em.insert(AccountLinkEntity, row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw linkConflict(link.providerId, error);
        }
        throw storageError(error, 'creating an account link', 'link');
      }
      return toLink(row, provider);
    },

    async claim({ providerId, subject, label, claimId, leaseUntil, now, replacing }) {
      const held = { claimId, claimExpiresAt: leaseUntil };
      try {
        const em = orm.em.fork();
        if (replacing === undefined) {
          try {
            await em.insert(AccountLinkEntity, {
              id: randomUUID(),
              provider: providerId,
              subject,
              userId: PENDING_USER_ID,
              label,
              ...held,
              createdAt: clock.now(),
            });
            return true;
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
          }
        } else {
          const repointed = await em.nativeUpdate(
            AccountLinkEntity,
            { provider: providerId, subject, userId: replacing, claimId: null },
            held,
          );
          if (repointed === 1) return true;
        }
        // Someone holds it: take it over only if their lease ran out.
        const lapsed = await em.nativeUpdate(
          AccountLinkEntity,
          { provider: providerId, subject, claimId: { $ne: null }, claimExpiresAt: { $lte: now } },
          held,
        );
        return lapsed === 1;
      } catch (error) {
        throw storageError(error, 'claiming an account link', 'link');
      }
    },

    async completeClaim(providerId, subject, claimId, userId) {
      try {
        const changed = await orm.em
          .fork()
          .nativeUpdate(
            AccountLinkEntity,
            { provider: providerId, subject, claimId },
            { userId, claimId: null, claimExpiresAt: null },
          );
        return changed === 1;
      } catch (error) {
        throw storageError(error, 'completing an account link', 'link');
      }
    },

    async releaseClaim(providerId, subject, claimId) {
      try {
        const em = orm.em.fork();
        // A first sign-in's pending link goes; a re-point claim leaves the link as it was.
        const removed = await em.nativeDelete(AccountLinkEntity, {
          provider: providerId,
          subject,
          claimId,
          userId: PENDING_USER_ID,
        });
        if (removed === 0) {
          await em.nativeUpdate(
            AccountLinkEntity,
            { provider: providerId, subject, claimId },
            { claimId: null, claimExpiresAt: null },
          );
        }
      } catch (error) {
        throw storageError(error, 'releasing an account link', 'link');
      }
    },

    async delete(providerId, subject) {
      try {
        return (await orm.em.fork().nativeDelete(AccountLinkEntity, { provider: providerId, subject })) > 0;
      } catch (error) {
        throw storageError(error, 'deleting an account link', 'link');
      }
    },

    async repoint(providerId, subject, userId) {
      let changed: number;
      try {
        changed = await orm.em
          .fork()
          .nativeUpdate(AccountLinkEntity, { provider: providerId, subject }, { userId });
      } catch (error) {
        throw storageError(error, 'updating an account link', 'link');
      }
      if (changed === 0) throw linkGone();
    },
  };
}
