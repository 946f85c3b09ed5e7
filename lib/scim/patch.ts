// The SCIM PATCH engine (RFC 7644 §3.5.2), driven by the schema documents and tolerant of the Microsoft Entra ID
// provisioning dialect (see docs/entra-wire.md): op names in any case, "True"/"False" strings for
// booleans, path-less replace with dotted and URN-qualified keys, value paths that create the entry they name,
// `remove members` with a value list, manager as a bare id.
//
// applyPatch is pure: it deep-copies the resource once, applies every operation in order and either returns the result or
// throws a ScimError, so the caller stores all operations of a request or none. Its cost is bounded per request, not
// per operation: it meters the characters each operation writes and the multi-valued entries it examines, and refuses
// a request as soon as either passes its budget (so a body within the size limit cannot make it grow a resource past
// what storage accepts, or spend seconds of CPU re-walking a growing array). Attributes the caller keeps outside the
// resource (a group's members) are not touched; operations on them come back as `memberChanges` for the store.
import { canonicalJson, deepEqual, isPlainObject, isUnassigned, typeProblem } from './attribute-types.js';
import { badRequest, ScimError } from './errors.js';
import { matchesValueFilter, type FilterNode } from './filter.js';
import { parseMemberRefs } from './members.js';
import { normalizeValue } from './normalize.js';
import { equalityTerms, parsePatchPath, type AttributePatchPath, type PatchPath } from './patch-path.js';
import { findAttribute, type ResourceSchema, type ScimAttribute } from './schema.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface MemberRef {
  value: string;
  type?: string;
  display?: string;
  $ref?: string;
}

export type MemberChange =
  | { kind: 'add'; members: MemberRef[] }
  /** Remove exactly these member ids. */
  | { kind: 'remove'; values: string[] }
  /** `members[<filter other than value eq>]`: the store evaluates the filter against its member rows. */
  | { kind: 'removeWhere'; filter: FilterNode }
  | { kind: 'removeAll' }
  /** Replace the whole member set. */
  | { kind: 'replace'; members: MemberRef[] };

export interface PatchResult {
  resource: Record<string, unknown>;
  memberChanges: MemberChange[];
  /** False when the request changed nothing (the caller may skip the write and keep the version). */
  changed: boolean;
}

export interface PatchOptions {
  /** Top-level attributes not present in `resource` (e.g. `['members']` for Groups); operations on them become memberChanges. */
  externalAttributes?: string[];
  /** Most operations one request may carry (the service's maxPatchOperations); more is a 413 before any is applied. */
  maxOperations?: number;
  /**
   * Characters of JSON one request may write into the resource in total (values set, entries added or edited); more
   * is a 400 as soon as it is passed. Default DEFAULT_MAX_WRITTEN_CHARS.
   */
  maxWrittenChars?: number;
  /** Multi-valued entries one request may examine in total (CPU bound); more is a 413 as soon as it is passed. Default DEFAULT_MAX_VALUE_VISITS. */
  maxValueVisits?: number;
}

/** Twice what one stored resource may hold (lib/store: 420,000 characters): a request writing more could never be stored. */
export const DEFAULT_MAX_WRITTEN_CHARS = 840_000;
/** Under ~100 ms of CPU on a 2-core development machine in the costliest shape measured (thousands of adds to one array). */
export const DEFAULT_MAX_VALUE_VISITS = 50_000;

type Json = Record<string, unknown>;
type OpName = 'add' | 'replace' | 'remove';

/** Sub-attributes that only qualify a multi-valued entry; an entry left with nothing else carries no value. */
const QUALIFIERS = new Set(['type', 'primary', 'display']);

