// Storage faults under a write load, against an Azurite of this file's own (on-disk, fixed port, so it can be
// restarted in place) and one local host that is never restarted:
//   1. outage: Azurite stopped (SIGINT) mid-load: every request answers 503 + Retry-After + a SCIM error, quickly;
//   2. hang: Azurite frozen (SIGSTOP) mid-load: connections open but nothing answers; every request answers 503
//      within SCIM_STORAGE_TIMEOUT_MS (+ margin), list scans included;
// after each, storage comes back and everything works again without a host restart; no acknowledged write is lost;
// the invariants hold, with half-done deletes (tombstones) repaired by the client's next DELETE.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAzurite, type Azurite } from '../../dev/azurite.js';
import { startLocalHost, type LocalHost } from '../../dev/local-host.js';
import { checkInvariants, expectInvariants } from '../helpers/invariants.js';
import type { ScimReply } from '../helpers/stack.js';
import { scimClient } from './http.js';
import { ERROR_SCHEMA, expectNoLeak } from './scim-assert.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const TIMEOUT_MS = 3000;

let azurite: Azurite;
let host: LocalHost;
let location: string;
let port: number;
let call: ReturnType<typeof scimClient>;
const tableName = `f${randomBytes(6).toString('hex')}`;
const logs: string[] = [];

beforeAll(async () => {
  location = mkdtempSync(join(tmpdir(), 'scim-faults-'));
  port = await freePort();
  azurite = await startAzurite({ location, port });
  const token = randomBytes(32).toString('base64url');
  Object.assign(process.env, {
    SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    SCIM_TABLE_NAME: tableName,
    SCIM_TOKEN: token,
    SCIM_STORAGE_TIMEOUT_MS: String(TIMEOUT_MS),
  });
  delete process.env.SCIM_TABLE_ENDPOINT;
  host = await startLocalHost({ log: (level, message) => logs.push(`${level} ${message}`) });
  call = scimClient(host.baseUrl, token);
});

afterAll(async () => {
  await host?.close();
  if (azurite?.process.signalCode === 'SIGSTOP' || azurite?.process.exitCode === null) azurite.process.kill('SIGCONT');
  await azurite?.stop();
  rmSync(location, { recursive: true, force: true });
  delete process.env.SCIM_STORAGE_TIMEOUT_MS;
});

interface Sample {
  op: string;
  started: number;
  ended: number;
  reply?: ScimReply;
  error?: string;
}

/** A provisioning-like write load: create users, patch them, add/remove them to/from groups, delete some. */
class Load {
  readonly samples: Sample[] = [];
  /** Users whose create was acknowledged (201) and that no request ever tried to delete: they must survive. */
  readonly durable = new Set<string>();
  private running = true;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly groups: string[],
    concurrency: number,
  ) {
    for (let w = 0; w < concurrency; w++) this.workers.push(this.worker(w));
  }

  private async request(op: string, method: string, path: string, body?: unknown): Promise<ScimReply | undefined> {
    const sample: Sample = { op, started: Date.now(), ended: 0 };
    try {
      sample.reply = await call(method, path, body);
    } catch (error) {
      sample.error = String(error);
    }
    sample.ended = Date.now();
    this.samples.push(sample);
    return sample.reply;
  }

  private async worker(w: number): Promise<void> {
    let mine: string[] = [];
    for (let i = 0; this.running; i++) {
      const group = this.groups[(w + i) % this.groups.length];
      const step = i % 6;
      if (step === 0 || mine.length === 0) {
        const created = await this.request('create user', 'POST', '/Users', { userName: `load-${w}-${randomUUID()}@contoso.com`, externalId: `e-${w}-${i}`, active: true });
        if (created?.status === 201) {
          mine.push(created.body.id as string);
          this.durable.add(created.body.id as string);
        }
      } else if (step === 1) {
        await this.request('patch user', 'PATCH', `/Users/${mine[0]}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: `t${i}` }, { op: 'replace', path: 'userName', value: `load-${w}-${randomUUID()}@contoso.com` }] });
      } else if (step === 2) {
        await this.request('add members', 'PATCH', `/Groups/${group}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: mine.map((value) => ({ value })) }] });
      } else if (step === 3) {
        await this.request('list users', 'GET', `/Users?filter=${encodeURIComponent('title pr')}&count=5`);
      } else if (step === 4) {
        await this.request('remove member', 'PATCH', `/Groups/${group}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ value: mine[0] }] }] });
      } else {
        const victim = mine[mine.length - 1];
        this.durable.delete(victim);
        const deleted = await this.request('delete user', 'DELETE', `/Users/${victim}`);
        if (deleted?.status === 204) mine = mine.slice(0, -1);
      }
    }
  }

  /** Waits until the load has had `n` successful requests (a warm, working system before the fault). */
  async warm(n = 20, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.samples.filter((s) => s.reply && s.reply.status < 300).length < n) {
      if (Date.now() > deadline) throw new Error(`the load had fewer than ${n} successes in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }
}

