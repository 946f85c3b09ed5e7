// Issue 10, "what it must show" 2: after an Entra-style run of the simulator (a few hundred users), the last-sync
// summary's counts match what the simulator did on the wire, and a deliberately failing request (a duplicate
// userName) shows up with its error detail.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type Exchange, type SimulationReport } from '../../tools/simulator/index.js';
import { callAs, createTenant, type CreatedTenant } from '../auth/helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function admin(path: string): Promise<any> {
  const res = await fetch(`${stack.baseUrl}/manage${path}`, { headers: { 'x-functions-key': 'test-admin-key' } });
  expect(res.status, path).toBe(200);
  return res.json();
}

function setsActive(body: unknown): boolean | undefined {
  const ops = (body as { Operations?: { op: string; path?: string; value?: unknown }[] } | undefined)?.Operations ?? [];
  let active: boolean | undefined;
  for (const op of ops) {
    if (!/^(add|replace)$/i.test(op.op)) continue;
    if (op.path?.toLowerCase() === 'active') active = String(op.value).toLowerCase() === 'true';
    else if (!op.path && typeof op.value === 'object' && op.value !== null && 'active' in op.value) active = String((op.value as { active: unknown }).active).toLowerCase() === 'true';
  }
  return active;
}

describe('activity after a simulated Entra ID provisioning run', () => {
  let tenant: CreatedTenant;
  let report: SimulationReport;
  const exchanges: Exchange[] = [];

  beforeAll(async () => {
    tenant = await createTenant('Simulated Entra');
    report = await runSimulation({
      url: stack.baseUrl,
      token: tenant.token,
      mode: 'default',
      source: { kind: 'synthetic', users: 300, groups: 6, members: 25, seed: 10, tag: 'act' },
      concurrency: 8,
      cycles: 1,
      changeRate: 0.05,
      verify: false,
      onExchange: (e) => exchanges.push(e),
    });
  }, 300_000);

  it('the summary counts what the run sent and got back', async () => {
    expect(report.errors).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect(exchanges.length).toBe(report.totals.requests);
    expect(report.totals.requests).toBeGreaterThan(600);

    // A duplicate userName, as a misconfigured mapping would send: one 409 at the end of the sync.
    const existing = exchanges.find((e) => e.method === 'POST' && e.status === 201 && /\/Users(\?|$)/.test(e.url));
    const userName = (existing?.requestBody as { userName: string }).userName;
    const duplicate = await callAs(stack, tenant.token)('POST', '/Users', entraUser(userName, { externalId: `dup-${randomUUID()}` }));
    expect(duplicate.status).toBe(409);

    const ok = (e: Exchange) => e.status >= 200 && e.status < 300;
    const writes = exchanges.filter((e) => ok(e) && (e.method === 'PATCH' || e.method === 'PUT'));
    const expected = {
      created: exchanges.filter((e) => e.method === 'POST' && e.status === 201).length,
      deleted: exchanges.filter((e) => e.method === 'DELETE' && ok(e)).length,
      disabled: writes.filter((e) => setsActive(e.requestBody) === false).length,
      enabled: writes.filter((e) => setsActive(e.requestBody) === true).length,
    };
    const byStatus: Record<string, number> = { ...report.totals.statuses };
    byStatus['409'] = (byStatus['409'] ?? 0) + 1;
    const failures = Object.entries(byStatus).filter(([s]) => Number(s) >= 400).reduce((n, [, c]) => n + c, 0);

    const summary = await admin(`/tenants/${tenant.tenantId}/activity/summary`);
    console.log(`simulator: ${report.totals.requests} requests, statuses ${JSON.stringify(report.totals.statuses)}, change sets ${JSON.stringify(report.changeSets)}\n` +
      `summary: ${summary.requests} requests, ${JSON.stringify(summary.byOutcome)}, changes ${JSON.stringify(summary.changes)}`);
    expect(summary.found).toBe(true);
    expect(summary.truncated).toBe(false);
    expect(summary.requests).toBe(report.totals.requests + 1);
    expect(summary.byStatus).toEqual(byStatus);
    expect(summary.byOutcome).toEqual({ success: summary.requests - failures, failure: failures });
    expect(summary.changes).toEqual({ ...expected, updated: writes.length - expected.disabled - expected.enabled });
    // The same numbers from the simulator's own report and change set.
    const opCount = (name: string) => report.phases.reduce((n, p) => n + (p.operations[name]?.count ?? 0), 0);
    expect(summary.changes.created).toBe(opCount('create-user') + opCount('create-group'));
    expect(summary.changes.deleted).toBe(opCount('delete-user') + opCount('delete-group'));
    expect(summary.changes.created).toBeGreaterThan(250);
    expect(summary.changes.disabled).toBeGreaterThan(0);
    expect(summary.changes.disabled).toBeLessThanOrEqual(report.changeSets[0].disables);
    expect(summary.changes.deleted).toBeGreaterThan(0);
    expect(Date.parse(summary.firstSeen)).toBeLessThanOrEqual(Date.parse(summary.lastSeen));

    // The duplicate, with its detail, at the top of the errors and of the failure filter.
    expect(summary.topErrors).toContainEqual(expect.objectContaining({ status: 409, scimType: 'uniqueness', count: 1, example: expect.objectContaining({ method: 'POST', name: userName, detail: duplicate.body.detail }) }));
    const failed = await admin(`/tenants/${tenant.tenantId}/activity?outcome=failure&resourceType=User&limit=5`);
    expect(failed.entries[0]).toMatchObject({ method: 'POST', status: 409, scimType: 'uniqueness', name: userName, detail: duplicate.body.detail, outcome: 'failure' });
    const byName = await admin(`/tenants/${tenant.tenantId}/activity?name=${encodeURIComponent(userName)}`);
    expect(byName.entries.map((e: { method: string; status: number }) => `${e.method} ${e.status}`)).toEqual(expect.arrayContaining(['POST 409', 'POST 201']));
  });
});
