// Issue 16, "what it must show" 3: storage stopped in the middle of a request. A member PATCH that spans three
// transactions loses storage (Azurite stopped) right after its second one committed; a user PATCH loses it before its
// transaction; a DELETE loses it after its `deleting` mark. After restart: every committed step has its event and
// no step that did not commit has one (the invariant checker compares events with versions row by row), and the feed
// serves exactly the committed steps. (test/reliability/storage-faults.test.ts runs the same invariants after
// outages under a concurrent load.)
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAzurite, type Azurite } from '../../dev/azurite.js';
import { startLocalHost, type LocalHost } from '../../dev/local-host.js';
import type { ChangeEvent } from '../../lib/events/event.js';
import { checkInvariants, expectInvariants } from '../helpers/invariants.js';
import { entraUser } from '../helpers/stack.js';
import { ADMIN_KEY, walk } from './helpers.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const tableName = `x${randomBytes(6).toString('hex')}`;
const token = randomBytes(24).toString('hex');
const FEED = '/manage/tenants/default/events';

let azurite: Azurite;
let host: LocalHost;
let location: string;
let port: number;

beforeAll(async () => {
  location = mkdtempSync(join(tmpdir(), 'scim-event-faults-'));
  port = await freePort();
  azurite = await startAzurite({ location, port });
  for (const key of Object.keys(process.env)) if (key.startsWith('SCIM_')) delete process.env[key];
  Object.assign(process.env, { SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString, SCIM_TABLE_NAME: tableName, SCIM_TOKEN: token, SCIM_STORAGE_TIMEOUT_MS: '2000', SCIM_ACTIVITY: 'off', SCIM_LOCAL_ADMIN_KEY: ADMIN_KEY, SCIM_MAX_MEMBERS_PER_PATCH: '100' });
  host = await startLocalHost({ adminKey: ADMIN_KEY });
});
afterAll(async () => {
  await host?.close();
  await azurite?.stop();
  rmSync(location, { recursive: true, force: true });
});

// Storage stops after the n-th transaction from now commits (0: before the next one is sent).
const originalSubmit = TableClient.prototype.submitTransaction;
let stopAfter: number | undefined;
let stopped: Promise<void> | undefined;
TableClient.prototype.submitTransaction = async function (this: TableClient, ...args: Parameters<TableClient['submitTransaction']>) {
  if (stopAfter === 0) {
    stopAfter = undefined;
    stopped = azurite.stop();
    await stopped;
  }
  const response = await originalSubmit.apply(this, args);
  if (stopAfter !== undefined && --stopAfter === 0) {
    stopAfter = undefined;
    stopped = azurite.stop(); // SIGINT: Azurite keeps what it committed
    await stopped;
  }
  return response;
} as TableClient['submitTransaction'];
afterEach(() => {
  stopAfter = undefined;
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function restart(): Promise<void> {
  await stopped;
  azurite = await startAzurite({ location, port });
}

describe('storage stopped mid-request', () => {
  it('no event without its change, no change without its event', async () => {
    const users: string[] = [];
    for (let i = 0; i < 70; i++) users.push((await call('POST', '/Users', entraUser(`f-${i}-${randomUUID()}@contoso.com`))).body.id as string);
    const group = (await call('POST', '/Groups', { schemas: [GROUP], displayName: `Faults ${randomUUID()}` })).body.id as string;
    // users[1] in 49 more groups: more memberships than one delete transaction holds, so its DELETE runs in steps.
    for (let i = 0; i < 49; i++) expect((await call('POST', '/Groups', { schemas: [GROUP], displayName: `Faults ${randomUUID()}`, members: [{ value: users[1] }] })).status).toBe(201);
    const start = (await walk(host.baseUrl, FEED)).next;

    // 70 members = three member transactions (13 added + the other 57 checked, then 32, then 25): storage goes away
    // after the second commits.
    stopAfter = 2;
    const big = await call('PATCH', `/Groups/${group}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: users.map((value) => ({ value })) }] });
    expect(big.status).toBe(503);
    await restart();
    // A user PATCH whose transaction never reaches storage.
    stopAfter = 0;
    expect((await call('PATCH', `/Users/${users[0]}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] })).status).toBe(503);
    await restart();
    // A DELETE whose `deleting` mark commits, then storage goes away before the memberships are removed.
    stopAfter = 1;
    expect((await call('DELETE', `/Users/${users[1]}`)).status).toBe(503);
    await restart();

    const report = await checkInvariants(azurite.connectionString, tableName, { allowTombstones: true });
    expect(report.violations, report.violations.join('\n')).toEqual([]);
    expect(report.tombstones.map((t) => t.id)).toEqual([users[1]]);
    const { events } = await walk(host.baseUrl, FEED, { after: start });
    expect(events.map((e: ChangeEvent) => [e.type, e.data.id, e.data.version, e.data.members?.length])).toEqual([
      ['scim.group.members.added', group, 2, 13],
      ['scim.group.members.added', group, 3, 32],
      ['scim.user.deleted', users[1], 2, undefined],
    ]);
    expect((await call('GET', `/Users/${users[0]}`)).body.active).toBe(true);
    // Entra retries: the missing members are added (events name only them), the delete is finished (no second event).
    expect((await call('PATCH', `/Groups/${group}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: users.slice(2).map((value) => ({ value })) }] })).status).toBe(204);
    expect((await call('DELETE', `/Users/${users[1]}`)).status).toBe(404);
    const retried = await walk(host.baseUrl, FEED, { after: start });
    const added = retried.events.slice(3);
    expect(added.every((e) => e.type === 'scim.group.members.added')).toBe(true);
    expect(added.flatMap((e) => e.data.members?.map((m) => m.value)).sort()).toEqual(users.slice(45).sort()); // the 25 that were missing
    expect(added.map((e) => e.data.version)).toEqual(added.map((_, i) => 4 + i));
    await expectInvariants(azurite.connectionString, tableName);
  }, 120_000);
});
