// Every metric the service exports, named and labelled in one place (README "Health and metrics"): one
// registry per app, so tests that run several apps in one process never share counters.
// Labels hold only bounded values (provider names, protocols, steps, codes, rule ids, operation and
// endpoint templates), never a user, a subject, an id or a client address.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The counts read at scrape time (one cheap statement each); a failed read leaves the gauge as it was. */
export interface ScrapeCounts {
  openFlows(): Promise<number>;
  replayEntries(): Promise<number>;
}

export interface Metrics {
  readonly registry: Registry;
  readonly signIns: Counter<'provider' | 'protocol' | 'outcome' | 'step' | 'code' | 'rule'>;
  readonly stepSeconds: Histogram<'protocol' | 'step' | 'outcome'>;
  readonly mediaCallSeconds: Histogram<'endpoint'>;
  readonly mediaCallErrors: Counter<'endpoint' | 'failure'>;
  readonly databaseErrors: Counter<'store'>;
}

/** Sign-in steps take milliseconds to a few seconds (an IdP's token endpoint, Jellyfin's calls). */
const STEP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(counts: ScrapeCounts, onScrapeFailure: (store: string) => void): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  gauges(registers, counts, onScrapeFailure);
  return {
    registry,
    signIns: new Counter({
      name: 'sso_sign_ins_total',
      help: 'Sign-in attempts by outcome (success, refused, failed); a refusal names its step, code and rule.',
      labelNames: ['provider', 'protocol', 'outcome', 'step', 'code', 'rule'],
      registers,
    }),
    stepSeconds: new Histogram({
      name: 'sso_step_duration_seconds',
      help: 'Time to answer a sign-in step (start, callback or ACS, Auth), as the HTTP edge serves it.',
      labelNames: ['protocol', 'step', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    }),
    mediaCallSeconds: new Histogram({
      name: 'sso_media_server_request_duration_seconds',
      help: "Time of each call to Jellyfin's API, by endpoint template.",
      labelNames: ['endpoint'],
      buckets: STEP_BUCKETS,
      registers,
    }),
    mediaCallErrors: new Counter({
      name: 'sso_media_server_request_errors_total',
      help: 'Calls to Jellyfin that failed: no answer (network, timeout), an unexpected status, or shape.',
      labelNames: ['endpoint', 'failure'],
      registers,
    }),
    databaseErrors: new Counter({
      name: 'sso_database_errors_total',
      help: 'Database statements that failed, by store.',
      labelNames: ['store'],
      registers,
    }),
  };
}

/** The gauges read when scraped: a count each, so a scrape costs two indexed statements. */
function gauges(registers: Registry[], counts: ScrapeCounts, onScrapeFailure: (store: string) => void): void {
  const readInto = (gauge: Gauge, read: () => Promise<number>, store: string) =>
    read().then(
      (value) => gauge.set(value),
      () => onScrapeFailure(store),
    );
  new Gauge({
    name: 'sso_open_flows',
    help: 'Sign-ins started and not yet finished, failed or expired.',
    registers,
    collect() {
      return readInto(this, () => counts.openFlows(), 'flows');
    },
  });
  new Gauge({
    name: 'sso_replay_cache_entries',
    help: 'Entries of the SAML assertion replay cache (until the periodic purge drops expired ones).',
    registers,
    collect() {
      return readInto(this, () => counts.replayEntries(), 'replay');
    },
  });
}
