// The activity log's rules in isolation: how an error becomes an entry (outcome, step, the admin's message,
// a rule id when the error names one, bounded texts), the recorder's bounded queue, and the retention purge.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  activityId,
  createActivityRecorder,
  newTrail,
  outcomeOf,
  refusalEntry,
  startActivityRetention,
} from '../../src/sso/activity.js';
import { SsoError } from '../../src/sso/errors.js';
import { silentLog, type ActivityEntry, type ActivityStore } from '../../src/sso/ports.js';

const STAGE = { protocol: 'saml', provider: 'corp', fallbackStep: 'verify' } as const;
const REQUEST = { clientAddress: '203.0.113.7', requestId: 'req-1' };
const AT = new Date(Date.UTC(2030, 0, 1));

function storeOf(overrides: Partial<ActivityStore> = {}): ActivityStore {
  return {
    record: () => Promise.resolve(),
    list: () => Promise.resolve({ entries: [], next: null }),
    purge: () => Promise.resolve(0),
    ...overrides,
  };
}

describe('activity entries', () => {
  it('when an error is recorded, then the entry has its code, public reason, step and admin message, never its detail', () => {
    const error = new SsoError('idp_response_invalid', 'The signed Response has no Destination.', {
      step: 'verify',
      reason: 'saml_response_rejected',
      detail: 'private detail',
    });
    const entry = refusalEntry(error, STAGE, newTrail(false), REQUEST, AT);
    expect(entry).toMatchObject({
      protocol: 'saml',
      provider: 'corp',
      step: 'verify',
      outcome: 'refused',
      code: 'idp_response_invalid',
      reason: 'saml_response_rejected',
      message: 'The signed Response has no Destination.',
      rule: null,
      clientAddress: '203.0.113.7',
      requestId: 'req-1',
      time: AT,
    });
    expect(JSON.stringify(entry)).not.toContain('private detail');
  });

  it('when the error names the rule that refused, then the entry keeps its id', () => {
    const withRule = new SsoError('idp_response_invalid', 'no Destination', {
      rule: { id: 'saml.destination_missing', fixAtIdp: 'Have the IdP set Destination.' },
    });
    expect(refusalEntry(withRule, STAGE, newTrail(false), REQUEST, AT).rule).toBe('saml.destination_missing');
    expect(
      refusalEntry(new SsoError('not_permitted', 'x'), STAGE, newTrail(false), REQUEST, AT).rule,
    ).toBeNull();
  });

  it('when the error names no step, then the stage gives it; an unexpected throw is recorded as internal and failed', () => {
    expect(refusalEntry(new SsoError('flow_not_found', 'x'), STAGE, newTrail(false), REQUEST, AT).step).toBe(
      'verify',
    );
    const entry = refusalEntry(new TypeError('secret-bearing text'), STAGE, newTrail(true), REQUEST, AT);
    expect(entry).toMatchObject({ code: 'internal', outcome: 'failed', linking: true });
    expect(entry.message).not.toContain('secret-bearing');
  });

  it('when codes are classified, then the service-side failures are failed and every other code refused', () => {
    expect(outcomeOf('upstream_unavailable')).toBe('failed');
    expect(outcomeOf('internal')).toBe('failed');
    expect(outcomeOf('not_permitted')).toBe('refused');
    expect(outcomeOf('browser_mismatch')).toBe('refused');
  });

  it('when texts from the IdP or the browser are huge, then they are cut to a bounded length', () => {
    const trail = { ...newTrail(false), subject: 's'.repeat(5000), username: 'u'.repeat(5000) };
    const entry = refusalEntry(new SsoError('not_permitted', 'm'.repeat(5000)), STAGE, trail, REQUEST, AT);
    expect(entry.subject).toHaveLength(1000);
    expect(entry.username).toHaveLength(1000);
    expect(entry.message).toHaveLength(1000);
  });

  it('when ids are made, then they sort as their times do', () => {
    const ids = [0, 1, 1000, 86_400_000].map((ms) => activityId(new Date(AT.getTime() + ms)));
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^[0-9]{13}[0-9a-f]{16}$/);
  });
});

describe('the recorder', () => {
  it('when the store is stuck and more than a thousand entries wait, then the extra ones are dropped with a warning', async () => {
    const warnings: string[] = [];
    const recorder = createActivityRecorder({
      store: storeOf({ record: () => new Promise(() => undefined) }),
      clock: { now: () => AT },
      log: { ...silentLog, warn: (_fields, message) => warnings.push(message) },
    });
    const entry: ActivityEntry = refusalEntry(
      new SsoError('not_permitted', 'x'),
      STAGE,
      newTrail(false),
      REQUEST,
      AT,
    );
    for (let i = 0; i < 1002; i++) recorder.note(entry);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('dropped');
  });
});

describe('retention', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when retention starts, then it purges what is older than the retention at once and every hour, on a timer that does not hold the process', async () => {
    vi.useFakeTimers();
    const cutoffs: Date[] = [];
    const intervals = vi.spyOn(globalThis, 'setInterval');
    const retention = startActivityRetention({
      store: storeOf({ purge: (before) => (cutoffs.push(before), Promise.resolve(0)) }),
      clock: { now: () => AT },
      log: silentLog,
      retentionDays: 30,
    });
    expect(cutoffs).toEqual([new Date(AT.getTime() - 30 * 86_400_000)]);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(cutoffs).toHaveLength(2);
    // The spy's results are typed loosely; under node, setInterval returns a Timeout.
    const timer = intervals.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    retention.stop();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(cutoffs).toHaveLength(2);
  });

  it('when the retention is 0 days, then everything up to now is purged; a failed purge is logged, not thrown', async () => {
    const cutoffs: Date[] = [];
    const warnings: string[] = [];
    startActivityRetention({
      store: storeOf({ purge: (before) => (cutoffs.push(before), Promise.reject(new Error('down'))) }),
      clock: { now: () => AT },
      log: { ...silentLog, warn: (_fields, message) => warnings.push(message) },
      retentionDays: 0,
    }).stop();
    expect(cutoffs).toEqual([AT]);
    await vi.waitFor(() => expect(warnings).toEqual(['purging sign-in activity failed']));
  });
});
