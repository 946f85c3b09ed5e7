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
import { matchesFilter, parseFilter, validateFilter } from './filter.js';
import { decodeCursor } from './list-cursor.js';
import { boundedLookups, memberNeeds } from './list-plan.js';
import { sortAttribute, withId } from './list-sort.js';
import { pageOfCandidates, pageOfScan, runLookups, type ListPlan } from './list-strategies.js';
import type { TenantScope } from './resource-service.js';
import { descriptorOf, isStoredApart } from './resource-type.js';
import { resourceSchema, type ResourceTypeName } from './schema.js';

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
  /** The page is consecutive resources of an id-order scan (render.ts reads their groups over the id span). */
  fromScan?: boolean;
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

  const lookups = filter ? boundedLookups(filter, schema) : undefined;
  const plan: ListPlan = { scope, type, schema, filter, matches, sort, count, startIndex, cursor, useCursor, cacheKey: cacheKey(scope.tenant, type, query) };
  if (lookups) {
    const candidates = await runLookups(scope, type, lookups);
    const keep = await Promise.all(candidates.map(matches));
    return pageOfCandidates(plan, candidates.filter((_, i) => keep[i]));
  }
  return sort ? pageOfCandidates(plan, undefined) : pageOfScan(plan);
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

function cacheKey(tenant: string, type: ResourceTypeName, query: ListQuery): string {
  return JSON.stringify([tenant, type, query.filter ?? '', query.sortBy ?? '', query.sortOrder ?? '']);
}
