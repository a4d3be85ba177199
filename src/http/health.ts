// Handlers of the `health` tag: liveness (the process answers) and readiness (the database and the media
// server can serve a sign-in). Readiness is checked at most once per few seconds, whatever the probe rate.
import type { Clock } from '../sso/ports.js';
import { reply, type HandlersOfTag } from './handler.js';

export type DatabaseState = 'up' | 'unreachable' | 'not_migrated';
export type MediaServerState = 'up' | 'unreachable' | 'unauthorized';

/** The checks behind readiness, built by the composition root; each resolves to a state, never throws. */
export interface ReadinessProbes {
  database(): Promise<DatabaseState>;
  mediaServer(): Promise<MediaServerState>;
}

export interface HealthDeps {
  readiness: ReadinessProbes;
  clock: Clock;
}

interface ReadinessReport {
  status: 'ready' | 'not_ready';
  components: { database: DatabaseState; mediaServer: MediaServerState };
}

/** How long one readiness answer is reused: a probe storm costs one check per window. */
export const READINESS_CACHE_MS = 3_000;
/** A probe slower than this counts as unreachable: a supervisor's probe has a short timeout of its own. */
export const PROBE_TIMEOUT_MS = 2_000;

/** A probe's state, or `unreachable` when it throws or does not settle in time. */
async function bounded<S extends string>(probe: () => Promise<S>): Promise<S | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'unreachable'>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe().catch(() => 'unreachable' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkReadiness(probes: ReadinessProbes): Promise<ReadinessReport> {
  const [database, mediaServer] = await Promise.all([
    bounded(() => probes.database()),
    bounded(() => probes.mediaServer()),
  ]);
  const ready = database === 'up' && mediaServer === 'up';
  return { status: ready ? 'ready' : 'not_ready', components: { database, mediaServer } };
}

/** The readiness report, shared by every probe within READINESS_CACHE_MS (and by concurrent ones). */
export function cachedReadiness(probes: ReadinessProbes, clock: Clock): () => Promise<ReadinessReport> {
  let last: { at: number; report: Promise<ReadinessReport> } | undefined;
  return () => {
    const now = clock.now().getTime();
    // A clock set back (a test's, or NTP's) starts a new window rather than extending the old one.
    if (last === undefined || now - last.at >= READINESS_CACHE_MS || now < last.at) {
      last = { at: now, report: checkReadiness(probes) };
    }
    return last.report;
  };
}

/** A probe's answer must never come from a cache between the probe and the service. */
const NO_STORE = { 'Cache-Control': 'no-store' };

export function createHealthHandlers(deps: HealthDeps): HandlersOfTag<'health'> {
  const readiness = cachedReadiness(deps.readiness, deps.clock);
  return {
    getHealth: () =>
      Promise.resolve(reply({ kind: 'json', status: 200, body: { status: 'ok' }, headers: NO_STORE })),
    getReadiness: async () => {
      const report = await readiness();
      return report.status === 'ready'
        ? reply({ kind: 'json', status: 200, body: report, headers: NO_STORE })
        : reply({ kind: 'json', status: 503, body: report, headers: NO_STORE });
    },
  };
}
