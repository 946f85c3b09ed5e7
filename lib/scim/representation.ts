// The wire form of a stored resource: schemas, id, the stored attributes, meta (RFC 7643 §3.1), and $ref links.
import type { StoredResource } from '../store/repository.js';
import { isPlainObject, type ScimResource } from './normalize.js';
import { ENTERPRISE_USER, resourceSchema } from './schema.js';

/** meta.version and the ETag header: a weak tag of the resource's write counter. */
export function versionTag(stored: Pick<StoredResource, 'version'>): string {
  return `W/"${stored.version}"`;
}

export function locationOf(baseUrl: string, stored: Pick<StoredResource, 'type' | 'id'>): string {
  return `${baseUrl}${resourceSchema(stored.type).document.endpoint}/${stored.id}`;
}

export function toScim(stored: StoredResource, baseUrl: string): ScimResource {
  const schema = resourceSchema(stored.type);
  const schemas = [schema.coreSchema.id, ...schema.extensions.filter((e) => stored.data[e.id] !== undefined).map((e) => e.id)];
  const { externalId, ...attributes } = stored.data;
  const out: ScimResource = { schemas, id: stored.id };
  if (externalId !== undefined) out.externalId = externalId;
  Object.assign(out, attributes);
  addManagerRef(out, baseUrl);
  out.meta = {
    resourceType: stored.type,
    created: stored.created,
    lastModified: stored.lastModified,
    location: locationOf(baseUrl, stored),
    version: versionTag(stored),
  };
  return out;
}

/** The manager is stored as sent ({value}); the response links it to the manager's resource. */
function addManagerRef(resource: ScimResource, baseUrl: string): void {
  const ext = resource[ENTERPRISE_USER];
  if (!isPlainObject(ext) || !isPlainObject(ext.manager)) return;
  const manager = ext.manager;
  if (typeof manager.value === 'string' && manager.$ref === undefined) {
    resource[ENTERPRISE_USER] = { ...ext, manager: { ...manager, $ref: `${baseUrl}/Users/${manager.value}` } };
  }
}
