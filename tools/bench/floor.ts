// The storage-floor replay: the Entra-cycle requests the host served, replayed straight against the same Azurite with
// only the storage operations a perfect Table Storage design needs per request — no HTTP, no SCIM work, no activity
// log. Its throughput is the physical limit of the mix on this Azurite; the host's throughput is measured against it.
//
// Per request kind (one partition, like a tenant; keys as in lib/store/keys.ts):
//   lookup (GET ?filter=... eq), GET by id        1 point read (a name row carries a copy of its resource)
//   POST User / Group                             1 transaction: resource row, name row, externalId row (inserts)
//   PATCH User (or a Group's own attributes)      1 point read + 1 transaction (resource and name row, ETag-guarded)
//   PATCH Group members (k)                       1 point read + ⌈(2k + 1) / 100⌉ transactions (member and reverse
//                                                 rows, the group's version); no per-member existence guard
//   DELETE User / Group                           1 point read + 1 range read of its memberships + 1 transaction
//                                                 per 100 rows removed
//   discovery (ServiceProviderConfig, Schemas)    nothing
// Requests on one resource run in the order the host finished them; different resources run concurrently.
import { createHash } from 'node:crypto';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Exchange } from '../simulator/index.js';
import { Samples, summarize, type LatencySummary } from '../simulator/stats.js';

const PK = 'floor';

export type FloorKind = 'lookup' | 'get' | 'create' | 'patch' | 'members' | 'delete' | 'other';

export interface FloorRequest {
  /** The host's request kind (`PATCH Group/{id}`), as in its request log. */
  hostKind: string;
  kind: FloorKind;
  id?: string;
  names?: string[];
  add?: string[];
  remove?: string[];
  payloadChars: number;
}

export interface FloorResult {
  requests: number;
  durationMs: number;
  perSecond: number;
  latency: LatencySummary;
  errors: number;
  firstError?: string;
  /** Storage calls the replay made per host request kind. */
  callsByKind: Record<string, { requests: number; calls: number }>;
}

const nameKey = (name: string): string => `N:${createHash('sha256').update(name.toLowerCase(), 'utf8').digest('base64url')}`;

function filterLiteral(filter: string): string | undefined {
  const m = /\beq\s+"((?:[^"\\]|\\.)*)"/i.exec(filter);
  if (!m) return undefined;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return m[1];
  }
}

function memberIds(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items.map((i) => (typeof i === 'object' && i !== null ? String((i as { value?: unknown }).value ?? '') : '')).filter((v) => v !== '');
}

/** The floor request for one exchange the simulator made (undefined for exchanges that never reached the host). */
export function floorRequest(exchange: Exchange): FloorRequest | undefined {
  if (exchange.status === 0) return undefined;
  const url = new URL(exchange.url);
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const at = parts.findIndex((p) => p === 'Users' || p === 'Groups');
  const body = (exchange.requestBody ?? {}) as Record<string, unknown>;
  const payloadChars = exchange.requestBody === undefined ? 0 : JSON.stringify(exchange.requestBody).length;
  if (at < 0) return { hostKind: `${exchange.method} other`, kind: 'other', payloadChars };
  const type = parts[at] === 'Users' ? 'User' : 'Group';
  const id = parts[at + 1];
  const hostKind = `${exchange.method} ${type}${id ? '/{id}' : ''}`;
  switch (exchange.method) {
    case 'GET': {
      if (id) return { hostKind, kind: 'get', id, payloadChars };
      const literal = filterLiteral(url.searchParams.get('filter') ?? '');
      return { hostKind, kind: 'lookup', names: literal === undefined ? [] : [literal], payloadChars };
    }
    case 'POST': {
      if (exchange.status !== 201) return { hostKind, kind: 'other', payloadChars };
      let created: string | undefined;
      try {
        created = (JSON.parse(exchange.response) as { id?: string }).id;
      } catch {
        created = undefined;
      }
      const names = [body.userName, body.displayName, body.externalId].filter((n): n is string => typeof n === 'string' && n !== '');
      return { hostKind, kind: 'create', id: created, names: type === 'User' ? names.filter((n) => n !== body.displayName) : names, payloadChars };
    }
    case 'PATCH': {
      const operations = Array.isArray(body.Operations) ? (body.Operations as Record<string, unknown>[]) : [];
      const add: string[] = [];
      const remove: string[] = [];
      for (const op of operations) {
        const path = String(op.path ?? '');
        const verb = String(op.op ?? '').toLowerCase();
        if (!/^members/i.test(path)) continue;
        if (verb === 'add') add.push(...memberIds(op.value));
        else if (verb === 'remove') {
          const eq = filterLiteral(path);
          remove.push(...(eq !== undefined ? [eq] : memberIds(op.value)));
        }
      }
      if (type === 'Group' && add.length + remove.length > 0) return { hostKind, kind: 'members', id, add, remove, payloadChars };
      return { hostKind, kind: 'patch', id, payloadChars };
    }
    case 'DELETE':
      return { hostKind, kind: 'delete', id, payloadChars };
    default:
      return { hostKind, kind: 'other', payloadChars };
  }
}

