// Auth on in-memory ports: one token makes one session however many requests race with it; a session that
// could not be made leaves the token usable, and a dead attempt's claim lapses with its lease.
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/sso/basics.js';
import { SsoError } from '../../src/sso/errors.js';
import { AUTH_CLAIM_LEASE_MS } from '../../src/sso/login.js';
import { createUseCases, type UseCases } from './harness.js';

async function verifiedBrowser(t: UseCases, subject = 'sub-alice') {
  await t.addOidcProvider('idp');
  const browser = await t.start('oidc', 'idp');
  const verified = await t.callback(browser, subject, { preferred_username: 'alice' });
  return { browser, verified };
}

function codeOf(result: PromiseSettledResult<unknown>): string | undefined {
  return result.status === 'rejected' && result.reason instanceof SsoError ? result.reason.code : undefined;
}

describe('Auth with one token', () => {
  it('when two Auth calls race with one token, then exactly one gets a session and the other is told flow_used', async () => {
    const t = createUseCases();
    const { browser, verified } = await verifiedBrowser(t);
    const results = await Promise.allSettled([
      t.authenticate(browser, verified),
      t.authenticate(browser, verified),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.map(codeOf).filter(Boolean)).toEqual(['flow_used']);
    expect(t.mediaServer.sessions).toHaveLength(1);
    expect(t.mediaServer.users().map((u) => u.name)).toEqual(['alice']);
  });

  it('when ten Auth calls race with one token, then one session is made and the token is spent', async () => {
    const t = createUseCases();
    const { browser, verified } = await verifiedBrowser(t);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => t.authenticate(browser, verified)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(new Set(results.map(codeOf).filter(Boolean))).toEqual(new Set(['flow_used']));
    expect(t.mediaServer.sessions).toHaveLength(1);
    await expect(t.authenticate(browser, verified)).rejects.toMatchObject({ code: 'flow_used' });
  });

  it('when the session cannot be made, then the token works once more, and only once', async () => {
    const t = createUseCases();
    const { browser, verified } = await verifiedBrowser(t);
    const down = new SsoError('upstream_unavailable', 'the media server is down', { step: 'session' });
    t.mediaServer.failNext('createSession', down);
    await expect(t.authenticate(browser, verified)).rejects.toBe(down);
    const result = await t.authenticate(browser, verified);
    expect(result.User.Name).toBe('alice');
    await expect(t.authenticate(browser, verified)).rejects.toMatchObject({ code: 'flow_used' });
    expect(t.mediaServer.sessions).toHaveLength(1);
  });

  it('when an Auth attempt died holding the flow, then the token works again only once its lease is over', async () => {
    const t = createUseCases();
    const { browser, verified } = await verifiedBrowser(t);
    const now = t.clock.now();
    const provider = await t.stores.providers.get('oidc', 'idp');
    const dead = await t.stores.flows.claim({
      tokenHash: sha256(verified.token),
      providerId: provider!.id,
      now,
      attemptId: 'dead-attempt',
      leaseUntil: new Date(now.getTime() + AUTH_CLAIM_LEASE_MS),
    });
    expect(dead).not.toBeNull();
    await expect(t.authenticate(browser, verified)).rejects.toMatchObject({ code: 'flow_used' });
    t.clock.advance(AUTH_CLAIM_LEASE_MS);
    expect((await t.authenticate(browser, verified)).User.Name).toBe('alice');
    expect(await t.stores.flows.finishClaim(browser.flowId, 'dead-attempt')).toBe(false);
  });

  it('when the token is posted from another browser, then browser_mismatch and the token stays usable', async () => {
    const t = createUseCases();
    const { browser, verified } = await verifiedBrowser(t);
    await expect(t.authenticate({ ...browser, cookies: {} }, verified)).rejects.toMatchObject({
      code: 'browser_mismatch',
    });
    expect((await t.authenticate(browser, verified)).User.Name).toBe('alice');
  });
});
