// Issue 16, "what it must show" 4: events are written inside the transactions that already carry each change, so the
// storage calls of every SCIM write are exactly what its data needs: the event rows ride in those transactions. The
// numbers below were first measured on the code before the feed; they moved only when the writes themselves got
// cheaper (issue 18: member adds without a read per member, single-transaction deletes), never for an event.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startLocalHost, type LocalHost } from '../../dev/local-host.js';
import { entraUser } from '../helpers/stack.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const token = randomBytes(24).toString('hex');
let host: LocalHost;
const lines: string[] = [];

beforeAll(async () => {
  for (const key of Object.keys(process.env)) if (key.startsWith('SCIM_')) delete process.env[key];
  Object.assign(process.env, { SCIM_STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'), SCIM_TABLE_NAME: `w${randomBytes(6).toString('hex')}`, SCIM_TOKEN: token });
  host = await startLocalHost({ log: (_level, message) => lines.push(message) });
});
afterAll(() => host.close());

/** Sends one SCIM request and returns its status, JSON body and the storage calls its log line reports. */
async function measured(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | undefined; storageCalls: number }> {
  const before = lines.length;
  const res = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const entry = lines.slice(before).map((l) => JSON.parse(l) as { event?: string; storageCalls?: number }).find((l) => l.event === 'scim.request');
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, storageCalls: entry?.storageCalls ?? -1 };
}

const op = (o: string, path: string, value?: unknown) => ({ schemas: [PATCH], Operations: [{ op: o, path, ...(value !== undefined ? { value } : {}) }] });

describe('storage calls of SCIM writes with the change feed', () => {
  it('every write costs exactly the storage calls it cost before events existed', async () => {
    await measured('GET', '/Users?count=1'); // creates the table outside the measurement
    const costs: Record<string, [number, number]> = {};
    const record = (name: string, r: { status: number; storageCalls: number }) => (costs[name] = [r.status, r.storageCalls]);

    const alice = await measured('POST', '/Users', entraUser(`alice-${randomUUID()}@contoso.com`));
    record('POST /Users', alice);
    const bob = await measured('POST', '/Users', entraUser(`bob-${randomUUID()}@contoso.com`));
    const aliceId = String(alice.body?.id);
    const bobId = String(bob.body?.id);
    record('PATCH replace title', await measured('PATCH', `/Users/${aliceId}`, op('replace', 'title', 'Lead')));
    record('PATCH Replace active False (Entra)', await measured('PATCH', `/Users/${aliceId}`, op('Replace', 'active', 'False')));
    record('PATCH same value (no-op)', await measured('PATCH', `/Users/${aliceId}`, op('Replace', 'active', 'False')));
    record('PUT /Users', await measured('PUT', `/Users/${aliceId}`, entraUser(String(alice.body?.userName), { displayName: 'Alice' })));
    const group = await measured('POST', '/Groups', { schemas: [GROUP], displayName: `Sales ${randomUUID()}` });
    record('POST /Groups', group);
    const groupId = String(group.body?.id);
    record('PATCH add member', await measured('PATCH', `/Groups/${groupId}`, op('Add', 'members', [{ value: aliceId }])));
    record('PATCH add present member (no-op)', await measured('PATCH', `/Groups/${groupId}`, op('Add', 'members', [{ value: aliceId }])));
    record('PATCH remove member (compliant)', await measured('PATCH', `/Groups/${groupId}`, op('remove', `members[value eq "${aliceId}"]`)));
    record('PATCH remove absent member (no-op)', await measured('PATCH', `/Groups/${groupId}`, op('Remove', 'members', [{ value: aliceId }])));
    const withMembers = await measured('POST', '/Groups', { schemas: [GROUP], displayName: `Ops ${randomUUID()}`, members: [{ value: aliceId }, { value: bobId }] });
    record('POST /Groups with 2 members', withMembers);
    record('PATCH rename group', await measured('PATCH', `/Groups/${String(withMembers.body?.id)}`, op('Replace', 'displayName', `Ops2 ${randomUUID()}`)));
    record('DELETE user in a group', await measured('DELETE', `/Users/${bobId}`));
    record('DELETE group', await measured('DELETE', `/Groups/${String(withMembers.body?.id)}`));
    record('PATCH unknown user (404)', await measured('PATCH', `/Users/${randomUUID()}`, op('replace', 'title', 'x')));

    expect(costs).toEqual(BASELINE);
  });
});

// [status, storage calls] per request (before the storage floors of issue 18, in comments).
const BASELINE: Record<string, [number, number]> = {
  'POST /Users': [201, 1],
  'PATCH replace title': [200, 2], // the user is in no group, and its row says so: the response reads no groups
  'PATCH Replace active False (Entra)': [200, 2],
  'PATCH same value (no-op)': [200, 1],
  'PUT /Users': [200, 2],
  'POST /Groups': [201, 1], // was 2: the response read the member rows of a group just created
  'PATCH add member': [204, 2], // was 3: read of the group, one transaction (it checks the member exists)
  'PATCH add present member (no-op)': [204, 2], // was 4: the transaction fails on the present row, nothing to retry
  'PATCH remove member (compliant)': [204, 3],
  'PATCH remove absent member (no-op)': [204, 2],
  'POST /Groups with 2 members': [201, 2], // was 5: the create checks the members, one transaction adds them
  'PATCH rename group': [204, 4], // was 5: member rows carry no display to sync
  'DELETE user in a group': [204, 3], // was 9: read, its groups, one transaction
  'DELETE group': [204, 3], // was 8: read, its members, one transaction (its row says it is in no group)
  'PATCH unknown user (404)': [404, 1],
};
