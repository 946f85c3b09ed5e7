// Exact per-tenant, per-type resource counts, kept in the tenant's partition so a list's totalResults is one range read
// instead of a read of the whole tenant. Rows (keys.ts):
//   C:<P>:<nn>    shard nn (00..63) of type P's counter: `count`, the creates minus the deletes committed through it
//   C:<P>:base    the baseline: `base`, so that live resources = base + Σ shards. Its presence is what makes the
//                 count trustworthy: a partition without it holds resources that predate the counters (or it has not
//                 been checked yet), and lists count it by scanning, as before.
//
// Every create and every delete commit point (the `deleting` mark) carries, in the SAME entity-group transaction, an
// update of one shard guarded by that shard's ETag: the count moves exactly when the resource set does, and a failed
// or lost write moves neither. Steady state costs no extra storage call: this process keeps each shard's last count
// and ETag from the previous write's response. Shards are checked out one write at a time, so concurrent writes in
// one process never race each other on a shard; other processes pick their own shards at random, and a shard that
// another process wrote too (412) is re-read once and given up for another.
//
// The baseline is set by one guarded transaction: it updates every existing shard with its ETag and creates every
// missing one, so it commits only if no create or delete committed since the shards were read; the live resources
// counted in between (a scan) then give base = live − Σ shards. That is done after this process's first write of a
// type to a tenant (in the background, when the tenant has at most one page of resources of that type: a new
// tenant is counted from its first resource), and by an unfiltered list that scanned the tenant anyway (how a
// partition whose resources predate the counters joins them, at no extra cost but one transaction).
import type { TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import type { ResourceTypeName } from '../scim/schema.js';
import { ScimError } from '../scim/errors.js';
import { keys } from './keys.js';
import { runUncounted } from './metrics.js';
import { isConflict } from './storage-errors.js';
import { ConcurrencyError, type TypeCount } from './repository.js';
import type { TableOps, Row } from './table-ops.js';

/** Shards per type: enough that two busy processes rarely pick the same one; all of them fit one transaction. */
export const COUNTER_SHARDS = 64;
/** Shards one process writes through at once (its concurrent creates and deletes of one type in one tenant). */
const MAX_HELD = 16;
/** Tries of one write whose counter shard was stale (each retry first re-reads the shard). */
const MAX_ATTEMPTS = 6;
/** Resources the background baseline may scan (one storage page): a larger legacy tenant waits for a list. */
const BACKGROUND_SCAN_LIMIT = 1000;

interface Shard {
  count: number;
  /** Undefined: no row yet (the write creates it). */
  etag?: string;
  /** This process's `clock` when it learnt this (a read that started earlier must not overwrite it). */
  at?: number;
}

interface TypeState {
  /** Shards whose row this process has seen (one it has not is written by `create`: new tenants have none). */
  shards: Map<number, Shard>;
  /** Whether the baseline row exists: undefined until read. */
  based?: boolean;
  /** Shards this process writes through; `idle` are those not in use right now. */
  held: Set<number>;
  idle: number[];
  inUse: number;
  waiters: (() => void)[];
  /** While set, writes wait (the baseline transaction is changing every shard's ETag). */
  gate?: Promise<void>;
  /** The background baseline ran (once per process and tenant/type). */
  tried: boolean;
  /** Ticks on every change this process makes to `shards`. */
  clock: number;
}

export class ResourceCounters {
  private readonly states = new Map<string, TypeState>();

  constructor(
    private readonly ops: TableOps,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Runs the transaction of a create (delta +1) or a delete's commit point (-1) with the counter action, which `run`
   * must put LAST in its transaction. A 412 is answered by re-reading the shard: if it moved, the counter was stale and the write is retried;
   * if not, the failure was the caller's own guard and is passed on (ConcurrencyError). Same for a 409 when the shard
   * row was being created.
   */
  async commit(tenant: string, type: ResourceTypeName, delta: 1 | -1, run: (counter: TransactionAction) => Promise<TableTransactionResponse>): Promise<TableTransactionResponse> {
    const state = this.state(tenant, type);
    for (let attempt = 1; ; attempt++) {
      const n = await this.acquire(state);
      const shard = state.shards.get(n) ?? { count: 0 };
      const rowKey = keys.counterShard(type, n);
      const action: TransactionAction =
        shard.etag === undefined
          ? ['create', { partitionKey: tenant, rowKey, count: delta }]
          : ['update', { partitionKey: tenant, rowKey, count: shard.count + delta }, 'Merge', { etag: shard.etag }];
      let response: TableTransactionResponse;
      try {
        response = await run(action);
      } catch (error) {
        const conflict = (error instanceof ScimError && error.status === 409) || isConflict(error);
        const counterSuspect = error instanceof ConcurrencyError || (shard.etag === undefined && conflict);
        if (!counterSuspect) {
          this.release(state, n, true);
          throw error;
        }
        const fresh = await this.readShard(tenant, type, n);
        if (fresh?.etag === shard.etag) {
          // The counter was current: the failure was the resource's own (a changed ETag, a taken name).
          this.release(state, n, true);
          throw error;
        }
        if (fresh) state.shards.set(n, { ...fresh, at: ++state.clock });
        else state.shards.delete(n);
        // A shard whose known ETag went stale is written by another process too: leave it to them and pick another
        // next time. One this process had not seen yet (its create met the row) is kept.
        this.release(state, n, shard.etag === undefined || fresh === undefined);
        if (attempt >= MAX_ATTEMPTS) throw new ConcurrencyError();
        continue;
      }
      // Sub-responses come in the order of the actions (an update's names no row): the counter action is the last one.
      const etag = response.subResponses.at(-1)?.etag;
      state.shards.set(n, { count: shard.count + delta, etag, at: ++state.clock });
      this.release(state, n, true);
      if (!state.tried && state.based !== true) this.baselineInBackground(tenant, type, state);
      return response;
    }
  }

  /** One range read of the type's counter rows (also refreshes what this process knows of the shards it is not using). */
  async count(tenant: string, type: ResourceTypeName): Promise<TypeCount> {
    const state = this.state(tenant, type);
    const read = await this.readAll(tenant, type, state);
    this.learn(state, read);
    if (read.base !== undefined) return { total: read.base + read.sum };
    // Best effort: a failure to set it leaves the next list to try again.
    return { baseline: (scanned) => this.setBaseline(tenant, type, read, scanned).then(() => undefined, () => undefined) };
  }

  // ---- the baseline ----

  /** The guarded transaction that sets base = scanned − Σ shards as read in `read` (false if anything moved since). */
  private async setBaseline(tenant: string, type: ResourceTypeName, read: CounterRead, scanned: number): Promise<boolean> {
    const actions: TransactionAction[] = [['create', { partitionKey: tenant, rowKey: keys.counterBase(type), base: scanned - read.sum }]];
    for (let n = 0; n < COUNTER_SHARDS; n++) {
      const shard = read.shards.get(n);
      const rowKey = keys.counterShard(type, n);
      actions.push(shard?.etag ? ['update', { partitionKey: tenant, rowKey, count: shard.count }, 'Merge', { etag: shard.etag }] : ['create', { partitionKey: tenant, rowKey, count: 0 }]);
    }
    let response: TableTransactionResponse;
    try {
      response = await this.ops.transaction(actions, () => new ConcurrencyError());
    } catch (error) {
      if (error instanceof ConcurrencyError) return false; // a write committed meanwhile (or another process set it)
      throw error;
    }
    const state = this.state(tenant, type);
    const after: CounterRead = { base: scanned - read.sum, sum: read.sum, shards: new Map(), since: state.clock };
    for (let n = 0; n < COUNTER_SHARDS; n++) {
      // Sub-responses come in the order of the actions (an update's names no row): shard n is action n + 1.
      const etag = response.subResponses[n + 1]?.etag;
      after.shards.set(n, { count: read.shards.get(n)?.count ?? 0, etag });
    }
    this.learn(state, after);
    return true;
  }

  /**
   * After this process's first write of a type to a tenant whose baseline it has not seen: read the counters, count
   * the live resources (at most one storage page), set the baseline. Uncounted background work (it belongs to no
   * request); this process's writes of that type wait meanwhile, so their storage calls stay deterministic.
   */
  private baselineInBackground(tenant: string, type: ResourceTypeName, state: TypeState): void {
    state.tried = true;
    let open: () => void = () => undefined;
    state.gate = new Promise<void>((resolve) => (open = resolve));
    void runUncounted(async () => {
      try {
        while (state.inUse > 0) await new Promise<void>((resolve) => state.waiters.push(resolve));
        const read = await this.readAll(tenant, type, state);
        this.learn(state, read);
        if (read.base !== undefined) return;
        let live = 0;
        const [from, to] = keys.resourceRange(type);
        for await (const row of this.ops.range(tenant, from, to, { select: ['deleting'], pageSize: BACKGROUND_SCAN_LIMIT })) {
          if (row.deleting === true) continue;
          if (++live > BACKGROUND_SCAN_LIMIT) return; // a large partition from before the counters: a list sets it
        }
        if (!(await this.setBaseline(tenant, type, read, live))) this.learn(state, await this.readAll(tenant, type, state));
      } catch {
        // Best effort: a list that scans sets the baseline later.
      } finally {
        state.gate = undefined;
        open();
        this.wake(state);
      }
    });
  }

  // ---- shards this process holds ----

  private async acquire(state: TypeState): Promise<number> {
    for (;;) {
      if (state.gate) {
        await state.gate;
        continue;
      }
      const idle = state.idle.pop();
      if (idle !== undefined) {
        state.inUse++;
        return idle;
      }
      if (state.held.size < MAX_HELD) {
        let n = Math.floor(this.random() * COUNTER_SHARDS);
        while (state.held.has(n)) n = (n + 1) % COUNTER_SHARDS;
        state.held.add(n);
        state.inUse++;
        return n;
      }
      await new Promise<void>((resolve) => state.waiters.push(resolve));
    }
  }

  private release(state: TypeState, n: number, keep: boolean): void {
    state.inUse--;
    if (keep) state.idle.push(n);
    else state.held.delete(n);
    this.wake(state);
  }

  private wake(state: TypeState): void {
    const waiters = state.waiters.splice(0);
    for (const w of waiters) w();
  }

  /** Takes in what a read saw, for shards not in use by a write and not changed by this process since it started. */
  private learn(state: TypeState, read: CounterRead): void {
    if (read.base !== undefined) state.based = state.tried = true;
    else state.based ??= false;
    const busy = new Set([...state.held].filter((n) => !state.idle.includes(n)));
    for (let n = 0; n < COUNTER_SHARDS; n++) {
      const known = state.shards.get(n);
      if (busy.has(n) || (known?.at ?? 0) > read.since) continue;
      const shard = read.shards.get(n);
      if (shard) state.shards.set(n, { ...shard, at: read.since });
      else state.shards.delete(n);
    }
  }

  private state(tenant: string, type: ResourceTypeName): TypeState {
    const key = `${tenant}\u0000${type}`;
    let state = this.states.get(key);
    if (!state) {
      state = { shards: new Map(), held: new Set(), idle: [], inUse: 0, waiters: [], tried: false, clock: 0 };
      this.states.set(key, state);
    }
    return state;
  }

  // ---- reads ----

  private async readShard(tenant: string, type: ResourceTypeName, n: number): Promise<Shard | undefined> {
    const row = await this.ops.pointRead(tenant, keys.counterShard(type, n), ['count']);
    return row ? { count: Number(row.count ?? 0), etag: row.etag } : undefined;
  }

  private async readAll(tenant: string, type: ResourceTypeName, state: TypeState): Promise<CounterRead> {
    const [from, to] = keys.counterRange(type);
    const read: CounterRead = { sum: 0, shards: new Map(), since: state.clock };
    for await (const row of this.ops.range(tenant, from, to, { select: ['RowKey', 'count', 'base'] })) parseCounterRow(type, row, read);
    return read;
  }
}

interface CounterRead {
  base?: number;
  sum: number;
  shards: Map<number, Shard>;
  /** The process's clock when the read started. */
  since: number;
}

function parseCounterRow(type: ResourceTypeName, row: Row, read: CounterRead): void {
  const rowKey = String(row.rowKey);
  if (rowKey === keys.counterBase(type)) {
    read.base = Number(row.base ?? 0);
    return;
  }
  const n = Number(rowKey.slice(rowKey.lastIndexOf(':') + 1));
  if (!Number.isInteger(n) || n < 0 || n >= COUNTER_SHARDS) return;
  const count = Number(row.count ?? 0);
  read.sum += count;
  read.shards.set(n, { count, etag: row.etag });
}
