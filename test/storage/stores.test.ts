// Conformance suite for the storage ports (ProviderStore, FlowStore, LinkStore, ReplayCache, ActivityStore,
// SsoSessionStore):
// the same cases
// on a SQLite file, with TEST_PG_URL on PostgreSQL, and on the memory stores. Concurrency cases use
// Promise.all against one store, which on PostgreSQL means several pooled connections racing for real.

import { randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { SsoError } from '../../src/sso/errors.js';
import { activityId } from '../../src/sso/activity.js';
import type { ActivityEntry, NewLoginFlow, SsoSession, VerifiedIdentity } from '../../src/sso/ports.js';
import type { OidcProviderSettings } from '../../src/sso/provider-settings.js';
import { describeEachBackend } from './backends.js';
import { newFlow, oidcSettings, uniqueName } from './fixtures.js';

const identity: VerifiedIdentity = {
  subject: 'sub-123',
  preferredUsername: 'alice',
  label: 'alice@example.com',
  roles: ['admins', 'R&D <eng>'],
  avatarUrl: null,
};

describeEachBackend('ProviderStore', (backend) => {
  const store = () => backend().providers();

  it('when a new provider is saved, then get returns it with its secrets, a version and exact dates', async () => {
    const at = new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 987));
    const providers = backend().providers({ now: () => at });
    const name = uniqueName('new');
    const saved = await providers.save('oidc', name, {
      settings: oidcSettings(),
      secrets: { clientSecret: 'cs' },
    });
    expect(saved).toMatchObject({
      protocol: 'oidc',
      name,
      secrets: { clientSecret: 'cs', spSigningKey: null },
    });
    expect(saved.version).toMatch(/^[0-9a-f-]{36}$/);
    const got = await store().get('oidc', name);
    expect(got).toEqual(saved);
    expect(got?.createdAt.toISOString()).toBe('2031-05-06T07:08:09.987Z');
    expect(got?.updatedAt.getTime()).toBe(at.getTime());
    expect(got?.settings).toEqual(oidcSettings());
  });

  it('when a provider is saved again, then it keeps its id and createdAt and gets a new version', async () => {
    const name = uniqueName('again');
    const first = await store().save('oidc', name, { settings: oidcSettings(), secrets: {} });
    const second = await store().save('oidc', name, {
      settings: oidcSettings({ oidClientId: 'other' }),
      secrets: {},
    });
    expect(second.id).toBe(first.id);
    expect(second.createdAt).toEqual(first.createdAt);
    expect(second.version).not.toBe(first.version);
    expect((await store().get('oidc', name))?.settings).toMatchObject({ oidClientId: 'other' });
  });

  it('when a save leaves a secret undefined, then the stored secret is kept; null clears it; a string replaces it', async () => {
    const name = uniqueName('secrets');
    await store().save('oidc', name, {
      settings: oidcSettings(),
      secrets: { clientSecret: 'one', spSigningKey: 'key' },
    });
    await store().save('oidc', name, { settings: oidcSettings(), secrets: {} });
    expect((await store().get('oidc', name))?.secrets).toEqual({ clientSecret: 'one', spSigningKey: 'key' });
    await store().save('oidc', name, {
      settings: oidcSettings(),
      secrets: { clientSecret: null, spSigningKey: 'key2' },
    });
    expect((await store().get('oidc', name))?.secrets).toEqual({ clientSecret: null, spSigningKey: 'key2' });
  });

  it('when a provider with links is saved again, then its links survive', async () => {
    const name = uniqueName('links');
    const provider = await store().save('oidc', name, { settings: oidcSettings(), secrets: {} });
    await backend().links().create({
      providerId: provider.id,
      subject: 's',
      userId: 'u',
      label: null,
    });
    await store().save('oidc', name, { settings: oidcSettings({ enabled: false }), secrets: {} });
    expect(await backend().links().find(provider.id, 's')).not.toBeNull();
  });

  it('when providers are listed, then only that protocol is returned, ordered by the bytes of the name', async () => {
    const prefix = uniqueName('order');
    const names = ['b', 'B', 'a', 'é', 'Z', '_x', 'a b', 'ä'].map((suffix) => `${prefix}${suffix}`);
    for (const name of names) await store().save('saml', name, { settings: oidcSettings(), secrets: {} });
    await store().save('oidc', `${prefix}oidc-only`, { settings: oidcSettings(), secrets: {} });
    const listed = (await store().list('saml')).map((p) => p.name).filter((name) => name.startsWith(prefix));
    const expected = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(listed).toEqual(expected);
    expect(listed.map((name) => name.slice(prefix.length))).toEqual([
      'B',
      'Z',
      '_x',
      'a',
      'a b',
      'b',
      'ä',
      'é',
    ]);
  });

  it('when the same provider name is saved concurrently, then exactly one consistent row remains', async () => {
    const name = uniqueName('race');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store().save('oidc', name, {
          settings: oidcSettings({ oidClientId: `c${i}` }),
          secrets: { clientSecret: `s${i}` },
        }),
      ),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.version)).size).toBe(results.length);
    expect(await backend().storedProviders('oidc', name)).toBe(1);
    // The stored row is exactly one of the writes (settings and secret from the same save).
    const stored = await store().get('oidc', name);
    const clientId = (stored?.settings as OidcProviderSettings).oidClientId;
    expect(stored?.secrets.clientSecret).toBe(`s${clientId.slice(1)}`);
    expect(results.some((r) => r.version === stored?.version)).toBe(true);
  });

  it('when a provider is deleted, then its links and flows go too, and a second delete returns false', async () => {
    const name = uniqueName('delete');
    const provider = await store().save('oidc', name, { settings: oidcSettings(), secrets: {} });
    await backend().links().create({
      providerId: provider.id,
      subject: 'gone',
      userId: 'u',
      label: null,
    });
    const flow = newFlow(provider.id);
    await backend().flows().create(flow);
    expect(await store().delete('oidc', name)).toBe(true);
    expect(await store().get('oidc', name)).toBeNull();
    expect(await backend().links().find(provider.id, 'gone')).toBeNull();
    expect(await backend().flows().findByStateHash(flow.stateHash)).toBeNull();
    expect(await store().delete('oidc', name)).toBe(false);
  });

  it('when a name exists for one protocol only, then the other protocol does not see it', async () => {
    const name = uniqueName('proto');
    await store().save('oidc', name, { settings: oidcSettings(), secrets: {} });
    expect(await store().get('saml', name)).toBeNull();
    expect(await store().delete('saml', name)).toBe(false);
  });
});

