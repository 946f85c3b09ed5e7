// The subscriptions commands of the operator CLI (`npm run tenants -- subscribe …`): the same SubscriptionAdmin calls
// as the manage/subscriptions functions, on the storage the CLI was pointed at.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScimError } from '../scim/errors.js';
import type { TenantStore } from '../store/tenant-store.js';
import { SubscriptionAdmin } from './admin.js';
import { deliveryConfigFromEnv } from './config.js';
import type { Senders } from './engine.js';
import { QueueSender } from './queue-sender.js';
import { createDeliveryStore } from './store.js';
import { WebhookSender } from './webhook-sender.js';

export const SUBSCRIPTION_COMMANDS = ['subscribe', 'subscriptions', 'unsubscribe', 'deliveries', 'redeliver'] as const;

export const SUBSCRIPTION_USAGE = `  subscribe (--url <https url> | --queue <queue name>) [--tenant <id>] [--types <type,type,...>]
                                   push events to a webhook (prints its signing secret once) or a Storage Queue
  subscriptions [--tenant <id>]    list event subscriptions
  unsubscribe --subscription <id>  delete a subscription and its delivery records
  deliveries --subscription <id> [--limit <n>]
                                   a subscription's deliveries, newest first (status, attempts, last error)
  redeliver --subscription <id> --event <event id>
                                   send one event again
`;

/** Where `npm start` records the connection string of its Azurite Queue service. */
export const LOCAL_QUEUE_CONNECTION_FILE = join('.local', 'queue-connection');

export interface SubscriptionArgs {
  command: string;
  url?: string;
  queue?: string;
  tenant?: string;
  types?: string;
  subscription?: string;
  event?: string;
  limit?: string;
  json: boolean;
}

export function isSubscriptionCommand(command: string | undefined): boolean {
  return (SUBSCRIPTION_COMMANDS as readonly string[]).includes(command ?? '');
}

/** Runs one subscriptions command; throws ScimError for bad input (the CLI prints its detail). */
export async function runSubscriptionCommand(
  p: SubscriptionArgs,
  storageEnv: NodeJS.ProcessEnv,
  tenants: TenantStore,
  root: string,
  out: (json: unknown, text: string) => void,
): Promise<void> {
  const env = { ...storageEnv };
  const queueFile = join(root, LOCAL_QUEUE_CONNECTION_FILE);
  if (!env.SCIM_QUEUE_CONNECTION_STRING && !env.SCIM_QUEUE_ENDPOINT && existsSync(queueFile)) {
    env.SCIM_QUEUE_CONNECTION_STRING = readFileSync(queueFile, 'utf8').trim();
  }
  const config = deliveryConfigFromEnv(env);
  const store = await createDeliveryStore(config.tableName, env);
  const queues = new QueueSender(config, env);
  const webhooks = new WebhookSender({ allowLoopback: config.allowLoopback });
  const senders: Senders = { webhook: (t, id, body) => webhooks.send(t, id, body), queue: (name, body) => queues.send(name, body) };
  const admin = new SubscriptionAdmin({ store, tenants, queues, senders, config });
  const need = (value: string | undefined, option: string): string => {
    if (value === undefined || value === '') throw new ScimError(400, 'invalidValue', `${p.command} needs ${option}.`);
    return value;
  };
  switch (p.command) {
    case 'subscribe': {
      const body: Record<string, unknown> = {};
      if (p.url !== undefined) body.url = p.url;
      if (p.queue !== undefined) body.queue = p.queue;
      if (p.tenant !== undefined) body.tenant = p.tenant;
      if (p.types !== undefined) body.types = p.types.split(',').map((t) => t.trim()).filter((t) => t !== '');
      const created = await admin.create(body);
      out(created, `Created subscription ${created.id} (${created.kind}: ${created.url ?? created.queue}).\n` +
        (created.secret ? `\nSigning secret (shown once; verify webhook-signature with it, see docs/events.md):\n\n  ${created.secret}\n` : ''));
      return;
    }
    case 'subscriptions': {
      const query = new URLSearchParams(p.tenant ? { tenant: p.tenant } : {});
      const { subscriptions } = await admin.list(query);
      out({ subscriptions }, subscriptions.length === 0 ? 'No subscriptions.\n' : subscriptions.map((s) =>
        `${s.id}  ${s.kind}  ${s.url ?? s.queue}  tenant: ${s.tenant ?? 'all'}  types: ${s.types?.join(',') ?? 'all'}\n`).join(''));
      return;
    }
    case 'unsubscribe': {
      const id = need(p.subscription, '--subscription <id>');
      await admin.delete(id);
      out({ id, deleted: true }, `Deleted subscription ${id}.\n`);
      return;
    }
    case 'deliveries': {
      const query = new URLSearchParams(p.limit ? { limit: p.limit } : {});
      const page = await admin.deliveries(need(p.subscription, '--subscription <id>'), query);
      out(page, page.deliveries.length === 0 ? 'No deliveries yet.\n' : page.deliveries.map((d) =>
        `${d.firstAttemptAt.slice(0, 19)}  ${d.status.padEnd(9)}  attempts ${d.attempts}  ${d.type}  ${d.eventId}` +
        `${d.lastStatusCode !== undefined ? `  last ${d.lastStatusCode}` : ''}${d.lastError ? `  ${d.lastError}` : ''}\n`).join(''));
      return;
    }
    case 'redeliver': {
      const result = await admin.redeliver(need(p.subscription, '--subscription <id>'), need(p.event, '--event <event id>'));
      out(result.delivery, result.status === 202
        ? `Event ${result.delivery.eventId} was waiting for a retry; it is retried now.\n`
        : `Event ${result.delivery.eventId}: ${result.delivery.status} (attempt ${result.delivery.attempts}${result.delivery.lastError ? `, ${result.delivery.lastError}` : ''}).\n`);
      return;
    }
  }
}
