// Shapes single-resource responses the same way for every verb: projection, ETag, Location.
import type { HttpResponseInit } from '@azure/functions';
import type { StoredResource } from '../store/repository.js';
import { project } from '../scim/projection.js';
import type { TenantScope } from '../scim/resource-service.js';
import { locationOf, toScim, versionTag } from '../scim/representation.js';
import { resourceSchema } from '../scim/schema.js';
import { attributeList, queryParams } from './request.js';
import { scimResponse } from './responses.js';
import type { ScimContext } from './scim-handler.js';

export function projectionOf(ctx: ScimContext): { attributes?: string[]; excludedAttributes?: string[] } {
  const param = queryParams(ctx.request);
  return { attributes: attributeList(param('attributes')), excludedAttributes: attributeList(param('excludedAttributes')) };
}

export function resourceResponse(status: number, stored: StoredResource, ctx: ScimContext): HttpResponseInit {
  const body = project(toScim(stored, ctx.baseUrl), resourceSchema(stored.type), projectionOf(ctx));
  const headers: Record<string, string> = { ETag: versionTag(stored) };
  if (status === 201) headers.Location = locationOf(ctx.baseUrl, stored);
  return scimResponse(status, body, headers);
}

export function scopeOf(ctx: ScimContext): TenantScope {
  return { tenant: ctx.tenant, repository: ctx.services.repository, config: ctx.services.config };
}
