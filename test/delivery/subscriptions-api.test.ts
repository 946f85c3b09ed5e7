// Issue 17, bad input and safe targets: every malformed or unsafe subscription is a SCIM error (400, or 404 for an
// unknown tenant or subscription) and creates nothing; SSRF targets are refused at registration. The CLI makes the
// same calls.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { cli, createTenant } from '../auth/helpers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { admin, startReceiver, type Receiver } from './helpers.js';

let stack: Stack;
let receiver: Receiver;
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

beforeAll(async () => {
  stack = await startStack({ SCIM_WEBHOOKS_ALLOW_LOOPBACK: 'true', SCIM_QUEUE_CONNECTION_STRING: inject('azuriteQueueConnectionString') });
  receiver = await startReceiver();
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const count = async () => (await admin(stack.baseUrl, 'GET', '/manage/subscriptions')).body.subscriptions.length as number;

describe('manage/subscriptions: bad input creates nothing', () => {
  const cases: [string, unknown, number][] = [
    ['an invalid URL', { url: 'not a url' }, 400],
    ['a relative URL', { url: '/hooks' }, 400],
    ['plain http to a public host', { url: 'http://hooks.example.com/x' }, 400],
    ['ftp', { url: 'ftp://127.0.0.1/x' }, 400],
    ['credentials in the URL', { url: 'https://user:pw@127.0.0.1/x' }, 400],
    ['a private https target (RFC 1918)', { url: 'https://10.1.2.3/hooks' }, 400],
    ['a private https target (192.168/16)', { url: 'https://192.168.0.10/hooks' }, 400],
    ['the cloud metadata endpoint', { url: 'https://169.254.169.254/latest/meta-data' }, 400],
    ["Azure's host endpoint", { url: 'https://168.63.129.16/' }, 400],
    ['an IPv6 unique-local target', { url: 'https://[fd00::1]/hooks' }, 400],
    ['an IPv6 link-local target', { url: 'https://[fe80::1]/hooks' }, 400],
    ['loopback hidden in an IPv4-mapped IPv6 address', { url: 'https://[::ffff:127.0.0.1]/hooks' }, 400],
    ['a decimal-encoded private address', { url: 'https://167772161/hooks' }, 400],
    ['a CGNAT address', { url: 'https://100.64.0.1/' }, 400],
    ['a name that does not resolve', { url: 'https://no-such-host.invalid/hooks' }, 400],
    ['a URL longer than 2048 characters', { url: `https://127.0.0.1/${'a'.repeat(2100)}` }, 400],
    ['an unknown event type', { url: 'http://127.0.0.1:1/x', types: ['scim.user.exploded'] }, 400],
    ['an empty types list', { url: 'http://127.0.0.1:1/x', types: [] }, 400],
    ['types not a list', { url: 'http://127.0.0.1:1/x', types: 'scim.user.created' }, 400],
    ['a malformed tenant id', { url: 'http://127.0.0.1:1/x', tenant: 'contoso' }, 400],
    ['an unknown tenant', { url: 'http://127.0.0.1:1/x', tenant: randomUUID() }, 404],
    ['both url and queue', { url: 'http://127.0.0.1:1/x', queue: 'events' }, 400],
    ['neither url nor queue', { tenant: 'default' }, 400],
    ['an unknown field', { url: 'http://127.0.0.1:1/x', secret: 'mine' }, 400],
    ['an invalid queue name', { queue: 'Bad_Queue' }, 400],
    ['a queue name with a double hyphen', { queue: 'a--b' }, 400],
    ['a body that is not an object', [1, 2], 400],
    ['an oversized body', { url: 'http://127.0.0.1:1/x', padding: 'x'.repeat(20_000) }, 400],
  ];
  it.each(cases)('%s → %i SCIM error', async (_name, body, status) => {
    const before = await count();
    const reply = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', body);
    expect(reply.status, reply.text).toBe(status);
    expect(reply.body.schemas).toEqual([ERROR]);
    expect(reply.body.status).toBe(String(status));
    expect(await count()).toBe(before);
  });

  it('invalid JSON and an empty body → 400; a body that is not application/json → 415 (no cross-site form posts)', async () => {
    for (const body of ['{', '']) {
      const reply = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', body, { 'Content-Type': 'application/json' });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.schemas).toEqual([ERROR]);
    }
    const before = await count();
    expect((await admin(stack.baseUrl, 'POST', '/manage/subscriptions', '{}', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect(await count()).toBe(before);
  });

  it('refuses without the admin key', async () => {
    const res = await fetch(`${stack.baseUrl}/manage/subscriptions`, { method: 'POST', body: JSON.stringify({ url: receiver.url }) });
    expect(res.status).toBe(401);
  });

  it('unknown subscriptions and bad query parameters are SCIM errors', async () => {
    expect((await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${randomUUID()}`)).status).toBe(404);
    expect((await admin(stack.baseUrl, 'DELETE', '/manage/subscriptions/not-a-uuid')).status).toBe(404);
    expect((await admin(stack.baseUrl, 'GET', `/manage/subscriptions/${randomUUID()}/deliveries`)).status).toBe(404);
    expect((await admin(stack.baseUrl, 'GET', `/manage/subscriptions?tenant=${randomUUID()}`)).status).toBe(404);
    expect((await admin(stack.baseUrl, 'GET', '/manage/subscriptions?color=red')).status).toBe(400);
    const sub = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', { url: receiver.url });
    expect(sub.status).toBe(201);
    for (const query of ['limit=0', 'limit=abc', 'cursor=zzz', 'since=1']) {
      const reply = await admin(stack.baseUrl, 'GET', `/manage/subscriptions/${sub.body.id}/deliveries?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.body.schemas).toEqual([ERROR]);
    }
    expect((await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${sub.body.id}`)).status).toBe(204);
  });
});

describe('manage/subscriptions: what is accepted', () => {
  it('a loopback http receiver (SCIM_WEBHOOKS_ALLOW_LOOPBACK), a tenant, types; a queue (created if absent); listed by tenant', async () => {
    const tenant = await createTenant('Subscriber Ltd');
    const hook = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', { url: receiver.url, tenant: tenant.tenantId, types: ['scim.user.deactivated', 'scim.user.deleted'] });
    expect(hook.status, hook.text).toBe(201);
    expect(hook.body).toMatchObject({ kind: 'webhook', url: receiver.url, tenant: tenant.tenantId, types: ['scim.user.deactivated', 'scim.user.deleted'] });
    expect(hook.body.secret).toMatch(/^whsec_/);
    const queue = await admin(stack.baseUrl, 'POST', '/manage/subscriptions', { queue: `events-${randomUUID().slice(0, 8)}` });
    expect(queue.status, queue.text).toBe(201);
    expect(queue.body.secret).toBeUndefined();
    const mine = (await admin(stack.baseUrl, 'GET', `/manage/subscriptions?tenant=${tenant.tenantId}`)).body.subscriptions.map((s: { id: string }) => s.id);
    // A tenant's view: its own subscriptions and those that receive every tenant.
    expect(mine).toEqual(expect.arrayContaining([hook.body.id, queue.body.id]));
    const other = await createTenant('Other Ltd');
    expect((await admin(stack.baseUrl, 'GET', `/manage/subscriptions?tenant=${other.tenantId}`)).body.subscriptions.map((s: { id: string }) => s.id)).not.toContain(hook.body.id);
    for (const id of [hook.body.id, queue.body.id]) expect((await admin(stack.baseUrl, 'DELETE', `/manage/subscriptions/${id}`)).status).toBe(204);
  });

  it('without SCIM_WEBHOOKS_ALLOW_LOOPBACK a loopback receiver is refused like any private target', async () => {
    const { SubscriptionAdmin } = await import('../../lib/delivery/admin.js');
    const { createDeliveryStore } = await import('../../lib/delivery/store.js');
    const store = await createDeliveryStore(`${stack.tableName}strict`);
    const strict = new SubscriptionAdmin({
      store,
      tenants: { getTenant: async () => undefined },
      queues: { ensureQueue: async () => undefined },
      senders: { webhook: async () => ({ ok: true }), queue: async () => ({ ok: true }) },
      config: { allowLoopback: false },
    });
    for (const url of [receiver.url, 'https://127.0.0.1/x', 'https://localhost/x', 'https://[::1]/x']) {
      await expect(strict.create({ url })).rejects.toMatchObject({ status: 400 });
    }
    expect(await store.listSubscriptions()).toEqual([]);
  });

  it('the CLI subscribes, lists, shows deliveries and unsubscribes with the same rules', async () => {
    const created = await cli('subscribe', '--url', receiver.url, '--types', 'scim.user.created,scim.user.deleted', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(created.json.secret).toMatch(/^whsec_/);
    const listed = await cli('subscriptions', '--json');
    expect(listed.json.subscriptions.map((s: { id: string }) => s.id)).toContain(created.json.id);
    expect(listed.stdout).not.toContain(created.json.secret);
    const deliveries = await cli('deliveries', '--subscription', created.json.id, '--json');
    expect(deliveries.code).toBe(0);
    expect(deliveries.json.deliveries).toEqual([]);
    const refused = await cli('subscribe', '--url', 'https://10.0.0.1/x');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('public address');
    const unknownType = await cli('subscribe', '--url', receiver.url, '--types', 'scim.nope');
    expect(unknownType.code).toBe(1);
    expect(unknownType.stderr).toContain('Unknown event type');
    expect((await cli('unsubscribe', '--subscription', created.json.id)).code).toBe(0);
    expect((await cli('unsubscribe', '--subscription', created.json.id)).code).toBe(1);
  });
});
