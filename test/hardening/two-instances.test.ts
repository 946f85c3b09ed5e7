// Issue 15: two host instances over one Azurite, each with its own module graph (its own credential cache, services
// and activity log), as two Function App instances are. What one instance does to a tenant must hold on the other
// within the stated bounds: a delete leaves nothing behind, a grace period ends when it says, a revocation within
// SCIM_AUTH_CACHE_SECONDS.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalHost } from '../../dev/local-host.js';
import { callAs, cli, createTenant, rowsOf, sleep, table } from '../auth/helpers.js';
import { entraUser, startStack, type ScimReply, type Stack } from '../helpers/stack.js';

const CACHE_SECONDS = 2;
let a: Stack;
let b: LocalHost;
let flushB: () => Promise<void>;

beforeAll(async () => {
  a = await startStack({ SCIM_AUTH_CACHE_SECONDS: String(CACHE_SECONDS), SCIM_STORAGE_TIMEOUT_MS: '3000', SCIM_ACTIVITY_FLUSH_MS: '200' });
  // A second instance: fresh copies of every module (cache, services, activity log), same environment and Azurite.
  vi.resetModules();
  const hostModule = await import('../../dev/local-host.js');
  const activityModule = await import('../../lib/activity/activity-log.js');
  b = await hostModule.startLocalHost({ adminKey: 'test-admin-key' });
  flushB = activityModule.flushAllActivity;
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

/** A SCIM call to instance B. */
async function onB(token: string, method: string, path: string, body?: unknown): Promise<ScimReply> {
  const res = await fetch(`${b.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

describe('deleting a tenant while another instance still has its credentials cached', () => {
  it('leaves no row of the tenant and none of its activity, and the other instance refuses it afterwards', async () => {
    const doomed = await createTenant('Doomed elsewhere');
    // B authenticates the tenant now: its token and tenant row are cached there for CACHE_SECONDS.
    expect((await onB(doomed.token, 'POST', '/Users', entraUser(`before-${randomUUID()}@x.com`))).status).toBe(201);
    const started = Date.now();
    const deletion = cli('delete', '--tenant', doomed.tenantId, '--json');
    // While A deletes, B keeps writing with its cached credentials for as long as it accepts them.
    const statuses: number[] = [];
    let done = false;
    void deletion.then(() => (done = true));
    while (!done && Date.now() - started < 20_000) {
      statuses.push((await onB(doomed.token, 'POST', '/Users', entraUser(`during-${randomUUID()}@x.com`))).status);
      await sleep(100);
    }
    const deleted = await deletion;
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(statuses).toContain(201); // B did write during the delete: this is the window the second sweep covers
    expect(Date.now() - started).toBeGreaterThanOrEqual(CACHE_SECONDS * 1000);
    await flushB();
    expect(await rowsOf(table(a), doomed.tenantId)).toEqual([]);
    const activity = await import('@azure/data-tables').then(({ TableClient }) => TableClient.fromConnectionString(process.env.SCIM_STORAGE_CONNECTION_STRING as string, `${a.tableName}activity`, { allowInsecureConnection: true }));
    expect(await rowsOf(activity, doomed.tenantId)).toEqual([]);
    expect((await onB(doomed.token, 'POST', '/Users', entraUser(`after-${randomUUID()}@x.com`))).status).toBe(401);
    expect((await callAs(a, doomed.token)('GET', '/Users')).status).toBe(401);
    expect(await rowsOf(table(a), doomed.tenantId)).toEqual([]);
  }, 60_000);
});

describe('a reset with a grace period, made on the other instance', () => {
  it('ends on both instances at the expiry it states, even when shorter than the cache time was asked for', async () => {
    const t = await createTenant('Grace elsewhere');
    expect((await onB(t.token, 'GET', '/Users')).status).toBe(200); // cached on B, without any expiry
    const reset = await cli('reset-token', '--tenant', t.tenantId, '--grace-seconds', '1', '--json');
    expect(reset.code).toBe(0);
    const expiresAt = Date.parse(reset.json.oldTokensExpireAt);
    // Lengthened to the cache time: B may hold the token without its expiry that long.
    expect(expiresAt - Date.now()).toBeGreaterThan((CACHE_SECONDS - 0.5) * 1000);
    while (Date.now() < expiresAt - 300) {
      expect((await onB(t.token, 'GET', '/Users')).status).toBe(200);
      expect((await callAs(a, t.token)('GET', '/Users')).status).toBe(200);
      await sleep(200);
    }
    await sleep(Math.max(0, expiresAt - Date.now()) + 50);
    expect((await onB(t.token, 'GET', '/Users')).status).toBe(401);
    expect((await callAs(a, t.token)('GET', '/Users')).status).toBe(401);
    expect((await onB(reset.json.token, 'GET', '/Users')).status).toBe(200);
  }, 30_000);

  it('a longer grace period is kept as asked', async () => {
    const t = await createTenant('Long grace');
    const reset = await cli('reset-token', '--tenant', t.tenantId, '--grace-seconds', '3600', '--json');
    expect(Date.parse(reset.json.oldTokensExpireAt) - Date.now()).toBeGreaterThan(3590_000);
  });
});

describe('revocation on the other instance', () => {
  it('stops the token on this instance within SCIM_AUTH_CACHE_SECONDS of the revocation, not of a later re-read', async () => {
    const t = await createTenant('Revoked elsewhere');
    expect((await onB(t.token, 'GET', '/Users')).status).toBe(200);
    const revoked = await cli('revoke', '--tenant', t.tenantId, '--json');
    const at = Date.now();
    expect(revoked.json.revokedTokens).toBe(1);
    let lastOk = at;
    while (Date.now() - at < (CACHE_SECONDS + 1) * 1000) {
      if ((await onB(t.token, 'GET', '/Users')).status === 200) lastOk = Date.now();
      await sleep(100);
    }
    expect(lastOk - at).toBeLessThanOrEqual(CACHE_SECONDS * 1000);
    expect((await onB(t.token, 'GET', '/Users')).status).toBe(401);
  }, 30_000);
});
