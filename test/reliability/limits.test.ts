// Service limits: stated in /ServiceProviderConfig, enforced with clear SCIM errors, and nothing written when a
// request is refused. Small limits are configured so each can be crossed cheaply.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { expectInvariants } from '../helpers/invariants.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import { expectWellFormed } from './scim-assert.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIMITS = { SCIM_MAX_BODY_BYTES: '4096', SCIM_MAX_PATCH_OPERATIONS: '5', SCIM_MAX_MEMBERS_PER_PATCH: '4', SCIM_MAX_PAGE_SIZE: '3', SCIM_DEFAULT_PAGE_SIZE: '2' };

let stack: Stack;
const users: string[] = [];
const prefix = `lim-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  stack = await startStack(LIMITS);
  for (let i = 0; i < 6; i++) {
    const reply = await stack.call('POST', '/Users', { userName: `${prefix}-${i}@contoso.com`, active: true });
    expect(reply.status).toBe(201);
    users.push(reply.body.id as string);
  }
});
afterAll(async () => {
  await expectInvariants(inject('azuriteConnectionString'), stack.tableName);
  await stack.close();
});

async function expectError(reply: Awaited<ReturnType<Stack['call']>>, status: number, scimType: string | undefined, detail: RegExp) {
  expectWellFormed(reply, `expected ${status}`);
  expect(reply.status).toBe(status);
  expect(reply.body.scimType).toBe(scimType);
  expect(reply.body.detail).toMatch(detail);
}

describe('/ServiceProviderConfig states the limits', () => {
  it('publishes body size, PATCH operations, members per request, filter length/depth and page size', async () => {
    const reply = await stack.call('GET', '/ServiceProviderConfig');
    expect(reply.status).toBe(200);
    expect(reply.body['urn:scim-functions:limits']).toEqual({
      maxRequestBytes: 4096,
      maxPatchOperations: 5,
      maxMembersPerPatch: 4,
      maxFilterLength: 4096,
      maxFilterDepth: 32,
      maxJsonDepth: 64,
      maxListMembers: 10_000,
    });
    expect(reply.body.filter).toEqual({ supported: true, maxResults: 3 });
    expect(reply.body.pagination).toMatchObject({ defaultPageSize: 2, maxPageSize: 3 });
    expect(reply.body.bulk).toEqual({ supported: false, maxOperations: 0, maxPayloadSize: 0 });
  });
});

describe('max body size', () => {
  it('answers 413 with the limit above it, and accepts a body right at it', async () => {
    const padded = (size: number) => {
      const base = JSON.stringify({ userName: `${prefix}-body-${size}@contoso.com`, title: '' });
      return base.replace('"title":""', `"title":"${'t'.repeat(size - base.length)}"`);
    };
    await expectError(await stack.call('POST', '/Users', padded(4097)), 413, undefined, /limit of 4096 bytes/);
    expect((await stack.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${prefix}-body-4097@contoso.com"`)}`)).body.totalResults).toBe(0);
    expect((await stack.call('POST', '/Users', padded(4096))).status).toBe(201);
    // Bytes, not characters: 2,100 two-byte characters are 4,200 bytes.
    await expectError(await stack.call('POST', '/Users', { userName: 'é'.repeat(2100) }), 413, undefined, /4096 bytes/);
  });
});

describe('max operations per PATCH', () => {
  const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ op: 'replace', path: 'title', value: `title ${i}` }));

  it('answers 413 naming the limit and applies none of the operations', async () => {
    await expectError(await stack.call('PATCH', `/Users/${users[0]}`, { schemas: [PATCH], Operations: ops(6) }), 413, undefined, /at most 5 operations \(got 6\)/);
    const after = await stack.call('GET', `/Users/${users[0]}`);
    expect(after.body).not.toHaveProperty('title');
    expect(after.body.meta.version).toBe('W/"1"');
  });

  it('accepts exactly the limit', async () => {
    const reply = await stack.call('PATCH', `/Users/${users[0]}`, { schemas: [PATCH], Operations: ops(5) });
    expect(reply.status).toBe(200);
    expect(reply.body.title).toBe('title 4');
  });
});

describe('max members per request', () => {
  it('answers 413 to a PATCH listing too many members and changes nothing', async () => {
    const group = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `${prefix} patch group` });
    expect(group.status).toBe(201);
    const id = group.body.id as string;
    const add = (ids: string[]) => ({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) });
    await expectError(await stack.call('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [add(users.slice(0, 5))] }), 413, undefined, /at most 4 members \(got 5\)/);
    // Counted across operations of one request.
    await expectError(await stack.call('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [add(users.slice(0, 3)), add(users.slice(3, 5))] }), 413, undefined, /at most 4 members/);
    expect((await stack.call('GET', `/Groups/${id}`)).body.members).toEqual([]);
    expect((await stack.call('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [add(users.slice(0, 4))] })).status).toBe(204);
    expect((await stack.call('GET', `/Groups/${id}`)).body.members).toHaveLength(4);
  });

  it('applies the same limit to POST and PUT bodies', async () => {
    const name = `${prefix} post group`;
    const members = users.slice(0, 5).map((value) => ({ value }));
    await expectError(await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: name, members }), 413, undefined, /at most 4 members/);
    expect((await stack.call('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.totalResults).toBe(0);
    const created = await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: name, members: members.slice(0, 4) });
    expect(created.status).toBe(201);
    await expectError(await stack.call('PUT', `/Groups/${created.body.id}`, { schemas: [GROUP], displayName: name, members }), 413, undefined, /at most 4 members/);
    expect((await stack.call('GET', `/Groups/${created.body.id}`)).body.members).toHaveLength(4);
  });
});

describe('max filter length and depth', () => {
  it('answers 400 invalidFilter above 4096 characters', async () => {
    const filter = (n: number) => `userName eq "${'a'.repeat(n - 'userName eq ""'.length)}"`;
    expect(filter(4096)).toHaveLength(4096);
    expect((await stack.call('GET', `/Users?filter=${encodeURIComponent(filter(4096))}`)).status).toBe(200);
    await expectError(await stack.call('GET', `/Users?filter=${encodeURIComponent(filter(4097))}`), 400, 'invalidFilter', /too long \(4097 characters; at most 4096/);
  });

  it('answers 400 invalidFilter above 32 levels of nesting', async () => {
    const nested = (n: number) => `${'('.repeat(n)}userName eq "x"${')'.repeat(n)}`;
    expect((await stack.call('GET', `/Users?filter=${encodeURIComponent(nested(32))}`)).status).toBe(200);
    await expectError(await stack.call('GET', `/Users?filter=${encodeURIComponent(nested(33))}`), 400, 'invalidFilter', /at most 32 levels/);
    await expectError(await stack.call('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: nested(33) }), 400, 'invalidFilter', /at most 32 levels/);
    await expectError(await stack.call('GET', `/Users?filter=${encodeURIComponent(`${'not ('.repeat(40)}active eq true${')'.repeat(40)}`)}`), 400, 'invalidFilter', /levels/);
  });
});

describe('max page size (RFC 7644 §3.4.2.4)', () => {
  const list = (query: string) => stack.call('GET', `/Users?filter=${encodeURIComponent(`userName sw "${prefix}-"`)}&${query}`);

  it('clamps a count above the maximum to it, and uses the default page size without count', async () => {
    const big = await list('count=1000000');
    expect(big.status).toBe(200);
    expect(big.body.totalResults).toBeGreaterThanOrEqual(6);
    expect(big.body.itemsPerPage).toBe(3);
    expect(big.body.Resources).toHaveLength(3);
    const huge = await list(`count=${'9'.repeat(30)}`);
    expect(huge.status).toBe(200);
    expect(huge.body.Resources).toHaveLength(3);
    expect((await list('')).body.Resources).toHaveLength(2);
  });

  it('treats a negative count as 0 and a startIndex below 1 as 1', async () => {
    const none = await list('count=-5');
    expect(none.status).toBe(200);
    expect(none.body.Resources).toEqual([]);
    expect(none.body.totalResults).toBeGreaterThanOrEqual(6);
    const first = await list('startIndex=-7&count=1');
    expect(first.body.startIndex).toBe(1);
    expect(first.body.Resources).toHaveLength(1);
  });

  it('answers an empty page past the end, and 400 to a count that is not an integer', async () => {
    const past = await list(`startIndex=${'9'.repeat(25)}`);
    expect(past.status).toBe(200);
    expect(past.body.Resources).toEqual([]);
    await expectError(await list('count=1e400'), 400, 'invalidValue', /"count" must be an integer/);
    await expectError(await list('startIndex=abc'), 400, 'invalidValue', /"startIndex" must be an integer/);
  });
});
