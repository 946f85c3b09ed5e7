// The subscriptions admin API (and the CLI's same calls): create, list, delete, a subscription's deliveries, and
// redelivering one event. Every input is checked before anything is stored; bad input is a SCIM error (400, or 404
// for an unknown tenant or subscription) and creates nothing.
import { randomUUID } from 'node:crypto';
import { configuredToken } from '../auth/authenticate.js';
import { badRequest, notFound, ScimError } from '../scim/errors.js';
import { DEFAULT_TENANT, isTenantId, isUuid, type TenantStore } from '../store/tenant-store.js';
import type { DeliveryConfig } from './config.js';
import { applyOutcome, type Senders } from './engine.js';
import { EVENT_TYPES } from './feed.js';
import { isQueueName, QueueNotConfiguredError, type QueueSender } from './queue-sender.js';
import { newSecret } from './signer.js';
import { LeaseLostError, type DeliveryRecord, type DeliveryStore, type Subscription } from './store.js';
import { checkTarget, TargetError, type Resolver } from './targets.js';

export const MAX_SUBSCRIPTIONS = 100;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

export interface SubscriptionView {
  id: string;
  kind: 'webhook' | 'queue';
  url?: string;
  queue?: string;
  tenant?: string;
  types?: string[];
  created: string;
}

export interface CreatedSubscription extends SubscriptionView {
  /** Webhooks: the signing secret, shown only in this response. */
  secret?: string;
}

export interface DeliveryView {
  eventId: string;
  tenantId: string;
  type: string;
  attempts: number;
  status: DeliveryRecord['status'];
  lastStatusCode?: number;
  lastError?: string;
  deliveredAt?: string;
  firstAttemptAt: string;
  nextAttemptAt?: string;
}

export interface SubscriptionAdminDeps {
  store: DeliveryStore;
  tenants: Pick<TenantStore, 'getTenant'>;
  queues: Pick<QueueSender, 'ensureQueue'>;
  senders: Senders;
  config: Pick<DeliveryConfig, 'allowLoopback'>;
  resolve?: Resolver;
}

const ALLOWED_FIELDS = ['url', 'queue', 'tenant', 'types'];

export function view(s: Subscription): SubscriptionView {
  const v: SubscriptionView = { id: s.id, kind: s.kind, created: s.created };
  if (s.url) v.url = s.url;
  if (s.queue) v.queue = s.queue;
  if (s.tenant) v.tenant = s.tenant;
  if (s.types) v.types = s.types;
  return v;
}

export function deliveryView(r: DeliveryRecord): DeliveryView {
  const { key: _key, ...rest } = r;
  return rest;
}

export class SubscriptionAdmin {
  constructor(private readonly deps: SubscriptionAdminDeps) {}

  async create(body: unknown): Promise<CreatedSubscription> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('invalidSyntax', 'The body must be a JSON object.');
    const input = body as Record<string, unknown>;
    const unknown = Object.keys(input).filter((k) => !ALLOWED_FIELDS.includes(k));
    if (unknown.length > 0) throw badRequest('invalidSyntax', `Unknown field(s): ${unknown.join(', ')}. Allowed: ${ALLOWED_FIELDS.join(', ')}.`);
    const hasUrl = input.url !== undefined;
    const hasQueue = input.queue !== undefined;
    if (hasUrl === hasQueue) throw badRequest('invalidValue', 'Give exactly one of "url" (a webhook) or "queue" (a Storage Queue).');
    const types = parseTypes(input.types);
    const tenant = input.tenant === undefined ? undefined : await this.existingTenant(input.tenant);

