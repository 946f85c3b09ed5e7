// Schema-aware evaluation of parsed SCIM filters (RFC 7644 §3.4.2.2) against stored resources in canonical form.
//
// Semantics chosen where the RFC leaves room:
// - A multi-valued attribute matches when any of its values matches (`emails.value eq "x"`). `emails eq "x"` and
//   `manager eq "id"` compare the complex attribute's `value` sub-attribute.
// - `ne` is the negation of `eq`: `a ne v` ≡ `not (a eq v)`. So a missing attribute matches `ne` (RFC 7643 §2.5: an
//   unassigned attribute is the same as null, and null is not "v"), and a multi-valued attribute matches `ne` only
//   when none of its values equals v. This keeps `ne` the exact complement of `eq`, which is what clients building a
//   negated search expect and what a query planner can rely on.
// - `eq null` matches when the attribute has no value; `ne null` when it has one (the same as `pr`).
// - Unknown attributes have no value: `eq`/`co`/`sw`/`ew`/`gt`/`ge`/`lt`/`le`/`pr` never match, `ne` always does.
// - Operators that make no sense for a *known* attribute's type fail with 400 invalidFilter, before any resource is
//   looked at (so the answer does not depend on the data): ordering on boolean/binary (RFC 7644 says so), ordering or
//   substring operators on booleans and numbers, comparisons on complex attributes without a `value` sub-attribute,
//   non-boolean literals for boolean attributes, unparseable dateTime literals, value filters on simple attributes.
import { admits, compareComparable, comparedAttribute, isPlainObject, readAs } from './attribute-types.js';
import { badRequest } from './errors.js';
import { findAttribute, type ResourceSchema, type ScimAttribute } from './schema.js';
import type { CompareOp, FilterNode, FilterValue } from './filter-parse.js';

type CompareNode = Extract<FilterNode, { op: CompareOp }>;
type PresentNode = Extract<FilterNode, { op: 'pr' }>;
type ValuePathNode = Extract<FilterNode, { op: 'valuePath' }>;
type LeafNode = CompareNode | PresentNode;

/** Where leaf paths are looked up: a whole resource, or one element of a multi-valued complex attribute. */
interface Scope {
  leaf(node: LeafNode): boolean;
  valuePath(node: ValuePathNode): boolean;
}

/** True when `resource` satisfies the filter. Throws ScimError 400 invalidFilter for type errors (see above). */
export function matchesFilter(node: FilterNode, resource: Record<string, unknown>, schema: ResourceSchema): boolean {
  validateOnce(node, schema, () => validateFilter(node, schema));
  return evaluate(node, resourceScope(resource, schema));
}

/**
 * For inner filters of a value path (`members[value eq "x"]`, `emails[type eq "work"]`): evaluate against one element
 * of a multi-valued complex attribute. Paths in `node` are sub-attribute names of `attribute`.
 */
export function matchesValueFilter(node: FilterNode, element: Record<string, unknown>, attribute: ScimAttribute): boolean {
  validateOnce(node, attribute, () => validateValueFilter(node, attribute));
  return evaluate(node, elementScope(element, attribute));
}

/**
 * Checks a filter against a resource type's schema without evaluating it, throwing the same 400 invalidFilter errors
 * matchesFilter would. Useful to reject a bad filter before touching storage.
 */
export function validateFilter(node: FilterNode, schema: ResourceSchema): void {
  walk(node, (leaf) => {
    const resolved = schema.resolve(leaf.path);
    if (resolved) checkLeaf(leaf, resolved.subAttribute ?? resolved.attribute, leaf.path);
  }, (valuePath) => {
    const resolved = schema.resolve(valuePath.path);
    if (!resolved) return; // unknown attribute: no value, nothing to check
    const target = resolved.subAttribute ?? resolved.attribute;
    if (target.type !== 'complex') {
      throw invalid(`'${valuePath.path}' is not a complex attribute, so it cannot take a value filter '[...]'`);
    }
    validateValueFilter(valuePath.filter, target, valuePath.path);
  });
}

