// Reading the change feed over HTTP in tests: one page, or a whole walk from a cursor until an empty page.
import type { ChangeEvent } from '../../lib/events/event.js';

export const ADMIN_KEY = 'test-admin-key';

export interface FeedReply {
  status: number;
  // Parsed JSON body (pages, or SCIM errors).
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function feedGet(baseUrl: string, path: string, key = ADMIN_KEY): Promise<FeedReply> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { 'x-functions-key': key } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Pages through `path` (a feed route without query) from `after` until a page comes back empty. */
export async function walk(baseUrl: string, path: string, options: { after?: string; limit?: number } = {}): Promise<{ events: ChangeEvent[]; next: string }> {
  const events: ChangeEvent[] = [];
  let after = options.after;
  for (let i = 0; i < 10_000; i++) {
    const query = new URLSearchParams();
    if (after !== undefined) query.set('after', after);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const reply = await feedGet(baseUrl, `${path}?${query}`);
    if (reply.status !== 200) throw new Error(`GET ${path} → ${reply.status} ${JSON.stringify(reply.body)}`);
    after = reply.body.next as string;
    if (reply.body.events.length === 0) return { events, next: after };
    events.push(...(reply.body.events as ChangeEvent[]));
  }
  throw new Error('the feed did not end');
}
