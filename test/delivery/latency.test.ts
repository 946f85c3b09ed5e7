// Issue 17: "p95 delivery ≤ 5 s after the SCIM response on the local stack", for both kinds. SCIM creates through
// the local host; a loopback webhook receiver and a queue reader note when each event arrives; prints p50/p95.
import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import { admin, startReceiver, waitFor, type Receiver } from './helpers.js';

let stack: Stack;
let receiver: Receiver;
const COUNT = 30;

beforeAll(async () => {
  stack = await startStack({ SCIM_WEBHOOKS_ALLOW_LOOPBACK: 'true', SCIM_QUEUE_CONNECTION_STRING: inject('azuriteQueueConnectionString') });
  receiver = await startReceiver();
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

describe('delivery latency on the local stack', () => {
  it(`p95 of ${COUNT} events ≤ 5 s after the SCIM response, for webhooks and for the queue`, async () => {
    const queueName = `latency-${randomUUID().slice(0, 8)}`;
    expect((await admin(stack.baseUrl, 'POST', '/manage/subscriptions', { url: receiver.url, tenant: 'default' })).status).toBe(201);
    expect((await admin(stack.baseUrl, 'POST', '/manage/subscriptions', { queue: queueName, tenant: 'default' })).status).toBe(201);
    const queue = new QueueClient(inject('azuriteQueueConnectionString'), queueName);
    const queued = new Map<string, number>();
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
        const at = Date.now();
        for (const m of receivedMessageItems) {
          const event = JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as { data: { id: string } };
          queued.set(event.data.id, at);
          await queue.deleteMessage(m.messageId, m.popReceipt);
        }
        if (receivedMessageItems.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const answered = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) {
      const reply = await stack.call('POST', '/Users', entraUser(`latency.${i}@contoso.com`));
      expect(reply.status).toBe(201);
      answered.set(reply.body.id as string, Date.now());
      await new Promise((r) => setTimeout(r, 100)); // Entra's pace is a few requests per second per tenant
    }
    const hooked = new Map<string, number>();
    await waitFor('every event, both kinds', () => {
      for (const r of receiver.received) hooked.set((JSON.parse(r.body) as { data: { id: string } }).data.id, r.at);
      return (hooked.size >= COUNT && queued.size >= COUNT) || undefined;
    }, 60_000);
    reading = false;
    await reader;

    const webhookMs = [...answered].map(([id, at]) => (hooked.get(id) as number) - at);
    const queueMs = [...answered].map(([id, at]) => (queued.get(id) as number) - at);
    const line = (name: string, ms: number[]) => `${name}: p50 ${percentile(ms, 50)} ms, p95 ${percentile(ms, 95)} ms, max ${Math.max(...ms)} ms`;
    console.log(`delivery latency after the SCIM response (${COUNT} events):\n  ${line('webhook', webhookMs)}\n  ${line('queue  ', queueMs)}`);
    expect(percentile(webhookMs, 95)).toBeLessThanOrEqual(5000);
    expect(percentile(queueMs, 95)).toBeLessThanOrEqual(5000);
  });
});
