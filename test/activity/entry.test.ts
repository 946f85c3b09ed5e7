// Activity entries (what is taken from a request and its response, and what never is), the key order, and the
// last-sync summary over synthetic entries.
import { describe, expect, it } from 'vitest';
import { fromRow, toStoredEntry, type ActivityEntry, type RequestOutcome } from '../../lib/activity/entry.js';
import { activityRowKey, timeOfRowKey, timeRange } from '../../lib/activity/keys.js';
import { summarizeLastSync } from '../../lib/activity/summary.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const bytes = (body: unknown): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(body)));
const base = (over: Partial<RequestOutcome>): RequestOutcome => ({
  tenant: 'default', method: 'GET', resourceType: 'User', status: 200, latencyMs: 12.4, startedAt: T0, url: 'https://x.example/scim/v2/Users', ...over,
});

describe('toStoredEntry', () => {
  it('a created user: id and userName from the response, change "created"', () => {
    const e = toStoredEntry(base({
      method: 'POST', status: 201,
      requestBody: bytes({ userName: 'jo@contoso.com', password: 'hunter2', active: true }),
      responseBody: JSON.stringify({ id: '0e9f6f8a-0000-4000-8000-000000000001', userName: 'jo@contoso.com', active: true }),
    }));
    expect(e).toMatchObject({ method: 'POST', status: 201, resourceId: '0e9f6f8a-0000-4000-8000-000000000001', name: 'jo@contoso.com', nameKey: 'jo@contoso.com', change: 'created', latencyMs: 12, time: '2025-03-01T10:00:00.000Z' });
    expect(JSON.stringify(e)).not.toContain('hunter2');
  });

  it('a duplicate create: the name from the request, scimType and detail from the error, no change', () => {
    const e = toStoredEntry(base({
      method: 'POST', status: 409,
      requestBody: bytes({ userName: 'Dup@Contoso.com' }),
      responseBody: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'uniqueness', detail: 'userName "Dup@Contoso.com" is already taken.' }),
    }));
    expect(e).toMatchObject({ status: 409, name: 'Dup@Contoso.com', nameKey: 'dup@contoso.com', scimType: 'uniqueness', detail: 'userName "Dup@Contoso.com" is already taken.' });
    expect(e.change).toBeUndefined();
  });

  it('PATCH active "False" (Entra default dialect) is a disable; a path-less replace with active true is a re-enable', () => {
    const disable = toStoredEntry(base({ method: 'PATCH', resourceId: 'u1', requestBody: bytes({ Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }) }));
    expect(disable).toMatchObject({ change: 'disabled', operation: 'Replace active' });
    const enable = toStoredEntry(base({ method: 'PATCH', resourceId: 'u1', requestBody: bytes({ Operations: [{ op: 'replace', value: { active: true, 'name.givenName': 'Jo' } }] }) }));
    expect(enable).toMatchObject({ change: 'enabled', operation: 'replace active, name.givenName' });
    const edit = toStoredEntry(base({ method: 'PATCH', resourceId: 'u1', requestBody: bytes({ Operations: [{ op: 'Replace', path: 'title', value: 'CFO' }] }) }));
    expect(edit.change).toBe('updated');
    expect(JSON.stringify(edit)).not.toContain('CFO');
    const failed = toStoredEntry(base({ method: 'PATCH', status: 404, resourceId: 'u1', requestBody: bytes({ Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }) }));
    expect(failed.change).toBeUndefined();
  });

  it('PUT with active false is a disable; group member PATCHes are summarised by count, without member ids', () => {
    expect(toStoredEntry(base({ method: 'PUT', resourceId: 'u1', requestBody: bytes({ userName: 'a@b.c', active: false }) })).change).toBe('disabled');
    const members = toStoredEntry(base({
      method: 'PATCH', status: 204, resourceType: 'Group', resourceId: 'g1',
      requestBody: bytes({ Operations: [{ op: 'Add', path: 'members', value: [{ value: 'm-secret-1' }, { value: 'm-secret-2' }] }] }),
    }));
    expect(members).toMatchObject({ change: 'updated', operation: 'Add members (2)' });
    expect(JSON.stringify(members)).not.toContain('m-secret');
    const rename = toStoredEntry(base({ method: 'PATCH', status: 204, resourceType: 'Group', resourceId: 'g1', requestBody: bytes({ Operations: [{ op: 'Replace', path: 'displayName', value: 'Sales EMEA' }] }) }));
    expect(rename.name).toBe('Sales EMEA');
  });

  it('a query: the looked-up userName, the filter and the result count; DELETE is "deleted"', () => {
    const q = toStoredEntry(base({
      url: 'https://x.example/scim/v2/Users?filter=userName+eq+%22Jo%40contoso.com%22&excludedAttributes=emails',
      responseBody: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, Resources: [] }),
    }));
    expect(q).toMatchObject({ name: 'Jo@contoso.com', operation: 'filter: userName eq "Jo@contoso.com"', results: 0 });
    expect(toStoredEntry(base({ method: 'DELETE', status: 204, resourceId: 'u1' })).change).toBe('deleted');
    const search = toStoredEntry(base({ method: 'POST', status: 200, url: 'https://x.example/scim/v2/Users/.search', responseBody: '{"totalResults":3,"Resources":[]}' }));
    expect(search).toMatchObject({ operation: 'search', results: 3 });
    expect(search.change).toBeUndefined();
  });

  it('bodies that are not JSON, or too large, are simply not read', () => {
    expect(() => toStoredEntry(base({ method: 'POST', status: 400, requestBody: new Uint8Array(Buffer.from('{not json')), responseBody: 'nope' }))).not.toThrow();
    const big = toStoredEntry(base({ method: 'POST', status: 201, requestBody: bytes({ userName: 'x'.repeat(300 * 1024) }) }));
    expect(big.name).toBeUndefined();
  });

  it('fromRow: outcome from the status', () => {
    expect(fromRow({ rowKey: 'k', time: 't', method: 'GET', resourceType: 'User', status: 404, latencyMs: 3 })).toMatchObject({ id: 'k', outcome: 'failure', status: 404 });
    expect(fromRow({ rowKey: 'k', time: 't', method: 'GET', resourceType: 'User', status: 304, latencyMs: 3 }).outcome).toBe('success');
  });
});

