// Event delivery latency during the bench's Entra cycle: a loopback webhook receiver and a Storage Queue reader
// subscribe to the default tenant before the cycle, and note for every event how long after its commit (the
// CloudEvent `time`) it arrived. Measures; never fails on time.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueClient } from '@azure/storage-queue';
import { Samples, summarize, type LatencySummary } from '../simulator/stats.js';

export interface DeliveryLatency {
  webhook: LatencySummary;
  queue: LatencySummary;
  /** Distinct events each kind received (at least once may repeat some), and the events in the tenant's feed. */
  distinct: { webhook: number; queue: number };
  feedEvents: number;
}

export interface DeliveryWatch {
  /** Waits until arrivals stop (3 s without one, 120 s at most), then stops listening and summarizes. */
  finish(): Promise<DeliveryLatency>;
}

/** Latency after commit of a first arrival (a repeat of an event already received is not counted again). */
function latencyOf(body: string, at: number, seen: Set<string>): number | undefined {
  try {
    const event = JSON.parse(body) as { id?: string; time?: string };
    if (seen.has(String(event.id))) return undefined;
    seen.add(String(event.id));
    const time = Date.parse(event.time ?? '');
    return Number.isFinite(time) ? at - time : undefined;
  } catch {
    return undefined;
  }
}

/** Events in the tenant's feed (the admin pull API, pages of 1000). */
async function feedCount(baseUrl: string, adminKey: string): Promise<number> {
  let after = '';
  let n = 0;
  for (;;) {
    const res = await fetch(`${baseUrl}/manage/tenants/default/events?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`, { headers: { 'x-functions-key': adminKey } });
    const page = (await res.json()) as { events?: unknown[]; next?: string };
    if (!page.events || page.events.length === 0 || !page.next) return n;
    n += page.events.length;
    after = page.next;
  }
}

async function subscribe(baseUrl: string, adminKey: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${baseUrl}/manage/subscriptions`, { method: 'POST', headers: { 'x-functions-key': adminKey, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`subscribing ${JSON.stringify(body)} answered ${res.status}: ${await res.text()}`);
}

export async function watchDeliveries(baseUrl: string, adminKey: string, queueConnectionString: string): Promise<DeliveryWatch> {
  const webhook = new Samples();
  const queued = new Samples();
  const hooked = new Set<string>();
  const dequeued = new Set<string>();
  let lastArrival = Date.now();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ms = latencyOf(Buffer.concat(chunks).toString('utf8'), Date.now(), hooked);
      if (ms !== undefined) webhook.add(ms);
      lastArrival = Date.now();
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const queueName = `bench-${Date.now().toString(36)}`;
  await subscribe(baseUrl, adminKey, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, tenant: 'default' });
  await subscribe(baseUrl, adminKey, { queue: queueName, tenant: 'default' });
  const queue = new QueueClient(queueConnectionString, queueName);
  let reading = true;
  const reader = (async () => {
    while (reading) {
      try {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
        const at = Date.now();
        for (const m of receivedMessageItems) {
          const ms = latencyOf(Buffer.from(m.messageText, 'base64').toString('utf8'), at, dequeued);
          if (ms !== undefined) queued.add(ms);
          lastArrival = at;
          await queue.deleteMessage(m.messageId, m.popReceipt);
        }
        if (receivedMessageItems.length === 0) await new Promise((r) => setTimeout(r, 50));
      } catch {
        await new Promise((r) => setTimeout(r, 200)); // the queue is created by the first delivery
      }
    }
  })();
  return {
    async finish() {
      const started = Date.now();
      while (Date.now() - lastArrival < 3000 && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 250));
      reading = false;
      await reader;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return { webhook: summarize(webhook), queue: summarize(queued), distinct: { webhook: hooked.size, queue: dequeued.size }, feedEvents: await feedCount(baseUrl, adminKey) };
    },
  };
}
