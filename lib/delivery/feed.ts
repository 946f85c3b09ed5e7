// What delivery needs from the change feed, and nothing more: the feed's tenants and one tenant's events in feed order
// from a cursor. The engine depends on this interface only (feed-reader.ts adapts the real feed to it).
export const EVENT_TYPES = [
  'scim.user.created',
  'scim.user.updated',
  'scim.user.deactivated',
  'scim.user.reactivated',
  'scim.user.deleted',
  'scim.group.created',
  'scim.group.updated',
  'scim.group.deleted',
  'scim.group.members.added',
  'scim.group.members.removed',
] as const;

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
