// Statistics shared by the runner and the loops: latency samples, percentiles, and the raw outcome of one
// measured slice, which can be merged with the other slices of the same case.

/** Nearest-rank percentile of ascending `sorted` (ms); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Latency samples (ms) in a growable Float64Array: cheap at 10⁵–10⁶ samples. */
export class Samples {
  private data = new Float64Array(1 << 12);
  private n = 0;

  push(value: number): void {
    if (this.n === this.data.length) this.grow(this.n * 2);
    this.data[this.n++] = value;
  }

  append(other: Samples): void {
    if (this.n + other.n > this.data.length) this.grow(Math.max(this.data.length * 2, this.n + other.n));
    this.data.set(other.data.subarray(0, other.n), this.n);
    this.n += other.n;
  }

  private grow(size: number): void {
    const bigger = new Float64Array(size);
    bigger.set(this.data.subarray(0, this.n));
    this.data = bigger;
  }

  get count(): number {
    return this.n;
  }

  /** p50 and p99 in ms. */
  summary(): { p50: number; p99: number } {
    const sorted = this.data.slice(0, this.n).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}

/** What one measured slice of a case produced (HTTP load, logins or an in-process loop). */
export interface Raw {
  latencies: Samples;
  /** Completed operations (responses, logins, verifications), whatever their status. */
  count: number;
  /** Of those, the ones that did not succeed (unexpected status, socket error, timeout, exception). */
  errors: number;
  seconds: number;
  statuses: Record<string, number>;
  firstError?: string;
  /** Login step timings. */
  steps?: Map<string, Samples>;
}

export function emptyRaw(): Raw {
  return { latencies: new Samples(), count: 0, errors: 0, seconds: 0, statuses: {} };
}

/** Adds `slice` into `total`. */
export function mergeRaw(total: Raw, slice: Raw): Raw {
  total.latencies.append(slice.latencies);
  total.count += slice.count;
  total.errors += slice.errors;
  total.seconds += slice.seconds;
  for (const [code, count] of Object.entries(slice.statuses))
    total.statuses[code] = (total.statuses[code] ?? 0) + count;
  total.firstError ??= slice.firstError;
  if (slice.steps !== undefined) {
    total.steps ??= new Map();
    for (const [step, samples] of slice.steps) {
      const into = total.steps.get(step) ?? new Samples();
      into.append(samples);
      total.steps.set(step, into);
    }
  }
  return total;
}

export interface Measured {
  /** Successful operations per second. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  count: number;
  seconds: number;
  errors: number;
  statuses: Record<string, number>;
  firstError?: string;
  steps?: Record<string, { p50Ms: number; p99Ms: number }>;
}

export function summarise(raw: Raw): Measured {
  const { p50, p99 } = raw.latencies.summary();
  const measured: Measured = {
    rate: raw.seconds > 0 ? (raw.count - raw.errors) / raw.seconds : 0,
    p50Ms: p50,
    p99Ms: p99,
    count: raw.count,
    seconds: raw.seconds,
    errors: raw.errors,
    statuses: raw.statuses,
  };
  if (raw.firstError !== undefined) measured.firstError = raw.firstError;
  if (raw.steps !== undefined) {
    measured.steps = {};
    for (const [step, samples] of raw.steps) {
      if (samples.count === 0) continue;
      const summary = samples.summary();
      measured.steps[step] = { p50Ms: summary.p50, p99Ms: summary.p99 };
    }
  }
  return measured;
}
