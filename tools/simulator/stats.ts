// Request statistics: latency samples with nearest-rank percentiles, status counts, and per-phase throughput.

/** Nearest-rank percentile of ascending-sorted samples: the smallest value with at least p% of samples at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p <= 0) return sorted[0];
  if (p >= 100) return sorted[n - 1];
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1];
}

/** A growable list of latency samples (milliseconds). */
export class Samples {
  private values = new Float64Array(1024);
  private size = 0;
  private sortedCache: Float64Array | undefined;

  add(ms: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = ms;
    this.sortedCache = undefined;
  }

  addAll(other: Samples): void {
    const sorted = other.sorted();
    for (let i = 0; i < sorted.length; i++) this.add(sorted[i]);
  }

  get count(): number {
    return this.size;
  }

  sorted(): Float64Array {
    this.sortedCache ??= this.values.slice(0, this.size).sort();
    return this.sortedCache;
  }

  percentile(p: number): number {
    return percentile(this.sorted(), p);
  }

  mean(): number {
    if (this.size === 0) return Number.NaN;
    let sum = 0;
    for (let i = 0; i < this.size; i++) sum += this.values[i];
    return sum / this.size;
  }

  max(): number {
    return this.size === 0 ? Number.NaN : this.sorted()[this.size - 1];
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: Samples): LatencySummary {
  return {
    count: samples.count,
    p50: samples.percentile(50),
    p95: samples.percentile(95),
    p99: samples.percentile(99),
    max: samples.max(),
    mean: samples.mean(),
  };
}

/** Requests of one phase: counts by status and by operation, latencies, failures, wall time. */
export class PhaseStats {
  readonly latencies = new Samples();
  readonly byOperation = new Map<string, Samples>();
  readonly statuses = new Map<string, number>();
  requests = 0;
  errors = 0;
  startedAt = 0;
  endedAt = 0;

  constructor(readonly name: string) {}

  start(): void {
    this.startedAt = performance.now();
  }

  end(): void {
    this.endedAt = performance.now();
  }

  record(operation: string, status: number, ms: number, ok: boolean): void {
    this.requests++;
    if (!ok) this.errors++;
    this.latencies.add(ms);
    let op = this.byOperation.get(operation);
    if (!op) {
      op = new Samples();
      this.byOperation.set(operation, op);
    }
    op.add(ms);
    const key = status === 0 ? 'network' : String(status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }

  get durationMs(): number {
    return Math.max(0, (this.endedAt || performance.now()) - this.startedAt);
  }

  get requestsPerSecond(): number {
    const seconds = this.durationMs / 1000;
    return seconds > 0 ? this.requests / seconds : 0;
  }
}

/** Formats a number of milliseconds for tables: 0.42, 3.1, 27, 1,234. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return ms.toFixed(2);
  if (ms < 10) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

export function formatInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}