    const subscription: Subscription = { id: randomUUID(), kind: hasUrl ? 'webhook' : 'queue', created: new Date().toISOString() };
    if (tenant) subscription.tenant = tenant;
    if (types) subscription.types = types;
    if (hasUrl) {
      if (typeof input.url !== 'string') throw badRequest('invalidValue', 'url must be a string.');
      try {
        subscription.url = (await checkTarget(input.url, this.deps.config.allowLoopback, this.deps.resolve)).href;
      } catch (error) {
        if (error instanceof TargetError) throw badRequest('invalidValue', error.message);
        throw error;
      }
      subscription.secret = newSecret();
    } else {
      if (typeof input.queue !== 'string' || !isQueueName(input.queue)) {
        throw badRequest('invalidValue', 'queue must be a queue name: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.');
      }
      subscription.queue = input.queue;
    }
    if ((await this.deps.store.listSubscriptions()).length >= MAX_SUBSCRIPTIONS) {
      throw badRequest('invalidValue', `This deployment has ${MAX_SUBSCRIPTIONS} subscriptions, the most it serves; delete one first.`);
    }
    if (subscription.queue) {
      try {
        await this.deps.queues.ensureQueue(subscription.queue);
      } catch (error) {
        if (error instanceof QueueNotConfiguredError) throw badRequest('invalidValue', error.message);
        throw error;
      }
    }
    await this.deps.store.createSubscription(subscription);
    return { ...view(subscription), ...(subscription.secret ? { secret: subscription.secret } : {}) };
  }

  async list(query: URLSearchParams): Promise<{ subscriptions: SubscriptionView[] }> {
    checkParams(query, ['tenant']);
    const tenant = query.get('tenant');
    const wanted = tenant === null ? undefined : await this.existingTenant(tenant);
    const all = await this.deps.store.listSubscriptions();
    // A tenant's view: its own subscriptions and those receiving every tenant.
    return { subscriptions: all.filter((s) => !wanted || !s.tenant || s.tenant === wanted).map(view) };
  }

  async get(id: string): Promise<Subscription> {
    const subscriptionId = parseId(id);
    const subscription = await this.deps.store.getSubscription(subscriptionId);
    if (!subscription) throw notFound(`Subscription ${subscriptionId} not found.`);
    return subscription;
  }

  async delete(id: string): Promise<void> {
    const subscriptionId = parseId(id);
    if (!(await this.deps.store.deleteSubscription(subscriptionId))) throw notFound(`Subscription ${subscriptionId} not found.`);
  }

  async deliveries(id: string, query: URLSearchParams): Promise<{ subscriptionId: string; deliveries: DeliveryView[]; nextCursor?: string }> {
    checkParams(query, ['limit', 'cursor']);
    const subscription = await this.get(id);
    const limit = limitParam(query);
    const cursor = query.get('cursor') || undefined;
    if (cursor !== undefined && !/^d:[0-9]{13}:[!-~]{1,200}$/.test(cursor)) throw badRequest('invalidCursor', 'cursor is not one this API handed out.');
    const page = await this.deps.store.records(subscription.id, limit, cursor);
    return { subscriptionId: subscription.id, deliveries: page.records.map(deliveryView), ...(page.next ? { nextCursor: page.next } : {}) };
  }

  /**
   * Sends one event again. A delivery waiting for its retry is retried at once by the engine (202); a delivered or
   * failed one is attempted now, once, and the record shows the outcome (200).
   */
  async redeliver(id: string, eventId: string): Promise<{ status: 200 | 202; delivery: DeliveryView }> {
    const subscription = await this.get(id);
    if (eventId.length === 0 || eventId.length > 200) throw notFound('No such delivery.');
    const stored = await this.deps.store.recordByEvent(subscription.id, eventId);
    if (!stored) throw notFound(`Subscription ${subscription.id} has no delivery of event ${eventId}.`);
    const { record, body } = stored;
    if (record.status === 'pending') {
      const stream = await this.deps.store.stream(subscription.id, record.tenantId);
      if (stream?.head?.key === record.key) {
        stream.head = { ...stream.head, nextAttemptAt: Date.now() };
        try {
          await this.deps.store.commit(subscription.id, stream);
        } catch (error) {
          if (error instanceof LeaseLostError) throw new ScimError(409, undefined, 'The delivery is being attempted right now; look again in a moment.');
          throw error;
        }
        return { status: 202, delivery: deliveryView({ ...record, nextAttemptAt: new Date(stream.head.nextAttemptAt).toISOString() }) };
      }
    }
    const outcome = subscription.kind === 'queue'
      ? await this.deps.senders.queue(subscription.queue as string, body)
      : await this.deps.senders.webhook({ url: subscription.url as string, secret: subscription.secret as string }, record.eventId, body);
    applyOutcome(record, outcome, [], Date.now());
    await this.deps.store.updateRecord(subscription.id, record);
    return { status: 200, delivery: deliveryView(record) };
  }

  private async existingTenant(raw: unknown): Promise<string> {
    if (typeof raw !== 'string') throw badRequest('invalidValue', 'tenant must be a string (a tenant id).');
    const id = raw.trim().toLowerCase();
    if (!isTenantId(id)) throw badRequest('invalidValue', `Tenant ${JSON.stringify(raw.slice(0, 100))} is not a tenant id (a UUID, or "default").`);
    if (id === DEFAULT_TENANT) {
      if (!configuredToken()) throw notFound('The default tenant is not configured (SCIM_TOKEN is not set).');
      return id;
    }
    const tenant = await this.deps.tenants.getTenant(id);
    if (!tenant || tenant.status === 'deleting') throw notFound(`Tenant ${id} not found.`);
    return id;
  }
}

function parseTypes(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) throw badRequest('invalidValue', `types must be a non-empty array of event types (${EVENT_TYPES.join(', ')}); leave it out for all.`);
  const known = new Set<string>(EVENT_TYPES);
  const bad = raw.filter((t) => typeof t !== 'string' || !known.has(t));
  if (bad.length > 0) throw badRequest('invalidValue', `Unknown event type(s): ${bad.map((t) => JSON.stringify(t)).join(', ').slice(0, 300)}. Known: ${EVENT_TYPES.join(', ')}.`);
  return [...new Set(raw as string[])];
}

function parseId(raw: string): string {
  const id = raw.trim().toLowerCase();
  if (!isUuid(id)) throw notFound(`Subscription ${JSON.stringify(raw.slice(0, 100))} not found.`);
  return id;
}

function checkParams(query: URLSearchParams, allowed: string[]): void {
  // `code` is the Functions host's own key parameter (?code=<key>), already checked by the host.
  const unknown = [...new Set(query.keys())].filter((k) => !allowed.includes(k) && k !== 'code');
  if (unknown.length > 0) throw badRequest('invalidValue', `Unknown parameter(s): ${unknown.join(', ')}. Allowed: ${allowed.join(', ')}.`);
}

function limitParam(query: URLSearchParams): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return DEFAULT_LIMIT;
  if (!/^[0-9]{1,6}$/.test(raw) || Number(raw) < 1) throw badRequest('invalidValue', `limit must be a whole number from 1 (larger than ${MAX_LIMIT} is treated as ${MAX_LIMIT}).`);
  return Math.min(Number(raw), MAX_LIMIT);
}
