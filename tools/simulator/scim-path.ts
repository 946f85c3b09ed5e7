// SCIM attribute paths as mapping targets: `userName`, `name.givenName`, `emails[type eq "work"].value`,
// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department` (URN, colon, attribute). Reading them
// from a resource returned by any SCIM endpoint (attribute names compared case-insensitively, as SCIM requires)
// and writing them into a request body the way Entra builds its POST bodies.

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LOOOP_USER = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';

export interface TargetPath {
  /** As written in the mapping (used as the PATCH path). */
  text: string;
  /** Extension schema URN holding the attribute; undefined for core attributes. */
  schema?: string;
  attribute: string;
  /** `[attr eq "value"]` selecting one entry of a multi-valued attribute. */
  filter?: { attribute: string; value: string };
  subAttribute?: string;
}

const NAME = '[A-Za-z][A-Za-z0-9_$-]*';
const REST = new RegExp(`^(${NAME})(?:\\[\\s*(${NAME})\\s+eq\\s+"((?:[^"\\\\]|\\\\.)*)"\\s*\\])?(?:\\.(${NAME}))?$`, 'i');

/** Parses a target path; throws with a message naming the path when it is not one of the supported forms. */
export function parseTargetPath(text: string): TargetPath {
  const trimmed = text.trim();
  let schema: string | undefined;
  let rest = trimmed;
  if (/^urn:/i.test(trimmed)) {
    const bracket = trimmed.indexOf('[');
    const head = bracket === -1 ? trimmed : trimmed.slice(0, bracket);
    const colon = head.lastIndexOf(':');
    if (colon <= 4) throw new Error(`Target path "${text}": a URN-qualified path is "<schema URN>:<attribute>".`);
    schema = trimmed.slice(0, colon);
    rest = trimmed.slice(colon + 1);
    if (schema.toLowerCase() === CORE_USER.toLowerCase() || schema.toLowerCase() === CORE_GROUP.toLowerCase()) schema = undefined;
  }
  const m = REST.exec(rest);
  if (!m) throw new Error(`Target path "${text}" is not a supported SCIM path (attr, attr.sub, attr[sub eq "v"].sub, <urn>:attr).`);
  const path: TargetPath = { text: trimmed, attribute: m[1] };
  if (schema) path.schema = schema;
  if (m[2] !== undefined) path.filter = { attribute: m[2], value: JSON.parse(`"${m[3]}"`) as string };
  if (m[4] !== undefined) path.subAttribute = m[4];
  return path;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Property of `obj` whose name equals `name` case-insensitively (exact match first). */
export function getCI(obj: Json, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

function keyCI(obj: Json, name: string): string {
  if (name in obj) return name;
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return key;
  return name;
}

function filterMatches(entry: unknown, filter: NonNullable<TargetPath['filter']>): entry is Json {
  if (!isObject(entry)) return false;
  const v = getCI(entry, filter.attribute);
  // `type` and the like are caseExact false in the core schema.
  return typeof v === 'string' && v.toLowerCase() === filter.value.toLowerCase();
}

export interface ReadResult {
  value: unknown;
  /** How many multi-valued entries the filter matched (a typed entry must not be duplicated). */
  matches?: number;
}

/** Reads a target path from a SCIM resource. Absent → `{ value: undefined }`. */
export function readPath(resource: Json, path: TargetPath): ReadResult {
  let container: unknown = resource;
  if (path.schema) container = getCI(resource, path.schema);
  if (!isObject(container)) return { value: undefined };
  const attr = getCI(container, path.attribute);
  if (path.filter) {
    if (!Array.isArray(attr)) return { value: undefined, matches: 0 };
    const entries = attr.filter((e) => filterMatches(e, path.filter as NonNullable<TargetPath['filter']>));
    const first = entries[0];
    if (!first) return { value: undefined, matches: 0 };
    return { value: path.subAttribute ? getCI(first, path.subAttribute) : first, matches: entries.length };
  }
  if (path.subAttribute) {
    if (Array.isArray(attr)) {
      // `emails.value` on a multi-valued attribute: the primary entry's, else the first.
      const entry = attr.find((e) => isObject(e) && getCI(e, 'primary') === true) ?? attr[0];
      return { value: isObject(entry) ? getCI(entry, path.subAttribute) : undefined };
    }
    return { value: isObject(attr) ? getCI(attr, path.subAttribute) : undefined };
  }
  return { value: attr };
}

/**
 * Writes a target path into a request body being built (POST), creating containers and typed entries as Entra does:
 * `emails[type eq "work"].value` becomes `emails: [{ type: "work", value, primary: true }]` (emails only get primary).
 */
export function writePath(body: Json, path: TargetPath, value: unknown): void {
  let container: Json = body;
  if (path.schema) {
    const key = keyCI(body, path.schema);
    if (!isObject(body[key])) body[key] = {};
    container = body[key] as Json;
  }
  const attrKey = keyCI(container, path.attribute);
  if (path.filter) {
    if (!Array.isArray(container[attrKey])) container[attrKey] = [];
    const list = container[attrKey] as unknown[];
    let entry = list.find((e) => filterMatches(e, path.filter as NonNullable<TargetPath['filter']>)) as Json | undefined;
    if (!entry) {
      entry = { [path.filter.attribute]: path.filter.value };
      if (path.attribute.toLowerCase() === 'emails' && !list.some((e) => isObject(e) && e.primary === true)) entry.primary = true;
      list.push(entry);
    }
    entry[path.subAttribute ?? 'value'] = value;
    return;
  }
  if (path.subAttribute) {
    if (!isObject(container[attrKey])) container[attrKey] = {};
    (container[attrKey] as Json)[path.subAttribute] = value;
    return;
  }
  container[attrKey] = value;
}

/** The key a path-less (compliance-mode) replace uses: `name.givenName`, `urn:...:User:employeeNumber`. */
export function pathlessKey(path: TargetPath): string | undefined {
  if (path.filter) return undefined;
  const local = path.subAttribute ? `${path.attribute}.${path.subAttribute}` : path.attribute;
  return path.schema ? `${path.schema}:${local}` : local;
}
