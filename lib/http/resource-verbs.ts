// The HTTP handlers of the SCIM resource verbs, shared by Users and Groups: each function file registers one of these
// for its resource type (parse request → call lib → shape response).
import type { HttpHandler } from '@azure/functions';
import { listQueryFrom, listResources } from '../scim/query.js';
import { versionTag } from '../scim/representation.js';
import { descriptorOf } from '../scim/resource-type.js';
import { createResource, deleteResource, getResource, matchesAnyTag, patchResource, replaceResource } from '../scim/resource-service.js';
import { resourceSchema, type ResourceTypeName } from '../scim/schema.js';
import { resolveProjection } from '../scim/projection.js';
import { loadAjv } from '../scim/ajv-loader.js';
import { parseSearchRequest } from '../scim/search-request.js';
import { conditions, queryParams, readJsonBody } from './request.js';
import { listResponse, noContentResponse, projectionOf, resourceResponse, scopeOf } from './resource-response.js';
import { scimResponse } from './responses.js';
import { scimHandler, type ScimContext } from './scim-handler.js';

const body = (ctx: ScimContext): Promise<unknown> => readJsonBody(ctx.request, ctx.body, ctx.services.config.maxBodyBytes);

export const createHandler = (type: ResourceTypeName): HttpHandler =>
  scimHandler(type, async (ctx) => resourceResponse(201, await createResource(scopeOf(ctx), type, await body(ctx)), ctx));

export const getHandler = (type: ResourceTypeName): HttpHandler =>
  scimHandler(type, async (ctx) => {
    const resource = await getResource(scopeOf(ctx), type, ctx.request.params.id);
    const { ifNoneMatch } = conditions(ctx.request);
    if (ifNoneMatch && matchesAnyTag(resource, ifNoneMatch)) return scimResponse(304, undefined, { ETag: versionTag(resource) });
    return resourceResponse(200, resource, ctx);
  });

export const listHandler = (type: ResourceTypeName): HttpHandler =>
  scimHandler(type, async (ctx) => {
    const result = await listResources(scopeOf(ctx), type, listQueryFrom(queryParams(ctx.request)));
    return listResponse(scopeOf(ctx), result, ctx.baseUrl, projectionOf(ctx, type));
  });

export const searchHandler = (type: ResourceTypeName): HttpHandler =>
  scimHandler(type, async (ctx) => {
    const payload = await body(ctx);
    await loadAjv();
    const { query, projection } = parseSearchRequest(payload);
    return listResponse(scopeOf(ctx), await listResources(scopeOf(ctx), type, query), ctx.baseUrl, resolveProjection(resourceSchema(type), projection));
  });

export const replaceHandler = (type: ResourceTypeName): HttpHandler =>
  scimHandler(type, async (ctx) => {
    const replaced = await replaceResource(scopeOf(ctx), type, ctx.request.params.id, await body(ctx), conditions(ctx.request));
    return resourceResponse(200, replaced, ctx);
  });

/** PATCH answers per the type's descriptor: Users 200 with the resource; Groups 204, as Entra expects (no member list). */
export const patchHandler = (type: ResourceTypeName): HttpHandler =>
  scimHandler(type, async (ctx) => {
    const patched = await patchResource(scopeOf(ctx), type, ctx.request.params.id, await body(ctx), conditions(ctx.request));
    return descriptorOf(type).patchStatus === 204 ? noContentResponse(patched) : resourceResponse(200, patched, ctx);
  });

export const deleteHandler = (type: ResourceTypeName): HttpHandler =>
  scimHandler(type, async (ctx) => {
    await deleteResource(scopeOf(ctx), type, ctx.request.params.id, conditions(ctx.request));
    return scimResponse(204);
  });
