// RFC 7644 §4 discovery documents, built from the schema data and the service configuration, so they describe
// exactly what this service does.
import type { ServiceConfig } from '../config.js';
import { ScimError } from './errors.js';
import { DEFAULT_MAX_FILTER_DEPTH, DEFAULT_MAX_FILTER_LENGTH } from './filter.js';
import { MAX_JSON_DEPTH } from './json-depth.js';
import { commonAttribute, publishedSchemas, resourceTypes } from './schema.js';

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function serviceProviderConfig(config: ServiceConfig, baseUrl: string): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/scim-functions/scim-functions#readme',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: config.maxPageSize },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865 (cursor-based pagination) alongside RFC 7644 index pagination.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: config.defaultPageSize,
      maxPageSize: config.maxPageSize,
      cursorTimeout: 3600,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A per-tenant secret token (or a JWT issued by the tenant\'s Microsoft Entra ID) in the Authorization header.',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
      {
        type: 'oauth2',
        name: 'OAuth 2.0 client credentials',
        description: `Access tokens from ${baseUrl}/oauth2/token: client_credentials grant with a client secret (HTTP Basic or form) or an RFC 7523 client assertion (workload identity federation).`,
        specUri: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.4',
        primary: false,
      },
    ],
    // Service limits beyond what RFC 7643 §5 can express.
    'urn:scim-functions:limits': {
      maxRequestBytes: config.maxBodyBytes,
      maxPatchOperations: config.maxPatchOperations,
      maxMembersPerPatch: config.maxMembersPerPatch,
      maxFilterLength: DEFAULT_MAX_FILTER_LENGTH,
      maxFilterDepth: DEFAULT_MAX_FILTER_DEPTH,
      maxJsonDepth: MAX_JSON_DEPTH,
      maxListMembers: config.maxListMembers,
    },
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/**
 * The core schema of a resource type also lists the common attribute `externalId` (from common.json): RFC 7643 §3.1
 * keeps common attributes out of schemas, but Entra's schema discovery (and Microsoft's gallery validation) looks for
 * every attribute it maps, externalId included, in the User and Group schemas. `id` and `meta` stay unlisted.
 */
const PUBLISHED_COMMON = ['externalId'];

function schemaResource(id: string, baseUrl: string): Record<string, unknown> | undefined {
  const schema = publishedSchemas.find((s) => s.id.toLowerCase() === id.toLowerCase());
  if (!schema) return undefined;
  const isCore = resourceTypes.some((rt) => rt.schema === schema.id);
  const attributes = isCore ? [...PUBLISHED_COMMON.map(commonAttribute), ...schema.attributes] : schema.attributes;
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    ...schema,
    attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

function resourceTypeResource(id: string, baseUrl: string): Record<string, unknown> | undefined {
  const rt = resourceTypes.find((r) => r.id.toLowerCase() === id.toLowerCase());
  if (!rt) return undefined;
  return { ...rt, meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${rt.id}` } };
}

function listOf(resources: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: [LIST_RESPONSE], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources };
}

/** GET /Schemas or /Schemas/{id}. */
export function schemasDocument(baseUrl: string, id?: string): Record<string, unknown> {
  if (id === undefined) return listOf(publishedSchemas.map((s) => schemaResource(s.id, baseUrl) as Record<string, unknown>));
  const found = schemaResource(id, baseUrl);
  if (!found) throw new ScimError(404, undefined, `Schema ${JSON.stringify(id)} not found.`);
  return found;
}

/** GET /ResourceTypes or /ResourceTypes/{id}. */
export function resourceTypesDocument(baseUrl: string, id?: string): Record<string, unknown> {
  if (id === undefined) return listOf(resourceTypes.map((r) => resourceTypeResource(r.id, baseUrl) as Record<string, unknown>));
  const found = resourceTypeResource(id, baseUrl);
  if (!found) throw new ScimError(404, undefined, `ResourceType ${JSON.stringify(id)} not found.`);
  return found;
}

/** RFC 7644 §4: a filter on discovery endpoints gets 403 so clients cannot assume it was applied. */
export function rejectDiscoveryFilter(filter: string | null): void {
  if (filter !== null) throw new ScimError(403, undefined, 'Filtering is not supported on discovery endpoints.');
}