/** Round trips of one replayed request. */
interface Calls {
  n: number;
}

class FloorTable {
  /** Names (unique name, externalId) and payload size of each resource created by the replay. */
  private readonly resources = new Map<string, { names: string[]; chars: number }>();

  constructor(private readonly client: TableClient) {}

  private async read(c: Calls, rowKey: string): Promise<string | undefined> {
    c.n++;
    try {
      return (await this.client.getEntity(PK, rowKey)).etag;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  private async transaction(c: Calls, actions: TransactionAction[]): Promise<void> {
    for (let i = 0; i < actions.length; i += 100) {
      c.n++;
      await this.client.submitTransaction(actions.slice(i, i + 100));
    }
  }

  private async range(c: Calls, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const filter = odata`PartitionKey eq ${PK} and RowKey ge ${prefix} and RowKey lt ${prefix.slice(0, -1) + ';'}`;
    for await (const page of this.client.listEntities({ queryOptions: { filter, select: ['RowKey'] } }).byPage({ maxPageSize: 1000 })) {
      c.n++;
      for (const row of page) keys.push(String(row.rowKey));
    }
    if (keys.length === 0) c.n++; // an empty result is still one round trip
    return keys;
  }

  /** Runs one request's storage operations; counts its round trips into `c`. */
  async run(r: FloorRequest, c: Calls): Promise<void> {
    const doc = (chars: number) => ({ d0: 'x'.repeat(Math.max(200, chars)), version: 1 });
    switch (r.kind) {
      case 'lookup':
        await this.read(c, r.names?.[0] ? nameKey(r.names[0]) : 'N:none');
        return;
      case 'get':
        await this.read(c, `R:${r.id}`);
        return;
      case 'create': {
        if (!r.id) return;
        const names = r.names ?? [];
        this.resources.set(r.id, { names, chars: r.payloadChars });
        await this.transaction(c, [
          ['create', { partitionKey: PK, rowKey: `R:${r.id}`, ...doc(r.payloadChars) }],
          ...names.map((n): TransactionAction => ['create', { partitionKey: PK, rowKey: nameKey(n), id: r.id, ...doc(r.payloadChars) }]),
        ]);
        return;
      }
      case 'patch': {
        const etag = await this.read(c, `R:${r.id}`);
        if (!etag) return;
        const known = this.resources.get(r.id as string);
        const chars = known?.chars ?? 1000;
        const names = known?.names.slice(0, 1) ?? [];
        await this.transaction(c, [
          ['update', { partitionKey: PK, rowKey: `R:${r.id}`, ...doc(chars) }, 'Replace', { etag }],
          ...names.map((n): TransactionAction => ['update', { partitionKey: PK, rowKey: nameKey(n), id: r.id, ...doc(chars) }, 'Replace']),
        ]);
        return;
      }
      case 'members': {
        const etag = await this.read(c, `R:${r.id}`);
        if (!etag) return;
        const g = r.id as string;
        const actions: TransactionAction[] = [['update', { partitionKey: PK, rowKey: `R:${g}`, version: 2 }, 'Merge', { etag }]];
        for (const m of r.add ?? []) {
          actions.push(['create', { partitionKey: PK, rowKey: `M:${g}:${m}`, value: m }], ['create', { partitionKey: PK, rowKey: `B:${m}:${g}`, group: g }]);
        }
        try {
          await this.transaction(c, actions);
        } catch (error) {
          // Re-adding a present member (the host answers it as a no-op): the round trip happened.
          if ((error as { statusCode?: number }).statusCode !== 409) throw error;
        }
        const removals = (r.remove ?? []).flatMap((m): TransactionAction[] => [
          ['delete', { partitionKey: PK, rowKey: `M:${g}:${m}` }],
          ['delete', { partitionKey: PK, rowKey: `B:${m}:${g}` }],
        ]);
        if (removals.length > 0) {
          try {
            await this.transaction(c, removals);
          } catch {
            // a member removed that was never added in the replay: the round trip happened
          }
        }
        return;
      }
      case 'delete': {
        const id = r.id as string;
        if (!(await this.read(c, `R:${id}`))) return;
        const pairs = [...(await this.range(c, `B:${id}:`)).map((k) => [k.split(':')[2], id]), ...(await this.rangeIfGroup(c, r, id)).map((k) => [id, k.split(':')[2]])];
        const names = this.resources.get(id)?.names ?? [];
        this.resources.delete(id);
        try {
          await this.transaction(c, [
            ['delete', { partitionKey: PK, rowKey: `R:${id}` }],
            ...names.map((n): TransactionAction => ['delete', { partitionKey: PK, rowKey: nameKey(n) }]),
            ...pairs.flatMap(([g, m]): TransactionAction[] => [
              ['delete', { partitionKey: PK, rowKey: `M:${g}:${m}` }],
              ['delete', { partitionKey: PK, rowKey: `B:${m}:${g}` }],
            ]),
          ]);
        } catch (error) {
          // A membership pair removed by a concurrently replayed member change: the round trip happened all the same.
          if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        }
        return;
      }
      default:
        return;
    }
  }

  /** A group's member rows (a user has none: its memberships are its reverse rows). */
  private async rangeIfGroup(c: Calls, r: FloorRequest, id: string): Promise<string[]> {
    return r.hostKind.includes('Group') ? this.range(c, `M:${id}:`) : [];
  }
}

/** Replays `requests` with `concurrency` in flight, requests on one resource in order. */
export async function replayFloor(client: TableClient, requests: FloorRequest[], concurrency: number): Promise<FloorResult> {
  try {
    await client.createTable();
  } catch {
    // exists
  }
  const table = new FloorTable(client);
  const chains = new Map<string, Promise<void>>();
  const samples = new Samples();
  const callsByKind: FloorResult['callsByKind'] = {};
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const r = requests[next++];
      const key = r.id;
      const previous = key ? chains.get(key) : undefined;
      let done: () => void = () => undefined;
      if (key) chains.set(key, new Promise<void>((resolve) => (done = resolve)));
      if (previous) await previous;
      const t0 = performance.now();
      const calls: Calls = { n: 0 };
      try {
        await table.run(r, calls);
      } catch (error) {
        errors++;
        firstError ??= `${r.hostKind}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      } finally {
        done();
      }
      samples.add(performance.now() - t0);
      const k = (callsByKind[r.hostKind] ??= { requests: 0, calls: 0 });
      k.requests++;
      k.calls += calls.n;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const durationMs = performance.now() - started;
  return { requests: requests.length, durationMs, perSecond: requests.length / (durationMs / 1000), latency: summarize(samples), errors, ...(firstError ? { firstError } : {}), callsByKind };
}
