// RFC 7644 §3.4.2.5 / §3.9: which attributes a response carries, from the schema's `returned` characteristic and the
// client's `attributes` / `excludedAttributes` parameters (names case-insensitive, sub-attributes and URNs allowed,
// and value paths such as `emails[type eq "work"]` or `emails[type eq "work"].value`, which select the matching
// values of a multi-valued attribute: Microsoft's own Postman suite asks for them).
import { matchesValueFilter, type FilterNode } from './filter.js';
import { isPlainObject, type ScimResource } from './normalize.js';
import { parsePatchPath } from './patch-path.js';
import { findAttribute, type ResourceSchema, type ScimAttribute } from './schema.js';

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

/** A parsed attribute reference: a whole extension, an attribute, or one of its sub-attributes. */
interface Ref {
  schema: string;
  attribute?: string;
  sub?: string;
  /** A value filter: only the values of the (complex) attribute that match it. */
  filter?: FilterNode;
}

function parseRefs(names: string[] | undefined, schema: ResourceSchema): Ref[] | undefined {
  if (!names) return undefined;
  const refs: Ref[] = [];
  for (const name of names) {
    const ext = schema.extensionUrn(name);
    if (ext) {
      refs.push({ schema: ext });
      continue;
    }
    if (name.includes('[')) {
      const ref = valuePathRef(name, schema);
      if (ref) refs.push(ref);
      continue;
    }
    const resolved = schema.resolve(name);
    if (!resolved) continue; // RFC 7644: unknown attribute names in these parameters are ignored
    refs.push({ schema: resolved.extension ? resolved.schema : '', attribute: resolved.attribute.name, sub: resolved.subAttribute?.name });
  }
  return refs;
}

/** `attr[filter]` or `attr[filter].sub`, parsed with the PATCH path grammar; anything unusable is ignored like an unknown name. */
function valuePathRef(name: string, schema: ResourceSchema): Ref | undefined {
  try {
    const path = parsePatchPath(name, schema);
    if (path.kind !== 'attribute' || path.filter === undefined) return undefined;
    return { schema: path.extension ? path.schema : '', attribute: path.attribute.name, sub: path.subAttribute?.name, filter: path.filter };
  } catch {
    return undefined;
  }
}

/** A request's projection, parsed once against the resource type's schema and used for every resource it shapes. */
export interface ResolvedProjection {
  readonly schema: ResourceSchema;
  readonly include?: Ref[];
  readonly exclude: Ref[];
}

export function resolveProjection(schema: ResourceSchema, projection: Projection = {}): ResolvedProjection {
  return { schema, include: parseRefs(projection.attributes, schema), exclude: parseRefs(projection.excludedAttributes, schema) ?? [] };
}

/** Whether a response with this projection carries the top-level core attribute `name` (e.g. members, groups). */
export function isRequested(name: string, { schema, include, exclude }: ResolvedProjection): boolean {
  const attribute = findAttribute(schema.topLevel, name);
  if (!attribute || attribute.returned === 'never') return false;
  const refersToIt = (r: Ref) => r.schema === '' && r.attribute === attribute.name;
  if (exclude.some((r) => refersToIt(r) && r.sub === undefined && r.filter === undefined)) return false;
  if (include) return include.some(refersToIt);
  return attribute.returned !== 'request';
}

/** Returns a copy of `resource` holding only what the response may carry. */
export function project(resource: ScimResource, { schema, include, exclude }: ResolvedProjection): ScimResource {
  const out: ScimResource = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') {
      out.schemas = value;
      continue;
    }
    const ext = schema.extensionUrn(key);
    if (ext !== undefined) {
      if (!isPlainObject(value)) continue;
      const projected = projectAttributes(value, schema.attributesOf(ext), ext, include, exclude);
      if (Object.keys(projected).length > 0) out[ext] = projected;
      continue;
    }
    const attribute = findAttribute(schema.topLevel, key);
    if (!attribute) continue;
    const v = projectOne(attribute, value, '', include, exclude);
    if (v !== undefined) out[attribute.name] = v;
  }
  if (Array.isArray(out.schemas)) {
    out.schemas = (out.schemas as string[]).filter((urn) => !schema.isExtensionUrn(urn) || out[urn] !== undefined);
  }
  return out;
}

