// Issue 3, "what it must show" 2: the lookups Entra ID makes cost the same constant number of storage round trips at
// 10 and at 10,000 users, and paging through all users costs O(N) storage reads, not O(N²). Issue 18: the first page
// of an unfiltered list (Users and Groups) costs the same at 2,000 and at 10,000 users, with an exact totalResults.
//
// Three independent counters, all in-process (the local host and the repository run in this worker):
// - storageCalls: lib/store/metrics.ts totalStorageCalls(), what the repository counts as round trips;
// - httpRoundTrips: outgoing HTTP requests seen on node:http's diagnostics channel (only the Table Storage SDK makes
//   node:http client requests here; the test's own fetch goes through undici);
// - entityReads: entities returned by TableClient.getEntity / listEntities pages (the SDK instrumented below).
// Requests are made one at a time, so each difference belongs to the request measured.
import { randomUUID } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../dev/azurite.js';
import { COUNTER_SHARDS } from '../../lib/store/counters.js';
import { totalStorageCalls } from '../../lib/store/metrics.js';
import { enc, seedUsersDirect } from '../helpers/population.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

// ---- instrumentation --------------------------------------------------------------------------------------------

let httpRoundTrips = 0;
const onRequest = () => void httpRoundTrips++;
diagnostics_channel.subscribe('http.client.request.start', onRequest);

let entityReads = 0;
type ListEntities = TableClient['listEntities'];
type PagedIterator = ReturnType<ListEntities>;
const originalList = TableClient.prototype.listEntities;
const originalGet = TableClient.prototype.getEntity;
TableClient.prototype.listEntities = function (this: TableClient, ...args: Parameters<ListEntities>): PagedIterator {
  const iterator = originalList.apply(this, args) as PagedIterator;
  const byPage = iterator.byPage.bind(iterator);
  iterator.byPage = (settings) => {
    const pages = byPage(settings);
    const next = pages.next.bind(pages);
    pages.next = async (...nextArgs) => {
      const page = await next(...nextArgs);
      if (!page.done) entityReads += page.value.length;
      return page;
    };
    return pages;
  };
  return iterator;
} as ListEntities;
TableClient.prototype.getEntity = async function (this: TableClient, ...args: Parameters<TableClient['getEntity']>) {
  const entity = await originalGet.apply(this, args);
  entityReads++;
  return entity;
} as TableClient['getEntity'];

interface Cost {
  storageCalls: number;
  httpRoundTrips: number;
  entityReads: number;
}

async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; cost: Cost }> {
  const before = { storageCalls: totalStorageCalls(), httpRoundTrips, entityReads };
  const result = await fn();
  return {
    result,
    cost: { storageCalls: totalStorageCalls() - before.storageCalls, httpRoundTrips: httpRoundTrips - before.httpRoundTrips, entityReads: entityReads - before.entityReads },
  };
}

// ---- the stack and the first ten users --------------------------------------------------------------------------

let azurite: Azurite;
let stack: Stack;
const ten: { id: string; userName: string; externalId: string }[] = [];

beforeAll(async () => {
  // An Azurite of its own: seeding 10,000 users keeps an Azurite busy for a while, and the other test files running
  // in parallel should not queue behind it on the shared one. (The counts measured do not depend on it.)
  azurite = await startAzurite();
  stack = await startStack({ SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString });
  for (let i = 0; i < 10; i++) {
    const reply = await stack.call('POST', '/Users', entraUser(`Lookup.User${i}@contoso.com`, { externalId: `lookup-${i}` }));
    if (reply.status !== 201) throw new Error(`POST → ${reply.status} ${reply.text}`);
    ten.push({ id: reply.body.id, userName: reply.body.userName, externalId: reply.body.externalId });
  }
});

afterAll(async () => {
  diagnostics_channel.unsubscribe('http.client.request.start', onRequest);
  TableClient.prototype.listEntities = originalList;
  TableClient.prototype.getEntity = originalGet;
  await stack?.close();
  await azurite?.stop();
});

// ---- Entra's lookups --------------------------------------------------------------------------------------------

interface Lookup {
  name: string;
  /** The request path, with the filter as Entra puts it on the wire (`+` for spaces). */
  path: () => string;
  /** Ids expected in the result. */
  expected: () => string[];
}

/** Counter rows of one type (lib/store/counters.ts): the shards and the baseline, read by every unfiltered first page. */
const COUNTER_ROWS_PER_TYPE = COUNTER_SHARDS + 1;
const wire = (filter: string) => `/Users?filter=${enc(filter).replace(/%20/g, '+')}`;
const u = (i: number) => ten[i];
const missingId = randomUUID();

