// Listing resources (GET /Users, /Groups, and .search): filter, plan, sort, paginate.
//
// Planning: an `eq` on id, the unique name (userName / displayName) or externalId — alone, inside an `and`, or in an
// `or` whose every branch is such a lookup — is answered from point reads / index range reads, whatever the tenant
// size — up to MAX_FILTER_LOOKUPS of them: a longer `or` chain of lookups is refused (400 tooMany) rather than
// answered by one read per branch, so a filter's content cannot multiply a request's storage calls. Everything else
// streams the tenant's partition one storage page at a time, evaluating the filter in memory and keeping only the
// requested page (plus sort keys when sorting).
//
// Counting: an unfiltered list takes `totalResults` from the tenant's resource counters (one small read, exact: they
// move in the same transactions as the resources; lib/store/counters.ts) and reads only the rows its page needs, so
// its first page costs the same at any tenant size. A lookup's total is its candidates'. Any other filter (and a
// tenant whose counters have no baseline yet) is counted by scanning the tenant once, on the first page.
//
// Pagination: Table Storage pages by continuation, not offset. The first page of a query (startIndex 1, or an empty
// cursor) records where pages start; later pages resume from the recorded position instead of re-reading from the
// start, so walking N resources costs O(N) reads. Those snapshots live in scan-cache.ts; cursors (RFC 9865) carry their
// resume position themselves.
import type { StoredResource } from '../store/repository.js';
import { badRequest } from './errors.js';
import { compareValues, matchesFilter, parseFilter, validateFilter, valuesAtPath, type FilterNode } from './filter.js';
import type { TenantScope } from './resource-service.js';
import { descriptorOf, isStoredApart } from './resource-type.js';
import { scanCache, type ScanSnapshot } from './scan-cache.js';
import { resourceSchema, type ResourceSchema, type ResourceTypeName, type ScimAttribute } from './schema.js';

export interface ListQuery {
  filter?: string;
  startIndex?: number;
  count?: number;
  /** RFC 9865: '' asks for the first page by cursor; otherwise a nextCursor from an earlier response. */
  cursor?: string;
  sortBy?: string;
  sortOrder?: 'ascending' | 'descending';
}

export interface ListResult {
  totalResults: number;
  startIndex: number;
  resources: StoredResource[];
  nextCursor?: string;
}