export function applyPatch(resource: Record<string, unknown>, body: unknown, schema: ResourceSchema, options: PatchOptions = {}): PatchResult {
  const operations = readEnvelope(body);
  if (options.maxOperations !== undefined && operations.length > options.maxOperations) {
    // RFC 7644 has no scimType for this; like Bulk's maxOperations (§3.7.4) it is a 413 naming the limit.
    throw new ScimError(413, undefined, `A PATCH request may carry at most ${options.maxOperations} operations (got ${operations.length}).`);
  }
  // The one copy of the request: `resource` itself is only read (the pre-image for the required and changed checks).
  const original = resource;
  const working = structuredClone(resource);
  const meter = new Meter(options.maxWrittenChars ?? DEFAULT_MAX_WRITTEN_CHARS, options.maxValueVisits ?? DEFAULT_MAX_VALUE_VISITS);
  const patcher = new Patcher(working, schema, options.externalAttributes ?? [], meter);
  operations.forEach((operation, index) => patcher.run(operation, index));
  checkRequired(original, working, schema, patcher.external);
  return {
    resource: working,
    memberChanges: patcher.memberChanges,
    changed: patcher.memberChanges.length > 0 || !deepEqual(original, working),
  };
}

/** Validates the PatchOp message (RFC 7644 §3.5.2) and returns its operations. */
function readEnvelope(body: unknown): unknown[] {
  if (!isPlainObject(body)) throw badRequest('invalidSyntax', 'The PATCH body must be a JSON object (a PatchOp message).');
  // `schemas` is REQUIRED by the RFC and Entra always sends it; a body that omits it is still accepted (robustness),
  // but one that names other schemas only is a different message and is rejected.
  const schemas = member(body, 'schemas');
  if (schemas !== undefined) {
    const ok = Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase());
    if (!ok) throw badRequest('invalidSyntax', `The PATCH body must list "${PATCH_OP_SCHEMA}" in "schemas".`);
  }
  const operations = member(body, 'Operations');
  if (!Array.isArray(operations)) throw badRequest('invalidSyntax', 'The PATCH body must have an "Operations" array.');
  return operations;
}

/** A member of a JSON object looked up case-insensitively (exact spelling first). */
function member(obj: Json, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function hasMember(obj: Json, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(obj).some((k) => k.toLowerCase() === lower);
}

/** The request's running cost; throws as soon as one budget is passed. */
class Meter {
  private written = 0;
  private visited = 0;

  constructor(
    private readonly maxWrittenChars: number,
    private readonly maxVisits: number,
  ) {}

  /** `times` copies of `value` are written into the resource. */
  write(value: unknown, times = 1): void {
    if (times <= 0 || value === undefined) return;
    this.written += jsonLength(value) * times;
    if (this.written > this.maxWrittenChars) {
      throw badRequest('invalidValue', `The PATCH request writes more than ${this.maxWrittenChars} characters into the resource, more than it may hold.`);
    }
  }

  /** `count` entries of a multi-valued attribute are examined. */
  visit(count: number): void {
    this.visited += count;
    if (this.visited > this.maxVisits) {
      // Like maxOperations: a request-size limit, 413 naming it.
      throw new ScimError(413, undefined, `The PATCH request examines more than ${this.maxVisits} values of multi-valued attributes in total; send fewer operations per request.`);
    }
  }
}

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}

class Patcher {
  readonly memberChanges: MemberChange[] = [];
  readonly external: Set<string>;
  /**
   * The canonical JSON of an array's entries, kept for the array an unfiltered `add` left in place so the next `add`
   * to it does not re-serialize every entry. Every other path builds a new array, so a stale set is never found.
   */
  private readonly entryKeys = new WeakMap<unknown[], Set<string>>();

  constructor(
    private readonly resource: Json,
    private readonly schema: ResourceSchema,
    externalAttributes: string[],
    private readonly meter: Meter,
  ) {
    this.external = new Set(externalAttributes.map((a) => a.toLowerCase()));
  }

