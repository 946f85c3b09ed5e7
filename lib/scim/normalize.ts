// Turns a client's resource body into our canonical form: attribute names spelled as in the schema, extension data
// under its canonical URN, nulls and empty values dropped, booleans and numbers coerced by schema type (Entra sends
// "True"/"False"). String values are kept exactly as sent. Type errors are left for the validator to report.
import { coerce, isPlainObject } from './attribute-types.js';
import { badRequest } from './errors.js';
import { findAttribute, type ResourceSchema, type ScimAttribute } from './schema.js';

export { isPlainObject };

export type ScimResource = Record<string, unknown>;

export interface NormalizeOptions {
  /** Reject attributes the schema does not define instead of dropping them. */
  strict?: boolean;
  /** Keep readOnly attributes (used when normalizing stored data); client input drops them. */
  keepReadOnly?: boolean;
}

/** Normalizes a full resource body (POST/PUT). `schemas`, `id` and `meta` from the client are not kept. */
export function normalizeResource(input: unknown, schema: ResourceSchema, options: NormalizeOptions = {}): ScimResource {
  if (!isPlainObject(input)) throw badRequest('invalidSyntax', 'The request body must be a JSON object.');
  const out: ScimResource = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.toLowerCase() === 'schemas') continue;
    const urn = schema.extensionUrn(key);
    if (urn !== undefined) {
      if (value === null) continue;
      if (!isPlainObject(value)) throw badRequest('invalidSyntax', `"${key}" must be an object of extension attributes.`);
      for (const [sub, subValue] of Object.entries(value)) setAttribute(out, `${urn}:${sub}`, subValue, schema, options);
      continue;
    }
    setAttribute(out, key, value, schema, options);
  }
  return out;
}

/**
 * Sets one attribute named by `path` (`userName`, `name.givenName`, `urn:...:employeeNumber`) on `out`, normalized.
 * Unknown names are dropped (or rejected in strict mode); readOnly ones are dropped unless keepReadOnly.
 */
export function setAttribute(out: ScimResource, path: string, value: unknown, schema: ResourceSchema, options: NormalizeOptions = {}): void {
  const resolved = schema.resolve(path);
  if (!resolved) {
    if (options.strict) throw badRequest('invalidSyntax', `Unknown attribute "${path}".`);
    return;
  }
  const { attribute, subAttribute } = resolved;
  if (!options.keepReadOnly && attribute.mutability === 'readOnly') return;
  const container = resolved.extension ? extensionContainer(out, resolved.schema) : out;
  if (subAttribute) {
    const parent = isPlainObject(container[attribute.name]) ? (container[attribute.name] as Record<string, unknown>) : {};
    const v = normalizeValue(subAttribute, value, options);
    if (v === undefined) delete parent[subAttribute.name];
    else parent[subAttribute.name] = v;
    if (Object.keys(parent).length > 0) container[attribute.name] = parent;
    else delete container[attribute.name];
  } else {
    const v = normalizeValue(attribute, value, options);
    if (v === undefined) delete container[attribute.name];
    else container[attribute.name] = v;
  }
  if (resolved.extension && Object.keys(container).length === 0) delete out[resolved.schema];
}

function extensionContainer(out: ScimResource, urn: string): Record<string, unknown> {
  const existing = out[urn];
  if (isPlainObject(existing)) return existing;
  const created: Record<string, unknown> = {};
  out[urn] = created;
  return created;
}

/** Normalizes one attribute value; undefined means "no value" (null, empty array, empty complex value). */
export function normalizeValue(attribute: ScimAttribute, value: unknown, options: NormalizeOptions = {}): unknown {
  if (value === null || value === undefined) return undefined;
  if (attribute.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    const normalized = items.map((item) => normalizeSingle(attribute, item, options)).filter((item) => item !== undefined);
    return normalized.length > 0 ? normalized : undefined;
  }
  return normalizeSingle(attribute, value, options);
}

function normalizeSingle(attribute: ScimAttribute, value: unknown, options: NormalizeOptions): unknown {
  if (value === null || value === undefined) return undefined;
  switch (attribute.type) {
    case 'complex': {
      if (!isPlainObject(value)) return value; // the validator reports the type error
      const out: Record<string, unknown> = {};
      for (const [key, subValue] of Object.entries(value)) {
        const sub = findAttribute(attribute.subAttributes ?? [], key);
        if (!sub) {
          if (options.strict) throw badRequest('invalidSyntax', `Unknown sub-attribute "${attribute.name}.${key}".`);
          continue;
        }
        const v = normalizeSingle(sub, subValue, options);
        if (v !== undefined) out[sub.name] = v;
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    default:
      return coerce(attribute.type, value);
  }
}
