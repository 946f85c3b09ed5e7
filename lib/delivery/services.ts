// Event delivery's process-wide parts, built once on first use next to lib/services.ts: the delivery table, the two
// senders, the engine (reading lib/events' change feed) and the admin calls.
import { getServices } from '../services.js';
import { SubscriptionAdmin } from './admin.js';
import { deliveryConfigFromEnv, type DeliveryConfig } from './config.js';
import { DeliveryEngine, type Senders } from './engine.js';
import { ChangeFeedReader } from './feed-reader.js';
import { QueueSender } from './queue-sender.js';
import { createDeliveryStore, type DeliveryStore } from './store.js';
import { WebhookSender } from './webhook-sender.js';

export interface DeliveryServices {
  config: DeliveryConfig;
  store: DeliveryStore;
  senders: Senders;
  /** The change feed as the engine reads it (its `calls`: the engine's feed cost). */
  feed: ChangeFeedReader;
  engine: DeliveryEngine;
  admin: SubscriptionAdmin;
}

let delivery: Promise<DeliveryServices> | undefined;

export function getDeliveryServices(): Promise<DeliveryServices> {
  delivery ??= (async () => {
    const services = await getServices();
    const config = deliveryConfigFromEnv();
    const store = await createDeliveryStore(config.tableName);
    const webhooks = new WebhookSender({ allowLoopback: config.allowLoopback });
    const queues = new QueueSender(config);
    const senders: Senders = {
      webhook: (target, eventId, body) => webhooks.send(target, eventId, body),
      queue: (name, body) => queues.send(name, body),
    };
    const feed = new ChangeFeedReader(services.events, services.tenants);
    const engine = new DeliveryEngine({
      store,
      feed,
      senders,
      config,
      // A busy stream keeps its lease for 3 s after its last event, polling the feed 4 times a second.
      lingerMs: 3000,
      pollMs: 250,
      log: (message) => console.warn(message),
    });
    return { config, store, senders, feed, engine, admin: new SubscriptionAdmin({ store, tenants: services.tenants, queues, senders, config }) };
  })().catch((error: unknown) => {
    delivery = undefined; // a transient failure (storage down at start) must not stick
    throw error;
  });
  return delivery;
}
