// Snapshots of list queries, so later pages resume where earlier ones ended instead of re-reading from the start.
// Bounded (LRU by insertion) and short-lived; SCIM does not promise consistency across pages (RFC 7644 §3.4.2.4),
// and the first page of a query always recounts. Bounded in entries, in bytes and in bytes per tenant, so one tenant's
// large sorted queries can neither exhaust the instance's memory nor evict every other tenant's snapshots.
export interface ScanSnapshot {
  total: number;
  /** Where match number `index` starts: resume the scan after `afterId`. */
  checkpoints: { index: number; afterId?: string }[];
  /** For sorted queries: every matching id in order. */
  sortedIds?: string[];
}

export interface ScanCacheLimits {
  maxEntries: number;
  /** All snapshots together (estimated JavaScript heap size). */
  maxBytes: number;
  /** One tenant's snapshots together; a snapshot larger than this is not kept (later pages re-run the query). */
  maxBytesPerTenant: number;
  ttlMs: number;
}

export const SCAN_CACHE_LIMITS: ScanCacheLimits = { maxEntries: 200, maxBytes: 64 * 1024 * 1024, maxBytesPerTenant: 16 * 1024 * 1024, ttlMs: 10 * 60_000 };

/** Heap estimate of a snapshot: strings are UTF-16 plus a per-object overhead. */
export function snapshotBytes(snapshot: ScanSnapshot): number {
  let bytes = 64;
  for (const id of snapshot.sortedIds ?? []) bytes += 2 * id.length + 32;
  for (const c of snapshot.checkpoints) bytes += 2 * (c.afterId?.length ?? 0) + 48;
  return bytes;
}

interface Entry {
  tenant: string;
  snapshot: ScanSnapshot;
  bytes: number;
  expires: number;
}

export class ScanCache {
  private readonly entries = new Map<string, Entry>();
  private readonly tenantBytes = new Map<string, number>();
  private totalBytes = 0;

  constructor(
    private readonly limits: ScanCacheLimits = SCAN_CACHE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): ScanSnapshot | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires < this.now()) {
      this.remove(key);
      return undefined;
    }
    return entry.snapshot;
  }

  set(key: string, snapshot: ScanSnapshot, tenant: string): void {
    this.remove(key);
    const bytes = snapshotBytes(snapshot);
    if (bytes > this.limits.maxBytesPerTenant || bytes > this.limits.maxBytes) return;
    // Make room: the tenant's own oldest snapshots first, then the oldest of anyone's.
    for (const [k, e] of this.entries) {
      if ((this.tenantBytes.get(tenant) ?? 0) + bytes <= this.limits.maxBytesPerTenant) break;
      if (e.tenant === tenant) this.remove(k);
    }
    while (this.entries.size >= this.limits.maxEntries || this.totalBytes + bytes > this.limits.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
    this.entries.set(key, { tenant, snapshot, bytes, expires: this.now() + this.limits.ttlMs });
    this.totalBytes += bytes;
    this.tenantBytes.set(tenant, (this.tenantBytes.get(tenant) ?? 0) + bytes);
  }

  /** Bytes held in total and for one tenant (tests, diagnostics). */
  usage(tenant?: string): { entries: number; bytes: number } {
    if (tenant === undefined) return { entries: this.entries.size, bytes: this.totalBytes };
    let entries = 0;
    for (const e of this.entries.values()) if (e.tenant === tenant) entries++;
    return { entries, bytes: this.tenantBytes.get(tenant) ?? 0 };
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
    const left = (this.tenantBytes.get(entry.tenant) ?? 0) - entry.bytes;
    if (left > 0) this.tenantBytes.set(entry.tenant, left);
    else this.tenantBytes.delete(entry.tenant);
  }
}

export const scanCache = new ScanCache();
