// sortBy / sortOrder (RFC 7644 §3.4.2.3): the attribute sorted on and each resource's sort value, and the view of a
// stored resource that filters and sorts see.
import type { StoredResource } from '../store/repository.js';
import { badRequest } from './errors.js';
import { valuesAtPath } from './filter.js';
import type { ResourceSchema, ScimAttribute } from './schema.js';

export function sortAttribute(sortBy: string, schema: ResourceSchema): ScimAttribute {
  const resolved = schema.resolve(sortBy);
  const attribute = resolved?.subAttribute ?? resolved?.attribute;
  if (!resolved || !attribute) throw badRequest('invalidValue', `"sortBy" names an unknown attribute: ${JSON.stringify(sortBy)}.`);
  if (attribute.type === 'complex') throw badRequest('invalidValue', `"sortBy" must name a singular simple attribute, not ${JSON.stringify(sortBy)}.`);
  if (attribute.returned === 'never') throw badRequest('invalidValue', `"sortBy" cannot name ${JSON.stringify(sortBy)}, which is never returned.`);
  return attribute;
}

/** RFC 7644 §3.4.2.3: sort by the attribute's value; for a multi-valued attribute, its primary value (or the first). */
export function sortValue(resource: StoredResource, path: string, schema: ResourceSchema): unknown {
  const resolved = schema.resolve(path);
  if (!resolved?.attribute.multiValued) return valuesAtPath(withId(resource), path, schema)[0];
  const container = resolved.extension ? (resource.data[resolved.schema] as Record<string, unknown> | undefined) : resource.data;
  const items = container?.[resolved.attribute.name];
  if (!Array.isArray(items) || items.length === 0) return undefined;
  const chosen = (items.find((i) => (i as Record<string, unknown>)?.primary === true) ?? items[0]) as Record<string, unknown>;
  return typeof chosen === 'object' && chosen !== null ? chosen[resolved.subAttribute?.name ?? 'value'] : chosen;
}

/** Filters see `id` and `meta` like clients do. */
export function withId(r: StoredResource): Record<string, unknown> {
  return { ...r.data, id: r.id, meta: { created: r.created, lastModified: r.lastModified, resourceType: r.type, version: `W/"${r.version}"` } };
}
