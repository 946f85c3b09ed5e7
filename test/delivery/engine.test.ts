// The delivery engine against an in-test feed (the FeedReader interface) and the real delivery table on Azurite:
// two engines (two instances) work the same streams at once: never two attempts of one stream in flight together,
// feed order per stream, every event delivered; a failing endpoint holds back only its own stream.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeliveryEngine, type Senders } from '../../lib/delivery/engine.js';
import type { CloudEvent, FeedPage, FeedReader } from '../../lib/delivery/feed.js';
import { createDeliveryStore, type DeliveryStore } from '../../lib/delivery/store.js';

class MemoryFeed implements FeedReader {
  readonly events = new Map<string, CloudEvent[]>();
  add(tenant: string, count: number): void {
    const list = this.events.get(tenant) ?? [];
    for (let i = 0; i < count; i++) {
      const n = list.length + 1;
      list.push({ specversion: '1.0', id: `${tenant}.${n}`, source: `/scim/v2/tenants/${tenant}`, type: 'scim.user.updated', subject: `Users/${tenant}`, time: new Date().toISOString(), data: { n } });
    }
    this.events.set(tenant, list);
  }
  async tenants(): Promise<string[]> {
    return [...this.events.keys()];
  }
  async read(tenant: string, after: string | undefined, limit: number): Promise<FeedPage> {
    const from = after ? Number(after) : 0;
    const events = (this.events.get(tenant) ?? []).slice(from, from + limit);
    return { events, next: String(from + events.length) };
  }
}

let store: DeliveryStore;
beforeAll(async () => {
  process.env.SCIM_STORAGE_CONNECTION_STRING = inject('azuriteConnectionString');
  store = await createDeliveryStore(`engine${randomBytes(4).toString('hex')}`);
});

function recordingSenders(fail: (url: string, eventId: string) => boolean) {
  const inFlight = new Map<string, number>();
  const got = new Map<string, string[]>();
  let overlap = 0;
  const senders: Senders = {
    webhook: async (target, eventId) => {
      const stream = `${target.url}|${eventId.split('.')[0]}`;
      const now = (inFlight.get(stream) ?? 0) + 1;
      inFlight.set(stream, now);
      if (now > 1) overlap++;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
      inFlight.set(stream, (inFlight.get(stream) ?? 1) - 1);
      if (fail(target.url, eventId)) return { ok: false, statusCode: 500, error: 'HTTP 500' };
      got.set(stream, [...(got.get(stream) ?? []), eventId]);
      return { ok: true, statusCode: 200 };
    },
    queue: async () => ({ ok: true }),
  };
  return { senders, got, overlap: () => overlap };
}

describe('DeliveryEngine', () => {
  it('two instances on the same streams: one attempt in flight per stream, feed order, every event', async () => {
    const feed = new MemoryFeed();
    const created = new Date(Date.now() - 1000).toISOString();
    for (const url of ['https://a.example/h', 'https://b.example/h']) {
      await store.createSubscription({ id: randomBytes(16).toString('hex'), kind: 'webhook', url, secret: 'whsec_AAAA', created });
    }
    for (const tenant of ['t1', 't2', 't3']) feed.add(tenant, 25);
    const { senders, got, overlap } = recordingSenders(() => false);
    const config = { retrySchedule: [1], leaseSeconds: 30 };
    const engines = [1, 2].map((i) => new DeliveryEngine({ store, feed, senders, config, owner: `instance-${i}`, pageSize: 7 }));
    for (let round = 0; round < 40; round++) {
      await Promise.all(engines.map((e) => e.tick(Infinity)));
      if (round === 3) for (const tenant of ['t1', 't2', 't3']) feed.add(tenant, 10); // writers keep writing
      const complete = [...got.values()].reduce((n, ids) => n + new Set(ids).size, 0) === 2 * 3 * 35;
      if (complete) break;
    }
    expect(overlap()).toBe(0);
    expect(got.size).toBe(6);
    for (const [stream, ids] of got) {
      const tenant = stream.split('|')[1];
      const firsts = ids.filter((id, i) => ids.indexOf(id) === i);
      expect(firsts).toEqual(Array.from({ length: 35 }, (_, i) => `${tenant}.${i + 1}`));
    }
    for (const s of await store.listSubscriptions()) await store.deleteSubscription(s.id);
  });

  it('a failing endpoint holds back only its own stream; expired records are swept, pending ones kept', async () => {
    const feed = new MemoryFeed();
    const created = new Date(Date.now() - 1000).toISOString();
    await store.createSubscription({ id: 'failing', kind: 'webhook', url: 'https://down.example/h', secret: 'whsec_AAAA', created });
    await store.createSubscription({ id: 'healthy', kind: 'webhook', url: 'https://up.example/h', secret: 'whsec_AAAA', created });
    feed.add('t1', 5);
    const { senders, got } = recordingSenders((url) => url.includes('down'));
    const engine = new DeliveryEngine({ store, feed, senders, config: { retrySchedule: [3600], leaseSeconds: 30 } });
    await engine.tick(Infinity);
    await engine.tick(Infinity);
    expect(got.get('https://up.example/h|t1')).toEqual(['t1.1', 't1.2', 't1.3', 't1.4', 't1.5']);
    expect(got.get('https://down.example/h|t1')).toBeUndefined();
    const stream = await store.stream('failing', 't1');
    expect(stream?.head?.eventId).toBe('t1.1');
    const records = (await store.records('failing', 10)).records;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ eventId: 't1.1', status: 'pending', attempts: 1, lastStatusCode: 500 });
    // Retention: records past the boundary go with their index rows; one still waiting for its retry stays.
    expect(await store.sweepRecords('healthy', Date.now() + 1000)).toBe(5);
    expect((await store.records('healthy', 10)).records).toEqual([]);
    expect(await store.recordByEvent('healthy', 't1.1')).toBeUndefined();
    expect(await store.sweepRecords('failing', Date.now() + 1000)).toBe(0);
    expect(await store.sweepRecords('failing', Date.now() - 60_000)).toBe(0);
    expect((await store.records('failing', 10)).records).toHaveLength(1);
    await store.deleteSubscription('failing');
    await store.deleteSubscription('healthy');
    expect(await store.stream('failing', 't1')).toBeUndefined();
  });
});
