// Issue 17, "a killed host process mid-delivery delivers after restart with nothing lost": the built host runs as a
// child process (as `npm start` runs it) on the test Azurite; it is SIGKILLed while a webhook request is in flight,
// started again, and the receiver ends up with every event of the feed, in order, the interrupted one again under
// the same webhook-id (at least once).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../../dev/azurite.js';
import { entraUser } from '../helpers/stack.js';
import { ADMIN_KEY, admin, startReceiver, waitFor, type Receiver } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
// A build of its own (not dist/, which other tests build too), inside the project so node_modules resolve.
const out = join(root, 'test-results', `host-build-${randomBytes(4).toString('hex')}`);
const token = randomBytes(24).toString('base64url');
const tableName = `t${randomBytes(6).toString('hex')}`;
let port: number;
let receiver: Receiver;
let child: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { cwd: root, stdio: 'inherit' });
  port = await freePort();
  receiver = await startReceiver();
}, 120_000);
afterAll(async () => {
  child?.kill('SIGKILL');
  await receiver?.close();
  rmSync(out, { recursive: true, force: true });
});

async function startHost(): Promise<ChildProcess> {
  output = '';
  const host = spawn(process.execPath, [join(out, 'dev', 'start.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      SCIM_TOKEN: token,
      SCIM_LOCAL_ADMIN_KEY: ADMIN_KEY,
      SCIM_STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'),
      SCIM_QUEUE_CONNECTION_STRING: inject('azuriteQueueConnectionString'),
      SCIM_TABLE_NAME: tableName,
      SCIM_WEBHOOKS_ALLOW_LOOPBACK: 'true',
      SCIM_DELIVERY_LEASE_SECONDS: '3',
      SCIM_DELIVERY_RETRY_SCHEDULE: '1',
      SCIM_LOG_REQUESTS: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  host.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(`the host to start:\n${output}`, () => output.includes('Secret token') || (host.exitCode !== null ? Promise.reject(new Error(output)) : undefined), 30_000);
  return host;
}

const base = () => `http://127.0.0.1:${port}/scim/v2`;

describe('delivery across a host crash', () => {
  it('SIGKILL during a webhook request: after restart every event arrives, in order, the interrupted one again with its webhook-id', async () => {
    child = await startHost();
    const sub = await admin(base(), 'POST', '/manage/subscriptions', { url: receiver.url, tenant: 'default' });
    expect(sub.status, sub.text).toBe(201);

    let interrupted: string | undefined;
    let killed: Promise<void> | undefined;
    receiver.respond = async (request) => {
      // The fourth event: kill the host while this request is in flight, then answer (nobody hears the 2xx).
      if (interrupted === undefined && receiver.received.length === 3) {
        interrupted = request.id;
        const victim = child as ChildProcess;
        killed = new Promise((resolve) => victim.once('exit', () => resolve()));
        victim.kill('SIGKILL');
        await killed;
      } else {
        await new Promise((r) => setTimeout(r, 50));
      }
      return 204;
    };

    const users: string[] = [];
    for (let i = 0; i < 8; i++) {
      // The host may already be down: the changes committed so far are what counts.
      const res = await fetch(`${base()}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify(entraUser(`crash.${i}@contoso.com`)),
      }).catch(() => undefined);
      if (res?.status !== 201) break;
      users.push(((await res.json()) as { id: string }).id);
    }
    await waitFor('the kill', () => (killed ? true : undefined)).catch((error: Error) => {
      throw new Error(`${error.message}; received ${receiver.received.length}; host output:\n${output}`);
    });
    await killed;
    expect(interrupted).toBeDefined();

    child = await startHost();
    // Whatever the first host did not get to create, the second one does.
    // (A create cut off by the kill either committed with its event or not at all; the feed below is the truth.)
    const created = (await admin(base(), 'GET', '/manage/tenants/default/events?limit=1000')).body.events.length as number;
    for (let i = created; i < 8; i++) {
      const res = await fetch(`${base()}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify(entraUser(`crash.${i}@contoso.com`)),
      });
      expect(res.status).toBe(201);
    }
    const feed = await admin(base(), 'GET', '/manage/tenants/default/events?limit=1000');
    const expected = (feed.body.events as { id: string }[]).map((e) => e.id);
    expect(expected).toHaveLength(8);
    await waitFor('every event after the restart', () => expected.every((id) => receiver.received.some((r) => r.id === id)) || undefined, 45_000);

    // Nothing lost, in feed order (first arrivals), and the interrupted event was sent again with the same webhook-id.
    const firsts = receiver.received.map((r) => r.id).filter((id, i, all) => all.indexOf(id) === i);
    expect(firsts).toEqual(expected);
    expect(receiver.received.filter((r) => r.id === interrupted).length, JSON.stringify({ interrupted, all: receiver.received.map((r) => [r.id, r.at]), failed: receiver.failed.length })).toBeGreaterThanOrEqual(2);
    const deliveries = await admin(base(), 'GET', `/manage/subscriptions/${sub.body.id}/deliveries?limit=100`);
    expect(new Set(deliveries.body.deliveries.map((d: { eventId: string }) => d.eventId))).toEqual(new Set(expected));
    expect(deliveries.body.deliveries.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
  });
});
