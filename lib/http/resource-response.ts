// The one place responses about resources are shaped, for every verb: a resource (ETag, Location on 201), a PATCH
// answer without a body, and the ListResponse envelope (RFC 7644 §3.4.2). The request's projection is resolved once.
import type { HttpResponseInit } from '@azure/functions';
import type { StoredResource } from '../store/repository.js';
import { LIST_RESPONSE } from '../scim/discovery.js';
import { resolveProjection, type ResolvedProjection } from '../scim/projection.js';
import type { ListResult } from '../scim/query.js';
import { loadPageViews, loadViews, shapeResource } from '../scim/render.js';
import type { TenantScope } from '../scim/resource-service.js';
import { locationOf, versionTag } from '../scim/representation.js';
import { resourceSchema, type ResourceTypeName } from '../scim/schema.js';
import { attributeList, queryParams } from './request.js';
import { scimResponse } from './responses.js';
import type { ScimContext } from './scim-handler.js';

/** The `attributes` / `excludedAttributes` query parameters, resolved against the type's schema. */
export function projectionOf(ctx: ScimContext, type: ResourceTypeName): ResolvedProjection {
  const param = queryParams(ctx.request);
  return resolveProjection(resourceSchema(type), { attributes: attributeList(param('attributes')), excludedAttributes: attributeList(param('excludedAttributes')) });
}

export async function resourceResponse(status: number, stored: StoredResource, ctx: ScimContext): Promise<HttpResponseInit> {
  const projection = projectionOf(ctx, stored.type);
  const views = await loadViews(scopeOf(ctx), stored, projection);
  const headers: Record<string, string> = { ETag: versionTag(stored) };
  if (status === 201) headers.Location = locationOf(ctx.baseUrl, stored);
  return scimResponse(status, shapeResource(stored, views, ctx.baseUrl, projection), headers);
}

/** The answer to a PATCH the type's descriptor says carries no body (Groups: 204, as Entra expects). */
export function noContentResponse(stored: StoredResource): HttpResponseInit {
  return scimResponse(204, undefined, { ETag: versionTag(stored) });
}

export async function listResponse(scope: TenantScope, result: ListResult, baseUrl: string, projection: ResolvedProjection): Promise<HttpResponseInit> {
  const body: Record<string, unknown> = {
    schemas: [LIST_RESPONSE],
    totalResults: result.totalResults,
    itemsPerPage: result.resources.length,
    startIndex: result.startIndex,
  };
  if (result.nextCursor) body.nextCursor = result.nextCursor;
  const budget = { limit: scope.config.maxListMembers, remaining: scope.config.maxListMembers };
  const views = await loadPageViews(scope, result.resources, projection, result.fromScan === true, budget);
  body.Resources = result.resources.map((r, i) => shapeResource(r, views[i], baseUrl, projection));
  return scimResponse(200, body);
}

export function scopeOf(ctx: ScimContext): TenantScope {
  return { tenant: ctx.tenant, repository: ctx.services.repository, config: ctx.services.config };
}
