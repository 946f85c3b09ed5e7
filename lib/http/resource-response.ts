// Shapes single-resource responses the same way for every verb: projection, ETag, Location.
import type { HttpResponseInit } from '@azure/functions';
import type { StoredResource } from '../store/repository.js';
import { render } from '../scim/render.js';
import type { TenantScope } from '../scim/resource-service.js';
import { locationOf, versionTag } from '../scim/representation.js';
import { attributeList, queryParams } from './request.js';
import { scimResponse } from './responses.js';
import type { ScimContext } from './scim-handler.js';

export function projectionOf(ctx: ScimContext): { attributes?: string[]; excludedAttributes?: string[] } {
  const param = queryParams(ctx.request);
  return { attributes: attributeList(param('attributes')), excludedAttributes: attributeList(param('excludedAttributes')) };
}

export async function resourceResponse(status: number, stored: StoredResource, ctx: ScimContext): Promise<HttpResponseInit> {
  const body = await render(scopeOf(ctx), stored, ctx.baseUrl, projectionOf(ctx));
  const headers: Record<string, string> = { ETag: versionTag(stored) };
  if (status === 201) headers.Location = locationOf(ctx.baseUrl, stored);
  return scimResponse(status, body, headers);
}

export function scopeOf(ctx: ScimContext): TenantScope {
  return { tenant: ctx.tenant, repository: ctx.services.repository, config: ctx.services.config };
}
