// Response shaping of stored resources, in one pass per request: the projection is resolved once (resolveProjection),
// the views it needs that live in rows of their own (a group's members, a user's groups) are loaded, then each body is
// shaped without touching storage. `excludedAttributes=members` never reads a member row.
import type { GroupRef, MemberRow, StoredResource } from '../store/repository.js';
import { ScimError } from './errors.js';
import type { ScimResource } from './normalize.js';
import { isRequested, project, type ResolvedProjection } from './projection.js';
import { toScim } from './representation.js';
import type { ResourceTypeName } from './schema.js';
import type { TenantScope } from './resource-service.js';
import { descriptorOf, isStoredApart } from './resource-type.js';

/** Members a list page may still render, shared by the page's resources (lib/http/resource-response.ts). */
export interface MemberBudget {
  limit: number;
  remaining: number;
}

/** What a response carries beside the stored resource, from rows of their own. */
export interface ResourceViews {
  members?: MemberRow[];
  groups?: GroupRef[];
}

/**
 * Reads the views the projection asks for (what a write already knows, e.g. a create's members, is not read). A
 * user's groups are one range read over its reverse rows: a lookup is served from the unique-name row's copy, which a
 * member add cannot update (it knows only the member's id), so `groups` cannot ride on the rows a lookup reads.
 */
export async function loadViews(scope: TenantScope, stored: StoredResource, projection: ResolvedProjection, budget?: MemberBudget, groups?: GroupRef[]): Promise<ResourceViews> {
  const descriptor = descriptorOf(stored.type);
  const views: ResourceViews = {};
  if (isStoredApart(descriptor, 'members') && isRequested('members', projection)) {
    views.members = stored.known?.members ?? (await readMembers(scope, stored.id, budget));
  }
  if (wantsGroups(stored.type, projection)) {
    views.groups = groups ?? stored.known?.groups ?? (await scope.repository.groupsOf(scope.tenant, stored.id));
  }
  return views;
}

/**
 * The views of a list page. A page of an id-order scan reads its resources' groups in one range read over its id
 * span (the span holds only reverse rows of resources the scan walked past); any other page (a lookup's few
 * candidates, a sorted page already read id by id) reads them per resource.
 */
export async function loadPageViews(scope: TenantScope, page: StoredResource[], projection: ResolvedProjection, fromScan: boolean, budget: MemberBudget): Promise<ResourceViews[]> {
  const unknown = page.filter((r) => !r.known?.groups).map((r) => r.id);
  const spanned = fromScan && unknown.length > 1 && wantsGroups(page[0].type, projection) ? await scope.repository.groupsInSpan(scope.tenant, unknown) : undefined;
  return Promise.all(page.map((r) => loadViews(scope, r, projection, budget, spanned?.get(r.id))));
}

function wantsGroups(type: ResourceTypeName, projection: ResolvedProjection): boolean {
  return descriptorOf(type).membershipView === 'groups' && isRequested('groups', projection);
}

async function readMembers(scope: TenantScope, groupId: string, budget?: MemberBudget): Promise<MemberRow[]> {
  const members: MemberRow[] = [];
  for await (const m of scope.repository.members(scope.tenant, groupId)) {
    // Stop reading at the bound: a page of large groups would otherwise cost unbounded reads and memory.
    if (budget && --budget.remaining < 0) {
      throw new ScimError(400, 'tooMany', `This page would carry more than ${budget.limit} group members; ask for fewer resources (count) or use excludedAttributes=members.`);
    }
    members.push(m);
  }
  return members;
}

/** The response body of one resource: its wire form with the loaded views, projected. No storage. */
export function shapeResource(stored: StoredResource, views: ResourceViews, baseUrl: string, projection: ResolvedProjection): ScimResource {
  const resource = toScim(stored, baseUrl);
  if (views.members) {
    // RFC 7643 §8.7.1: value, $ref and type (a display would cost a read of every member when it is added).
    resource.members = views.members.map((m) => ({ value: m.value, $ref: `${baseUrl}/${m.type}s/${m.value}`, type: m.type }));
  }
  if (views.groups && views.groups.length > 0) {
    resource.groups = views.groups.map((g) => ({ value: g.value, $ref: `${baseUrl}/Groups/${g.value}`, display: g.display, type: 'direct' }));
  }
  return project(resource, projection);
}