/** Reads the query parameters of GET /Users and GET /Groups (also the fields of a SearchRequest). */
export function listQueryFrom(get: (name: string) => string | null | undefined): ListQuery {
  const int = (name: string): number | undefined => {
    const raw = get(name);
    if (raw === null || raw === undefined || raw.trim() === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw badRequest('invalidValue', `"${name}" must be an integer (got ${JSON.stringify(raw)}).`);
    return n;
  };
  const sortOrder = get('sortOrder');
  if (sortOrder && !/^(ascending|descending)$/i.test(sortOrder)) {
    throw badRequest('invalidValue', '"sortOrder" must be "ascending" or "descending".');
  }
  return {
    filter: get('filter') ?? undefined,
    startIndex: int('startIndex'),
    count: int('count'),
    cursor: get('cursor') ?? undefined,
    sortBy: get('sortBy') || undefined,
    sortOrder: sortOrder ? (sortOrder.toLowerCase() as 'ascending' | 'descending') : undefined,
  };
}

interface Lookup {
  kind: 'id' | 'uniqueName' | 'externalId' | 'memberOf';
  value: string;
}

/**
 * Most point lookups one filter may plan (each costs one or two storage calls). Beyond it the filter is refused: a scan
 * instead would read the whole tenant to count the first page, which is no cheaper. Entra sends one lookup per query.
 */
export const MAX_FILTER_LOOKUPS = 10;

/** `members[value eq "x"]`, `members.value eq "x"`, `members eq "x"`: the member id a group filter asks about. */
function memberIdOf(node: FilterNode, schema: ResourceSchema): string | undefined {
  if (node.op === 'valuePath') {
    if (schema.resolve(node.path)?.attribute.name !== 'members') return undefined;
    const inner = node.filter;
    return inner.op === 'eq' && inner.path.toLowerCase() === 'value' && typeof inner.value === 'string' ? inner.value : undefined;
  }
  if (node.op !== 'eq' || typeof node.value !== 'string') return undefined;
  const resolved = schema.resolve(node.path);
  const isMembers = resolved?.attribute.name === 'members' && (!resolved.subAttribute || resolved.subAttribute.name === 'value');
  return isMembers ? node.value : undefined;
}

/** What evaluating a group filter needs from the membership rows: some ids' presence, or (rarely) every member. */
function memberNeeds(node: FilterNode, schema: ResourceSchema, needs = { ids: new Set<string>(), full: false }): { ids: Set<string>; full: boolean } {
  const id = memberIdOf(node, schema);
  if (id !== undefined) needs.ids.add(id);
  else if (node.op === 'and' || node.op === 'or') {
    memberNeeds(node.left, schema, needs);
    memberNeeds(node.right, schema, needs);
  } else if (node.op === 'not') memberNeeds(node.filter, schema, needs);
  else if ('path' in node && schema.resolve(node.path)?.attribute.name === 'members') needs.full = true;
  return needs;
}

/** The point lookups that produce every resource the filter can match, or undefined when a scan is needed. */
export function planLookups(node: FilterNode, schema: ResourceSchema): Lookup[] | undefined {
  const memberId = memberIdOf(node, schema);
  if (memberId !== undefined) return [{ kind: 'memberOf', value: memberId }];
  switch (node.op) {
    case 'eq': {
      if (typeof node.value !== 'string') return undefined;
      const resolved = schema.resolve(node.path);
      if (!resolved || resolved.extension || resolved.subAttribute) return undefined;
      const name = resolved.attribute.name;
      if (name === 'id') return [{ kind: 'id', value: node.value }];
      if (name === 'externalId') return [{ kind: 'externalId', value: node.value }];
      if (resolved.attribute.uniqueness === 'server') return [{ kind: 'uniqueName', value: node.value }];
      return undefined;
    }
    case 'and':
      return planLookups(node.left, schema) ?? planLookups(node.right, schema);
    case 'or': {
      const left = planLookups(node.left, schema);
      const right = left && planLookups(node.right, schema);
      return left && right ? [...left, ...right] : undefined;
    }
    default:
      return undefined;
  }
}

async function runLookups(scope: TenantScope, type: ResourceTypeName, lookups: Lookup[]): Promise<StoredResource[]> {
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

function sortAttribute(sortBy: string, schema: ResourceSchema): ScimAttribute {
  const resolved = schema.resolve(sortBy);
  const attribute = resolved?.subAttribute ?? resolved?.attribute;
  if (!resolved || !attribute) throw badRequest('invalidValue', `"sortBy" names an unknown attribute: ${JSON.stringify(sortBy)}.`);
  if (attribute.type === 'complex') throw badRequest('invalidValue', `"sortBy" must name a singular simple attribute, not ${JSON.stringify(sortBy)}.`);
  if (attribute.returned === 'never') throw badRequest('invalidValue', `"sortBy" cannot name ${JSON.stringify(sortBy)}, which is never returned.`);
  return attribute;
}

/** RFC 7644 §3.4.2.3: sort by the attribute's value; for a multi-valued attribute, its primary value (or the first). */
function sortValue(resource: StoredResource, path: string, schema: ResourceSchema): unknown {
  const resolved = schema.resolve(path);
  if (!resolved?.attribute.multiValued) return valuesAtPath(withId(resource), path, schema)[0];
  const container = resolved.extension ? (resource.data[resolved.schema] as Record<string, unknown> | undefined) : resource.data;
  const items = container?.[resolved.attribute.name];
  if (!Array.isArray(items) || items.length === 0) return undefined;
  const chosen = (items.find((i) => (i as Record<string, unknown>)?.primary === true) ?? items[0]) as Record<string, unknown>;
  return typeof chosen === 'object' && chosen !== null ? chosen[resolved.subAttribute?.name ?? 'value'] : chosen;
}

export async function listResources(scope: TenantScope, type: ResourceTypeName, query: ListQuery): Promise<ListResult> {
  const schema = resourceSchema(type);
  const { config } = scope;
  const count = Math.min(Math.max(query.count ?? config.defaultPageSize, 0), config.maxPageSize);
  const filter = query.filter !== undefined && query.filter.trim() !== '' ? parseFilter(query.filter) : undefined;
  if (filter) validateFilter(filter, schema);
  const needs = filter && isStoredApart(descriptorOf(type), 'members') ? memberNeeds(filter, schema) : undefined;
  const matches = async (r: StoredResource): Promise<boolean> => {
    if (!filter) return true;
    const view = withId(r);
    if (needs && (needs.full || needs.ids.size > 0)) view.members = await memberView(scope, r.id, needs);
    return matchesFilter(filter, view, schema);
  };
  const sort = query.sortBy ? { path: query.sortBy, attribute: sortAttribute(query.sortBy, schema), descending: query.sortOrder === 'descending' } : undefined;
  const useCursor = query.cursor !== undefined;
  if (useCursor && query.startIndex !== undefined) throw badRequest('invalidValue', 'Use either "cursor" or "startIndex", not both.');
  const cursor = useCursor && query.cursor !== '' ? decodeCursor(query.cursor as string) : undefined;
  const startIndex = cursor ? cursor.index : Math.max(query.startIndex ?? 1, 1);

  const lookups = filter ? planLookups(filter, schema) : undefined;
  if (lookups && new Set(lookups.map((l) => `${l.kind}\u0000${l.value}`)).size > MAX_FILTER_LOOKUPS) {
    // RFC 7644 §3.12 tooMany: "more results than the server is willing to calculate or process".
    throw badRequest('tooMany', `A filter may combine at most ${MAX_FILTER_LOOKUPS} lookups (eq on id, the unique name, externalId or a member) with "or" (got ${lookups.length}).`);
  }
  let all: StoredResource[] | undefined;
  if (lookups) {
    const candidates = await runLookups(scope, type, lookups);
    const keep = await Promise.all(candidates.map(matches));
    all = candidates.filter((_, i) => keep[i]);
  }

  if (all || sort) {
    // Small candidate sets (lookups) or sorted queries: materialize ids (and sort keys) in memory, then page.
    const key = cacheKey(scope.tenant, type, query);
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

  // Unsorted scan in id order.
  const key = cacheKey(scope.tenant, type, query);
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
  return finish(snapshot.total, startIndex, page, useCursor, next);
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

async function memberView(scope: TenantScope, groupId: string, needs: { ids: Set<string>; full: boolean }): Promise<Record<string, unknown>[]> {
  if (needs.full) {
    const all: Record<string, unknown>[] = [];
    for await (const m of scope.repository.members(scope.tenant, groupId)) all.push({ ...m });
    return all;
  }
  const present = await scope.repository.membersAmong(scope.tenant, groupId, [...needs.ids]);
  return [...present].map((value) => ({ value }));
}

/** Filters see `id` and `meta` like clients do. */
function withId(r: StoredResource): Record<string, unknown> {
  return { ...r.data, id: r.id, meta: { created: r.created, lastModified: r.lastModified, resourceType: r.type, version: `W/"${r.version}"` } };
}

function cacheKey(tenant: string, type: ResourceTypeName, query: ListQuery): string {
  return JSON.stringify([tenant, type, query.filter ?? '', query.sortBy ?? '', query.sortOrder ?? '']);
}

function encodeCursor(c: { index: number; afterId: string }): string {
  return Buffer.from(JSON.stringify([c.index, c.afterId])).toString('base64url');
}

function decodeCursor(text: string): { index: number; afterId: string } {
  try {
    const [index, afterId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if (Number.isInteger(index) && (index as number) >= 1 && typeof afterId === 'string' && afterId.length < 100) return { index: index as number, afterId };
  } catch {
    // fall through
  }
  throw badRequest('invalidCursor', 'The cursor is not valid.');
}