/** What a client must see while storage is down: 503, Retry-After, a SCIM error body without storage internals. */
function expectOutageReply(s: Sample): void {
  const where = `${s.op} (${s.ended - s.started} ms) → ${s.reply?.status} ${s.reply?.text.slice(0, 300) ?? s.error}`;
  expect(s.reply, where).toBeDefined();
  const reply = s.reply as ScimReply;
  expect(reply.status, where).toBe(503);
  expect(reply.headers.get('retry-after'), where).toMatch(/^[1-9]\d*$/);
  expect(reply.headers.get('content-type'), where).toBe('application/scim+json');
  expect(reply.body, where).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
  expect(typeof reply.body.detail, where).toBe('string');
  expectNoLeak(reply.text, where);
}

function stats(latencies: number[]): { n: number; p50: number; max: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { n: sorted.length, p50: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

/** Samples of requests that started and ended inside [from, to]. */
const within = (samples: Sample[], from: number, to: number) => samples.filter((s) => s.started >= from && s.ended <= to);

async function waitForRecovery(load: Load, since: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = load.samples.find((s) => s.started >= since && s.reply && s.reply.status < 500);
    if (ok) return ok.ended - since;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no successful request within ${timeoutMs} ms of storage coming back`);
}

/** The client's retry of an interrupted DELETE: finishes half-done deletes (tombstones) and answers 404. */
async function repairTombstones(): Promise<number> {
  const report = await checkInvariants(azurite.connectionString, tableName, { allowTombstones: true });
  expect(report.violations, report.violations.join('\n')).toEqual([]);
  for (const t of report.tombstones) {
    const reply = await call('DELETE', `/${t.type}s/${t.id}`);
    expect(reply.status).toBe(404);
  }
  return report.tombstones.length;
}

/** After recovery: a full provisioning sequence works, and nothing acknowledged was lost. */
async function expectHealthy(load: Load, groups: string[]): Promise<void> {
  const created = await call('POST', '/Users', { userName: `after-${randomUUID()}@contoso.com` });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] })).status).toBe(200);
  expect((await call('PATCH', `/Groups/${groups[0]}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: id }] }] })).status).toBe(204);
  expect((await call('GET', `/Users?filter=${encodeURIComponent('active eq false')}`)).status).toBe(200);
  expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
  const lost: string[] = [];
  for (const u of load.durable) if ((await call('GET', `/Users/${u}`)).status !== 200) lost.push(u);
  expect(lost, 'acknowledged creates lost').toEqual([]);
}

async function setupGroups(): Promise<string[]> {
  const groups: string[] = [];
  for (let i = 0; i < 3; i++) {
    const reply = await call('POST', '/Groups', { schemas: [GROUP], displayName: `Fault group ${randomUUID()}` });
    expect(reply.status).toBe(201);
    groups.push(reply.body.id as string);
  }
  return groups;
}