  run(operation: unknown, index: number): void {
    if (!isPlainObject(operation)) throw badRequest('invalidSyntax', `Operations[${index}] must be an object.`);
    const opRaw = member(operation, 'op');
    const op = typeof opRaw === 'string' ? opRaw.trim().toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw badRequest('invalidSyntax', `Operations[${index}].op must be "add", "replace" or "remove" (got ${JSON.stringify(opRaw ?? null)}).`);
    }
    const pathRaw = member(operation, 'path');
    if (pathRaw !== undefined && pathRaw !== null && typeof pathRaw !== 'string') {
      throw badRequest('invalidPath', `Operations[${index}].path must be a string.`);
    }
    const path = typeof pathRaw === 'string' && pathRaw.trim() !== '' ? pathRaw : undefined;
    const hasValue = hasMember(operation, 'value');
    const value = member(operation, 'value');

    if (path === undefined) {
      // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with ... 'noTarget'."
      if (op === 'remove') throw badRequest('noTarget', `Operations[${index}]: "remove" needs a "path".`);
      if (!hasValue) throw badRequest('invalidSyntax', `Operations[${index}]: "${op}" needs a "value".`);
      if (!isPlainObject(value)) {
        throw badRequest('invalidSyntax', `Operations[${index}]: "${op}" without a path needs an object of attributes as its value.`);
      }
      this.applyPathless(op, value);
      return;
    }
    const target = parsePatchPath(path, this.schema);
    if (op !== 'remove' && !hasValue) throw badRequest('invalidSyntax', `Operations[${index}]: "${op}" needs a "value".`);
    this.applyAt(op, target, value, hasValue);
  }

  /** Path-less add/replace: each key of the value object is a path of its own (plain, dotted, URN-qualified or an extension URN). */
  private applyPathless(op: OpName, value: Json): void {
    for (const [key, v] of Object.entries(value)) {
      if (key.toLowerCase() === 'schemas') continue; // some clients echo the resource's schemas; they are computed on output
      this.applyAt(op, parsePatchPath(key, this.schema), v, true);
    }
  }

  private applyAt(op: OpName, target: PatchPath, value: unknown, hasValue: boolean): void {
    if (target.kind === 'extension') {
      this.applyExtension(op, target.schema, value);
      return;
    }
    const { attribute } = target;
    if (!target.extension && this.external.has(attribute.name.toLowerCase())) {
      this.applyExternal(op, target, value, hasValue);
      return;
    }
    const container = this.container(target, op !== 'remove');
    if (!container) return; // removing from an extension the resource does not have: nothing to do
    // Only attributes with a mutability rule need their pre-image (copying every target would make each operation
    // cost the size of what it edits, and a request of many operations on one large array cost its square).
    const guarded = attribute.mutability === 'readOnly' || attribute.mutability === 'immutable' || target.subAttribute?.mutability === 'readOnly';
    const before = guarded ? structuredClone(container[attribute.name]) : undefined;

    if (attribute.multiValued) this.applyMulti(op, target, container, value, hasValue);
    else {
      if (op !== 'remove') this.meter.write(value);
      if (attribute.type === 'complex') this.applyComplex(op, target, container, value);
      else if (op === 'remove') delete container[attribute.name];
      else setOrDelete(container, attribute.name, prepareValue(attribute, value, target.text));
    }

    const after = container[attribute.name];
    if (guarded && !deepEqual(before, after)) {
      // RFC 7643 §2.2 / RFC 7644 §3.5.2: readOnly attributes cannot be changed; immutable ones only set when unassigned.
      // A write that leaves the value as it was is accepted (clients echo `id` in path-less replaces).
      if (attribute.mutability === 'readOnly' || target.subAttribute?.mutability === 'readOnly') {
        throw badRequest('mutability', `Attribute "${target.text}" is read-only.`);
      }
      if (attribute.mutability === 'immutable' && before !== undefined) {
        throw badRequest('mutability', `Attribute "${target.text}" is immutable and already has a value.`);
      }
    }
    if (target.extension && Object.keys(container).length === 0) delete this.resource[target.schema];
  }

  /** The object holding the target attribute: the resource, or its extension object (created when `create`). */
  private container(target: AttributePatchPath, create: boolean): Json | undefined {
    if (!target.extension) return this.resource;
    const existing = this.resource[target.schema];
    if (isPlainObject(existing)) return existing;
    if (!create) return undefined;
    const created: Json = {};
    this.resource[target.schema] = created;
    return created;
  }

  /** An extension addressed as a whole (path = extension URN, or a URN key in a path-less value). */
  private applyExtension(op: OpName, urn: string, value: unknown): void {
    if (op === 'remove' || isUnassigned(value)) {
      delete this.resource[urn];
      return;
    }
    if (!isPlainObject(value)) throw badRequest('invalidValue', `The value for "${urn}" must be an object of extension attributes.`);
    for (const [key, v] of Object.entries(value)) this.applyAt(op, parsePatchPath(`${urn}:${key}`, this.schema), v, true);
  }

  // ---- single-valued complex attributes (name, manager) ----

  private applyComplex(op: OpName, target: AttributePatchPath, container: Json, value: unknown): void {
    const { attribute, subAttribute, filter } = target;
    const current = container[attribute.name];
    if (filter) {
      const matches = isPlainObject(current) && matchesValueFilter(filter, current, attribute);
      if (!matches) {
        // Removing something that is not there is a no-op (see applyMulti). For add/replace, an absent value is created
        // from the filter's eq terms; a present value that does not match is not silently overwritten.
        if (op === 'remove') return;
        if (current !== undefined) throw badRequest('noTarget', `"${target.text}" matches no value of "${attribute.name}".`);
        const terms = creationTerms(filter, attribute, target.text);
        container[attribute.name] = terms;
        this.applyComplex(op, { ...target, filter: undefined }, container, value);
        if (isPlainObject(container[attribute.name]) && deepEqual(container[attribute.name], terms)) delete container[attribute.name];
        return;
      }
    }
    const valueSub = findAttribute(attribute.subAttributes ?? [], 'value');
    if (subAttribute) {
      const parent: Json = isPlainObject(current) ? current : {};
      if (op === 'remove') delete parent[subAttribute.name];
      else setSub(parent, subAttribute, prepareValue(subAttribute, value, target.text), target.text);
      // Clearing manager.value clears the manager: its other sub-attributes described the referent that is gone.
      const keep = Object.keys(parent).length > 0 && !(subAttribute === valueSub && parent[subAttribute.name] === undefined);
      setOrDelete(container, attribute.name, keep ? parent : undefined);
      return;
    }
    if (op === 'remove') {
      delete container[attribute.name];
      return;
    }
    const raw = singleComplexValue(attribute, value, target.text);
    if (raw === undefined) {
      delete container[attribute.name];
      return;
    }
    const { set, clear } = prepareMerge(attribute, raw, target.text);
    if (valueSub && clear.includes(valueSub.name)) {
      delete container[attribute.name]; // `{"value": ""}` clears a manager (Microsoft's validator does this)
      return;
    }
    // RFC 7644 §3.5.2.1/3: sub-attributes not in the value are left unchanged. But when a reference-like attribute
    // (manager) gets a different `value`, its other sub-attributes ($ref, displayName) described the old referent,
    // so the new value replaces the old one instead of being merged into it.
    const retarget = valueSub !== undefined && isPlainObject(current) && set[valueSub.name] !== undefined && !deepEqual(current[valueSub.name], set[valueSub.name]);
    const next: Json = isPlainObject(current) && !retarget ? current : {};
    mergeInto(next, attribute, set, clear, target.text);
    setOrDelete(container, attribute.name, Object.keys(next).length > 0 ? next : undefined);
  }

  // ---- multi-valued attributes (emails, roles, addresses, ...) ----

  private applyMulti(op: OpName, target: AttributePatchPath, container: Json, value: unknown, hasValue: boolean): void {
    const { attribute, subAttribute, filter } = target;
    const existing = container[attribute.name];
    let entries: unknown[] = Array.isArray(existing) ? existing : [];
    const touched = new Set<unknown>();
    const cleared = new Set<unknown>();
    let keys: Set<string> | undefined; // the entries' canonical JSON, when this operation knows it
    // Every path below walks the current entries a bounded number of times.
    this.meter.visit(entries.length + 1);

    if (!filter && !subAttribute) {
      if (op === 'replace') {
        // RFC 7644 §3.5.2.3: no filter → the attribute and all its values are replaced.
        this.meter.write(value);
        entries = prepareItems(attribute, value, target.text);
        entries.forEach((e) => touched.add(e));
      } else if (op === 'add') {
        // RFC 7644 §3.5.2.1: values are added; a value already present is not added again.
        this.meter.write(value);
        const items = prepareItems(attribute, value, target.text);
        this.meter.visit(items.length);
        const present = this.entryKeys.get(entries) ?? new Set(entries.map(canonicalJson));
        entries = [...entries];
        for (const item of items) {
          const key = canonicalJson(item);
          if (present.has(key)) continue;
          present.add(key);
          entries.push(item);
          touched.add(item);
        }
        keys = present;
      } else if (!hasValue || value === null) {
        entries = []; // RFC 7644 §3.5.2.2: no filter → all values are removed
      } else {
        // Not in the RFC (remove has no value there) but sent by Entra for members and by other clients: remove the
        // listed values only — never the whole attribute, even when the list is empty.
        const items = prepareItems(attribute, value, target.text);
        this.meter.visit(entries.length * items.length); // each entry is compared with each listed value
        entries = entries.filter((e) => !items.some((item) => itemMatches(attribute, e, item)));
      }
    } else {
      // A value filter selects entries; `attr.sub` without a filter selects them all.
      const selected = entries.filter((e) => !filter || (isPlainObject(e) && matchesValueFilter(filter, e, attribute))) as Json[];
      // The value is written once per selected entry (or once into the entry an unmatched path creates).
      if (op !== 'remove') this.meter.write(value, Math.max(1, selected.length));
      if (op === 'remove') {
        // A filter that matches nothing is a no-op rather than 400 noTarget: Entra retries requests in later cycles and
        // expects removes to be idempotent (removing a typed email or a manager that is already gone must succeed).
        if (subAttribute) {
          for (const e of selected) {
            delete e[subAttribute.name];
            cleared.add(e);
          }
        } else {
          entries = entries.filter((e) => !selected.includes(e as Json));
        }
      } else if (selected.length === 0) {
        // RFC 7644 §3.5.2.3 answers noTarget here; Entra instead expects `emails[type eq "home"].value` to create the
        // home email, so the entry is built from the filter's eq terms (noTarget only when the filter has none).
        const created = this.createEntry(target, value);
        if (created) {
          entries = [...entries, created];
          touched.add(created);
        }
      } else {
        for (const e of selected) {
          if (subAttribute) {
            const v = prepareValue(subAttribute, value, target.text);
            setSub(e, subAttribute, v, target.text);
            if (v === undefined) cleared.add(e);
          } else {
            const raw = singleComplexValue(attribute, value, target.text);
            if (raw === undefined) {
              entries = entries.filter((x) => x !== e); // replacing the selected values with nothing removes them
              continue;
            }
            const { set, clear } = prepareMerge(attribute, raw, target.text);
            mergeInto(e, attribute, set, clear, target.text);
            if (clear.length > 0) cleared.add(e);
          }
          touched.add(e);
        }
      }
    }

    entries = entries.filter((e) => !(cleared.has(e) && isHollowEntry(e)));
    const demoted = enforceSinglePrimary(attribute, entries, touched, target.text);
    if (keys && !demoted) this.entryKeys.set(entries, keys);
    setOrDelete(container, attribute.name, entries.length > 0 ? entries : undefined);
  }

  /** The entry an add/replace on an unmatched value path creates: the filter's eq terms plus the value. */
  private createEntry(target: AttributePatchPath, value: unknown): Json | undefined {
    const { attribute, subAttribute } = target;
    const terms = creationTerms(target.filter, attribute, target.text);
    if (subAttribute) {
      const v = prepareValue(subAttribute, value, target.text);
      if (v === undefined) return undefined; // clearing a sub-attribute of an entry that does not exist
      return { ...terms, [subAttribute.name]: v };
    }
    const raw = singleComplexValue(attribute, value, target.text);
    if (raw === undefined) return undefined;
    const entry: Json = { ...terms, ...prepareMerge(attribute, raw, target.text).set };
    return isHollowEntry(entry) ? undefined : entry;
  }

  // ---- attributes stored outside the resource (group members) ----

  private applyExternal(op: OpName, target: AttributePatchPath, value: unknown, hasValue: boolean): void {
    const { attribute, subAttribute, filter } = target;
    if (subAttribute) {
      // members.value/type/$ref are immutable and members.display readOnly: a member is removed and added, never edited.
      if (subAttribute.mutability === 'readOnly' || subAttribute.mutability === 'immutable') {
        throw badRequest('mutability', `"${target.text}": ${attribute.name}.${subAttribute.name} cannot be modified.`);
      }
      throw badRequest('invalidPath', `"${target.text}": sub-attributes of "${attribute.name}" cannot be patched.`);
    }
    if (op === 'remove') {
      if (filter) {
        const ids = valueEqualities(filter, attribute);
        this.memberChanges.push(ids ? { kind: 'remove', values: ids } : { kind: 'removeWhere', filter });
      } else if (!hasValue || value === null) {
        this.memberChanges.push({ kind: 'removeAll' });
      } else {
        // Entra's default mode: `remove members` with a value list removes exactly those members.
        const values = unique(parseMemberRefs(attribute, value, target.text).map((m) => m.value));
        if (values.length > 0) this.memberChanges.push({ kind: 'remove', values });
      }
      return;
    }
    if (filter) throw badRequest('invalidPath', `"${target.text}": a value filter on "${attribute.name}" is only supported in "remove".`);
    const members = parseMemberRefs(attribute, value, target.text);
    if (op === 'replace') this.memberChanges.push({ kind: 'replace', members });
    else if (members.length > 0) this.memberChanges.push({ kind: 'add', members });
  }
}