function validateValueFilter(node: FilterNode, attribute: ScimAttribute, parentPath: string = attribute.name): void {
  walk(node, (leaf) => {
    const sub = findAttribute(attribute.subAttributes ?? [], leaf.path);
    if (sub) checkLeaf(leaf, sub, `${parentPath}.${leaf.path}`);
  }, (valuePath) => {
    throw invalid(`value filters cannot be nested ('${valuePath.path}[...]' inside '${parentPath}[...]')`);
  });
}

/** Values at a path (`name.familyName`, `emails.value`, `urn:...:manager.value`, `meta.created`), flattened over multi-valued attributes. */
export function valuesAtPath(resource: Record<string, unknown>, path: string, schema: ResourceSchema): unknown[] {
  const resolved = schema.resolve(path);
  if (!resolved || !isPlainObject(resource)) return [];
  const container = resolved.extension ? getProperty(resource, resolved.schema) : resource;
  if (!isPlainObject(container)) return [];
  const items = flatten(getProperty(container, resolved.attribute.name));
  const sub = resolved.subAttribute;
  if (!sub) return items;
  const out: unknown[] = [];
  for (const item of items) if (isPlainObject(item)) out.push(...flatten(getProperty(item, sub.name)));
  return out;
}

/**
 * Schema-aware ordering for sortBy: strings by caseExact (case-insensitive otherwise), dateTime as dates, numbers,
 * booleans (false before true); missing values sort last in ascending order. Arrays (multi-valued attributes) sort
 * by their primary element, else the first; complex values by their `value` sub-attribute.
 */
