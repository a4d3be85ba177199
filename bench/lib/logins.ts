// Full OIDC logins as a browser does them, from this (the parent) process: a fixed number of workers, each
// running one login after another (fresh cookie jars every time, so the IdP shows its login page each time).
//   service:  GET /sso/OID/start/{p} → IdP (authorize → interaction → login → code) → GET /sso/OID/redirect/{p}
//             (page with the one-time token) → POST /sso/OID/Auth/{p}
//   baseline: GET <rp>/start → IdP (same hops) → GET <rp>/cb   (openid-client alone, bench/servers/rp.ts)
// Each step is timed too, so the slowest one can be named. A login that fails counts as an error.
import { performance } from 'node:perf_hooks';

import { authBody, browserGet, pageParams } from '../../test/support/browser.js';
import { CookieJar, followLogin } from '../../test/support/oidc-idp.js';
import { Samples, type Raw } from './stats.js';

export const STEPS = ['start', 'idp', 'callback', 'auth'] as const;
export type LoginStep = (typeof STEPS)[number];

export interface LoginTarget {
  kind: 'service' | 'openid-client';
  /** Service: its base URL; baseline: the RP's base URL. */
  baseUrl: string;
  /** Service only: the provider name. */
  provider?: string;
}

/** One login as `sub`; `afterStep` runs after each step, outside its timing. */
export async function oneLogin(
  target: LoginTarget,
  sub: string,
  steps: Map<string, Samples> | null,
  afterStep?: (step: LoginStep) => Promise<void>,
): Promise<void> {
  const jar = new CookieJar();
  let t = performance.now();
  const lap = async (step: LoginStep): Promise<void> => {
    steps?.get(step)?.push(performance.now() - t);
    if (afterStep !== undefined) await afterStep(step);
    t = performance.now();
  };
  const startUrl =
    target.kind === 'service'
      ? `${target.baseUrl}/sso/OID/start/${encodeURIComponent(target.provider ?? '')}`
      : `${target.baseUrl}/start`;
  const start = await browserGet(startUrl, jar);
  if (start.status !== 302) throw new Error(`start answered ${start.status}: ${start.text.slice(0, 200)}`);
  await lap('start');
  const callback = await followLogin(start.headers.get('location') ?? '', sub);
  await lap('idp');
  const page = await browserGet(callback, jar);
  if (page.status !== 200) throw new Error(`callback answered ${page.status}: ${page.text.slice(0, 200)}`);
  await lap('callback');
  if (target.kind === 'openid-client') return;
  const auth = await fetch(`${target.baseUrl}/sso/OID/Auth/${encodeURIComponent(target.provider ?? '')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: jar.header() },
    body: JSON.stringify(authBody(pageParams(page.text).data)),
  });
  const text = await auth.text();
  if (auth.status !== 200) throw new Error(`Auth answered ${auth.status}: ${text.slice(0, 200)}`);
  await lap('auth');
}

/** One slice: `workers` concurrent workers, each running logins back to back for `seconds`. */
export function loginSlice(
  target: LoginTarget,
  workers: number,
  seconds: number,
  record = true,
): Promise<Raw> {
  return workerSlice({ workers, seconds, steps: STEPS, record }, (worker, steps) =>
    oneLogin(target, `bench-${worker}`, steps),
  );
}

export interface WorkerSliceOptions {
  workers: number;
  seconds: number;
  /** Step names `login` times into the map it is given. */
  steps: readonly string[];
  /** Keep latencies and step times (false in a warm-up). */
  record: boolean;
}

/**
 * `workers` concurrent workers, each calling `login(worker, steps)` back to back until `seconds` passed or
 * `login` returns null (nothing left for that worker); the rate is over the slice's real length.
 */
export async function workerSlice(
  { workers, seconds, steps: stepNames, record }: WorkerSliceOptions,
  login: (worker: number, steps: Map<string, Samples> | null) => Promise<void> | null,
): Promise<Raw> {
  const latencies = new Samples();
  const steps = new Map<string, Samples>(stepNames.map((step) => [step, new Samples()]));
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  const began = performance.now();
  const end = began + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const running = login(worker, record ? steps : null);
        if (running === null) return;
        count++;
        try {
          await running;
          if (record) latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
          await new Promise((resolve) => setTimeout(resolve, 50)); // no hot loop on a broken setup
        }
      }
    }),
  );
  const raw: Raw = {
    latencies,
    count,
    errors,
    seconds: (performance.now() - began) / 1000,
    statuses: {},
    steps,
  };
  if (firstError !== undefined) raw.firstError = firstError;
  return raw;
}
