// Issue 16, "what it must show" 2: 16 writers on two host processes (separate instances, clocks 5 s apart) sharing one
// Azurite, while a reader polls the feed through both: the reader's walk is exactly the set of committed changes —
// every (resource, version) once, versions increasing per resource, sequence numbers dense — with no gap or duplicate.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort, stopChild } from '../../dev/azurite.js';
import type { ChangeEvent } from '../../lib/events/event.js';
import { expectInvariants } from '../helpers/invariants.js';
import { entraUser } from '../helpers/stack.js';
import { ADMIN_KEY, feedGet } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const token = randomBytes(24).toString('hex');
const tableName = `c${randomBytes(6).toString('hex')}`;
const FEED = '/manage/tenants/default/events';

interface Instance {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
}
const instances: Instance[] = [];

async function startInstance(skewMs: number): Promise<Instance> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', join(import.meta.dirname, 'fixtures', 'skewed-clock.mjs'), join(root, 'dist', 'dev', 'start.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      SCIM_STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'),
      SCIM_TABLE_NAME: tableName,
      SCIM_TOKEN: token,
      SCIM_LOCAL_ADMIN_KEY: ADMIN_KEY,
      SCIM_LOG_REQUESTS: 'false',
      SCIM_ACTIVITY: 'off',
      TEST_CLOCK_SKEW_MS: String(skewMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Secret token')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`host did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, baseUrl: `http://127.0.0.1:${port}/scim/v2`, output: () => output };
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  instances.push(await startInstance(+2500), await startInstance(-2500));
}, 120_000);
afterAll(async () => {
  for (const instance of instances) await stopChild(instance.child);
});

async function scim(instance: Instance, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${instance.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const op = (o: string, path: string, value?: unknown) => ({ schemas: [PATCH], Operations: [{ op: o, path, ...(value !== undefined ? { value } : {}) }] });
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

describe('the change feed under concurrent writers on two instances', () => {
  it('16 writers on two hosts, a reader polling both: the walk equals the committed changes, once each, in version order', async () => {
    const [a, b] = instances;
    const users: string[] = [];
    for (let i = 0; i < 12; i++) users.push((await scim(a, 'POST', '/Users', entraUser(`cc-${i}-${randomUUID()}@contoso.com`))).body.id as string);
    const groups: string[] = [];
    for (let i = 0; i < 3; i++) groups.push((await scim(b, 'POST', '/Groups', { schemas: [GROUP], displayName: `CC ${i} ${randomUUID()}` })).body.id as string);

    const acknowledged: { id: string; version: number }[] = [];
    const deleted = new Set<string>();
    let writing = true;
    const writer = async (n: number) => {
      const host = instances[n % 2];
      const mine: string[] = [];
      for (let i = 0; i < 14; i++) {
        const r = Math.random();
        if (r < 0.3) {
          const reply = await scim(host, 'PATCH', `/Users/${pick(users)}`, op('Replace', 'title', `t-${n}-${i}`));
          if (reply.status === 200) acknowledged.push({ id: reply.body.id, version: Number(/\d+/.exec(reply.body.meta.version)?.[0]) });
        } else if (r < 0.45) {
          const reply = await scim(host, 'PATCH', `/Users/${pick(users)}`, op('Replace', 'active', Math.random() < 0.5 ? 'False' : 'True'));
          if (reply.status === 200) acknowledged.push({ id: reply.body.id, version: Number(/\d+/.exec(reply.body.meta.version)?.[0]) });
        } else if (r < 0.65) {
          await scim(host, 'PATCH', `/Groups/${pick(groups)}`, op('Add', 'members', [{ value: pick(users) }, { value: pick(users) }]));
        } else if (r < 0.8) {
          await scim(host, 'PATCH', `/Groups/${pick(groups)}?aadOptscim062020`, op('remove', `members[value eq "${pick(users)}"]`));
        } else if (r < 0.92 || mine.length === 0) {
          const reply = await scim(host, 'POST', '/Users', entraUser(`w${n}-${i}-${randomUUID()}@contoso.com`));
          if (reply.status === 201) mine.push(reply.body.id as string);
        } else {
          const id = mine.pop() as string;
          if ((await scim(host, 'DELETE', `/Users/${id}`)).status === 204) deleted.add(id);
        }
      }
    };

    const walked: ChangeEvent[] = [];
    let after: string | undefined;
    let polls = 0;
    const poll = async () => {
      const query = new URLSearchParams({ limit: '20', ...(after ? { after } : {}) });
      const reply = await feedGet(instances[polls++ % 2].baseUrl, `${FEED}?${query}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      walked.push(...(reply.body.events as ChangeEvent[]));
      after = reply.body.next as string;
      return (reply.body.events as ChangeEvent[]).length;
    };
    const reader = (async () => {
      while (writing) {
        await poll();
        await new Promise((r) => setTimeout(r, 15));
      }
      while ((await poll()) > 0);
    })();
    await Promise.all(Array.from({ length: 16 }, (_, n) => writer(n)));
    writing = false;
    await reader;

    // Dense, once each: sequence numbers 1..N in order, ids unique.
    expect(walked.map((e) => Number(e.sequence))).toEqual(walked.map((_, i) => i + 1));
    expect(new Set(walked.map((e) => e.id)).size).toBe(walked.length);
    // Per resource: versions 1..final in order, where final is the committed state read back now.
    const byResource = new Map<string, ChangeEvent[]>();
    for (const e of walked) byResource.set(e.data.id, [...(byResource.get(e.data.id) ?? []), e]);
    let expectedTotal = 0;
    for (const [id, events] of byResource) {
      const type = events[0].data.resourceType;
      const current = await scim(a, 'GET', `/${type === 'User' ? 'Users' : 'Groups'}/${id}`);
      const final = current.status === 200 ? Number(/\d+/.exec(current.body.meta.version)?.[0]) : events.at(-1)?.data.version;
      if (current.status !== 200) {
        expect(current.status).toBe(404);
        expect(events.at(-1)?.type).toBe(`scim.${type.toLowerCase()}.deleted`);
      }
      expect(events.map((e) => e.data.version), id).toEqual(Array.from({ length: Number(final) }, (_, i) => i + 1));
      expectedTotal += Number(final);
    }
    expect(walked.length).toBe(expectedTotal);
    // Every acknowledged write is in the walk, and every resource the writers touched is there.
    const seen = new Set(walked.map((e) => `${e.data.id}.${e.data.version}`));
    for (const ack of acknowledged) expect(seen.has(`${ack.id}.${ack.version}`), `${ack.id}.${ack.version}`).toBe(true);
    for (const id of [...users, ...groups, ...deleted]) expect(byResource.has(id), id).toBe(true);
    for (const id of deleted) expect(byResource.get(id)?.at(-1)?.type).toBe('scim.user.deleted');
    // Both instances wrote, with clocks 5 s apart: event times are not in feed order, yet nothing was skipped.
    const times = walked.map((e) => Date.parse(e.time));
    expect(times.some((t, i) => i > 0 && t < times[i - 1])).toBe(true);
    expect(walked.length).toBeGreaterThan(150);
    expect(polls).toBeGreaterThan(5);
    await expectInvariants(inject('azuriteConnectionString'), tableName);
    console.log(`[two instances] ${walked.length} events from 16 writers on 2 hosts, ${acknowledged.length} acknowledged user PATCHes, ${polls} polls`);
  }, 180_000);
});