const lookups: Lookup[] = [
  { name: 'userName eq (hit, other letter case)', path: () => wire(`userName eq "${u(3).userName.toUpperCase()}"`), expected: () => [u(3).id] },
  { name: 'userName eq (miss: Test Connection)', path: () => wire(`userName eq "${randomUUID()}"`), expected: () => [] },
  { name: 'externalId eq (hit)', path: () => wire(`externalId eq "${u(4).externalId}"`), expected: () => [u(4).id] },
  { name: 'externalId eq, unquoted (hit)', path: () => wire(`externalId eq ${u(5).externalId}`), expected: () => [u(5).id] },
  { name: 'externalId eq (miss)', path: () => wire(`externalId eq "no-such-${randomUUID()}"`), expected: () => [] },
  { name: 'id eq (hit)', path: () => wire(`id eq "${u(6).id}"`), expected: () => [u(6).id] },
  { name: 'id eq (miss)', path: () => wire(`id eq "${missingId}"`), expected: () => [] },
  { name: 'userName eq and active eq true', path: () => wire(`userName eq "${u(7).userName}" and active eq true`), expected: () => [u(7).id] },
  { name: 'active eq true and externalId eq', path: () => wire(`active eq true and externalId eq "${u(8).externalId}"`), expected: () => [u(8).id] },
  { name: 'externalId eq and userName eq', path: () => wire(`externalId eq "${u(9).externalId}" and userName eq "${u(9).userName}"`), expected: () => [u(9).id] },
  { name: 'userName eq with excludedAttributes', path: () => `${wire(`userName eq "${u(2).userName}"`)}&excludedAttributes=emails`, expected: () => [u(2).id] },
  { name: 'GET /Users/{id}', path: () => `/Users/${u(1).id}`, expected: () => [u(1).id] },
];

async function measureLookups(): Promise<Map<string, Cost>> {
  const costs = new Map<string, Cost>();
  for (const lookup of lookups) {
    const path = lookup.path();
    const { result: reply, cost } = await measure(() => stack.call('GET', path));
    expect(reply.status, `${lookup.name}: ${reply.text}`).toBe(200);
    const ids = reply.body.Resources ? reply.body.Resources.map((r: { id: string }) => r.id) : [reply.body.id];
    expect(ids.sort(), lookup.name).toEqual(lookup.expected().sort());
    // An indexed lookup's totalResults is exact without reading the tenant (its candidates are all there is).
    if (reply.body.Resources) expect(reply.body.totalResults, lookup.name).toBe(lookup.expected().length);
    costs.set(lookup.name, cost);
  }
  return costs;
}

function table(costs: Map<string, Cost>): string {
  return [...costs].map(([name, c]) => `  ${name.padEnd(44)} calls=${c.storageCalls} http=${c.httpRoundTrips} entities=${c.entityReads}`).join('\n');
}

let costsAt10: Map<string, Cost>;

// ---- first pages of unfiltered lists (issue 18: O(1) at any tenant size, with an exact totalResults) --------------

const groupIds: string[] = [];

async function addGroups(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const reply = await stack.call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `First Page ${randomUUID()}` });
    if (reply.status !== 201) throw new Error(`POST /Groups → ${reply.status} ${reply.text}`);
    groupIds.push(reply.body.id);
  }
}

const firstPages = [
  { name: 'GET /Users?count=1', path: '/Users?count=1', type: 'User', items: 1 },
  { name: 'GET /Users?startIndex=1&count=10', path: '/Users?startIndex=1&count=10', type: 'User', items: 10 },
  { name: 'GET /Users?count=10&cursor=', path: '/Users?count=10&cursor=', type: 'User', items: 10 },
  { name: 'GET /Users?count=0 (total only)', path: '/Users?count=0', type: 'User', items: 0 },
  { name: 'GET /Groups?count=1', path: '/Groups?count=1', type: 'Group', items: 1 },
] as const;

/** Each first page's cost, checking its totalResults against the known population. */
async function measureFirstPages(users: number): Promise<Map<string, Cost>> {
  const costs = new Map<string, Cost>();
  for (const page of firstPages) {
    const { result: reply, cost } = await measure(() => stack.call('GET', page.path));
    expect(reply.status, `${page.name}: ${reply.text}`).toBe(200);
    expect(reply.body.totalResults, page.name).toBe(page.type === 'User' ? users : groupIds.length);
    expect(reply.body.Resources ?? [], page.name).toHaveLength(page.items);
    costs.set(page.name, cost);
  }
  return costs;
}

let firstPagesAt2k: Map<string, Cost>;

