// Issue 15: memory and reads a list query may cost are bounded — the sorted-query cache in bytes and per tenant, and
// the group members one list page renders.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCache, snapshotBytes, type ScanSnapshot } from '../../lib/scim/scan-cache.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { expectWellFormed } from '../reliability/scim-assert.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const sorted = (n: number): ScanSnapshot => ({ total: n, checkpoints: [], sortedIds: Array.from({ length: n }, () => randomUUID()) });

describe('the sorted-query cache', () => {
  const limits = { maxEntries: 200, maxBytes: 4 * snapshotBytes(sorted(1000)), maxBytesPerTenant: 2 * snapshotBytes(sorted(1000)) + 1, ttlMs: 60_000 };

  it('keeps at most its per-tenant bytes: a tenant\'s new snapshots evict its own oldest, not other tenants\'', () => {
    const cache = new ScanCache(limits);
    cache.set('b1', sorted(1000), 'B');
    for (let i = 0; i < 5; i++) cache.set(`a${i}`, sorted(1000), 'A');
    expect(cache.usage('A').entries).toBe(2);
    expect(cache.usage('A').bytes).toBeLessThanOrEqual(limits.maxBytesPerTenant);
    expect(cache.get('a4')).toBeDefined();
    expect(cache.get('a0')).toBeUndefined();
    expect(cache.get('b1')).toBeDefined();
  });

  it('keeps at most its total bytes, and does not keep a snapshot larger than a tenant\'s share', () => {
    const cache = new ScanCache(limits);
    for (const t of ['A', 'B', 'C', 'D', 'E']) cache.set(`${t}1`, sorted(1000), t);
    expect(cache.usage().bytes).toBeLessThanOrEqual(limits.maxBytes);
    expect(cache.usage().entries).toBe(4);
    expect(cache.get('A1')).toBeUndefined(); // oldest went first
    cache.set('huge', sorted(3000), 'F');
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.usage().entries).toBe(4);
  });

  it('the default bound holds a 100,000-id sorted snapshot (about 10 MiB) per tenant, and 64 MiB in all', () => {
    const cache = new ScanCache();
    cache.set('big', sorted(100_000), 'A');
    expect(cache.get('big')).toBeDefined();
    expect(cache.usage().bytes).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('list pages bound the group members they render', () => {
  let stack: Stack;
  const prefix = `lm-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    stack = await startStack({ SCIM_MAX_LIST_MEMBERS: '5' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await stack.call('POST', '/Users', { userName: `${prefix}-${i}@contoso.com` })).body.id as string);
    for (const name of ['g1', 'g2']) {
      const g = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `${prefix}-${name}` });
      const add = await stack.call('PATCH', `/Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }] });
      expect(add.status).toBe(204);
    }
  });
  afterAll(() => stack.close());

  it('a page whose groups carry more members than SCIM_MAX_LIST_MEMBERS answers 400 tooMany', async () => {
    const reply = await stack.call('GET', `/Groups?filter=${encodeURIComponent(`displayName sw "${prefix}"`)}`);
    expectWellFormed(reply, 'members over the bound');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ scimType: 'tooMany' });
    expect(reply.body.detail).toMatch(/more than 5 group members/);
  });

  it('the same page with excludedAttributes=members, or one group per page, is served', async () => {
    const filter = encodeURIComponent(`displayName sw "${prefix}"`);
    const without = await stack.call('GET', `/Groups?filter=${filter}&excludedAttributes=members`);
    expect(without.status).toBe(200);
    expect(without.body.totalResults).toBe(2);
    const one = await stack.call('GET', `/Groups?filter=${filter}&count=1`);
    expect(one.status).toBe(200);
    expect(one.body.Resources[0].members).toHaveLength(4);
    // A single group by id is not a list page: all its members.
    expect((await stack.call('GET', `/Groups/${one.body.Resources[0].id}`)).body.members).toHaveLength(4);
  });
});
