// Issue 17, "what it must show": webhooks to a loopback receiver, driven by real SCIM requests through the local host
// (its deliver-events timer runs the engine on the change feed). Signatures are checked with the `standardwebhooks`
// library, as an app would; retries keep the webhook-id; the deliveries list shows the attempts; order holds.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import { walk } from '../events/helpers.js';
import { callAs, createTenant } from '../auth/helpers.js';
import { admin, startReceiver, waitFor, type Receiver } from './helpers.js';

let stack: Stack;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startStack({
    SCIM_WEBHOOKS_ALLOW_LOOPBACK: 'true',
    SCIM_DELIVERY_RETRY_SCHEDULE: '1,1,1',
    SCIM_QUEUE_CONNECTION_STRING: inject('azuriteQueueConnectionString'),
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const eventOf = (body: string) => JSON.parse(body) as { id: string; type: string; subject: string; specversion: string; data: { id: string; userName?: string } };

async function subscribe(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const created = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', body);
  expect(created.status, created.text).toBe(201);
  return created.body as { id: string; secret: string };
}

async function createUser(name: string): Promise<string> {
  const reply = await stack.call('POST', '/Users', entraUser(`${name}@contoso.com`));
  expect(reply.status, reply.text).toBe(201);
  return reply.body.id as string;
}

describe('signed webhooks (Standard Webhooks)', () => {
  it('POSTs each CloudEvent as application/cloudevents+json, signed so that standardwebhooks verifies it; webhook-id is the event id', async () => {
    const sub = await subscribe({ url: receiver.url, tenant: 'default' });
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const userId = await createUser('signed.user');
    const got = await waitFor('the created event', () => receiver.received.find((r) => eventOf(r.body).data.id === userId));
    expect(got.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    const verified = new Webhook(sub.secret).verify(got.body, got.headers) as { id: string; type: string; specversion: string; subject: string };
    expect(verified).toMatchObject({ specversion: '1.0', type: 'scim.user.created', subject: `Users/${userId}` });
    expect(got.headers['webhook-id']).toBe(verified.id);
    expect(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(got.headers['webhook-signature']).toMatch(/^v1,/);
    // Another secret does not verify: the signature is bound to this subscription's key.
    const other = (await subscribe({ url: receiver.url, tenant: 'default', types: ['scim.group.deleted'] })).secret;
    expect(() => new Webhook(other).verify(got.body, got.headers)).toThrow();
    // The secret is shown once: listing never returns it.
    const list = await admin(stack.baseUrl, 'GET', '/manage/subscriptions');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(sub.secret);
    expect(list.body.subscriptions.map((s: { id: string }) => s.id)).toContain(sub.id);
    await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${sub.id}`);
  });

  it('retries a refused event with the same webhook-id, holds later events back until it is delivered, and the deliveries list shows the attempts', async () => {
    const sub = await subscribe({ url: receiver.url, tenant: 'default' });
    // The receiver refuses the first two attempts of every event about this user.
    receiver.respond = (request, attempt) => (eventOf(request.body).data.userName === 'flaky.user@contoso.com' && attempt <= 2 ? 500 : 204);
    const flaky = await createUser('flaky.user');
    const patched = await stack.call('PATCH', `/Users/${flaky}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'displayName', value: 'Flaky' }] });
    expect(patched.status).toBe(200);
    const later = await createUser('after.flaky');

    // While retrying: pending, with the last failure visible.
    const pending = await waitFor('a pending delivery', async () => {
      const list = await admin(stack.baseUrl, 'GET', `/manage/subscriptions/${sub.id}/deliveries`);
      return (list.body.deliveries as { status: string; attempts: number; lastStatusCode?: number; lastError?: string }[]).find((d) => d.status === 'pending' && d.attempts >= 1);
    });
    expect(pending.lastStatusCode).toBe(500);
    expect(pending.lastError).toContain('HTTP 500');

    const laterEvent = await waitFor('the later event', () => receiver.received.find((r) => eventOf(r.body).data.id === later));
    const flakyEvents = receiver.received.filter((r) => eventOf(r.body).data.id === flaky);
    expect(flakyEvents.map((r) => eventOf(r.body).type)).toEqual(['scim.user.created', 'scim.user.updated']);
    // The refused attempts carried the same webhook-id as the one that got through, and came before it.
    const refused = receiver.failed.filter((r) => r.id === flakyEvents[0].id);
    expect(refused).toHaveLength(2);
    expect(refused.every((r) => r.at < flakyEvents[0].at)).toBe(true);
    // Order: nothing after a refused event went out before it.
    expect(flakyEvents[1].at).toBeLessThan(laterEvent.at);

    const deliveries = (await admin(stack.baseUrl, 'GET', `/manage/subscriptions/${sub.id}/deliveries`)).body.deliveries as { eventId: string; attempts: number; status: string; lastStatusCode?: number; deliveredAt?: string; lastError?: string }[];
    const first = deliveries.find((d) => d.eventId === flakyEvents[0].id);
    expect(first).toMatchObject({ attempts: 3, status: 'delivered', lastStatusCode: 204 });
    expect(first?.lastError).toBeUndefined();
    expect(first?.deliveredAt).toBeTruthy();
    expect(deliveries.find((d) => d.eventId === laterEvent.id)).toMatchObject({ attempts: 1, status: 'delivered' });
    receiver.respond = () => 204;
    await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${sub.id}`);
  });

  it('keeps feed order per subscription: the receiver sees exactly the feed walk, in order', async () => {
    const before = await walk(stack.baseUrl, '/manage/tenants/default/events');
    const own = await startReceiver();
    try {
      const sub = await subscribe({ url: own.url, tenant: 'default' });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await createUser(`ordered.${i}`));
      for (const id of ids) {
        const r = await stack.call('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
        expect(r.status).toBe(200);
      }
      const expected = (await walk(stack.baseUrl, '/manage/tenants/default/events', { after: before.next })).events.map((e) => e.id);
      expect(expected).toHaveLength(12);
      await waitFor('every event', () => own.received.length >= expected.length || undefined);
      expect(own.received.map((r) => r.id)).toEqual(expected);
      expect(own.received.filter((r) => eventOf(r.body).type === 'scim.user.deactivated')).toHaveLength(6);
      await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${sub.id}`);
    } finally {
      await own.close();
    }
  });

  it('without a tenant a subscription receives every tenant\'s events; with one, only that tenant\'s', async () => {
    const all = await startReceiver();
    const one = await startReceiver();
    try {
      const tenant = await createTenant('Webhook Tenant Ltd');
      const everyTenant = await subscribe({ url: all.url, types: ['scim.user.created'] });
      const onlyDefault = await subscribe({ url: one.url, tenant: 'default', types: ['scim.user.created'] });
      const mine = await createUser('tenant.default');
      const theirs = await callAs(stack, tenant.token)('POST', '/Users', entraUser('tenant.other@contoso.com'));
      expect(theirs.status).toBe(201);
      await waitFor('both tenants\' events', () => (all.received.length >= 2 && one.received.length >= 1) || undefined);
      const sources = new Map(all.received.map((r) => [eventOf(r.body).data.id, (JSON.parse(r.body) as { source: string }).source]));
      expect(sources.get(mine)).toBe('/scim/v2/tenants/default');
      expect(sources.get(theirs.body.id)).toBe(`/scim/v2/tenants/${tenant.tenantId}`);
      await new Promise((r) => setTimeout(r, 1500));
      expect(one.received.map((r) => eventOf(r.body).data.id)).toEqual([mine]);
      for (const id of [everyTenant.id, onlyDefault.id]) await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${id}`);
    } finally {
      await all.close();
      await one.close();
    }
  });

  it('marks an event failed once the retry schedule is spent, then goes on with the next one', async () => {
    const own = await startReceiver();
    try {
      const sub = await subscribe({ url: own.url, tenant: 'default', types: ['scim.user.created'] });
      own.respond = (request) => (eventOf(request.body).data.userName === 'doomed.user@contoso.com' ? 503 : 204);
      const doomed = await createUser('doomed.user');
      const next = await createUser('after.doomed');
      await waitFor('the next event', () => own.received.find((r) => eventOf(r.body).data.id === next));
      const deliveries = (await admin(stack.baseUrl, 'GET', `/manage/subscriptions/${sub.id}/deliveries`)).body.deliveries as { eventId: string; attempts: number; status: string; lastStatusCode?: number; lastError?: string }[];
      const failed = deliveries.find((d) => d.status === 'failed');
      // One attempt and the three retries of SCIM_DELIVERY_RETRY_SCHEDULE=1,1,1.
      expect(failed).toMatchObject({ attempts: 4, lastStatusCode: 503 });
      expect(failed?.lastError).toContain('HTTP 503');

      // Redeliver: one attempt now, recorded; the receiver gets the same webhook-id.
      own.respond = () => 204;
      const again = await admin(stack.baseUrl, 'POST', `/manage/subscriptions/${sub.id}/deliveries/${encodeURIComponent(failed!.eventId)}/redeliver`);
      expect(again.status, again.text).toBe(200);
      expect(again.body.delivery).toMatchObject({ eventId: failed!.eventId, attempts: 5, status: 'delivered', lastStatusCode: 204 });
      expect(own.received.some((r) => r.id === failed!.eventId && eventOf(r.body).data.id === doomed)).toBe(true);
      expect((await admin(stack.baseUrl, 'POST', `/manage/subscriptions/${sub.id}/deliveries/no-such-event/redeliver`)).status).toBe(404);

      // Deleting stops delivery and removes the records.
      expect((await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${sub.id}`)).status).toBe(204);
      const gone = await admin(stack.baseUrl, 'GET', `/manage/subscriptions/${sub.id}/deliveries`);
      expect(gone.status).toBe(404);
      expect(gone.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      const count = own.received.length;
      await createUser('after.delete');
      await new Promise((r) => setTimeout(r, 4500));
      expect(own.received.length).toBe(count);
    } finally {
      await own.close();
    }
  });
});