// ---- values ----

/** Replaces "" with null at any depth, so normalizeValue drops it like any other unassigned value. */
function stripEmptyStrings(value: unknown): unknown {
  if (value === '') return null;
  if (Array.isArray(value)) return value.map(stripEmptyStrings);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripEmptyStrings(v)]));
  return value;
}

/** Normalizes (coercing "True"/"False" and numeric strings by schema type) and type-checks a value; undefined = clear. */
function prepareValue(attribute: ScimAttribute, raw: unknown, where: string): unknown {
  let input = stripEmptyStrings(raw);
  if (attribute.type === 'complex' && attribute.mutability !== 'readOnly') input = dropReadOnlySubs(attribute, input);
  const value = normalizeValue(attribute, input);
  if (value !== undefined) checkType(attribute, value, where);
  return value;
}

/** The items of a multi-valued value (a single item is accepted unwrapped), normalized, hollow entries dropped. */
function prepareItems(attribute: ScimAttribute, raw: unknown, where: string): unknown[] {
  const value = prepareValue(attribute, Array.isArray(raw) ? raw : [raw], where);
  const items = Array.isArray(value) ? value : [];
  return attribute.type === 'complex' ? items.filter((i) => !isHollowEntry(i)) : items;
}

/**
 * The object value of a single complex value (a single-valued complex attribute, or one selected entry of a
 * multi-valued one). Accepts Entra's shapes: a one-element array (`[{"value": id, "$ref": null}]`) and, for attributes
 * with a `value` sub-attribute such as manager, a bare string meaning `{value}`. Undefined means "clear".
 */