describe('activity keys', () => {
  it('sort newest first, carry their time, and time ranges select by key', () => {
    const keys = [T0, T0 + 1, T0 + 60_000, T0 - 86_400_000].map((t) => ({ t, k: activityRowKey(t) }));
    const sorted = [...keys].sort((a, b) => (a.k < b.k ? -1 : 1)).map((x) => x.t);
    expect(sorted).toEqual([T0 + 60_000, T0 + 1, T0, T0 - 86_400_000]);
    for (const { t, k } of keys) expect(timeOfRowKey(k)).toBe(t);
    const [from, to] = timeRange(T0, T0 + 1);
    const inRange = keys.filter(({ k }) => k >= from && k < to).map((x) => x.t).sort();
    expect(inRange).toEqual([T0, T0 + 1]);
    expect(activityRowKey(T0)).not.toBe(activityRowKey(T0));
  });
});

describe('summarizeLastSync', () => {
  const entry = (minutes: number, over: Partial<ActivityEntry> = {}): ActivityEntry => ({
    id: String(minutes), time: new Date(T0 + minutes * 60_000).toISOString(), method: 'GET', resourceType: 'User', status: 200, outcome: 'success', latencyMs: 1, ...over,
  });

  it('takes the newest run without a pause longer than the gap, and counts it', async () => {
    // Newest first: a run from minute 100 to 103, then a 30-minute pause, then an older run.
    const entries = [
      entry(103, { method: 'DELETE', change: 'deleted', status: 204 }),
      entry(102.5, { method: 'PATCH', change: 'disabled' }),
      entry(102, { method: 'POST', status: 409, outcome: 'failure', scimType: 'uniqueness', detail: 'taken', name: 'dup@x' }),
      entry(101, { method: 'POST', status: 201, change: 'created', resourceType: 'Group' }),
      entry(100, { method: 'PATCH', change: 'updated' }),
      entry(70, { method: 'POST', status: 201, change: 'created' }),
      entry(69),
    ];
    const s = await summarizeLastSync(entries, { gapMinutes: 10, now: T0 + 200 * 60_000 });
    expect(s).toMatchObject({
      found: true, requests: 5, truncated: false, inProgress: false,
      firstSeen: new Date(T0 + 100 * 60_000).toISOString(), lastSeen: new Date(T0 + 103 * 60_000).toISOString(), durationMs: 3 * 60_000,
      byOutcome: { success: 4, failure: 1 },
      byStatus: { '200': 2, '201': 1, '204': 1, '409': 1 },
      changes: { created: 1, updated: 1, disabled: 1, enabled: 0, deleted: 1 },
      changesByResourceType: { Group: { created: 1 }, User: { updated: 1, disabled: 1, deleted: 1 } },
      byResourceType: { User: { success: 3, failure: 1 }, Group: { success: 1, failure: 0 } },
    });
    expect(s.topErrors).toEqual([{ status: 409, scimType: 'uniqueness', count: 1, example: expect.objectContaining({ name: 'dup@x', detail: 'taken' }) }]);
    const total = s.timeline.reduce((n, b) => n + b.success + b.failure, 0);
    expect(total).toBe(5);
    expect(s.timeline.length).toBeLessThanOrEqual(40);
    // A wider gap joins the two runs.
    expect((await summarizeLastSync(entries, { gapMinutes: 45 })).requests).toBe(7);
    // Truncation is flagged.
    expect(await summarizeLastSync(entries, { gapMinutes: 10, maxEntries: 3 })).toMatchObject({ requests: 3, truncated: true });
  });

  it('no activity: found false', async () => {
    expect(await summarizeLastSync([], { gapMinutes: 10 })).toMatchObject({ found: false, requests: 0, timeline: [] });
  });
});
