// HTTP load from this (the parent) process with autocannon, one slice at a time (the runner warms up with an
// unrecorded slice, then alternates recorded slices with the other members of the group). Latency
// percentiles come from every response's own time (autocannon's histogram keeps whole milliseconds only),
// and every status other than the expected ones counts as an error.
import { createRequire } from 'node:module';

import { Samples, type Raw } from './stats.js';

const require = createRequire(import.meta.url);

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

interface AutocannonOptions extends AutocannonRequest {
  url: string;
  connections: number;
  duration: number;
  sampleInt?: number;
  requests?: AutocannonRequest[];
  timeout?: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { total: number };
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}

const autocannon = require('autocannon') as (options: AutocannonOptions) => AutocannonInstance;

export interface HttpLoad {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A sequence each connection cycles through (then `url` gives only the origin). */
  requests?: AutocannonRequest[];
  /** Statuses that count as success (default [200]). */
  expect?: number[];
}

/** One slice of load: `seconds` of autocannon with `connections`; latencies recorded only when `record`. */
export async function httpSlice(
  load: HttpLoad,
  connections: number,
  seconds: number,
  record = true,
): Promise<Raw> {
  const latencies = new Samples();
  const instance = autocannon({
    url: load.url,
    connections,
    duration: seconds,
    sampleInt: 100, // autocannon stops on a sample tick: 100 ms keeps short slices close to their length
    timeout: 30,
    ...(load.method === undefined ? {} : { method: load.method }),
    ...(load.headers === undefined ? {} : { headers: load.headers }),
    ...(load.body === undefined ? {} : { body: load.body }),
    ...(load.requests === undefined ? {} : { requests: load.requests }),
  });
  if (record) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  const expected = new Set((load.expect ?? [200]).map(String));
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
    statuses[code] = count;
    if (!expected.has(code)) unexpected += count;
  }
  const failed = result.errors + result.timeouts;
  const raw: Raw = {
    latencies,
    count: result.requests.total + failed,
    errors: unexpected + failed,
    seconds: result.duration,
    statuses,
  };
  if (unexpected > 0) raw.firstError = `unexpected statuses ${JSON.stringify(statuses)}`;
  else if (failed > 0) raw.firstError = `${result.errors} socket errors, ${result.timeouts} timeouts`;
  return raw;
}