function singleComplexValue(attribute: ScimAttribute, value: unknown, where: string): Json | undefined {
  let v = value;
  if (Array.isArray(v)) {
    if (v.length > 1) throw badRequest('invalidValue', `"${where}" takes a single value, not a list of ${v.length}.`);
    v = v[0];
  }
  if (isUnassigned(v)) return undefined;
  if (typeof v === 'string' && findAttribute(attribute.subAttributes ?? [], 'value')) return { value: v };
  if (!isPlainObject(v)) throw badRequest('invalidValue', `"${where}" must be an object of ${attribute.name} sub-attributes.`);
  return v;
}

/**
 * Splits a complex value object into sub-attributes to set (normalized, canonical names) and ones to clear (sent as
 * null or ""). Unknown sub-attributes are dropped as on POST; readOnly ones (manager.displayName) are server-managed
 * and ignored, as RFC 7644 §3.5.1 does for PUT.
 */
function prepareMerge(attribute: ScimAttribute, raw: Json, where: string): { set: Json; clear: string[] } {
  const set: Json = {};
  const clear: string[] = [];
  for (const [key, v] of Object.entries(raw)) {
    const sub = findAttribute(attribute.subAttributes ?? [], key);
    if (!sub || (sub.mutability === 'readOnly' && attribute.mutability !== 'readOnly')) continue;
    const value = prepareValue(sub, v, `${where}.${sub.name}`);
    if (value === undefined) clear.push(sub.name);
    else set[sub.name] = value;
  }
  return { set, clear };
}