describe('storage faults under a write load', () => {
  it('Azurite stopped mid-load: 503 + Retry-After quickly, full recovery on restart, invariants hold', async () => {
    const groups = await setupGroups();
    const load = new Load(groups, 8);
    await load.warm();

    await azurite.stop(); // SIGINT: Azurite flushes its data and exits
    const down = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const restarting = Date.now();
    azurite = await startAzurite({ location, port });
    const up = Date.now();
    const recoveryMs = await waitForRecovery(load, up);
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();

    const outage = within(load.samples, down, restarting);
    expect(outage.length).toBeGreaterThan(10);
    for (const s of outage) expectOutageReply(s);
    for (const s of load.samples) {
      expect(s.error, s.op).toBeUndefined();
      expect([200, 201, 204, 400, 404, 409, 503], `${s.op} ${s.reply?.text}`).toContain(s.reply?.status);
    }
    const latency = stats(outage.map((s) => s.ended - s.started));
    expect(latency.max).toBeLessThan(10_000);
    const before = load.samples.filter((s) => s.ended < down);
    const after = load.samples.filter((s) => s.started > up + recoveryMs);
    expect(after.filter((s) => s.reply?.status === 503)).toEqual([]);

    await expectHealthy(load, groups);
    const repaired = await repairTombstones();
    await expectInvariants(azurite.connectionString, tableName);
    console.log(
      `[faults] stop: ${load.samples.length} requests (${before.length} before the stop); outage ${restarting - down} ms: ` +
        `${latency.n} requests all 503, latency p50 ${latency.p50} ms, max ${latency.max} ms; restart took ${up - restarting} ms, ` +
        `first success ${recoveryMs} ms after; ${repaired} half-done deletes repaired by the client's DELETE`,
    );
  });

  it('Azurite frozen mid-load (connections hang): 503 within the storage timeout, recovery when it resumes', async () => {
    const groups = await setupGroups();
    const load = new Load(groups, 8);
    await load.warm();
    // Scans too: a list query whose filter needs a full partition scan, issued while storage hangs.

    azurite.process.kill('SIGSTOP');
    const frozen = Date.now();
    const scans = Promise.all(
      Array.from({ length: 3 }, async () => {
        const started = Date.now();
        const reply = await call('GET', `/Users?filter=${encodeURIComponent('title co "t"')}&sortBy=title`);
        return { op: 'scan users', started, ended: Date.now(), reply } satisfies Sample;
      }),
    );
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2.5));
    const resumed = Date.now();
    azurite.process.kill('SIGCONT');
    const recoveryMs = await waitForRecovery(load, resumed);
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();

    // Multi-page scans are bounded per page: without that they would wait for storage to come back.
    for (const s of await scans) {
      expect(s.reply.status, `scan after ${s.ended - s.started} ms: ${s.reply.text.slice(0, 200)}`).toBe(503);
      expect(s.ended - s.started).toBeLessThan(TIMEOUT_MS + 2000);
    }
    const hung = [...within(load.samples, frozen, resumed), ...within(await scans, frozen, resumed)];
    expect(hung.length).toBeGreaterThanOrEqual(8);
    for (const s of hung) expectOutageReply(s);
    const latency = stats(hung.map((s) => s.ended - s.started));
    // Every request in the freeze waited for one storage call at most: the timeout plus a little.
    expect(latency.max).toBeLessThan(TIMEOUT_MS + 2000);
    for (const s of load.samples) {
      expect(s.error, s.op).toBeUndefined();
      expect([200, 201, 204, 400, 404, 409, 503], `${s.op} ${s.reply?.text}`).toContain(s.reply?.status);
    }

    await expectHealthy(load, groups);
    const repaired = await repairTombstones();
    await expectInvariants(azurite.connectionString, tableName);
    console.log(
      `[faults] freeze: ${load.samples.length} requests; frozen ${resumed - frozen} ms: ${latency.n} requests all 503, ` +
        `latency p50 ${latency.p50} ms, max ${latency.max} ms (SCIM_STORAGE_TIMEOUT_MS=${TIMEOUT_MS}); first success ${recoveryMs} ms after resuming; ` +
        `${repaired} half-done deletes repaired`,
    );
  });

  it('logs each 503 with its storage cause, never in the response', () => {
    const errors = logs.filter((l) => l.startsWith('error ') && l.includes('"status":503'));
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) {
      const entry = JSON.parse(line.slice('error '.length)) as Record<string, unknown>;
      expect(entry).toMatchObject({ event: 'scim.request', status: 503 });
      expect(String(entry.error)).toMatch(/ECONNREFUSED|ECONNRESET|abort|socket|fetch failed|connect/i);
    }
  });
});
