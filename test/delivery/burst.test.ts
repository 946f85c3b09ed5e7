// Issue 17, delivery under a burst: 500 SCIM changes committed quickly (the timer off, so they all wait in the feed),
// then the delivery engine drains them into a loopback webhook and a Storage Queue: every event arrives, in feed order,
// both kinds, and the storage calls per delivered event stay under a fixed bound — batched stream writes (one
// transaction per up to 24 deliveries) and one feed page read per 100 events, not one write per event.
import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { getDeliveryServices } from '../../lib/delivery/services.js';
import { storeCallTotal } from '../../lib/delivery/store.js';
import { walk } from '../events/helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import { admin, startReceiver, type Receiver } from './helpers.js';

const COUNT = 500;
let stack: Stack;
let receiver: Receiver;

beforeAll(async () => {
  // No timer: the test runs the engine's ticks itself, so the whole burst is in the feed before delivery starts.
  stack = await startStack({ SCIM_WEBHOOKS_ALLOW_LOOPBACK: 'true', SCIM_QUEUE_CONNECTION_STRING: inject('azuriteQueueConnectionString') }, { timers: false });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

async function drainQueue(queue: QueueClient): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 120 });
    if (receivedMessageItems.length === 0) return ids;
    for (const m of receivedMessageItems) {
      ids.push((JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as { id: string }).id);
      await queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

describe('delivery of a burst', () => {
  it(`${COUNT} events committed at once reach a webhook and a queue in feed order, at a bounded storage cost per event`, async () => {
    const queueName = `burst-${randomUUID().slice(0, 8)}`;
    const hook = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', { url: receiver.url, tenant: 'default' });
    const queued = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', { queue: queueName, tenant: 'default' });
    expect(hook.status, hook.text).toBe(201);
    expect(queued.status, queued.text).toBe(201);

    // The burst: 8 writers at once.
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < COUNT) {
        const i = next++;
        const reply = await stack.call('POST', '/Users', entraUser(`burst.${i}@contoso.com`));
        expect(reply.status, reply.text).toBe(201);
      }
    }));

    const { engine, store, feed } = await getDeliveryServices();
    const before = { engine: engine.stats(), store: storeCallTotal(store.calls), feed: feed.calls.storageCalls };
    const started = Date.now();
    let ticks = 0;
    while (engine.stats().delivered - before.engine.delivered < 2 * COUNT && ticks < 100) {
      await engine.tick(Infinity);
      ticks++;
    }
    const drainMs = Date.now() - started;
    const after = { engine: engine.stats(), store: storeCallTotal(store.calls), feed: feed.calls.storageCalls };
    const delivered = after.engine.delivered - before.engine.delivered;
    const storeCalls = after.store - before.store;
    const feedCalls = after.feed - before.feed;
    const perEvent = (storeCalls + feedCalls) / delivered;
    console.log(`burst of ${COUNT} events, 2 subscriptions: drained in ${drainMs} ms over ${ticks} ticks; ` +
      `${delivered} deliveries, ${after.engine.runs - before.engine.runs} stream runs, ${after.engine.commits - before.engine.commits} stream writes, ` +
      `${after.engine.feedReads - before.engine.feedReads} feed page reads; table storage calls: ${storeCalls} delivery table + ${feedCalls} feed ` +
      `= ${perEvent.toFixed(3)} per delivered event (+ 1 queue message per queue delivery); ` +
      `sends ${((after.engine.sendMs - before.engine.sendMs) / delivered).toFixed(1)} ms per delivery`);

    // Every event, in feed order (first arrivals; at least once allows repeats), through both kinds.
    const expected = (await walk(stack.baseUrl, '/manage/tenants/default/events')).events.map((e) => e.id);
    expect(expected).toHaveLength(COUNT);
    expect(delivered).toBe(2 * COUNT);
    const firsts = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) === i);
    expect(firsts(receiver.received.map((r) => r.id))).toEqual(expected);
    expect(firsts(await drainQueue(new QueueClient(inject('azuriteQueueConnectionString'), queueName)))).toEqual(expected);
    for (const id of [hook.body.id as string, queued.body.id as string]) {
      const { records } = await store.records(id, 1000);
      expect(records).toHaveLength(COUNT);
      expect(records.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
    }

    // The cost, per stream: one write per 24 deliveries (+ taking and letting go of the lease, and a renewal at most
    // every 15 s), one feed page read per 100 events (sequencing the pending rows 49 per transaction, once for both
    // streams), a stream read per run. Per delivered event, with both streams sharing the feed's sequencing:
    // (⌈500/24⌉ + 2 per run) writes + (⌈500/100⌉ + 1) page reads × 2 calls per stream, 11 sequencing transactions.
    expect(after.engine.commits - before.engine.commits).toBeLessThanOrEqual(2 * (Math.ceil(COUNT / 24) + 2 * (after.engine.runs - before.engine.runs)) + Math.ceil(drainMs / 15_000) * 2);
    expect(perEvent).toBeLessThanOrEqual(0.15);
  }, 240_000);
});