describe('storage cost of Entra ID lookups and of paging', () => {
  it('at 10 users, each lookup is a small constant number of round trips (point reads, not scans)', async () => {
    await stack.call('GET', '/Users?count=1'); // creates the table once, outside any measurement
    costsAt10 = await measureLookups();
    console.log(`lookup cost at 10 users:\n${table(costsAt10)}`);
    for (const [name, cost] of costsAt10) {
      // The instrumentation is alive: every lookup goes to storage at least once.
      expect(cost.httpRoundTrips, name).toBeGreaterThanOrEqual(1);
      // One point read (userName, id), or one index range read plus a point read per match (externalId).
      expect(cost.httpRoundTrips, name).toBeLessThanOrEqual(2);
      expect(cost.storageCalls, name).toBeLessThanOrEqual(3);
      expect(cost.entityReads, name).toBeLessThanOrEqual(2);
    }
  });

  it('paging through 2,000 users with count=100 costs O(N): page 1 reads the counters and its rows, each later page one storage page', async () => {
    const N = 2_000;
    const COUNT = 100;
    const STORAGE_PAGE = 1_000; // entities per Table Storage query page (the service's maximum; the repository asks for it)
    await seedUsersDirect('walk', ten.length, N, { externalIdEvery: 10 });
    const pages = Math.ceil(N / COUNT);

    // First pages at 2,000 users (compared with 10,000 below).
    await addGroups(3);
    firstPagesAt2k = await measureFirstPages(N);
    console.log(`first pages at ${N} users:\n${table(firstPagesAt2k)}`);
    for (const [name, cost] of firstPagesAt2k) {
      // One read of the counters and one storage page of the rows the page shows (a group page: + its members).
      expect(cost.storageCalls, name).toBeLessThanOrEqual(3);
      expect(cost.entityReads, name).toBeLessThanOrEqual(COUNTER_ROWS_PER_TYPE + 12);
    }

    // By startIndex.
    const seen = new Set<string>();
    const { cost: byIndex } = await measure(async () => {
      for (let startIndex = 1; startIndex <= N; startIndex += COUNT) {
        const reply = await stack.call('GET', `/Users?startIndex=${startIndex}&count=${COUNT}&attributes=userName`);
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ totalResults: N, startIndex, itemsPerPage: COUNT });
        for (const r of reply.body.Resources) seen.add(r.id);
      }
    });
    expect(seen.size).toBe(N);

    // By cursor (RFC 9865).
    const seenByCursor = new Set<string>();
    const { cost: byCursor } = await measure(async () => {
      let cursor = '';
      for (let page = 0; page < pages + 1; page++) {
        const reply = await stack.call('GET', `/Users?count=${COUNT}&cursor=${enc(cursor)}&attributes=userName`);
        expect(reply.status).toBe(200);
        for (const r of reply.body.Resources) seenByCursor.add(r.id);
        if (!reply.body.nextCursor) break;
        cursor = reply.body.nextCursor;
      }
    });
    expect(seenByCursor.size).toBe(N);

    console.log(
      `walking N=${N} users, count=${COUNT} (${pages} pages):\n` +
        `  by startIndex: calls=${byIndex.storageCalls} http=${byIndex.httpRoundTrips} entities=${byIndex.entityReads}\n` +
        `  by cursor:     calls=${byCursor.storageCalls} http=${byCursor.httpRoundTrips} entities=${byCursor.entityReads}`,
    );

    for (const cost of [byIndex, byCursor]) {
      // Sanity (and proof the instrumentation sees the reads): returning N users reads at least N entities.
      expect(cost.entityReads).toBeGreaterThanOrEqual(N);
      expect(cost.httpRoundTrips).toBeGreaterThanOrEqual(pages);
      // The bound from the brief: well under 3 calls per page.
      expect(cost.storageCalls).toBeLessThan(3 * (N / COUNT) + 5);
      // The bound from the design in lib/scim/query.ts: page 1 reads the counters and its own rows; every later page
      // resumes at the checkpoint the page before it left and needs one query page: 1 + 20 (+2 slack) here. (Before
      // the counters page 1 scanned all N: N / STORAGE_PAGE + 1 more.) Restarting from the top, page k would need
      // ⌈k·COUNT/STORAGE_PAGE⌉ query pages: 30 here, and it grows as N²/(2·COUNT·STORAGE_PAGE).
      expect(cost.httpRoundTrips).toBeLessThanOrEqual(1 + pages + 2);
      // Entities: about one page's rows per page, linear in N for a fixed count (2,000 + the counters here, at most one
      // query page per page). Restarting from the top would read 30,000 here (40,000 if every page also recounted).
      expect(cost.entityReads).toBeLessThanOrEqual(pages * (COUNT + 1) + COUNTER_ROWS_PER_TYPE);
    }
  }, 120_000);

  it('at 10,000 users, each lookup costs exactly what it cost at 10', async () => {
    expect(costsAt10, 'the 10-user measurement must run first').toBeDefined();
    const seeded = await seedUsersDirect('bulk', 2_000, 10_000, { externalIdEvery: 10 });
    expect(new Set(seeded).size).toBe(8_000); // with the 10 created by POST and 1,990 seeded for the walk: 10,000

    const costsAt10k = await measureLookups();
    console.log(`lookup cost at 10,000 users:\n${table(costsAt10k)}`);
    expect(Object.fromEntries(costsAt10k)).toEqual(Object.fromEntries(costsAt10));

    // First pages: exactly what they cost at 2,000 users (the counters, not the tenant, give totalResults).
    expect(firstPagesAt2k, 'the 2,000-user measurement must run first').toBeDefined();
    await addGroups(2);
    const firstPagesAt10k = await measureFirstPages(10_000);
    console.log(`first pages at 10,000 users:\n${table(firstPagesAt10k)}`);
    expect(Object.fromEntries(firstPagesAt10k)).toEqual(Object.fromEntries(firstPagesAt2k));
  }, 480_000); // Azurite checks every inserted row against the whole table: seeding slows as the table grows
});
