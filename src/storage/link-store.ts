// LinkStore (src/sso/ports.ts) on MikroORM: account links (provider, subject) → media-server user. The
// unique index on (provider, subject) is the arbiter when two logins race to create the same link; its
// violation becomes SsoError('link_conflict'). Links die with their provider (ON DELETE CASCADE).
// A first sign-in claims the link before its account exists (claimId + lease, userId '' until completed):
// such a pending link is no link to readers, and a claim whose claimant died lapses with its lease.

import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { AccountLink, Clock, LinkClaim, LinkStore } from '../sso/ports.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { AccountLinkEntity, ProviderEntity, type AccountLinkRow } from './entities.js';
import { isUniqueViolation, storageError, systemClock, withStorageErrors, type StoreDeps } from './shared.js';
import { readDate, sqlOf, type SqlValue } from './sql.js';
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

type LinkDeps = Pick<StoreDeps, 'orm'> & { clock: Clock };
type NewLink = Parameters<LinkStore['create']>[0];

/** The name and protocol links are reported with; null when the provider is gone. */
function providerRef(em: EntityManager, providerId: string): Promise<ProviderRef | null> {
  return em.findOne(ProviderEntity, { id: providerId }, { fields: ['name', 'protocol'] });
}

/** A complete link and its provider, as the sign-in's lookup reads them in one statement. */
interface LinkWithProviderRow {
  user_id: string;
  label: string | null;
  created_at: unknown;
  name: string;
  protocol: string;
}

function find({ orm }: LinkDeps, providerId: string, subject: string): Promise<AccountLink | null> {
  return withStorageErrors('reading an account link', 'link', async () => {
    const [row] = await sqlOf(orm).rows<LinkWithProviderRow>(
      'select l.user_id, l.label, l.created_at, p.name, p.protocol from sso_account_link l ' +
        'join sso_provider p on p.id = l.provider_id ' +
        'where l.provider_id = ? and l.subject = ? and l.claim_id is null',
      [providerId, subject],
    );
    if (row === undefined) return null;
    return {
      providerId,
      providerName: row.name,
      protocol: row.protocol as ProtocolName, // written by ProviderStore.save, which takes a ProtocolName
      subject,
      userId: row.user_id,
      label: row.label ?? null,
      createdAt: readDate(row.created_at),
    };
  });
}

function listByUser({ orm }: LinkDeps, protocol: ProtocolName, userId: string): Promise<AccountLink[]> {
  return withStorageErrors('listing account links', 'link', async () => {
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
  });
}

async function create({ orm, clock }: LinkDeps, link: NewLink): Promise<AccountLink> {
  const em = orm.em.fork();
  const provider = await withStorageErrors('creating an account link', 'link', () =>
    providerRef(em, link.providerId),
  );
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
    if (isUniqueViolation(error)) throw linkConflict(link.providerId, error);
    throw storageError(error, 'creating an account link', 'link');
  }
  return toLink(row, provider);
}

/**
 * One conditional write per path: a first claim inserts a pending link (the unique index picks one winner),
 * a re-point takes the complete link naming `replacing`; failing that, a lapsed claim is taken over. Each is
 * one hand-written statement (./sql.ts): a first sign-in runs them.
 */
function claim({ orm, clock }: LinkDeps, request: LinkClaim): Promise<boolean> {
  const { providerId, subject, label, claimId, leaseUntil, now, replacing } = request;
  const sql = sqlOf(orm);
  const changed = async (statement: string, bindings: SqlValue[]) =>
    (await sql.rows(`${statement} returning id`, bindings)).length === 1;
  return withStorageErrors('claiming an account link', 'link', async () => {
    const won =
      replacing === undefined
        ? await changed(
            'insert into sso_account_link (id, provider_id, subject, user_id, label, claim_id, ' +
              'claim_expires_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?) ' +
              'on conflict (provider_id, subject) do nothing',
            [
              randomUUID(),
              providerId,
              subject,
              PENDING_USER_ID,
              label,
              claimId,
              sql.date(leaseUntil),
              sql.date(clock.now()),
            ],
          )
        : await changed(
            'update sso_account_link set claim_id = ?, claim_expires_at = ? ' +
              'where provider_id = ? and subject = ? and user_id = ? and claim_id is null',
            [claimId, sql.date(leaseUntil), providerId, subject, replacing],
          );
    if (won) return true;
    // Someone holds it: take it over only if their lease ran out.
    return changed(
      'update sso_account_link set claim_id = ?, claim_expires_at = ? ' +
        'where provider_id = ? and subject = ? and claim_id is not null and claim_expires_at <= ?',
      [claimId, sql.date(leaseUntil), providerId, subject, sql.date(now)],
    );
  });
}

function completeClaim(
  { orm }: LinkDeps,
  held: { providerId: string; subject: string; claimId: string },
  userId: string,
): Promise<boolean> {
  const { providerId, subject, claimId } = held;
  return withStorageErrors('completing an account link', 'link', async () => {
    const completed = await sqlOf(orm).rows(
      'update sso_account_link set user_id = ?, claim_id = null, claim_expires_at = null ' +
        'where provider_id = ? and subject = ? and claim_id = ? returning id',
      [userId, providerId, subject, claimId],
    );
    return completed.length === 1;
  });
}

function releaseClaim(
  { orm }: LinkDeps,
  providerId: string,
  subject: string,
  claimId: string,
): Promise<void> {
  return withStorageErrors('releasing an account link', 'link', async () => {
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
  });
}

async function repoint(
  { orm }: LinkDeps,
  providerId: string,
  subject: string,
  userId: string,
): Promise<void> {
  const changed = await withStorageErrors('updating an account link', 'link', () =>
    orm.em.fork().nativeUpdate(AccountLinkEntity, { provider: providerId, subject }, { userId }),
  );
  if (changed === 0) throw linkGone();
}

export function createLinkStore({ orm, clock = systemClock }: StoreDeps): LinkStore {
  const deps: LinkDeps = { orm, clock };
  return {
    find: (providerId, subject) => find(deps, providerId, subject),
    listByUser: (protocol, userId) => listByUser(deps, protocol, userId),
    create: (link) => create(deps, link),
    claim: (request) => claim(deps, request),
    completeClaim: (providerId, subject, claimId, userId) =>
      completeClaim(deps, { providerId, subject, claimId }, userId),
    releaseClaim: (providerId, subject, claimId) => releaseClaim(deps, providerId, subject, claimId),
    delete: (providerId, subject) =>
      withStorageErrors('deleting an account link', 'link', async () => {
        return (await orm.em.fork().nativeDelete(AccountLinkEntity, { provider: providerId, subject })) > 0;
      }),
    repoint: (providerId, subject, userId) => repoint(deps, providerId, subject, userId),
  };
}
