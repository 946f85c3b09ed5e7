// ListResponse bodies (RFC 7644 §3.4.2) for GET /Users, /Groups and .search.
import type { HttpResponseInit } from '@azure/functions';
import { LIST_RESPONSE } from '../scim/discovery.js';
import type { Projection } from '../scim/projection.js';
import type { ListResult } from '../scim/query.js';
import { render } from '../scim/render.js';
import type { TenantScope } from '../scim/resource-service.js';
import { scimResponse } from './responses.js';

export async function listResponse(scope: TenantScope, result: ListResult, baseUrl: string, projection: Projection): Promise<HttpResponseInit> {
  const body: Record<string, unknown> = {
    schemas: [LIST_RESPONSE],
    totalResults: result.totalResults,
    itemsPerPage: result.resources.length,
    startIndex: result.startIndex,
  };
  if (result.nextCursor) body.nextCursor = result.nextCursor;
  const budget = { limit: scope.config.maxListMembers, remaining: scope.config.maxListMembers };
  body.Resources = await Promise.all(result.resources.map((r) => render(scope, r, baseUrl, projection, budget)));
  return scimResponse(200, body);
}