export function compareValues(a: unknown, b: unknown, attribute: ScimAttribute): number {
  const target = comparedAttribute(attribute) ?? attribute;
  const ka = sortKey(a);
  const kb = sortKey(b);
  if (ka === undefined || kb === undefined) return ka === kb ? 0 : ka === undefined ? 1 : -1;
  const x = readAs(target, ka);
  const y = readAs(target, kb);
  if (x !== undefined && y !== undefined && typeof x === typeof y) return compareComparable(x, y);
  // Values that do not read as the type (stored before a schema change, or odd input) sort by their text.
  return compareComparable(textOf(ka), textOf(kb));
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

function evaluate(node: FilterNode, scope: Scope): boolean {
  switch (node.op) {
    case 'and':
    case 'or': {
      // Long `a and b and c ...` chains are left-deep; walk the spine in a loop instead of recursing down it.
      const op = node.op;
      const operands: FilterNode[] = [];
      let current: FilterNode = node;
      while (current.op === op) {
        operands.push(current.right);
        current = current.left;
      }
      operands.push(current);
      for (let i = operands.length - 1; i >= 0; i--) {
        const result = evaluate(operands[i], scope);
        if (op === 'and' && !result) return false;
        if (op === 'or' && result) return true;
      }
      return op === 'and';
    }
    case 'not':
      return !evaluate(node.filter, scope);
    case 'valuePath':
      return scope.valuePath(node);
    default:
      return scope.leaf(node);
  }
}

function resourceScope(resource: Record<string, unknown>, schema: ResourceSchema): Scope {
  return {
    leaf(node) {
      const resolved = schema.resolve(node.path);
      if (!resolved) return testLeaf(node, [], undefined);
      let attribute = resolved.subAttribute ?? resolved.attribute;
      let values = valuesAtPath(resource, node.path, schema);
      if (attribute.type === 'complex' && node.op !== 'pr') {
        const valueSub = findAttribute(attribute.subAttributes ?? [], 'value');
        if (!valueSub) return false; // rejected by validation
        values = values.flatMap((v) => (isPlainObject(v) ? flatten(getProperty(v, valueSub.name)) : []));
        attribute = valueSub;
      }
      return testLeaf(node, values, attribute);
    },
    valuePath(node) {
      const resolved = schema.resolve(node.path);
      if (!resolved) return false;
      const attribute = resolved.subAttribute ?? resolved.attribute;
      const inner = node.filter;
      return valuesAtPath(resource, node.path, schema).some(
        (element) => isPlainObject(element) && evaluate(inner, elementScope(element, attribute)),
      );
    },
  };
}

function elementScope(element: Record<string, unknown>, attribute: ScimAttribute): Scope {
  return {
    leaf(node) {
      const sub = findAttribute(attribute.subAttributes ?? [], node.path);
      if (!sub || !isPlainObject(element)) return testLeaf(node, [], undefined);
      return testLeaf(node, flatten(getProperty(element, sub.name)), sub);
    },
    valuePath() {
      return false; // nested value filters are rejected by validation
    },
  };
}

/** Applies one comparison to the values found at its path; `attribute` undefined means the path is unknown. */
function testLeaf(node: LeafNode, values: unknown[], attribute: ScimAttribute | undefined): boolean {
  if (node.op === 'pr') return values.some(isPresent);
  if (node.value === null) {
    const present = values.some(isPresent);
    return node.op === 'eq' ? !present : node.op === 'ne' ? present : false;
  }
  if (!attribute) return node.op === 'ne';
  if (node.op === 'ne') {
    const equals = matcher('eq', node.value, attribute);
    return !values.some(equals);
  }
  return values.some(matcher(node.op, node.value, attribute));
}

type Matcher = (value: unknown) => boolean;
const never: Matcher = () => false;

function matcher(op: Exclude<CompareOp, 'ne'>, literal: Exclude<FilterValue, null>, attribute: ScimAttribute): Matcher {
  if (attribute.type === 'complex') return never;
  const { ordering } = admits(attribute.type);
  if (op === 'co' || op === 'sw' || op === 'ew') {
    if (attribute.type !== 'string' && attribute.type !== 'reference' && attribute.type !== 'dateTime' && attribute.type !== 'binary') return never;
    // Substring operators compare text; dateTime text case-insensitively ("t"/"z").
    const text = { ...attribute, type: 'string' as const, caseExact: attribute.type === 'dateTime' ? false : attribute.caseExact };
    const expected = readAs(text, literal);
    if (expected === undefined) return never;
    return (v) => {
      const actual = readAs(text, v);
      if (typeof actual !== 'string') return false;
      return op === 'co' ? actual.includes(expected as string) : op === 'sw' ? actual.startsWith(expected as string) : actual.endsWith(expected as string);
    };
  }
  if (op !== 'eq' && !ordering) return never;
  const expected = readAs(attribute, literal);
  if (expected === undefined) return never;
  return (v) => {
    const actual = readAs(attribute, v);
    return actual !== undefined && typeof actual === typeof expected && ordered(op, compareComparable(actual, expected));
  };
}

type OrderingOp = 'eq' | 'gt' | 'ge' | 'lt' | 'le';

function isOrdering(op: CompareOp): op is OrderingOp {
  return op === 'eq' || op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
}

/** `c` is the sign of (actual - expected). */
function ordered(op: OrderingOp, c: number): boolean {
  switch (op) {
    case 'eq':
      return c === 0;
    case 'gt':
      return c > 0;
    case 'ge':
      return c >= 0;
    case 'lt':
      return c < 0;
    case 'le':
      return c <= 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Validation against the schema

type LeafCheck = (leaf: LeafNode) => void;
type ValuePathCheck = (node: ValuePathNode) => void;

/** Visits every node without recursion (hand-built or very long ASTs must not overflow the stack). */
function walk(root: FilterNode, onLeaf: LeafCheck, onValuePath: ValuePathCheck): void {
  const stack: FilterNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as FilterNode;
    switch (node.op) {
      case 'and':
      case 'or':
        stack.push(node.right, node.left);
        break;
      case 'not':
        stack.push(node.filter);
        break;
      case 'valuePath':
        onValuePath(node);
        break;
      default:
        onLeaf(node);
    }
  }
}

function checkLeaf(leaf: LeafNode, attribute: ScimAttribute, path: string): void {
  if (leaf.op === 'pr') return;
  const { op, value } = leaf;
  // RFC 7643 §4.1.1: a password may be set, replaced or "compared (i.e., filter for equality)", never returned.
  // Substring and ordering comparisons on an attribute that is never returned would disclose it a character at a time.
  if (attribute.returned === 'never' && op !== 'eq' && op !== 'ne') {
    throw invalid(`'${path}' is never returned, so it can only be compared with eq or ne (or tested with pr), not '${op}'`);
  }
  if (value === null) {
    if (op !== 'eq' && op !== 'ne') throw invalid(`'${op}' cannot compare '${path}' with null (only eq and ne can)`);
    return;
  }
  const target = comparedAttribute(attribute);
  if (!target) {
    const example = attribute.subAttributes?.[0]?.name;
    throw invalid(
      `'${path}' is a complex attribute and cannot be compared with '${op}'` +
        (example ? `; compare one of its sub-attributes instead (e.g. '${path}.${example}')` : ''),
    );
  }
  const ordering = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  const substring = op === 'co' || op === 'sw' || op === 'ew';
  const allowed = admits(target.type);
  const numeric = target.type === 'integer' || target.type === 'decimal';
  if (target.type === 'boolean' && (ordering || substring)) throw invalid(`'${op}' cannot be used with the boolean attribute '${path}' (use eq, ne or pr)`);
  if (ordering && !allowed.ordering) throw invalid(`'${op}' cannot be used with the ${target.type} attribute '${path}'`);
  if (substring && !allowed.substring) throw invalid(`'${op}' cannot be used with the numeric attribute '${path}'`);
  if (substring || readAs(target, value) !== undefined) return;
  if (target.type === 'boolean') throw invalid(`'${path}' is boolean and must be compared with true or false, not ${JSON.stringify(value)}`);
  if (numeric) throw invalid(`'${path}' is numeric and cannot be compared with ${JSON.stringify(value)}`);
  if (target.type === 'dateTime') throw invalid(`${JSON.stringify(value)} is not a valid dateTime to compare with '${path}'`);
}

/** Validation is per (filter, schema or attribute); remember successes so per-resource evaluation stays cheap. */
const validated = new WeakMap<FilterNode, WeakSet<object>>();

function validateOnce(node: FilterNode, against: object, check: () => void): void {
  let seen = validated.get(node);
  if (seen?.has(against)) return;
  check();
  if (!seen) {
    seen = new WeakSet();
    validated.set(node, seen);
  }
  seen.add(against);
}

// ---------------------------------------------------------------------------------------------------------------
// Value helpers

function invalid(problem: string) {
  return badRequest('invalidFilter', `Invalid filter: ${problem}.`);
}

/** Own property by exact name, else by case-insensitive name (stored data is canonical; this is a safety net). */
function getProperty(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) return object[key];
  return undefined;
}

function flatten(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((v) => v !== undefined && v !== null);
  return [value];
}

/** `pr` semantics: present and not empty (empty string, array or object count as absent). */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isPlainObject(value)) return Object.values(value).some((v) => v !== undefined && v !== null && v !== '');
  return true;
}

/** The single value a (possibly multi-valued, possibly complex) attribute value sorts by; undefined when missing. */
function sortKey(value: unknown): unknown {
  let v = value;
  if (Array.isArray(v)) {
    const present = v.filter(isPresent);
    v = present.find((e) => isPlainObject(e) && e.primary === true) ?? present[0];
  }
  if (isPlainObject(v)) v = getProperty(v, 'value');
  if (v === undefined || v === null || v === '') return undefined;
  return v;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
