// A per-client fixed-window rate limit for the public endpoints: enough to blunt scripted abuse of the
// login steps without a shared store. Each instance counts on its own.
//
// Memory is bounded whatever the traffic, and every request does O(1) work (no sweep): the counters live
// in two generations of at most capacity/2 clients each. New and returning clients go into the current
// generation; when it is full it becomes the previous one and the old previous one is dropped whole. A
// client is thus kept for at least capacity/2 other clients after its last request (the scheme of
// quick-lru). A single Map with delete-and-reinsert would not do: V8 finds a Map's first live key by
// scanning past the deleted ones, which makes evicting the oldest O(capacity).
// A client dropped while its window is still open starts afresh; that needs capacity/2 other clients to
// be seen after it, which one machine cannot fake: clients are IPv4 addresses or IPv6 /64 prefixes
// (src/sso/client-address.ts).
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

interface Window {
  start: number;
  count: number;
}

const WINDOW_MS = 60_000;
/** Measured at about 180 bytes per client: under 10 MB when full. */
export const DEFAULT_CAPACITY = 50_000;

export function createRateLimiter(
  perMinute: number,
  options: { now?: () => number; capacity?: number } = {},
): RateLimiter {
  const now = options.now ?? Date.now;
  const generationSize = Math.max(1, Math.floor((options.capacity ?? DEFAULT_CAPACITY) / 2));
  let current = new Map<string, Window>();
  let previous = new Map<string, Window>();

  const remember = (key: string, window: Window): void => {
    current.set(key, window);
    if (current.size >= generationSize) {
      previous = current;
      current = new Map();
    }
  };

  return {
    get size() {
      return current.size + previous.size;
    },
    allow(address) {
      if (perMinute <= 0) return true;
      const key = clientKey(address);
      const t = now();
      let window = current.get(key);
      if (window === undefined) {
        window = previous.get(key);
        if (window !== undefined) previous.delete(key);
        if (window === undefined || t - window.start >= WINDOW_MS) window = { start: t, count: 0 };
        remember(key, window);
      } else if (t - window.start >= WINDOW_MS) {
        window.start = t;
        window.count = 0;
      }
      window.count++;
      return window.count <= perMinute;
    },
  };
}
