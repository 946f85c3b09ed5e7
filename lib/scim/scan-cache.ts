// Snapshots of list queries, so later pages resume where earlier ones ended instead of re-reading from the start.
// Bounded (LRU by insertion) and short-lived; SCIM does not promise consistency across pages (RFC 7644 §3.4.2.4),
// and the first page of a query always recounts.
export interface ScanSnapshot {
  total: number;
  /** Where match number `index` starts: resume the scan after `afterId`. */
  checkpoints: { index: number; afterId?: string }[];
  /** For sorted queries: every matching id in order. */
  sortedIds?: string[];
}

const MAX_ENTRIES = 200;
const TTL_MS = 10 * 60_000;

class ScanCache {
  private readonly entries = new Map<string, { snapshot: ScanSnapshot; expires: number }>();

  get(key: string): ScanSnapshot | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.snapshot;
  }

  set(key: string, snapshot: ScanSnapshot): void {
    this.entries.delete(key);
    this.entries.set(key, { snapshot, expires: Date.now() + TTL_MS });
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
  }
}

export const scanCache = new ScanCache();
