// The per-client rate limit (src/http/rate-limit.ts) and what counts as one client
// (src/sso/client-address.ts): bounded memory under address rotation, the limit holding for one client,
// an IPv6 /64 counting as one, and the same through the running service behind a trusted proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, DEFAULT_CAPACITY } from '../../src/http/rate-limit.js';
import { clientKey } from '../../src/sso/client-address.js';
import { startTestApp, type TestApp } from '../support/app.js';

describe('clientKey', () => {
  it('when the address is IPv4, then it is its own client', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('when addresses share an IPv6 /64, then they are one client, whatever their spelling', () => {
    const key = clientKey('2001:db8:0:1::1');
    expect(key).toBe('2001:db8:0:1::/64');
    for (const other of [
      '2001:db8:0:1:ffff:ffff:ffff:ffff',
      '2001:0db8:0000:0001:1234:5678:9abc:def0',
      '2001:DB8:0:1:a::b',
      '2001:db8::1:0:0:0:7',
      '2001:db8:0:1::9%eth0',
    ]) {
      expect(clientKey(other)).toBe(key);
    }
    expect(clientKey('2001:db8:0:2::1')).not.toBe(key);
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });

  it('when an IPv4 client arrives through a dual-stack socket, then it is the IPv4 address', () => {
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('when the address is not an IP (no socket address), then it is kept as it is', () => {
    expect(clientKey('unknown')).toBe('unknown');
  });
});

describe('createRateLimiter', () => {
  it('when one address sends more than the limit in a minute, then the excess is refused until the next', () => {
    let t = 0;
    const limiter = createRateLimiter(3, { now: () => t });
    expect([1, 2, 3, 4, 5].map(() => limiter.allow('198.51.100.1'))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(limiter.allow('198.51.100.2')).toBe(true);
    t += 59_999;
    expect(limiter.allow('198.51.100.1')).toBe(false);
    t += 1;
    expect(limiter.allow('198.51.100.1')).toBe(true);
  });

  it('when one machine rotates through addresses of its IPv6 /64, then they share one count', () => {
    const limiter = createRateLimiter(5, { now: () => 0 });
    const results = Array.from({ length: 8 }, (_, i) =>
      limiter.allow(`2001:db8:aa:bb::${(i + 1).toString(16)}`),
    );
    expect(results).toEqual([true, true, true, true, true, false, false, false]);
    expect(limiter.size).toBe(1);
  });

  it('when more clients than its capacity arrive within one minute, then it holds at most the capacity', () => {
    const limiter = createRateLimiter(1, { now: () => 0 });
    let allowed = 0;
    for (let i = 0; i < DEFAULT_CAPACITY + 10_000; i++) {
      // every request is a new /64: no window has expired, so nothing could be swept by age
      allowed += limiter.allow(`2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`) ? 1 : 0;
      if (limiter.size > DEFAULT_CAPACITY) throw new Error(`the table grew to ${limiter.size} entries`);
    }
    expect(allowed).toBe(DEFAULT_CAPACITY + 10_000);
    // The most recent half of the capacity, at least, is still counted.
    expect(limiter.size).toBeGreaterThanOrEqual(DEFAULT_CAPACITY / 2);
  });

  it('when the table is full, then clients seen recently are kept and the ones seen longest ago dropped', () => {
    const limiter = createRateLimiter(1, { now: () => 0, capacity: 4 });
    expect(limiter.allow('192.0.2.1')).toBe(true);
    expect(limiter.allow('192.0.2.2')).toBe(true);
    expect(limiter.allow('192.0.2.1')).toBe(false); // over its limit, and now the most recent
    expect(limiter.allow('192.0.2.3')).toBe(true);
    expect(limiter.allow('192.0.2.4')).toBe(true);
    expect(limiter.size).toBeLessThanOrEqual(4);
    expect(limiter.allow('192.0.2.1')).toBe(false); // still counted
    expect(limiter.allow('192.0.2.2')).toBe(true); // dropped: counted afresh
  });

  it('when the limit is 0, then nothing is refused and nothing is kept', () => {
    const limiter = createRateLimiter(0);
    for (let i = 0; i < 100; i++) expect(limiter.allow(`192.0.2.${i}`)).toBe(true);
    expect(limiter.size).toBe(0);
  });
});

describe('the rate limit of the running service', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Behind a trusted proxy the client address comes from X-Forwarded-For.
    t = await startTestApp({ SSO_RATE_LIMIT: '3', SSO_TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  const fromAddress = (address: string) =>
    fetch(`${t.baseUrl}/sso/OID/GetNames`, { headers: { 'X-Forwarded-For': address } });

  it('when addresses of one IPv6 /64 rotate, then the fourth request is refused with 429 and Retry-After', async () => {
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await fromAddress(`2001:db8:5:6::${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await fromAddress('2001:db8:5:6:ffff::1');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(((await refused.json()) as { code: string }).code).toBe('rate_limited');
    expect((await fromAddress('2001:db8:5:7::1')).status).toBe(200);
  });
});
