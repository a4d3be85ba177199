// Sign-in counts from the activity log's entries: the store is wrapped where the app builds it, so every
// attempt the domain records (outcome, step, code, rule) is counted once, with no change to the domain.
import type { ActivityEntry, ActivityStore } from '../sso/ports.js';
import type { Metrics } from './registry.js';

/** Distinct values one label may take before the rest are counted as `other`. */
const MAX_PROVIDERS = 200;
const MAX_RULES = 100;
/** What a rule id looks like (`saml.destination_missing`); anything else is not one of ours. */
const RULE_ID = /^[a-z0-9_.]{1,64}$/;

/**
 * A label whose values come from outside (provider names in URLs, rule ids): the first `limit` distinct
 * values are kept, later ones become `other`, so a caller cannot grow the series without bound.
 */
export function boundedLabel(limit: number, accepts: (value: string) => boolean = () => true) {
  const seen = new Set<string>();
  return (value: string): string => {
    if (seen.has(value)) return value;
    if (seen.size >= limit || !accepts(value)) return 'other';
    seen.add(value);
    return value;
  };
}

/** Counts each entry in `sso_sign_ins_total`. */
export function signInCounter(metrics: Metrics): (entry: ActivityEntry) => void {
  const provider = boundedLabel(MAX_PROVIDERS);
  const rule = boundedLabel(MAX_RULES, (value) => RULE_ID.test(value));
  return (entry) => {
    metrics.signIns.inc({
      // A name that matches no provider is whatever the URL said: never a label of its own.
      provider: entry.code === 'provider_not_found' ? 'unknown' : provider(entry.provider),
      protocol: entry.protocol,
      outcome: entry.outcome,
      step: entry.step,
      code: entry.code ?? '',
      rule: entry.rule === null ? '' : rule(entry.rule),
    });
  };
}

/**
 * The activity store, counting every entry recorded. `keep: false` (a retention of 0 days) counts without
 * writing: the metrics still see the attempts the log does not keep.
 */
export function countingActivityStore(
  store: ActivityStore,
  count: (entry: ActivityEntry) => void,
  keep: boolean,
): ActivityStore {
  return {
    record: (entry) => {
      count(entry);
      return keep ? store.record(entry) : Promise.resolve();
    },
    list: (query) => store.list(query),
    purge: (before) => store.purge(before),
  };
}
