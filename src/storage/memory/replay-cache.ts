// ReplayCache (src/sso/ports.ts) in memory: one-time keys seen, kept until purged. `remember` checks and
// records in one synchronous step, so exactly one caller learns that a key is new.

import type { ReplayCache } from '../../sso/ports.js';
import { atomically, type MemoryState } from './state.js';

export function createMemoryReplayCache({ state }: { state: MemoryState }): ReplayCache {
  return {
    remember: (key, expiresAt) =>
      atomically(() => {
        if (state.replay.has(key)) return false;
        state.replay.set(key, new Date(expiresAt));
        return true;
      }),

    purgeExpired: (now) =>
      atomically(() => {
        let removed = 0;
        for (const [key, expiresAt] of state.replay) {
          if (expiresAt <= now) {
            state.replay.delete(key);
            removed++;
          }
        }
        return removed;
      }),
  };
}