describeEachBackend('FlowStore', (backend) => {
  const flows = () => backend().flows();
  async function provider(name = uniqueName('fp')) {
    return backend().providers().save('oidc', name, { settings: oidcSettings(), secrets: {} });
  }
  const before = (flow: { expiresAt: Date }) => new Date(flow.expiresAt.getTime() - 60_000);

  it('when a flow is created, then it is found by its state hash with its secrets and exact dates', async () => {
    const p = await provider();
    const flow = newFlow(p.id, {
      samlRequestId: '_req1',
      createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 1)),
    });
    await flows().create(flow);
    const found = await flows().findByStateHash(flow.stateHash);
    // The client is kept only as a keyed hash: a flow read back has no clientKey.
    expect(found).toEqual({
      ...flow,
      clientKey: undefined,
      status: 'started',
      identity: null,
      tokenHash: null,
      leaseExpiresAt: null,
    });
    expect(found?.createdAt.toISOString()).toBe('2030-01-01T00:00:00.001Z');
  });

  it('when looking up a SAML request id, then only the flow of that provider is found', async () => {
    const a = await provider();
    const b = await provider();
    const flow = newFlow(a.id, { samlRequestId: '_shared-request' });
    await flows().create(flow);
    expect((await flows().findBySamlRequestId(a.id, '_shared-request'))?.id).toBe(flow.id);
    expect(await flows().findBySamlRequestId(b.id, '_shared-request')).toBeNull();
  });

  it('when a started flow is verified in time, then it becomes verified once and is found by its token hash', async () => {
    const p = await provider();
    const flow = newFlow(p.id);
    await flows().create(flow);
    expect(
      await flows().markVerified(flow.id, { identity, tokenHash: 'tok-1' + flow.id }, before(flow)),
    ).toBe(true);
    expect(
      await flows().markVerified(flow.id, { identity, tokenHash: 'tok-2' + flow.id }, before(flow)),
    ).toBe(false);
    const found = await flows().findByTokenHash('tok-1' + flow.id);
    expect(found).toMatchObject({ id: flow.id, status: 'verified', identity });
  });

  it('when a flow is verified at or after its expiry, then it is refused', async () => {
    const p = await provider();
    const flow = newFlow(p.id);
    await flows().create(flow);
    expect(await flows().markVerified(flow.id, { identity, tokenHash: 'x' + flow.id }, flow.expiresAt)).toBe(
      false,
    );
    expect((await flows().findByStateHash(flow.stateHash))?.status).toBe('started');
  });

  it('when a flow is marked failed, then it can no longer be verified', async () => {
    const p = await provider();
    const flow = newFlow(p.id);
    await flows().create(flow);
    await flows().markFailed(flow.id);
    expect((await flows().findByStateHash(flow.stateHash))?.status).toBe('failed');
    expect(await flows().markVerified(flow.id, { identity, tokenHash: 'f' + flow.id }, before(flow))).toBe(
      false,
    );
  });

  it('when a verified flow is consumed with the right token, provider and time, then it is returned consumed, once', async () => {
    const p = await provider();
    const other = await provider();
    const flow = newFlow(p.id);
    const tokenHash = `consume-${flow.id}`;
    await flows().create(flow);
    await flows().markVerified(flow.id, { identity, tokenHash }, before(flow));
    expect(await flows().consume({ tokenHash, providerId: other.id, now: before(flow) })).toBeNull();
    expect(await flows().consume({ tokenHash: 'wrong', providerId: p.id, now: before(flow) })).toBeNull();
    expect(await flows().consume({ tokenHash, providerId: p.id, now: flow.expiresAt })).toBeNull();
    const consumed = await flows().consume({ tokenHash, providerId: p.id, now: before(flow) });
    expect(consumed).toMatchObject({
      id: flow.id,
      status: 'consumed',
      identity,
      secrets: flow.secrets,
    });
    expect(await flows().consume({ tokenHash, providerId: p.id, now: before(flow) })).toBeNull();
  });

  it('when a started (not verified) flow is consumed, then nothing is returned', async () => {
    const p = await provider();
    const flow = newFlow(p.id);
    await flows().create(flow);
    expect(
      await flows().consume({ tokenHash: flow.stateHash, providerId: p.id, now: before(flow) }),
    ).toBeNull();
  });

  it('when open flows are counted for a client, then only its started and verified unexpired ones count', async () => {
    const p = await provider();
    const client = `2001:db8:${randomBytes(2).toString('hex')}::/64`;
    const mine = (overrides: Partial<NewLoginFlow> = {}) =>
      newFlow(p.id, { clientKey: client, ...overrides });
    const [started, verified, failed, consumed] = [mine(), mine(), mine(), mine()];
    const expired = mine({ expiresAt: new Date(started.expiresAt.getTime() - 120_000) });
    for (const flow of [started, verified, failed, consumed, expired, newFlow(p.id)])
      await flows().create(flow);
    const now = before(started);
    await flows().markVerified(verified.id, { identity, tokenHash: `v-${verified.id}` }, now);
    await flows().markFailed(failed.id);
    await flows().markVerified(consumed.id, { identity, tokenHash: `c-${consumed.id}` }, now);
    await flows().consume({ tokenHash: `c-${consumed.id}`, providerId: p.id, now });
    expect(await flows().countOpenByClient(client, now)).toBe(2);
    expect(await flows().countOpenByClient(client, started.expiresAt)).toBe(0);
    expect(await flows().countOpenByClient('198.51.100.200', now)).toBe(0);
  });

  it('when 10 requests consume the same flow at once, then exactly one wins', async () => {
    const p = await provider();
    const flow = newFlow(p.id);
    const tokenHash = `race-${flow.id}`;
    await flows().create(flow);
    await flows().markVerified(flow.id, { identity, tokenHash }, before(flow));
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        backend()
          .flows()
          .consume({ tokenHash, providerId: p.id, now: before(flow) }),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  /** A verified flow with its token hash, for the claim cases. */
  async function verifiedFlow(label: string) {
    const p = await provider();
    const flow = newFlow(p.id);
    const tokenHash = `${label}-${flow.id}`;
    await flows().create(flow);
    await flows().markVerified(flow.id, { identity, tokenHash }, before(flow));
    const claim = (attemptId: string, now: Date, leaseMs = 60_000) =>
      flows().claim({
        tokenHash,
        providerId: p.id,
        now,
        attemptId,
        leaseUntil: new Date(now.getTime() + leaseMs),
      });
    return { p, flow, tokenHash, claim };
  }

  it('when an Auth attempt claims a verified flow, then no other attempt can, and finishing it consumes the flow', async () => {
    const { p, flow, tokenHash, claim } = await verifiedFlow('claim');
    const now = before(flow);
    const claimed = await claim('attempt-a', now);
    expect(claimed).toMatchObject({ id: flow.id, status: 'claimed', identity });
    expect(claimed?.leaseExpiresAt?.getTime()).toBe(now.getTime() + 60_000);
    expect(await claim('attempt-b', now)).toBeNull();
    expect(await flows().consume({ tokenHash, providerId: p.id, now })).toBeNull();
    expect(await flows().finishClaim(flow.id, 'attempt-b')).toBe(false);
    expect(await flows().finishClaim(flow.id, 'attempt-a')).toBe(true);
    expect((await flows().findByTokenHash(tokenHash))?.status).toBe('consumed');
    expect(await flows().finishClaim(flow.id, 'attempt-a')).toBe(false);
    expect(await claim('attempt-c', now)).toBeNull();
  });

  it('when a claim is released, then the flow is verified again and the same token can be claimed', async () => {
    const { flow, tokenHash, claim } = await verifiedFlow('release');
    const now = before(flow);
    expect(await claim('attempt-a', now)).not.toBeNull();
    await flows().releaseClaim(flow.id, 'attempt-other'); // not the holder: no effect
    expect((await flows().findByTokenHash(tokenHash))?.status).toBe('claimed');
    await flows().releaseClaim(flow.id, 'attempt-a');
    expect(await flows().findByTokenHash(tokenHash)).toMatchObject({
      status: 'verified',
      leaseExpiresAt: null,
    });
    expect(await claim('attempt-b', now)).not.toBeNull();
    expect(await flows().finishClaim(flow.id, 'attempt-b')).toBe(true);
  });

  it('when a claim is abandoned, then the flow can be claimed again only after the lease, and the old attempt can no longer finish', async () => {
    const { flow, claim } = await verifiedFlow('lapse');
    const start = new Date(flow.expiresAt.getTime() - 5 * 60_000);
    expect(await claim('dead', start, 30_000)).not.toBeNull();
    expect(await claim('retry', new Date(start.getTime() + 29_999))).toBeNull();
    expect(await claim('retry', new Date(start.getTime() + 30_000))).not.toBeNull();
    expect(await flows().finishClaim(flow.id, 'dead')).toBe(false);
    expect(await flows().finishClaim(flow.id, 'retry')).toBe(true);
  });

  it('when a flow expires, then it can no longer be claimed, even with a lapsed lease', async () => {
    const { flow, claim } = await verifiedFlow('expired');
    expect(await claim('late', flow.expiresAt)).toBeNull();
    expect(await claim('early', before(flow), 1_000)).not.toBeNull();
    expect(await claim('late', flow.expiresAt)).toBeNull();
  });

  it('when 10 attempts claim the same flow at once, then exactly one wins', async () => {
    const { flow, claim } = await verifiedFlow('claim-race');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => claim(`attempt-${i}`, before(flow))),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it('when open flows are listed, then consumed, failed, expired and other-protocol flows are left out', async () => {
    const p = await provider();
    const base = Date.UTC(2040, 0, 1);
    const mk = (minutes: number, overrides = {}) =>
      newFlow(p.id, {
        createdAt: new Date(base + minutes * 1000),
        expiresAt: new Date(base + 600_000 + minutes * 1000),
        ...overrides,
      });
    const open1 = mk(1);
    const open2 = mk(2);
    const failed = mk(3);
    const consumed = mk(4);
    const expired = mk(5, { expiresAt: new Date(base - 1) });
    const saml = mk(6, { protocol: 'saml' });
    for (const flow of [open2, open1, failed, consumed, expired, saml]) await flows().create(flow);
    await flows().markFailed(failed.id);
    await flows().markVerified(consumed.id, { identity, tokenHash: `lo-${consumed.id}` }, new Date(base));
    await flows().consume({ tokenHash: `lo-${consumed.id}`, providerId: p.id, now: new Date(base) });
    await flows().markVerified(open2.id, { identity, tokenHash: `lo-${open2.id}` }, new Date(base));

    const listed = (await flows().listOpen('oidc', new Date(base))).filter((f) => f.providerId === p.id);
    expect(listed.map((f) => f.id)).toEqual([open1.id, open2.id]);
    expect((await flows().listOpen('saml', new Date(base))).map((f) => f.id)).toContain(saml.id);
  });

  it('when expired flows are purged, then only those at or past their expiry are removed', async () => {
    const p = await provider();
    const cut = new Date(Date.UTC(2050, 5, 5));
    const old = newFlow(p.id, { expiresAt: new Date(cut.getTime() - 1) });
    const edge = newFlow(p.id, { expiresAt: cut });
    const fresh = newFlow(p.id, { expiresAt: new Date(cut.getTime() + 1) });
    for (const flow of [old, edge, fresh]) await flows().create(flow);
    expect(await flows().purgeExpired(cut)).toBeGreaterThanOrEqual(2);
    expect(await flows().findByStateHash(old.stateHash)).toBeNull();
    expect(await flows().findByStateHash(edge.stateHash)).toBeNull();
    expect(await flows().findByStateHash(fresh.stateHash)).not.toBeNull();
  });

  it('when a flow is created for a provider that does not exist, then an SsoError is thrown, not a driver error', async () => {
    await expect(flows().create(newFlow('no-such-provider'))).rejects.toBeInstanceOf(SsoError);
  });
});

describeEachBackend('LinkStore', (backend) => {
  const links = () => backend().links();
  async function provider(protocol: 'oidc' | 'saml' = 'oidc', name = uniqueName('lp')) {
    return backend().providers().save(protocol, name, { settings: oidcSettings(), secrets: {} });
  }

  it('when a link is created, then find returns it with the provider name and protocol', async () => {
    const p = await provider('saml');
    const created = await links().create({
      providerId: p.id,
      subject: 'NameID-1',
      userId: 'user-1',
      label: 'Alice',
    });
    expect(created).toMatchObject({
      providerId: p.id,
      providerName: p.name,
      protocol: 'saml',
      subject: 'NameID-1',
      userId: 'user-1',
      label: 'Alice',
    });
    expect(await links().find(p.id, 'NameID-1')).toEqual(created);
    expect(await links().find(p.id, 'nameid-1')).toBeNull(); // subjects are case-sensitive
  });

  it('when the subject is already linked, then create throws link_conflict with the driver error as cause', async () => {
    const p = await provider();
    await links().create({ providerId: p.id, subject: 'dup', userId: 'a', label: null });
    const error = await links()
      .create({ providerId: p.id, subject: 'dup', userId: 'b', label: null })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsoError);
    expect((error as SsoError).code).toBe('link_conflict');
    if (backend().driverErrors) {
      expect((error as SsoError).cause).toBeInstanceOf(UniqueConstraintViolationException);
    }
  });

  it('when the same subject is linked concurrently, then exactly one link is created', async () => {
    const p = await provider();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        backend()
          .links()
          .create({ providerId: p.id, subject: 'race', userId: `u${i}`, label: null }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as SsoError).code).toBe('link_conflict');
  });

  it('when the provider does not exist, then create throws provider_not_found', async () => {
    await expect(
      links().create({ providerId: 'missing', subject: 's', userId: 'u', label: null }),
    ).rejects.toMatchObject({
      code: 'provider_not_found',
    });
  });

  it("when a user's links are listed, then only that protocol's links of that user are returned", async () => {
    const o1 = await provider('oidc', uniqueName('b-oidc'));
    const o2 = await provider('oidc', uniqueName('a-oidc'));
    const s1 = await provider('saml');
    const user = uniqueName('user');
    await links().create({ providerId: o1.id, subject: 's1', userId: user, label: null });
    await links().create({ providerId: o2.id, subject: 's2', userId: user, label: 'x' });
    await links().create({ providerId: s1.id, subject: 's3', userId: user, label: null });
    await links().create({ providerId: o1.id, subject: 's4', userId: 'someone-else', label: null });
    const listed = await links().listByUser('oidc', user);
    expect(listed.map((l) => [l.providerName, l.subject])).toEqual([
      [o2.name, 's2'],
      [o1.name, 's1'],
    ]);
    expect((await links().listByUser('saml', user)).map((l) => l.subject)).toEqual(['s3']);
  });

  it('when a link is deleted or repointed, then the change is visible, and absent links are reported', async () => {
    const p = await provider();
    await links().create({ providerId: p.id, subject: 'move', userId: 'old', label: null });
    await links().repoint(p.id, 'move', 'new');
    expect((await links().find(p.id, 'move'))?.userId).toBe('new');
    expect(await links().delete(p.id, 'move')).toBe(true);
    expect(await links().delete(p.id, 'move')).toBe(false);
    await expect(links().repoint(p.id, 'move', 'x')).rejects.toMatchObject({ code: 'link_not_found' });
  });

  it('when created, then createdAt round-trips to the millisecond', async () => {
    const at = new Date(Date.UTC(2033, 2, 3, 4, 5, 6, 789));
    const p = await provider();
    const store = backend().links({ now: () => at });
    await store.create({ providerId: p.id, subject: 'time', userId: 'u', label: null });
    expect((await links().find(p.id, 'time'))?.createdAt.toISOString()).toBe('2033-03-03T04:05:06.789Z');
  });

  describe('claims', () => {
    const lease = (now: Date, ms = 60_000) => new Date(now.getTime() + ms);
    const t0 = new Date(Date.UTC(2035, 0, 1));
    const claimOf = (providerId: string, subject: string, claimId: string, now = t0, replacing?: string) =>
      links().claim({
        providerId,
        subject,
        label: 'Alice',
        claimId,
        leaseUntil: lease(now),
        now,
        ...(replacing === undefined ? {} : { replacing }),
      });

    it('when a first sign-in claims a subject, then it is the only winner and the link exists only once completed', async () => {
      const p = await provider();
      expect(await claimOf(p.id, 'new', 'c1')).toBe(true);
      expect(await claimOf(p.id, 'new', 'c2')).toBe(false);
      expect(await links().find(p.id, 'new')).toBeNull();
      await expect(
        links().create({ providerId: p.id, subject: 'new', userId: 'x', label: null }),
      ).rejects.toMatchObject({
        code: 'link_conflict',
      });
      expect(await links().completeClaim(p.id, 'new', 'c2', 'user-2')).toBe(false);
      expect(await links().completeClaim(p.id, 'new', 'c1', 'user-1')).toBe(true);
      expect(await links().find(p.id, 'new')).toMatchObject({ userId: 'user-1', label: 'Alice' });
      expect((await links().listByUser('oidc', 'user-1')).map((l) => l.subject)).toEqual(['new']);
      expect(await claimOf(p.id, 'new', 'c3')).toBe(false);
    });

    it('when 10 first sign-ins claim one subject at once, then exactly one wins', async () => {
      const p = await provider();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          backend()
            .links()
            .claim({
              providerId: p.id,
              subject: 'race',
              label: null,
              claimId: `c${i}`,
              leaseUntil: lease(t0),
              now: t0,
            }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('when a claimant dies, then its claim lapses with the lease and another may take it over', async () => {
      const p = await provider();
      expect(await claimOf(p.id, 'dead', 'c1')).toBe(true);
      expect(await claimOf(p.id, 'dead', 'c2', new Date(t0.getTime() + 59_999))).toBe(false);
      expect(await claimOf(p.id, 'dead', 'c2', new Date(t0.getTime() + 60_000))).toBe(true);
      expect(await links().completeClaim(p.id, 'dead', 'c1', 'late')).toBe(false);
      expect(await links().completeClaim(p.id, 'dead', 'c2', 'user-2')).toBe(true);
      expect((await links().find(p.id, 'dead'))?.userId).toBe('user-2');
    });

    it('when a first claim is released, then the subject is unlinked and free again', async () => {
      const p = await provider();
      expect(await claimOf(p.id, 'free', 'c1')).toBe(true);
      await links().releaseClaim(p.id, 'free', 'c1');
      expect(await backend().storedLinks(p.id, 'free')).toBe(0);
      expect(await claimOf(p.id, 'free', 'c2')).toBe(true);
    });

    it('when a link to a deleted user is re-pointed, then one claim wins and a release leaves the old link', async () => {
      const p = await provider();
      await links().create({ providerId: p.id, subject: 'moved', userId: 'deleted-user', label: null });
      expect(await claimOf(p.id, 'moved', 'c1', t0, 'someone-else')).toBe(false);
      expect(await claimOf(p.id, 'moved', 'c1', t0, 'deleted-user')).toBe(true);
      expect(await claimOf(p.id, 'moved', 'c2', t0, 'deleted-user')).toBe(false);
      await links().releaseClaim(p.id, 'moved', 'c1');
      expect((await links().find(p.id, 'moved'))?.userId).toBe('deleted-user');
      expect(await claimOf(p.id, 'moved', 'c2', t0, 'deleted-user')).toBe(true);
      expect(await links().completeClaim(p.id, 'moved', 'c2', 'fresh-user')).toBe(true);
      expect((await links().find(p.id, 'moved'))?.userId).toBe('fresh-user');
    });
  });
});

describeEachBackend('ReplayCache', (backend) => {
  const cache = () => backend().replay();

  it('when a key is remembered twice, then the first call says new and the second says seen', async () => {
    const key = uniqueName('assertion');
    const expires = new Date(Date.UTC(2030, 0, 1));
    expect(await cache().remember(key, expires)).toBe(true);
    expect(await cache().remember(key, expires)).toBe(false);
  });

  it('when 10 callers remember the same key at once, then exactly one is told it is new', async () => {
    const key = uniqueName('race');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        backend()
          .replay()
          .remember(key, new Date(Date.UTC(2030, 0, 1))),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('when expired keys are purged, then later keys stay and are still reported as seen', async () => {
    const cut = new Date(Date.UTC(2060, 0, 1));
    const old = uniqueName('old');
    const live = uniqueName('live');
    await cache().remember(old, new Date(cut.getTime() - 1));
    await cache().remember(live, new Date(cut.getTime() + 1));
    expect(await cache().purgeExpired(cut)).toBeGreaterThanOrEqual(1);
    expect(await cache().remember(live, new Date(cut.getTime() + 1))).toBe(false);
    expect(await cache().remember(old, new Date(cut.getTime() + 1))).toBe(true);
  });
});

/** An activity entry at `time` (default: now) of `provider`, a refusal unless overridden. */
function activityEntry(
  provider: string,
  overrides: Partial<ActivityEntry> = {},
  time = new Date(Date.UTC(2040, 0, 1, 12, 0, 0, 321)),
): ActivityEntry {
  return {
    id: activityId(time),
    time,
    protocol: 'oidc',
    provider,
    step: 'authorize',
    outcome: 'refused',
    code: 'not_permitted',
    reason: 'not_permitted',
    message: 'role gate: none of [jellyfin-users] in groups',
    rule: null,
    subject: 'sub-1',
    username: 'carol',
    userId: null,
    clientAddress: '203.0.113.7',
    requestId: 'req-1',
    linking: false,
    ...overrides,
  };
}

describeEachBackend('ActivityStore', (backend) => {
  const store = () => backend().activity();
  /** `count` entries one second apart, oldest first. */
  const series = (provider: string, count: number, start = Date.UTC(2040, 1, 1)) =>
    Array.from({ length: count }, (_, i) =>
      activityEntry(provider, { requestId: `req-${i}` }, new Date(start + i * 1000)),
    );

  it('when an entry is recorded, then it is listed back field for field, the time to the millisecond', async () => {
    const provider = uniqueName('roundtrip');
    const refused = activityEntry(provider, { rule: 'saml.destination.missing', linking: true });
    const success = activityEntry(
      provider,
      {
        step: 'session',
        outcome: 'success',
        code: null,
        reason: null,
        message: 'Signed in as "alice".',
        subject: null,
        username: 'alice',
        userId: '5f0c6a0e8d2b4c53a1c9a0f0e3b7d111',
        protocol: 'saml',
      },
      new Date(Date.UTC(2040, 0, 1, 12, 0, 1, 7)),
    );
    await store().record(refused);
    await store().record(success);
    const page = await store().list({ limit: 10, provider });
    expect(page).toEqual({ entries: [success, refused], next: null });
    expect(page.entries[0]?.time.toISOString()).toBe('2040-01-01T12:00:01.007Z');
  });

  it('when pages are read with before, then they are newest first, each entry once, and a newer entry recorded meanwhile shifts nothing', async () => {
    const provider = uniqueName('paging');
    const entries = series(provider, 5);
    for (const entry of entries) await store().record(entry);
    const first = await store().list({ limit: 2, provider });
    expect(first.entries.map((e) => e.requestId)).toEqual(['req-4', 'req-3']);
    expect(first.next).toBe(entries[3]?.id);
    await store().record(activityEntry(provider, { requestId: 'late' }, new Date(Date.UTC(2040, 1, 2))));
    const second = await store().list({ limit: 2, provider, before: first.next ?? '' });
    expect(second.entries.map((e) => e.requestId)).toEqual(['req-2', 'req-1']);
    const third = await store().list({ limit: 2, provider, before: second.next ?? '' });
    expect(third).toEqual({ entries: [entries[0]], next: null });
    const exact = await store().list({ limit: 6, provider });
    expect(exact.entries.map((e) => e.requestId)).toEqual([
      'late',
      'req-4',
      'req-3',
      'req-2',
      'req-1',
      'req-0',
    ]);
    expect(exact.next).toBeNull();
  });

  it('when entries share one millisecond, then each is listed once across pages', async () => {
    const provider = uniqueName('same-ms');
    const at = new Date(Date.UTC(2040, 2, 1));
    const entries = Array.from({ length: 7 }, (_, i) => activityEntry(provider, { requestId: `r${i}` }, at));
    await Promise.all(entries.map((entry) => backend().activity().record(entry)));
    const seen: string[] = [];
    let before: string | undefined;
    do {
      const page = await store().list({ limit: 3, provider, before });
      seen.push(...page.entries.map((e) => e.id));
      before = page.next ?? undefined;
    } while (before !== undefined);
    expect(seen).toEqual(
      entries
        .map((e) => e.id)
        .sort()
        .reverse(),
    );
  });

  it('when filtered by provider, user (name or id), outcome and since, then only matching entries come back', async () => {
    const provider = uniqueName('filters');
    const other = uniqueName('filters-other');
    const at = (second: number) => new Date(Date.UTC(2040, 3, 1, 0, 0, second));
    const alice = activityEntry(
      provider,
      { outcome: 'success', code: null, reason: null, username: 'alice', userId: 'u-alice', requestId: 'a' },
      at(1),
    );
    const carol = activityEntry(provider, { username: 'carol', requestId: 'c' }, at(2));
    const broken = activityEntry(
      provider,
      { outcome: 'failed', code: 'internal', username: null, requestId: 'f' },
      at(3),
    );
    const elsewhere = activityEntry(other, { username: 'alice', requestId: 'o' }, at(4));
    for (const entry of [alice, carol, broken, elsewhere]) await store().record(entry);
    const ids = async (query: Parameters<ReturnType<typeof store>['list']>[0]) =>
      (await store().list(query)).entries.map((e) => e.requestId);

    expect(await ids({ limit: 10, provider })).toEqual(['f', 'c', 'a']);
    expect(await ids({ limit: 10, provider, user: 'alice' })).toEqual(['a']);
    expect(await ids({ limit: 10, provider, user: 'u-alice' })).toEqual(['a']);
    expect(await ids({ limit: 10, provider, outcome: 'refused' })).toEqual(['c']);
    expect(await ids({ limit: 10, provider, outcome: 'failed' })).toEqual(['f']);
    expect(await ids({ limit: 10, provider, since: at(2) })).toEqual(['f', 'c']);
    expect(await ids({ limit: 10, user: 'alice', since: at(1) })).toEqual(expect.arrayContaining(['o', 'a']));
    expect(await ids({ limit: 10, provider, user: 'nobody' })).toEqual([]);
  });

  it('when entries are purged before a time, then older ones go, the rest stay, and the count is returned', async () => {
    const provider = uniqueName('purge');
    const old = activityEntry(provider, { requestId: 'old' }, new Date(Date.UTC(2001, 0, 1)));
    const edge = activityEntry(provider, { requestId: 'edge' }, new Date(Date.UTC(2001, 5, 1)));
    const young = activityEntry(provider, { requestId: 'young' }, new Date(Date.UTC(2001, 11, 1)));
    for (const entry of [old, edge, young]) await store().record(entry);
    expect(await store().purge(new Date(Date.UTC(2001, 5, 1)))).toBeGreaterThanOrEqual(1);
    expect((await store().list({ limit: 10, provider })).entries.map((e) => e.requestId)).toEqual([
      'young',
      'edge',
    ]);
    expect(await store().purge(new Date(Date.UTC(2001, 5, 1)))).toBe(0);
  });
});

describeEachBackend('SsoSessionStore', (backend) => {
  const store = () => backend().ssoSessions();
  const at = new Date(Date.UTC(2031, 6, 1, 10, 20, 30, 456));
  const later = new Date(at.getTime() + 3_600_000);
  async function provider() {
    return backend().providers().save('oidc', uniqueName('sess'), { settings: oidcSettings(), secrets: {} });
  }
  function session(providerId: string, overrides: Partial<SsoSession> = {}): SsoSession {
    return {
      userId: uniqueName('user'),
      deviceId: uniqueName('device+/='),
      providerId,
      protocol: 'oidc',
      subject: 'sub-1',
      sid: 'sid-1',
      idToken: 'eyJhbGciOiJSUzI1NiJ9.payload.signature',
      nameIdFormat: null,
      createdAt: at,
      expiresAt: later,
      ...overrides,
    };
  }

  it('when a session is saved, then it is found by its device with its ID token and exact dates, the token sealed at rest', async () => {
    const p = await provider();
    const saved = session(p.id);
    await store().save(saved);
    const found = await store().findByDevice(saved.userId, saved.deviceId, at);
    expect(found).toEqual(saved);
    expect(found?.createdAt.toISOString()).toBe('2031-07-01T10:20:30.456Z');
    const stored = await backend().storedIdTokens(saved.userId);
    if (stored !== null) {
      expect(stored).toHaveLength(1);
      expect(String(stored[0])).toMatch(/^v1:/);
      expect(String(stored[0])).not.toContain('payload');
    }
    expect(await store().findByDevice(saved.userId, 'other-device', at)).toBeNull();
  });

  it('when a device signs in again, then its one record is replaced', async () => {
    const p = await provider();
    const first = session(p.id);
    await store().save(first);
    const second = { ...first, subject: 'sub-2', sid: null, idToken: null, createdAt: later };
    await store().save(second);
    expect(await store().findByDevice(first.userId, first.deviceId, at)).toEqual(second);
    expect(await store().findByIdpSession({ providerId: p.id, subject: 'sub-1' })).toEqual([]);
    const stored = await backend().storedIdTokens(first.userId);
    if (stored !== null) expect(stored).toEqual([null]);
  });

  it('when a record has expired, then findByDevice does not return it and purgeExpired removes it', async () => {
    const p = await provider();
    const old = session(p.id, { expiresAt: at });
    const young = session(p.id, { subject: 'young' });
    await store().save(old);
    await store().save(young);
    expect(await store().findByDevice(old.userId, old.deviceId, at)).toBeNull();
    expect(await store().purgeExpired(at)).toBeGreaterThanOrEqual(1);
    expect(await store().findByIdpSession({ providerId: p.id, subject: 'sub-1' })).toEqual([]);
    expect(await store().findByDevice(young.userId, young.deviceId, at)).toEqual(young);
  });

  it('when an IdP session is looked up, then the subject, the sid or both select its records of that provider only', async () => {
    const p = await provider();
    const other = await provider();
    const a = session(p.id, { subject: 'alice', sid: 's1' });
    const b = session(p.id, { subject: 'alice', sid: 's2', createdAt: later });
    const c = session(p.id, { subject: 'bob', sid: 's1' });
    const elsewhere = session(other.id, { subject: 'alice', sid: 's1' });
    for (const each of [a, b, c, elsewhere]) await store().save(each);
    const users = async (query: Parameters<ReturnType<typeof store>['findByIdpSession']>[0]) =>
      (await store().findByIdpSession(query)).map((found) => found.userId);
    expect(await users({ providerId: p.id, subject: 'alice' })).toEqual([a.userId, b.userId]);
    expect(await users({ providerId: p.id, subject: null, sid: 's1' })).toEqual(
      expect.arrayContaining([a.userId, c.userId]),
    );
    expect(await users({ providerId: p.id, subject: null, sid: 's1' })).toHaveLength(2);
    expect(await users({ providerId: p.id, subject: 'alice', sid: 's2' })).toEqual([b.userId]);
    expect(await users({ providerId: p.id, subject: 'carol' })).toEqual([]);
    expect(await users({ providerId: p.id, subject: null, sid: null })).toEqual([]);
  });

  it('when a record is deleted, then it is gone and a second delete returns false', async () => {
    const p = await provider();
    const saved = session(p.id);
    await store().save(saved);
    expect(await store().delete(saved.userId, saved.deviceId)).toBe(true);
    expect(await store().findByDevice(saved.userId, saved.deviceId, at)).toBeNull();
    expect(await store().delete(saved.userId, saved.deviceId)).toBe(false);
  });

  it('when its provider is deleted, then its records go too; a record for a provider already gone is not kept', async () => {
    const p = await provider();
    const saved = session(p.id);
    await store().save(saved);
    expect(await backend().providers().delete('oidc', p.name)).toBe(true);
    expect(await store().findByDevice(saved.userId, saved.deviceId, at)).toBeNull();
    const orphan = session(p.id);
    await store().save(orphan);
    expect(await store().findByDevice(orphan.userId, orphan.deviceId, at)).toBeNull();
  });
});
