// The change feed (lib/events) as the delivery engine reads it: one tenant's page at a time, cursors as the strings
// the pull API hands out, and the tenants there are. Feed reads here belong to no SCIM request: not counted in the
// request counters, but in this reader's own `calls` (the engine's cost per delivered event).
import { configuredToken } from '../auth/authenticate.js';
import type { EventFeed } from '../events/feed.js';
import { formatCursor, parseCursor } from '../events/keys.js';
import { runUncounted, type StorageCallCounter } from '../store/metrics.js';
import { DEFAULT_TENANT, type TenantStore } from '../store/tenant-store.js';
import type { FeedPage, FeedReader } from './feed.js';

export class ChangeFeedReader implements FeedReader {
  /** Storage calls made by this reader: tenant lists, feed sequencing and page reads. */
  readonly calls: StorageCallCounter = { storageCalls: 0 };

  constructor(
    private readonly feed: EventFeed,
    private readonly tenantStore: TenantStore,
  ) {}

  async tenants(): Promise<string[]> {
    const ids = (await runUncounted(() => this.tenantStore.listTenants(), this.calls)).filter((t) => t.status !== 'deleting').map((t) => t.id).sort();
    return configuredToken() ? [DEFAULT_TENANT, ...ids] : ids;
  }

  async read(tenant: string, after: string | undefined, limit: number): Promise<FeedPage> {
    // Cursors come from this reader's own earlier pages; one it cannot parse starts the stream over (at least once).
    const cursor = after ? parseCursor(after) : undefined;
    const page = await runUncounted(() => this.feed.page(tenant, cursor, limit), this.calls);
    return { events: page.events, next: formatCursor(page.next) };
  }
}
