// Issue 10: the activity log through the real HTTP surface — one entry per SCIM request that reaches a tenant, the
// admin API that reads it (filters, paging, summary), and the guarantees around it: no tokens or bodies stored, a
// failing activity store never fails a SCIM request, activity storage calls are never counted as SCIM storage calls,
// and retention deletes old entries from the old end of the partition.
import { randomBytes, randomUUID } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { ActivityLog } from '../../lib/activity/activity-log.js';
import { activityConfigFromEnv } from '../../lib/activity/config.js';
import { getServices } from '../../lib/services.js';
import { totalStorageCalls } from '../../lib/store/metrics.js';
import { callAs, createTenant, type CreatedTenant } from '../auth/helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ADMIN_KEY = 'test-admin-key';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

// JSON bodies of the admin API, inspected field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function admin(path: string, key: string | null = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.baseUrl}/manage${path}`, { headers: key === null ? {} : { 'x-functions-key': key } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function activityTable(): TableClient {
  return TableClient.fromConnectionString(inject('azuriteConnectionString'), activityConfigFromEnv().tableName, { allowInsecureConnection: true });
}

describe('one activity entry per SCIM request that reaches a tenant', () => {
  let t: CreatedTenant;
  let as: ReturnType<typeof callAs>;
  let userId: string;
  const secretTitle = `SECRET-${randomBytes(6).toString('hex')}`;
  const userName = `Activity.${randomUUID()}@contoso.com`;

  beforeAll(async () => {
    t = await createTenant('Activity Ltd');
    as = callAs(stack, t.token);
    expect((await as('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).status).toBe(200);
    const created = await as('POST', '/Users', entraUser(userName, { title: secretTitle }));
    expect(created.status).toBe(201);
    userId = created.body.id;
    expect((await as('POST', '/Users', entraUser(userName.toUpperCase()))).status).toBe(409);
    expect((await as('PATCH', `/Users/${userId}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] })).status).toBe(200);
    const group = await as('POST', '/Groups', { schemas: [GROUP], displayName: 'Activity group' });
    expect(group.status).toBe(201);
    expect((await as('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }] })).status).toBe(204);
    expect((await as('GET', `/Groups/${randomUUID()}`)).status).toBe(404);
    expect((await as('DELETE', `/Users/${userId}`)).status).toBe(204);
    // Not a tenant's request: no entry anywhere.
    expect((await callAs(stack, 'not-a-token')('GET', '/Users')).status).toBe(401);
  });

  it('lists them newest first with method, resource, name, status, error detail and change', async () => {
    const page = await admin(`/tenants/${t.tenantId}/activity`);
    expect(page.status).toBe(200);
    const rows = page.body.entries as Record<string, unknown>[];
    expect(rows.map((r) => `${r.method} ${r.resourceType} ${r.status}`)).toEqual([
      'DELETE User 204',
      'GET Group 404',
      'PATCH Group 204',
      'POST Group 201',
      'PATCH User 200',
      'POST User 409',
      'POST User 201',
      'GET User 200',
    ]);
    expect(rows[0]).toMatchObject({ resourceId: userId, change: 'deleted', outcome: 'success' });
    expect(rows[2]).toMatchObject({ change: 'updated', operation: 'Add members (1)' });
    expect(rows[3]).toMatchObject({ name: 'Activity group', change: 'created' });
    expect(rows[4]).toMatchObject({ resourceId: userId, name: userName, change: 'disabled', operation: 'Replace active' });
    expect(rows[5]).toMatchObject({ name: userName.toUpperCase(), outcome: 'failure', scimType: 'uniqueness', detail: expect.stringMatching(/userName/i) });
    expect(rows[6]).toMatchObject({ resourceId: userId, name: userName, change: 'created' });
    expect(rows[7]).toMatchObject({ name: userName, results: 0, operation: `filter: userName eq "${userName}"` });
    for (const r of rows) {
      expect(Date.parse(String(r.time))).toBeGreaterThan(Date.now() - 120_000);
      expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(page.body.nextCursor).toBeUndefined();
  });

  it('stores no token and no body content', async () => {
    const rows: unknown[] = [];
    for await (const row of activityTable().listEntities()) rows.push(row);
    const text = JSON.stringify(rows);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(text).not.toContain(t.token);
    expect(text).not.toContain(stack.token);
    expect(text).not.toContain(secretTitle);
    expect(text).not.toContain('not-a-token');
  });

  it('filters by outcome, status class, resource type, method, name, time range, and pages with a cursor', async () => {
    const q = async (query: string) => (await admin(`/tenants/${t.tenantId}/activity?${query}`)).body.entries.map((r: { method: string; status: number }) => `${r.method} ${r.status}`);
    expect(await q('outcome=failure')).toEqual(['GET 404', 'POST 409']);
    expect(await q('outcome=4xx&resourceType=User')).toEqual(['POST 409']);
    expect(await q('status=201')).toEqual(['POST 201', 'POST 201']);
    expect(await q('resourceType=Group&outcome=success')).toEqual(['PATCH 204', 'POST 201']);
    expect(await q('method=patch')).toEqual(['PATCH 204', 'PATCH 200']);
    expect(await q(`name=${encodeURIComponent(userName.toLowerCase())}`)).toEqual(['PATCH 200', 'POST 409', 'POST 201', 'GET 200']);
    expect(await q(`resourceId=${userId}`)).toEqual(['DELETE 204', 'PATCH 200', 'POST 201']);
    expect(await q(`since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    expect(await q(`until=${new Date(Date.now() - 3_600_000).toISOString()}`)).toEqual([]);
    expect((await q(`since=${Date.now() - 3_600_000}`)).length).toBe(8);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await admin(`/tenants/${t.tenantId}/activity?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.body.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.entries.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.length).toBe(8);
    expect(new Set(seen).size).toBe(8);
    expect([...seen].sort()).toEqual(seen);
  });

  it('summarises the last sync', async () => {
    const { status, body } = await admin(`/tenants/${t.tenantId}/activity/summary`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      tenantId: t.tenantId, found: true, requests: 8, inProgress: true,
      byOutcome: { success: 6, failure: 2 },
      byStatus: { '200': 2, '201': 2, '204': 2, '404': 1, '409': 1 },
      changes: { created: 2, updated: 1, disabled: 1, enabled: 0, deleted: 1 },
      definition: { gapMinutes: 10 },
    });
    expect(body.topErrors.map((e: { status: number }) => e.status).sort()).toEqual([404, 409]);
  });

  it('answers 400 to bad filters, 404 to unknown tenants, 401 without the admin key', async () => {
    for (const query of ['outcome=maybe', 'resourceType=Printer', 'method=TRACE', 'since=yesterday', 'limit=0', 'limit=1000', 'cursor=%%%', 'cursor=bm90anNvbg', 'colour=red', `since=${Date.now()}&until=${Date.now() - 1000}`]) {
      const reply = await admin(`/tenants/${t.tenantId}/activity?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.body, query).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', detail: expect.any(String) });
    }
    expect((await admin(`/tenants/${randomUUID()}/activity`)).status).toBe(404);
    expect((await admin(`/tenants/${randomUUID()}/activity/summary`)).status).toBe(404);
    expect((await admin('/tenants/not-a-tenant/activity')).status).toBe(404);
    expect((await admin(`/tenants/${t.tenantId}/activity`, null)).status).toBe(401);
    expect((await admin(`/tenants/${t.tenantId}/activity`, 'wrong')).status).toBe(401);
    expect((await admin('/integration', null)).status).toBe(401);
  });

  it('the integration endpoints: tenants with the SCIM endpoint; one tenant with token dates, never tokens', async () => {
    const list = await admin('/integration');
    expect(list.status).toBe(200);
    expect(list.body.scimEndpoint).toBe(stack.baseUrl);
    expect(list.body.tenants[0]).toEqual({ tenantId: 'default', name: 'Default tenant (SCIM_TOKEN)', status: 'active', canResetToken: false });
    expect(list.body.tenants).toContainEqual({ tenantId: t.tenantId, name: 'Activity Ltd', status: 'active', canResetToken: true });
    const one = await admin(`/tenants/${t.tenantId}/integration`);
    expect(one.body).toMatchObject({ tenantId: t.tenantId, scimEndpoint: stack.baseUrl, canResetToken: true, tokens: [{ created: expect.any(String) }] });
    expect(JSON.stringify(one.body)).not.toContain(t.token);
    expect((await admin('/tenants/default/integration')).body).toMatchObject({ tenantId: 'default', canResetToken: false, scimEndpoint: stack.baseUrl });
    expect((await admin(`/tenants/${randomUUID()}/integration`)).status).toBe(404);
  });
});

describe('writing activity never slows, fails or is counted against a SCIM request', () => {
  it('a failing activity store: the request still succeeds; the failure is counted and logged once', async () => {
    const { activity } = await getServices();
    await activity.flush();
    const write = vi.spyOn(activity.store, 'write').mockRejectedValue(Object.assign(new Error('storage is down'), { statusCode: 503 }));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const before = activity.stats();
      const replies = await Promise.all(Array.from({ length: 3 }, () => stack.call('POST', '/Users', entraUser(`fail-${randomUUID()}@x.com`))));
      expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
      await activity.flush();
      await activity.flush();
      const after = activity.stats();
      expect(after.failed - before.failed).toBe(3);
      expect(after.queued).toBe(0);
      const lines = logged.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('activity.write-failed'));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({ event: 'activity.write-failed', tenant: 'default', error: expect.stringContaining('storage is down') });
    } finally {
      write.mockRestore();
      logged.mockRestore();
    }
  });

  it('a full queue drops (and counts) entries instead of growing', async () => {
    const { activity } = await getServices();
    const small = new ActivityLog(activity.store, { ...activity.config, queueMax: 2, flushMs: 60_000 }, () => undefined);
    try {
      for (let i = 0; i < 5; i++) small.record({ tenant: 'default', method: 'GET', resourceType: 'User', status: 200, latencyMs: 1, startedAt: Date.now(), url: 'http://x/scim/v2/Users' });
      expect(small.stats()).toMatchObject({ recorded: 2, dropped: 3, queued: 2 });
      await small.flush();
      expect(small.stats()).toMatchObject({ written: 2, queued: 0 });
    } finally {
      small.close();
    }
  });

  it('flushing activity makes no counted storage call and no node:http request (the SCIM cost tests see none of it)', async () => {
    const { activity } = await getServices();
    await activity.flush();
    let httpRequests = 0;
    const onRequest = () => void httpRequests++;
    diagnostics_channel.subscribe('http.client.request.start', onRequest);
    try {
      for (let i = 0; i < 5; i++) expect((await stack.call('GET', `/Users/${randomUUID()}`)).status).toBe(404);
      expect(activity.pendingCount()).toBe(5);
      const calls = totalStorageCalls();
      const http = httpRequests;
      await activity.flush();
      expect(activity.pendingCount()).toBe(0);
      expect(totalStorageCalls() - calls).toBe(0);
      expect(httpRequests - http).toBe(0);
    } finally {
      diagnostics_channel.unsubscribe('http.client.request.start', onRequest);
    }
  });
});

describe('retention', () => {
  it('a flush sweeps entries older than the retention, by a bounded range read from the retention boundary', async () => {
    const { activity } = await getServices();
    const tenant = (await createTenant('Retention')).tenantId;
    const log = new ActivityLog(activity.store, { ...activity.config, retentionDays: 30, sweepMinutes: 60 }, () => undefined);
    const day = 86_400_000;
    const now = Date.now();
    const record = (startedAt: number) => log.record({ tenant, method: 'GET', resourceType: 'User', status: 200, latencyMs: 1, startedAt, url: 'http://x/scim/v2/Users' });
    try {
      for (let i = 0; i < 250; i++) record(now - 40 * day - i * 1000);
      for (let i = 0; i < 5; i++) record(now - i * 1000);
      for (let i = 0; i < 3; i++) record(now - 29 * day);
      await log.flush(); // writes 258 entries, then the first sweep of this tenant deletes the 250 old ones
      expect(log.stats()).toMatchObject({ written: 258, swept: 250 });
      const left = await activity.store.page(tenant, {}, 200);
      expect(left.entries).toHaveLength(8);
      // The next sweep waits for sweepMinutes: old entries written now stay until then.
      record(now - 40 * day);
      await log.flush();
      expect(log.stats().swept).toBe(250);
      // A sweep is bounded: it deletes at most what it is given, starting at the retention boundary (the range read
      // is newest first), so what a limited sweep leaves behind is the oldest part, for the next sweep.
      for (let i = 0; i < 30; i++) record(now - 50 * day + i);
      await log.flush();
      expect(await activity.store.sweep(tenant, now - 30 * day, 10)).toBe(10);
      const oldest = (await activity.store.page(tenant, { until: now - 30 * day }, 100)).entries;
      expect(oldest).toHaveLength(21);
      expect(Math.max(...oldest.map((e) => Date.parse(e.time)))).toBe(now - 50 * day + 20);
      expect(Math.min(...oldest.map((e) => Date.parse(e.time)))).toBe(now - 50 * day);
      expect(await activity.store.sweep(tenant, now - 30 * day, 1000)).toBe(21);
      expect((await activity.store.page(tenant, {}, 200)).entries).toHaveLength(8);
      // purge (for a deleted tenant) removes everything.
      expect(await activity.store.purge(tenant)).toBe(8);
      expect((await activity.store.page(tenant, {}, 200)).entries).toEqual([]);
    } finally {
      log.close();
    }
  });
});
