// The two ways a list page is produced, once query.ts has planned it:
//   pageOfCandidates  a lookup's small candidate set, or a sorted query's ids and sort keys (one scan, kept in the
//                     scan cache for the next pages), ordered in memory and paged by index
//   pageOfScan        an unsorted query in id order: the total from the resource counters (unfiltered) or one counting
//                     scan (filtered), then only the rows the page needs, resumed from the closest recorded position
import type { StoredResource } from '../store/repository.js';
import { compareValues, type FilterNode } from './filter.js';
import { encodeCursor, type CursorPosition } from './list-cursor.js';
import type { Lookup } from './list-plan.js';
import { sortValue } from './list-sort.js';
import type { ListResult } from './query.js';
import type { TenantScope } from './resource-service.js';
import { scanCache, type ScanSnapshot } from './scan-cache.js';
import type { ResourceSchema, ResourceTypeName, ScimAttribute } from './schema.js';

/** A planned list request: what every strategy needs to produce its page. */
export interface ListPlan {
  scope: TenantScope;
  type: ResourceTypeName;
  schema: ResourceSchema;
  filter?: FilterNode;
  matches: (r: StoredResource) => Promise<boolean>;
  sort?: { path: string; attribute: ScimAttribute; descending: boolean };
  /** Resources per page (0: only the total). */
  count: number;
  startIndex: number;
  cursor?: CursorPosition;
  /** The client pages by cursor (RFC 9865): the result carries nextCursor. */
  useCursor: boolean;
  /** The scan cache's key for this query's snapshots. */
  cacheKey: string;
}

/** Lookup candidates already filtered (`all`), or a sorted query over the whole tenant. */
export async function pageOfCandidates(plan: ListPlan, all: StoredResource[] | undefined): Promise<ListResult> {
  const { scope, type, schema, matches, sort, startIndex, count, useCursor } = plan;
  const key = plan.cacheKey;
  let ordered: string[];
  let pageSource = new Map<string, StoredResource>();
  const snapshot = startIndex > 1 ? scanCache.get(key) : undefined;
  if (!all && snapshot?.sortedIds) {
    ordered = snapshot.sortedIds;
  } else {
    const candidates: { id: string; key: unknown; resource?: StoredResource }[] = [];
    if (all) for (const r of all) candidates.push({ id: r.id, key: sort ? sortValue(r, sort.path, schema) : r.id, resource: r });
    else for await (const r of scope.repository.scan(scope.tenant, type)) if (await matches(r)) candidates.push({ id: r.id, key: sortValue(r, (sort as { path: string }).path, schema) });
    if (sort) {
      candidates.sort((a, b) => {
        // Missing values sort last ascending and first descending (RFC 7644 §3.4.2.3).
        const c = compareValues(a.key, b.key, sort.attribute);
        return c !== 0 ? (sort.descending ? -c : c) : a.id < b.id ? -1 : 1;
      });
    }
    ordered = candidates.map((c) => c.id);
    pageSource = new Map(candidates.filter((c) => c.resource).map((c) => [c.id, c.resource as StoredResource]));
    if (!all) scanCache.set(key, { total: ordered.length, checkpoints: [], sortedIds: ordered }, scope.tenant);
  }
  const pageIds = ordered.slice(startIndex - 1, startIndex - 1 + count);
  const resources = await fetchAll(scope, type, pageIds, pageSource);
  const end = startIndex - 1 + pageIds.length;
  return finish(ordered.length, startIndex, resources, useCursor, end < ordered.length ? { index: end + 1, afterId: pageIds[pageIds.length - 1] } : undefined);
}

