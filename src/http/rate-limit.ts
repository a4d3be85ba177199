// A per-address fixed-window rate limit for the public endpoints (PRODUCT.md §3): enough to blunt
// scripted abuse of the login steps without a shared store. Each instance counts on its own.

export interface RateLimiter {
  /** Counts one request from the address; false when it is over the limit for this minute. */
  allow(address: string): boolean;
}

const WINDOW_MS = 60_000;
const MAX_TRACKED = 50_000;

export function createRateLimiter(perMinute: number, now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    allow(address) {
      if (perMinute <= 0) return true;
      const t = now();
      if (windows.size > MAX_TRACKED) {
        for (const [key, window] of windows) if (t - window.start >= WINDOW_MS) windows.delete(key);
      }
      const window = windows.get(address);
      if (window === undefined || t - window.start >= WINDOW_MS) {
        windows.set(address, { start: t, count: 1 });
        return true;
      }
      window.count++;
      return window.count <= perMinute;
    },
  };
}
