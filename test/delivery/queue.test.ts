// Issue 17, "a queue consumer reads every event, decoded, in order": a queue subscription against Azurite's Queue
// service, SCIM changes through the local host, then a consumer reads the queue as a Functions queue trigger does
// (base64-decoded JSON) and feeds the sample app's handler (examples/queue-consumer).
import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { applyEvent, type AccessList, type ScimEvent } from '../../examples/queue-consumer/src/access.js';
import { walk } from '../events/helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import { admin, waitFor } from './helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ SCIM_QUEUE_CONNECTION_STRING: inject('azuriteQueueConnectionString') });
});
afterAll(() => stack?.close());

/** Everything on the queue, in order, decoded the way a queue trigger decodes it (and removed from the queue). */
async function drain(queue: QueueClient): Promise<ScimEvent[]> {
  const out: ScimEvent[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    if (receivedMessageItems.length === 0) return out;
    for (const m of receivedMessageItems) {
      out.push(JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as ScimEvent);
      await queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

describe('Storage Queue delivery', () => {
  it('puts every event on the queue, base64 CloudEvent JSON, in feed order; the sample consumer applies them', async () => {
    const name = `scim-events-${randomUUID().slice(0, 8)}`;
    const before = await walk(stack.baseUrl, '/manage/tenants/default/events');
    const sub = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', { queue: name, tenant: 'default' });
    expect(sub.status, sub.text).toBe(201);
    const queue = new QueueClient(inject('azuriteQueueConnectionString'), name);
    // The queue exists as soon as the subscription does (created if absent).
    expect(await queue.exists()).toBe(true);

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await stack.call('POST', '/Users', entraUser(`queued.${i}@contoso.com`, { roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }));
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    const off = await stack.call('PATCH', `/Users/${ids[1]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(off.status).toBe(200);
    expect((await stack.call('DELETE', `/Users/${ids[2]}`)).status).toBe(204);

    const expected = (await walk(stack.baseUrl, '/manage/tenants/default/events', { after: before.next })).events;
    expect(expected).toHaveLength(7);
    const got: ScimEvent[] = [];
    await waitFor('every event on the queue', async () => {
      got.push(...(await drain(queue)));
      return got.length >= expected.length || undefined;
    });
    expect(got.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(got[0]).toMatchObject({ specversion: '1.0', type: 'scim.user.created', subject: `Users/${ids[0]}`, data: { tenantId: 'default', id: ids[0] } });
    expect(got.map((e) => e.type).slice(5)).toEqual(['scim.user.deactivated', 'scim.user.deleted']);

    // The sample app's handler, fed the decoded messages (twice: at-least-once replays change nothing).
    const access: AccessList = new Map();
    for (const event of [...got, ...got]) applyEvent(access, event);
    expect(access.get(`default/${ids[0]}`)).toMatchObject({ userName: 'queued.0@contoso.com', active: true });
    expect(access.get(`default/${ids[1]}`)?.active).toBe(false);
    expect(access.has(`default/${ids[2]}`)).toBe(false);
    expect(access.size).toBe(4);

    const deliveries = await admin(stack.baseUrl, 'GET', `/manage/subscriptions/${sub.body.id}/deliveries?limit=100`);
    expect(deliveries.body.deliveries).toHaveLength(7);
    expect(deliveries.body.deliveries.every((d: { status: string; attempts: number }) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    expect((await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${sub.body.id}`)).status).toBe(204);
  });
});
