// Parses the "path" of a SCIM PATCH operation (RFC 7644 §3.5.2, grammar in §3.10 / Figure 1):
//   PATH = attrPath / valuePath [subAttr]
// i.e. `attr`, `attr.sub`, `urn:...:attr`, `urn:...:attr.sub`, `attr[filter]`, `attr[filter].sub`, resolved
// case-insensitively against a resource type's schemas. Anything that does not name an attribute of the resource type
// is a 400 `invalidPath`.
import { ScimError, badRequest } from './errors.js';
import { matchesValueFilter, parseFilter, type FilterNode } from './filter.js';
import { findAttribute, type ResolvedAttribute, type ResourceSchema, type ScimAttribute } from './schema.js';

/** A path naming one attribute (optionally narrowed by a value filter and/or a sub-attribute). */
export interface AttributePatchPath {
  kind: 'attribute';
  /** The path as sent (trimmed), for error messages. */
  text: string;
  /** Canonical URN of the schema defining the attribute. */
  schema: string;
  /** True when the attribute lives under its extension URN key in the resource. */
  extension: boolean;
  attribute: ScimAttribute;
  /** Value filter (`emails[type eq "work"]`); only on complex attributes. */
  filter?: FilterNode;
  subAttribute?: ScimAttribute;
}

/**
 * A path that is exactly an extension schema URN (`urn:...:enterprise:2.0:User`). Not in the RFC grammar, but some
 * clients address a whole extension this way; it behaves like a complex attribute holding the extension's attributes.
 */
export interface ExtensionPatchPath {
  kind: 'extension';
  text: string;
  schema: string;
}

export type PatchPath = AttributePatchPath | ExtensionPatchPath;

export function parsePatchPath(raw: string, schema: ResourceSchema): PatchPath {
  const text = raw.trim();
  if (text === '') throw invalidPath(raw, 'the path is empty');

  const extensionUrn = schema.extensionUrn(text);
  if (extensionUrn !== undefined) return { kind: 'extension', text, schema: extensionUrn };

  const open = text.indexOf('[');
  if (open < 0) {
    if (text.includes(']')) throw invalidPath(text, 'unbalanced "]"');
    const resolved = resolveAttribute(text, schema);
    if (!resolved) throw invalidPath(text, 'no such attribute');
    return {
      kind: 'attribute',
      text,
      schema: resolved.schema,
      extension: resolved.extension,
      attribute: resolved.attribute,
      ...(resolved.subAttribute ? { subAttribute: resolved.subAttribute } : {}),
    };
  }

  const close = closingBracket(text, open);
  if (close < 0) throw invalidPath(text, 'unterminated "["');
  const attrText = text.slice(0, open);
  const filterText = text.slice(open + 1, close);
  const after = text.slice(close + 1);

  const resolved = resolveAttribute(attrText, schema);
  if (!resolved || resolved.subAttribute) throw invalidPath(text, `"${attrText}" is not an attribute that can be filtered`);
  const { attribute } = resolved;
  if (attribute.type !== 'complex') throw invalidPath(text, `"${attribute.name}" is not a complex attribute`);

  let subAttribute: ScimAttribute | undefined;
  if (after !== '') {
    const m = /^\.([^.[\]]+)$/.exec(after);
    subAttribute = m ? findAttribute(attribute.subAttributes ?? [], m[1]) : undefined;
    if (!subAttribute) throw invalidPath(text, `"${after}" is not a sub-attribute of "${attribute.name}"`);
  }

  let filter: FilterNode;
  try {
    filter = parseFilter(filterText);
    checkFilterPaths(filter, attribute, text);
    matchesValueFilter(filter, {}, attribute); // runs the evaluator's type checks now, not only when an entry exists
  } catch (e) {
    if (e instanceof ScimError && e.scimType !== 'invalidPath') throw invalidPath(text, e.detail);
    throw e;
  }

  return {
    kind: 'attribute',
    text,
    schema: resolved.schema,
    extension: resolved.extension,
    attribute,
    filter,
    ...(subAttribute ? { subAttribute } : {}),
  };
}

/**
 * schema.resolve, plus one fallback: an unqualified name that is not a core attribute resolves to the extension that
 * defines it, when exactly one does. Entra's older mappings send `path: "manager"` for the enterprise manager.
 * A name defined by several extensions (`department`) must be URN-qualified.
 */
function resolveAttribute(path: string, schema: ResourceSchema): ResolvedAttribute | undefined {
  const resolved = schema.resolve(path);
  if (resolved || schema.splitUrn(path).schema) return resolved;
  const candidates = schema.extensions
    .map((ext) => schema.resolve(`${ext.id}:${path}`))
    .filter((r): r is ResolvedAttribute => r !== undefined);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** Index of the `]` closing the `[` at `open`, skipping quoted strings (a filter value may contain `]`); -1 if none. */
function closingBracket(text: string, open: number): number {
  let inString = false;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[') return -1; // nested value paths are not allowed in a PATCH path
    else if (c === ']') return i;
  }
  return -1;
}

/** Every attribute a value filter compares must be a sub-attribute of the filtered attribute. */
function checkFilterPaths(node: FilterNode, attribute: ScimAttribute, text: string): void {
  switch (node.op) {
    case 'and':
    case 'or':
      checkFilterPaths(node.left, attribute, text);
      checkFilterPaths(node.right, attribute, text);
      return;
    case 'not':
      checkFilterPaths(node.filter, attribute, text);
      return;
    case 'valuePath':
      throw invalidPath(text, 'nested value filters are not allowed');
    default:
      if (!findAttribute(attribute.subAttributes ?? [], node.path)) {
        throw invalidPath(text, `"${node.path}" is not a sub-attribute of "${attribute.name}"`);
      }
  }
}

/**
 * The sub-attribute values a filter pins with `eq` terms joined by `and` (`type eq "work" and primary eq true` →
 * `{type: "work", primary: true}`), keyed by canonical sub-attribute name. Undefined when the filter is anything else
 * (`or`, `not`, other operators), because then no single entry can be built from it.
 */
export function equalityTerms(node: FilterNode, attribute: ScimAttribute): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const walk = (n: FilterNode): boolean => {
    if (n.op === 'and') return walk(n.left) && walk(n.right);
    if (n.op !== 'eq' || n.value === null) return false;
    const sub = findAttribute(attribute.subAttributes ?? [], n.path);
    if (!sub) return false;
    if (sub.name in out && out[sub.name] !== n.value) return false;
    out[sub.name] = n.value;
    return true;
  };
  return walk(node) ? out : undefined;
}

function invalidPath(text: string, why: string): ScimError {
  return badRequest('invalidPath', `Invalid PATCH path "${text}": ${why}.`);
}