function projectAttributes(values: Record<string, unknown>, pool: readonly ScimAttribute[], schemaUrn: string, include: Ref[] | undefined, exclude: Ref[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const attribute = findAttribute(pool, key);
    if (!attribute) continue;
    const v = projectOne(attribute, value, schemaUrn, include, exclude);
    if (v !== undefined) out[attribute.name] = v;
  }
  return out;
}

function refersTo(ref: Ref, schemaUrn: string, attribute: string): boolean {
  return ref.schema === schemaUrn && (ref.attribute === undefined || ref.attribute === attribute);
}

function projectOne(attribute: ScimAttribute, value: unknown, schemaUrn: string, include: Ref[] | undefined, exclude: Ref[]): unknown {
  if (attribute.returned === 'never') return undefined;
  if (attribute.returned === 'always') return value;
  const excludedAll = exclude.filter((r) => r.attribute !== undefined && refersTo(r, schemaUrn, attribute.name));
  const excludedValues = excludedAll.filter((r) => r.filter !== undefined);
  const excluded = excludedAll.filter((r) => r.filter === undefined);
  if (excluded.some((r) => r.sub === undefined)) return undefined;
  const wholeExtensionExcluded = schemaUrn !== '' && exclude.some((r) => r.schema === schemaUrn && r.attribute === undefined);
  if (wholeExtensionExcluded) return undefined;
  if (!include && attribute.returned === 'request') return undefined;
  const matching = include?.filter((r) => refersTo(r, schemaUrn, attribute.name));
  if (matching?.length === 0) return undefined;
  const shapesValues = matching?.some((r) => r.filter !== undefined || r.sub !== undefined) || excluded.length > 0 || excludedValues.length > 0;
  if (attribute.type !== 'complex' || (!shapesValues && !hasHiddenSubs(attribute))) return value;
  return projectValues(attribute, value, matching, excluded, excludedValues);
}

/**
 * The values of a complex attribute selected by value-filtered references: a value is kept when an included reference
 * applies to it (no filter, or its filter matches), with the sub-attributes those references name (all when one names
 * none); a value matched by an excluded filtered reference is dropped (or loses the sub-attribute it names).
 */
function projectValues(attribute: ScimAttribute, value: unknown, include: Ref[] | undefined, excluded: Ref[], excludedValues: Ref[]): unknown {
  const subs = attribute.subAttributes ?? [];
  const shape = (item: unknown): unknown => {
    if (!isPlainObject(item)) return include ? undefined : item;
    const applies = (r: Ref) => r.filter === undefined || matchesValueFilter(r.filter, item, attribute);
    const selected = include ? include.filter(applies) : undefined;
    if (selected && selected.length === 0) return undefined;
    const dropped = excludedValues.filter(applies);
    if (dropped.some((r) => r.sub === undefined)) return undefined;
    const hidden = new Set([...excluded, ...dropped].map((r) => r.sub as string));
    const wanted = selected && !selected.some((r) => r.sub === undefined) ? new Set(selected.map((r) => r.sub as string)) : undefined;
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) {
      const sub = findAttribute(subs, k);
      if (!sub || sub.returned === 'never' || hidden.has(sub.name)) continue;
      if (wanted && !wanted.has(sub.name) && sub.returned !== 'always') continue;
      o[sub.name] = v;
    }
    return Object.keys(o).length > 0 ? o : undefined;
  };
  if (Array.isArray(value)) {
    const items = value.map(shape).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  return shape(value);
}

function hasHiddenSubs(attribute: ScimAttribute): boolean {
  return (attribute.subAttributes ?? []).some((s) => s.returned === 'never');
}
