// ListResponse bodies (RFC 7644 §3.4.2) for GET /Users, /Groups and .search.
import type { HttpResponseInit } from '@azure/functions';
import { LIST_RESPONSE } from '../scim/discovery.js';
import { project, type Projection } from '../scim/projection.js';
import type { ListResult } from '../scim/query.js';
import { toScim } from '../scim/representation.js';
import { resourceSchema, type ResourceTypeName } from '../scim/schema.js';
import { scimResponse } from './responses.js';

export function listResponse(type: ResourceTypeName, result: ListResult, baseUrl: string, projection: Projection): HttpResponseInit {
  const schema = resourceSchema(type);
  const body: Record<string, unknown> = {
    schemas: [LIST_RESPONSE],
    totalResults: result.totalResults,
    itemsPerPage: result.resources.length,
    startIndex: result.startIndex,
  };
  if (result.nextCursor) body.nextCursor = result.nextCursor;
  body.Resources = result.resources.map((r) => project(toScim(r, baseUrl), schema, projection));
  return scimResponse(200, body);
}
