// The feed's ordering design (lib/events/feed.ts) against the cases time-ordered cursors get wrong: a slow writer
// committing an event whose time is older than events a reader already passed, an instance whose clock runs ahead,
// and several readers sequencing the same pending events at once. Driven through the repository and the feed on the
// test Azurite (no HTTP needed to reach these interleavings deterministically).
import { randomBytes, randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eventsConfigFromEnv } from '../../lib/events/config.js';
import { createdEvent, nextChangeTime, type ChangeEvent } from '../../lib/events/event.js';
import { EventFeed } from '../../lib/events/feed.js';
import { pendingEventAction, type Cursor } from '../../lib/events/keys.js';
import { roleNames } from '../../lib/events/resource.js';
import type { StoredResource } from '../../lib/store/repository.js';
import { TableOps } from '../../lib/store/table-ops.js';
import { TableRepository } from '../../lib/store/table-repository.js';

let ops: TableOps;
let repo: TableRepository;
let feed: EventFeed;
const config = { retentionDays: 7, sweepMinutes: 10 };

beforeAll(async () => {
  const client = TableClient.fromConnectionString(inject('azuriteConnectionString'), `o${randomBytes(6).toString('hex')}`, { allowInsecureConnection: true });
  ops = new TableOps(client);
  repo = new TableRepository(ops);
  feed = new EventFeed(ops, config);
  await ops.ready();
});

const tenantId = () => randomUUID();

async function readAll(reader: EventFeed, tenant: string, after?: Cursor, limit = 3): Promise<{ events: ChangeEvent[]; next: Cursor }> {
  const events: ChangeEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await reader.page(tenant, cursor, limit);
    cursor = page.next;
    if (page.events.length === 0) return { events, next: page.next };
    events.push(...page.events);
  }
}

/** An event written the way a slow (or skewed) writer's transaction would: its own time, committed now. */
async function writeEventAt(tenant: string, timeMs: number): Promise<string> {
  const at = new Date(timeMs).toISOString();
  const resource: StoredResource = { id: randomUUID(), type: 'User', data: { userName: `slow-${randomUUID()}` }, created: at, lastModified: at, version: 1, etag: '' };
  await ops.transaction([pendingEventAction(tenant, createdEvent(tenant, resource))]);
  return resource.id;
}

describe('ordering without trusting clocks', () => {
  it('a slow writer whose event is older than what a reader already passed is still read, once', async () => {
    const tenant = tenantId();
    await repo.create(tenant, 'User', { userName: `a-${randomUUID()}` });
    await repo.create(tenant, 'User', { userName: `b-${randomUUID()}` });
    const first = await readAll(feed, tenant);
    expect(first.events.length).toBe(2);
    // Committed now, stamped a minute ago (a writer that stalled between reading the clock and committing).
    const slow = await writeEventAt(tenant, Date.now() - 60_000);
    // And one from an instance whose clock runs an hour ahead, followed by an ordinary write.
    const ahead = await writeEventAt(tenant, Date.now() + 3_600_000);
    const normal = await repo.create(tenant, 'User', { userName: `c-${randomUUID()}` });
    const second = await readAll(feed, tenant, first.next);
    expect(second.events.map((e) => e.data.id).sort()).toEqual([slow, ahead, normal.id].sort());
    expect(second.events.map((e) => Number(e.sequence))).toEqual([3, 4, 5]);
    // A reader starting over sees all five, each once.
    const again = await readAll(feed, tenant);
    expect(new Set(again.events.map((e) => e.id)).size).toBe(5);
  });

  it("one resource's events keep version order even when its writers' clocks go backwards", async () => {
    const tenant = tenantId();
    const created = await repo.create(tenant, 'User', { userName: `v-${randomUUID()}`, title: '0' });
    // The next writer's clock is behind the previous change: its change is still stamped after it.
    const skewed = { ...created, lastModified: new Date(Date.now() + 120_000).toISOString() };
    let current = await repo.update(tenant, skewed, { ...created.data, title: '1' });
    expect(Date.parse(current.lastModified)).toBe(Date.parse(skewed.lastModified) + 1);
    for (let i = 2; i < 6; i++) current = await repo.update(tenant, current, { ...current.data, title: String(i) });
    const { events } = await readAll(feed, tenant, undefined, 2);
    expect(events.map((e) => e.data.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(nextChangeTime('2030-01-01T00:00:00.000Z', Date.parse('2029-01-01T00:00:00.000Z'))).toBe('2030-01-01T00:00:00.001Z');
    expect(nextChangeTime(undefined, 5)).toBe(new Date(5).toISOString());
  });

  it('readers sequencing the same pending events at once hand out every number once', async () => {
    const tenant = tenantId();
    for (let i = 0; i < 120; i++) await writeEventAt(tenant, Date.now() - i);
    const readers = Array.from({ length: 6 }, () => new EventFeed(ops, config));
    const pages = await Promise.all(readers.map((r, i) => r.page(tenant, undefined, 10 + i * 10)));
    for (const page of pages) expect(page.events.map((e) => Number(e.sequence))).toEqual(page.events.map((_, i) => i + 1));
    const { events, next } = await readAll(feed, tenant, undefined, 1000);
    expect(events.map((e) => Number(e.sequence))).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.id)).size).toBe(120);
    expect(next.sequence).toBe(120);
  });

  it('a cursor from a purged feed (new epoch) starts again from the oldest event instead of skipping', async () => {
    const tenant = tenantId();
    for (let i = 0; i < 3; i++) await repo.create(tenant, 'User', { userName: `p-${i}-${randomUUID()}` });
    const before = await readAll(feed, tenant);
    for await (const row of ops.range(tenant, '', '\uffff')) await ops.transaction([['delete', { partitionKey: tenant, rowKey: String(row.rowKey) }]]);
    const fresh = await repo.create(tenant, 'User', { userName: `p-new-${randomUUID()}` });
    const after = await readAll(feed, tenant, before.next);
    expect(after.events.map((e) => e.data.id)).toEqual([fresh.id]);
    expect(after.next.epoch).not.toBe(before.next.epoch);
  });
});

describe('roles as names', () => {
  it('parses JSON-encoded role strings, keeps plain values, drops empties and duplicates', () => {
    expect(roleNames([{ value: '{"id":"1","value":"Admin","displayName":"Administrators"}' }, { value: 'Admin' }, { value: '  ' }, { display: 'Shown' }, 'Bare', { value: '{"displayName":"D"}' }])).toEqual(['Admin', 'Shown', 'Bare', 'D']);
    expect(roleNames(undefined)).toEqual([]);
  });
});

describe('settings', () => {
  it('SCIM_EVENTS_RETENTION_DAYS and SCIM_EVENTS_SWEEP_MINUTES: defaults 7 and 10; a malformed value names the setting', () => {
    expect(eventsConfigFromEnv({})).toEqual({ retentionDays: 7, sweepMinutes: 10 });
    expect(eventsConfigFromEnv({ SCIM_EVENTS_RETENTION_DAYS: '30', SCIM_EVENTS_SWEEP_MINUTES: '0.5' })).toEqual({ retentionDays: 30, sweepMinutes: 0.5 });
    expect(() => eventsConfigFromEnv({ SCIM_EVENTS_RETENTION_DAYS: 'a week' })).toThrow(/SCIM_EVENTS_RETENTION_DAYS/);
    expect(() => eventsConfigFromEnv({ SCIM_EVENTS_SWEEP_MINUTES: '-1' })).toThrow(/SCIM_EVENTS_SWEEP_MINUTES/);
  });
});