function mergeInto(target: Json, attribute: ScimAttribute, set: Json, clear: string[], where: string): void {
  for (const name of clear) {
    const sub = findAttribute(attribute.subAttributes ?? [], name);
    if (sub) setSub(target, sub, undefined, where);
  }
  for (const [name, v] of Object.entries(set)) {
    const sub = findAttribute(attribute.subAttributes ?? [], name);
    if (sub) setSub(target, sub, v, where);
  }
}

/** Sets (or with undefined clears) one sub-attribute, refusing to change an immutable one that has a value. */
function setSub(target: Json, sub: ScimAttribute, value: unknown, where: string): void {
  const current = target[sub.name];
  if (sub.mutability === 'immutable' && current !== undefined && !deepEqual(current, value)) {
    throw badRequest('mutability', `"${where}": ${sub.name} is immutable and already has a value.`);
  }
  setOrDelete(target, sub.name, value);
}

function setOrDelete(target: Json, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

function dropReadOnlySubs(attribute: ScimAttribute, value: unknown): unknown {
  const strip = (item: unknown): unknown => {
    if (!isPlainObject(item)) return item;
    return Object.fromEntries(
      Object.entries(item).filter(([k]) => findAttribute(attribute.subAttributes ?? [], k)?.mutability !== 'readOnly'),
    );
  };
  return Array.isArray(value) ? value.map(strip) : strip(value);
}

/** Throws 400 invalidValue when a normalized value does not have the attribute's JSON type. */
function checkType(attribute: ScimAttribute, value: unknown, where: string): void {
  if (attribute.multiValued) {
    if (!Array.isArray(value)) throw badRequest('invalidValue', `"${where}" must be an array.`);
    for (const item of value) checkSingle(attribute, item, where);
  } else {
    checkSingle(attribute, value, where);
  }
}

function checkSingle(attribute: ScimAttribute, value: unknown, where: string): void {
  const problem = typeProblem(attribute, value);
  if (problem) throw badRequest('invalidValue', `"${where}" must be ${problem}, not ${JSON.stringify(value)}.`);
  if (attribute.type !== 'complex') return;
  for (const [k, v] of Object.entries(value as Json)) {
    const sub = findAttribute(attribute.subAttributes ?? [], k);
    if (sub) checkType(sub, v, `${where}.${sub.name}`);
  }
}

/** An entry that holds only qualifiers (type/primary/display) carries no value and is not kept. */
function isHollowEntry(entry: unknown): boolean {
  return isPlainObject(entry) && Object.keys(entry).every((k) => QUALIFIERS.has(k));
}

/** Whether an existing entry matches an item of a `remove` value: every sub-attribute the item gives is equal. */
function itemMatches(attribute: ScimAttribute, entry: unknown, item: unknown): boolean {
  if (!isPlainObject(item) || !isPlainObject(entry)) return deepEqual(entry, item);
  return Object.entries(item).every(([k, v]) => {
    const sub = findAttribute(attribute.subAttributes ?? [], k);
    const e = entry[k];
    if (sub && !sub.caseExact && typeof v === 'string' && typeof e === 'string') return v.toLowerCase() === e.toLowerCase();
    return deepEqual(e, v);
  });
}

/** RFC 7643 §2.4: at most one `primary: true`. The entries an operation set primary on win; the others lose it (true if any did). */
function enforceSinglePrimary(attribute: ScimAttribute, entries: unknown[], touched: Set<unknown>, where: string): boolean {
  if (!findAttribute(attribute.subAttributes ?? [], 'primary')) return false;
  const isPrimary = (e: unknown): e is Json => isPlainObject(e) && e.primary === true;
  const winners = entries.filter((e) => touched.has(e) && isPrimary(e));
  if (winners.length > 1) throw badRequest('invalidValue', `"${where}": only one value of "${attribute.name}" may be primary.`);
  if (winners.length === 0) return false;
  let demoted = false;
  for (const e of entries) {
    if (e !== winners[0] && isPrimary(e)) {
      e.primary = false;
      demoted = true;
    }
  }
  return demoted;
}

/** The entry an unmatched value path creates from; 400 noTarget when the filter pins no values (e.g. `or`, `co`). */
function creationTerms(filter: FilterNode | undefined, attribute: ScimAttribute, where: string): Json {
  if (!filter) return {};
  const terms = equalityTerms(filter, attribute);
  if (!terms) throw badRequest('noTarget', `"${where}" matches no value, and its filter does not describe one to create.`);
  const out: Json = {};
  for (const [name, v] of Object.entries(terms)) {
    const sub = findAttribute(attribute.subAttributes ?? [], name);
    if (sub) out[sub.name] = prepareValue(sub, v, `${where}.${sub.name}`);
  }
  return out;
}

/** The ids of `value eq "a"` or `value eq "a" or value eq "b" ...`; undefined for any other filter. */
function valueEqualities(filter: FilterNode, attribute: ScimAttribute): string[] | undefined {
  const ids: string[] = [];
  const walk = (n: FilterNode): boolean => {
    if (n.op === 'or') return walk(n.left) && walk(n.right);
    if (n.op !== 'eq' || typeof n.value !== 'string') return false;
    if (findAttribute(attribute.subAttributes ?? [], n.path)?.name !== 'value') return false;
    ids.push(n.value);
    return true;
  };
  return walk(filter) ? unique(ids) : undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * RFC 7644 §3.5.2.2: "If an attribute is removed or becomes unassigned and is defined as a required attribute ..., the
 * server SHALL return ... 'mutability'." Checked on the final state, so a request may remove and re-add one.
 */
function checkRequired(original: Json, patched: Json, schema: ResourceSchema, external: Set<string>): void {
  const check = (attributes: readonly ScimAttribute[], before: unknown, after: unknown, prefix: string): void => {
    for (const a of attributes) {
      if (!a.required || a.mutability === 'readOnly' || (prefix === '' && external.has(a.name.toLowerCase()))) continue;
      const had = isPlainObject(before) && before[a.name] !== undefined;
      const has = isPlainObject(after) && after[a.name] !== undefined;
      if (had && !has) throw badRequest('mutability', `Attribute "${prefix}${a.name}" is required and cannot be removed or cleared.`);
    }
  };
  check(schema.coreSchema.attributes, original, patched, '');
  for (const ext of schema.extensions) check(ext.attributes, original[ext.id], patched[ext.id], `${ext.id}:`);
}
