// A per-client fixed-window rate limit for the public endpoints: enough to blunt scripted abuse of the
// login steps without a shared store. Each instance counts on its own.
//
// Memory is bounded whatever the traffic: the counters live in a least-recently-used table of at most
// `capacity` clients (a Map keeps insertion order, so "touch" is delete + set and the oldest entry is the
// first key), and every request does O(1) work: no sweep. A client evicted while its window is still open
// starts afresh; that needs `capacity` other clients to be seen after it, which one machine cannot fake:
// clients are IPv4 addresses or IPv6 /64 prefixes (src/sso/client-address.ts).
//
// express-rate-limit was considered: its memory store keeps every key seen in the window (not bounded),
// and as express middleware it would run before routing, while only the public operations are limited.
import { clientKey } from '../sso/client-address.js';

export interface RateLimiter {
  /** Counts one request from the address; false when its client is over the limit for this minute. */
  allow(address: string): boolean;
  /** How many clients are being counted (never more than the capacity). */
  readonly size: number;
}

const WINDOW_MS = 60_000;
/** About 100 bytes per entry: a few MB at most. */
export const DEFAULT_CAPACITY = 50_000;

export function createRateLimiter(
  perMinute: number,
  options: { now?: () => number; capacity?: number } = {},
): RateLimiter {
  const now = options.now ?? Date.now;
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    get size() {
      return windows.size;
    },
    allow(address) {
      if (perMinute <= 0) return true;
      const key = clientKey(address);
      const t = now();
      let window = windows.get(key);
      windows.delete(key);
      if (window === undefined || t - window.start >= WINDOW_MS) window = { start: t, count: 0 };
      window.count++;
      windows.set(key, window);
      if (windows.size > capacity) {
        const oldest = windows.keys().next();
        if (oldest.done !== true) windows.delete(oldest.value);
      }
      return window.count <= perMinute;
    },
  };
}