export async function pageOfScan(plan: ListPlan): Promise<ListResult> {
  const { scope, type, filter, matches, startIndex, count, cursor, useCursor } = plan;
  const key = plan.cacheKey;
  let snapshot: ScanSnapshot | undefined = startIndex > 1 || cursor ? scanCache.get(key) : undefined;
  // Unfiltered: the counters give the exact total, so no page needs to read the whole tenant.
  const counted = !filter && !snapshot ? await scope.repository.count(scope.tenant, type) : undefined;
  if (counted?.total !== undefined) {
    snapshot = { total: counted.total, checkpoints: [{ index: 1 }] };
    scanCache.set(key, snapshot, scope.tenant);
  }
  const page: StoredResource[] = [];
  if (snapshot && (count === 0 || startIndex > snapshot.total)) {
    // Only the total was asked for, or the page starts past the end: no row to read.
  } else if (snapshot || cursor) {
    // Resume from the closest known position at or before startIndex and read only what this page needs.
    const from = cursor ?? closestCheckpoint(snapshot as ScanSnapshot, startIndex);
    let index = from.index - 1;
    // Read only about what this page needs when nothing is filtered out (one storage page otherwise).
    const pageSize = filter ? undefined : Math.min(1000, startIndex - from.index + count + 1);
    for await (const r of scope.repository.scan(scope.tenant, type, { afterId: from.afterId, pageSize })) {
      if (!(await matches(r))) continue;
      index++;
      if (index < startIndex) continue;
      if (page.length === count) break;
      page.push(r);
    }
    if (!snapshot) {
      // A cursor without a snapshot (another instance, or expired): count once so totalResults stays truthful.
      snapshot = await countScan(scope, type, matches, key, counted?.baseline);
    }
  } else {
    let index = 0;
    const checkpoints: { index: number; afterId?: string }[] = [{ index: 1 }];
    let previousId: string | undefined;
    for await (const r of scope.repository.scan(scope.tenant, type)) {
      if (!(await matches(r))) continue;
      index++;
      if (index % CHECKPOINT_EVERY === 1 && index > 1) checkpoints.push({ index, afterId: previousId });
      if (index >= startIndex && page.length < count) page.push(r);
      previousId = r.id;
    }
    snapshot = { total: index, checkpoints };
    scanCache.set(key, snapshot, scope.tenant);
    // No counter baseline yet (resources from before the counters): this full count can become it.
    if (counted?.baseline) await counted.baseline(index);
  }
  const end = startIndex - 1 + page.length;
  const next = end < snapshot.total && page.length > 0 ? { index: end + 1, afterId: page[page.length - 1].id } : undefined;
  if (next) addCheckpoint(snapshot, next);
  return { ...finish(snapshot.total, startIndex, page, useCursor, next), fromScan: true };
}

export async function runLookups(scope: TenantScope, type: ResourceTypeName, lookups: Lookup[]): Promise<StoredResource[]> {
  const results = await Promise.all(
    lookups.map(async (l): Promise<StoredResource[]> => {
      if (l.kind === 'id') return [await scope.repository.get(scope.tenant, type, l.value)].filter((r): r is StoredResource => r !== undefined);
      if (l.kind === 'uniqueName') return [await scope.repository.getByUniqueName(scope.tenant, type, l.value)].filter((r): r is StoredResource => r !== undefined);
      if (l.kind === 'memberOf') {
        const groups = await scope.repository.groupsOf(scope.tenant, l.value);
        const found = await Promise.all(groups.map((g) => scope.repository.get(scope.tenant, type, g.value)));
        return found.filter((r): r is StoredResource => r !== undefined);
      }
      return scope.repository.listByExternalId(scope.tenant, type, l.value);
    }),
  );
  const byId = new Map<string, StoredResource>();
  for (const r of results.flat()) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const CHECKPOINT_EVERY = 100;

function closestCheckpoint(snapshot: ScanSnapshot, startIndex: number): { index: number; afterId?: string } {
  let best = snapshot.checkpoints[0] ?? { index: 1 };
  for (const c of snapshot.checkpoints) if (c.index <= startIndex && c.index > best.index) best = c;
  return best;
}

function addCheckpoint(snapshot: ScanSnapshot, checkpoint: { index: number; afterId: string }): void {
  if (!snapshot.checkpoints.some((c) => c.index === checkpoint.index)) snapshot.checkpoints.push(checkpoint);
}

async function countScan(
  scope: TenantScope,
  type: ResourceTypeName,
  matches: (r: StoredResource) => Promise<boolean>,
  key: string,
  baseline?: (scanned: number) => Promise<void>,
): Promise<ScanSnapshot> {
  let total = 0;
  for await (const r of scope.repository.scan(scope.tenant, type)) if (await matches(r)) total++;
  if (baseline) await baseline(total);
  const snapshot = { total, checkpoints: [{ index: 1 }] };
  scanCache.set(key, snapshot, scope.tenant);
  return snapshot;
}

async function fetchAll(scope: TenantScope, type: ResourceTypeName, ids: string[], known: Map<string, StoredResource>): Promise<StoredResource[]> {
  const out: StoredResource[] = [];
  const CONCURRENCY = 16;
  for (let i = 0; i < ids.length; i += CONCURRENCY) {
    const batch = await Promise.all(ids.slice(i, i + CONCURRENCY).map((id) => known.get(id) ?? scope.repository.get(scope.tenant, type, id)));
    for (const r of batch) if (r) out.push(r);
  }
  return out;
}

function finish(total: number, startIndex: number, resources: StoredResource[], useCursor: boolean, next: { index: number; afterId: string } | undefined): ListResult {
  const result: ListResult = { totalResults: total, startIndex, resources };
  if (useCursor && next) result.nextCursor = encodeCursor(next);
  return result;
}
