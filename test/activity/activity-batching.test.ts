// Issue 18, the activity log's cost: under load every transaction carries ~100 entries of a tenant (not the few that
// arrived during the previous write), a failed transaction is retried once before its entries are dropped, and a
// retention sweep is bounded. The log runs against a recording store here (fake timers); the store's own insert
// semantics run against the test Azurite at the end.
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { ActivityLog, MAX_SWEEP_ROWS } from '../../lib/activity/activity-log.js';
import { ActivityStore } from '../../lib/activity/activity-store.js';
import type { ActivityConfig } from '../../lib/activity/config.js';
import type { RequestOutcome } from '../../lib/activity/entry.js';
import { activityRowKey } from '../../lib/activity/keys.js';

const config: ActivityConfig = { enabled: true, tableName: 'unused', retentionDays: 30, flushMs: 1000, queueMax: 100_000, sweepMinutes: 10, syncGapMinutes: 10 };

class RecordingStore {
  writes: { tenant: string; entries: number }[] = [];
  sweeps: { tenant: string; maxRows: number }[] = [];
  failures = 0;
  writeMs = 15;
  async write(tenant: string, entries: unknown[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.writeMs));
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('storage is down'), { statusCode: 503 });
    }
    this.writes.push({ tenant, entries: entries.length });
  }
  async sweep(tenant: string, _cutoff: number, maxRows: number): Promise<number> {
    this.sweeps.push({ tenant, maxRows });
    return 0;
  }
}

function outcome(tenant = 'contoso'): RequestOutcome {
  return { tenant, method: 'GET', resourceType: 'User', status: 200, latencyMs: 1, startedAt: Date.now(), url: 'http://x/scim/v2/Users' };
}

function logWith(store: RecordingStore, overrides: Partial<ActivityConfig> = {}): ActivityLog {
  return new ActivityLog(store as unknown as ActivityStore, { ...config, ...overrides }, () => undefined);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('activity transactions under load', () => {
  it('a steady stream is written in full transactions of 100, the remainder once its oldest entry waited flushMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
    const store = new RecordingStore();
    const log = logWith(store);
    try {
      // 250 requests/s for one second, while each transaction takes 15 ms.
      for (let i = 0; i < 250; i++) {
        log.record(outcome());
        await vi.advanceTimersByTimeAsync(4);
      }
      await vi.advanceTimersByTimeAsync(2 * config.flushMs);
      expect(store.writes.map((w) => w.entries)).toEqual([100, 100, 50]);
      expect(log.stats()).toMatchObject({ recorded: 250, written: 250, failed: 0, queued: 0 });
    } finally {
      log.close();
    }
  });

  it('one transaction per tenant per flush: two tenants interleaved each get their own full batches', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
    const store = new RecordingStore();
    const log = logWith(store);
    try {
      for (let i = 0; i < 300; i++) {
        log.record(outcome(i % 2 === 0 ? 'a' : 'b'));
        await vi.advanceTimersByTimeAsync(2);
      }
      await vi.advanceTimersByTimeAsync(3 * config.flushMs);
      const per = (tenant: string) => store.writes.filter((w) => w.tenant === tenant).map((w) => w.entries);
      expect(per('a')).toEqual([100, 50]);
      expect(per('b')).toEqual([100, 50]);
    } finally {
      log.close();
    }
  });

  it('an explicit flush writes everything at once, partial transactions included', async () => {
    const store = new RecordingStore();
    store.writeMs = 0;
    const log = logWith(store, { flushMs: 60_000 });
    try {
      for (let i = 0; i < 130; i++) log.record(outcome());
      await log.flush();
      expect(store.writes.map((w) => w.entries)).toEqual([100, 30]);
      expect(log.stats().queued).toBe(0);
    } finally {
      log.close();
    }
  });
});

describe('a failed transaction', () => {
  it('is retried once by the next flush, so one failure loses nothing', async () => {
    const store = new RecordingStore();
    store.writeMs = 0;
    store.failures = 1;
    const log = logWith(store, { flushMs: 60_000 });
    try {
      for (let i = 0; i < 20; i++) log.record(outcome());
      await log.flush();
      expect(log.stats()).toMatchObject({ written: 20, failed: 0, queued: 0 });
      expect(store.writes).toEqual([{ tenant: 'contoso', entries: 20 }]);
    } finally {
      log.close();
    }
  });

  it('failing twice, its entries are dropped and counted (activity never grows without bound)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
    const store = new RecordingStore();
    store.failures = 2;
    const log = logWith(store);
    try {
      for (let i = 0; i < 10; i++) log.record(outcome());
      await vi.advanceTimersByTimeAsync(config.flushMs + 100); // first attempt fails, entries queued again
      expect(log.stats()).toMatchObject({ written: 0, failed: 0, queued: 10 });
      await vi.advanceTimersByTimeAsync(config.flushMs + 100); // the retry fails too
      expect(log.stats()).toMatchObject({ written: 0, failed: 10, queued: 0 });
    } finally {
      log.close();
    }
  });
});

describe('retention sweeps', () => {
  it(`delete at most ${MAX_SWEEP_ROWS} entries per sweep, however much was written since the last`, async () => {
    const store = new RecordingStore();
    store.writeMs = 0;
    const log = logWith(store, { flushMs: 60_000 });
    try {
      for (let i = 0; i < 20_000; i++) log.record(outcome());
      await log.flush();
      expect(store.sweeps).toHaveLength(1);
      expect(store.sweeps[0].maxRows).toBe(MAX_SWEEP_ROWS);
    } finally {
      log.close();
    }
  });
});

describe('ActivityStore.write', () => {
  it('inserts; a batch written again (its first attempt committed) counts as written instead of failing', async () => {
    const table = `act${randomBytes(5).toString('hex')}`;
    const client = TableClient.fromConnectionString(inject('azuriteConnectionString'), table, { allowInsecureConnection: true });
    const store = new ActivityStore(client);
    const entry = { time: new Date().toISOString(), method: 'GET', status: 200, latencyMs: 1, resourceType: 'User' };
    const batch = Array.from({ length: 5 }, () => ({ rowKey: activityRowKey(Date.now()), entry: entry as never }));
    await store.write('t1', batch);
    await expect(store.write('t1', batch)).resolves.toBeUndefined();
    expect((await store.page('t1', {}, 10)).entries).toHaveLength(5);
    await client.deleteTable();
  });
});
