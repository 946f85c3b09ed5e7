// What delivery needs from the change feed, and nothing more: the feed's tenants and one tenant's events in feed order
// from a cursor. The engine depends on this interface only (feed-reader.ts adapts lib/events' feed to it), so its
// tests can drive it with any feed.
export { EVENT_TYPES } from '../events/event.js';

/** A CloudEvents 1.0 event as the feed hands it out; delivery passes it on unchanged. */
export interface CloudEvent {
  specversion: '1.0';
  /** Unique and stable across redeliveries: receivers deduplicate by it (it is also the webhook-id). */
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype?: string;
  data?: unknown;
}

export interface FeedPage {
  events: CloudEvent[];
  /** Always present; passing it back as `after` continues after the last event of this page. */
  next: string;
}

export interface FeedReader {
  /** Every tenant that may have events (subscriptions without a tenant receive all of them). */
  tenants(): Promise<string[]>;
  /** Events of `tenant` after the cursor (from the oldest retained when undefined), oldest first, at most `limit`. */
  read(tenant: string, after: string | undefined, limit: number): Promise<FeedPage>;
}
