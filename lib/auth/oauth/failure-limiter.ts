// Limits failed token requests per client id (as presented, existing or not: no oracle) and per client address: each
// key may fail `limit` times in a fixed one-minute window; beyond that every request for it answers 429 until the
// window ends, before any credential is checked (no CPU or storage spent on guessing). Per instance, bounded in size.
const WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds until `key` may try again (0: it may now). */
  retryAfter(key: string, limit: number): number {
    const entry = this.windows.get(key);
    if (!entry) return 0;
    const elapsed = this.now() - entry.start;
    if (elapsed >= WINDOW_MS) {
      this.windows.delete(key);
      return 0;
    }
    return entry.failures >= limit ? Math.max(1, Math.ceil((WINDOW_MS - elapsed) / 1000)) : 0;
  }

  recordFailure(key: string): void {
    const now = this.now();
    const entry = this.windows.get(key);
    if (entry && now - entry.start < WINDOW_MS) {
      entry.failures++;
      return;
    }
    this.windows.delete(key);
    while (this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(key, { start: now, failures: 1 });
  }

  clear(): void {
    this.windows.clear();
  }
}
