// A small in-memory cache with a time-to-live and a size bound, for credential lookups: a sync cycle pays one storage
// read per credential per TTL instead of one per request, and a revoked credential stops working within the TTL.
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Caches `value` until `readAt + ttl` (readAt: when the lookup was sent, default now, so a slow read never stretches
   * the bound), and never past `expiresAt` (a credential's own expiry).
   */
  set(key: string, value: V, readAt: number = this.now(), expiresAt?: number): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    const until = Math.min(readAt + this.ttlMs, expiresAt ?? Infinity);
    if (until <= this.now()) return;
    this.entries.delete(key);
    // Oldest insertion first: Map iteration order is insertion order.
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
