// Issue 15, abuse limits: failed authentications limited per client address, and per-tenant budgets weighted by the
// storage calls a request costs.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetRateLimits } from '../../lib/auth/authenticate.js';
import { clientAddress, RateLimiter } from '../../lib/auth/rate-limit.js';
import { generateToken } from '../../lib/auth/tokens.js';
import { callAs, createTenant } from '../auth/helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ SCIM_AUTH_FAILURES_PER_MINUTE: '5' });
});
afterAll(() => stack.close());

/** GET /Users with `token`, sent from the loopback address `from` (Linux routes all of 127/8 to lo). */
function getFrom(from: string, token: string): Promise<{ status: number; retryAfter?: string; body: string }> {
  const url = new URL(`${stack.baseUrl}/Users`);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, localAddress: from, headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '198.51.100.1' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('failed authentications per client address', () => {
  it('after the limit, the address gets 429 for credentials that would need a lookup; other addresses are unaffected', async () => {
    resetRateLimits();
    const t = await createTenant('Behind a noisy address');
    const cached = await createTenant('Cached before');
    expect((await getFrom('127.0.0.2', cached.token)).status).toBe(200); // now cached on this instance
    for (let i = 0; i < 5; i++) expect((await getFrom('127.0.0.2', generateToken())).status).toBe(401);
    const blocked = await getFrom('127.0.0.2', generateToken());
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(blocked.body)).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429' });
    // A valid but uncached token from there waits too; a cached one still works (Entra's addresses are shared).
    expect((await getFrom('127.0.0.2', t.token)).status).toBe(429);
    expect((await getFrom('127.0.0.2', cached.token)).status).toBe(200);
    // The client-chosen X-Forwarded-For entry does not matter: another connecting address is not limited.
    expect((await getFrom('127.0.0.3', generateToken())).status).toBe(401);
    expect((await getFrom('127.0.0.3', t.token)).status).toBe(200);
  });

  it('takes the address from the last X-Forwarded-For entry, without its port', () => {
    expect(clientAddress('198.51.100.1, 203.0.113.9:51234')).toBe('203.0.113.9');
    expect(clientAddress('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(clientAddress('2001:DB8::2')).toBe('2001:db8::2');
    expect(clientAddress(null)).toBe('unknown');
  });
});

describe('per-tenant budgets weighted by storage calls', () => {
  it('a request is charged its storage calls: after one member PATCH a tenant has fewer requests left than after one GET', async () => {
    resetRateLimits();
    const heavy = await createTenant('Heavy', '--requests-per-minute', '40');
    const light = await createTenant('Light', '--requests-per-minute', '40');
    // Set up outside the budget window: users and a group for the heavy tenant.
    const asHeavy = callAs(stack, heavy.token);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await asHeavy('POST', '/Users', entraUser(`w${i}-${randomUUID()}@x.com`))).body.id as string);
    const group = await asHeavy('POST', '/Groups', { schemas: [GROUP], displayName: `weighted-${randomUUID()}`, members: ids.map((value) => ({ value })) });
    resetRateLimits();
    // Removing 8 members by id: the group, a point read of each member row (its type goes in the event), a transaction.
    const patched = await asHeavy('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: 'members', value: ids.slice(0, 8).map((value) => ({ value })) }] });
    expect(patched.status).toBe(204);
    // The light tenant makes one lookup: one storage call.
    expect((await callAs(stack, light.token)('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`)).status).toBe(200);
    const until429 = async (token: string): Promise<number> => {
      let n = 0;
      while (n < 60 && (await callAs(stack, token)('GET', `/Users/${randomUUID()}`)).status !== 429) n++;
      return n;
    };
    const heavyLeft = await until429(heavy.token);
    const lightLeft = await until429(light.token);
    // The PATCH cost 10 storage calls, all charged.
    expect(lightLeft).toBeGreaterThanOrEqual(37);
    expect(heavyLeft).toBeLessThanOrEqual(lightLeft - 8);
  });

  it('a charge may put a bucket into debt of at most one minute\'s budget, then it refills', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    expect(limiter.take('t', 60)).toBe(0);
    limiter.charge('t', 60, 10_000);
    expect(limiter.take('t', 60)).toBe(61); // from -60 back to 1 unit at one per second
    now += 61_000;
    expect(limiter.take('t', 60)).toBe(0);
  });
});
