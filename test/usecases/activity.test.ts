// The activity log from the login use cases on in-memory ports: what each attempt is recorded as (the step,
// the code, whom it refused), and that the log is written off the request's path: a store that hangs or
// fails never delays or fails a sign-in.
import { describe, expect, it } from 'vitest';
import { SsoError } from '../../src/sso/errors.js';
import type { ActivityEntry, ActivityStore } from '../../src/sso/ports.js';
import { createUseCases, type UseCases } from './harness.js';

async function entries(t: UseCases): Promise<ActivityEntry[]> {
  await t.activityLog.flush();
  return (await t.stores.activity.list({ limit: 200 })).entries;
}

/** A provider `idp` and a browser whose sign-in the IdP answered for `subject`. */
async function verifiedBrowser(subject: string, username: string, options: { isLinking?: boolean } = {}) {
  const t = createUseCases();
  await t.addOidcProvider('idp');
  const browser = await t.start('oidc', 'idp', options);
  const verified = await t.callback(browser, subject, { preferred_username: username });
  return { t, browser, verified };
}

describe('activity recorded by the login use cases', () => {
  it('when a sign-in succeeds, then one success is recorded with the subject, the username and the user id', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp');
    const result = await t.signIn('idp', 'sub-alice', { preferred_username: 'alice' });
    expect(await entries(t)).toEqual([
      expect.objectContaining({
        provider: 'idp',
        step: 'session',
        outcome: 'success',
        subject: 'sub-alice',
        username: 'alice',
        userId: result.User.Id,
        clientAddress: 'unknown',
      }),
    ]);
  });

  it('when a verified flow expires before Auth, then the refusal names the flow step and the subject', async () => {
    const { t, browser, verified } = await verifiedBrowser('sub-bob', 'bob');
    t.clock.advance(601_000);
    await expect(t.authenticate(browser, verified)).rejects.toMatchObject({ code: 'flow_expired' });
    expect(await entries(t)).toEqual([
      expect.objectContaining({
        step: 'state',
        code: 'flow_expired',
        outcome: 'refused',
        subject: 'sub-bob',
      }),
    ]);
  });

  it('when the media server is down at Auth, then the attempt is recorded as failed with the user it reached', async () => {
    const { t, browser, verified } = await verifiedBrowser('sub-carol', 'carol');
    t.mediaServer.failNext(
      'createSession',
      new SsoError('upstream_unavailable', 'the media server is down', { step: 'session' }),
    );
    await expect(t.authenticate(browser, verified)).rejects.toMatchObject({ code: 'upstream_unavailable' });
    const [entry] = await entries(t);
    expect(entry).toMatchObject({ outcome: 'failed', step: 'session', username: 'carol' });
    expect(entry?.userId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when a linking flow is refused at Link, then the entry is marked as linking', async () => {
    const { t, verified } = await verifiedBrowser('sub-dan', 'dan', { isLinking: true });
    await expect(
      t.login.consumeForLink({
        protocol: 'oidc',
        providerName: 'idp',
        token: verified.token,
        cookies: {},
        request: { clientAddress: '198.51.100.4', requestId: 'req-link' },
      }),
    ).rejects.toMatchObject({ code: 'browser_mismatch' });
    expect(await entries(t)).toEqual([
      expect.objectContaining({
        step: 'state',
        code: 'browser_mismatch',
        linking: true,
        clientAddress: '198.51.100.4',
        requestId: 'req-link',
      }),
    ]);
  });
});

describe('activity written off the request path', () => {
  it('when the activity store never answers, then the sign-in still completes and the write waits behind it', async () => {
    let writes = 0;
    const hanging: ActivityStore = {
      record: () => {
        writes++;
        return new Promise(() => undefined);
      },
      list: () => Promise.resolve({ entries: [], next: null }),
      purge: () => Promise.resolve(0),
    };
    const t = createUseCases({ activityStore: hanging });
    await t.addOidcProvider('idp');
    const result = await t.signIn('idp', 'sub-alice', { preferred_username: 'alice' });
    expect(result.User.Name).toBe('alice');
    // Nothing was written while the request ran: the write starts on a later turn of the event loop.
    expect(writes).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toBe(1);
  });

  it('when the activity store fails every write, then sign-ins and refusals behave as without it and each failure is logged', async () => {
    const failing: ActivityStore = {
      record: () => Promise.reject(new SsoError('internal', 'storage failure while recording')),
      list: () => Promise.resolve({ entries: [], next: null }),
      purge: () => Promise.resolve(0),
    };
    const t = createUseCases({ activityStore: failing });
    await t.addOidcProvider('idp', { roles: ['members'], enableAuthorization: true });
    const result = await t.signIn('idp', 'sub-alice', { preferred_username: 'alice', groups: ['members'] });
    expect(result.User.Name).toBe('alice');
    await expect(t.signIn('idp', 'sub-eve', { preferred_username: 'eve' })).rejects.toMatchObject({
      code: 'not_permitted',
    });
    await t.activityLog.flush();
    expect(t.warnings.filter((w) => w === 'could not record sign-in activity')).toHaveLength(2);
  });
});
