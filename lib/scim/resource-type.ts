// One descriptor per resource type: the per-type rules the store, the query planner, rendering and the verb handlers
// share. What the SCIM schema documents say (the server-unique attribute and its case rule) is read from them; what
// they cannot say (storage key prefix, PATCH answer, attributes kept in rows of their own) comes from
// schemas/resource-behaviour.json. Both are checked when the module loads, so a schema edit that breaks a rule stops
// startup with a message instead of misbehaving on requests.
import behaviourDocument from './schemas/resource-behaviour.json' with { type: 'json' };
import { defaultCatalog, findAttribute, ResourceSchema, resourceSchema, type ResourceTypeName, type SchemaCatalog } from './schema.js';

export interface ResourceBehaviour {
  /** Row-key prefix of the type's rows (one capital letter, unique across types). */
  keyPrefix: string;
  /** PATCH answers 200 with the resource, or 204 without a body (Entra expects 204 for groups). */
  patchStatus: 200 | 204;
  /** Top-level attributes stored in rows of their own, not with the resource (group `members`). */
  storedApart: string[];
  /** A read-only attribute rendered from the reverse membership rows (a user's `groups`). */
  membershipView?: string;
}

export interface ResourceTypeDescriptor extends ResourceBehaviour {
  type: ResourceTypeName;
  schema: ResourceSchema;
  /** The attribute with `uniqueness: "server"`: the one a name index row is kept for. */
  uniqueAttribute: string;
  /** From the unique attribute's `caseExact`: false means uniqueness is compared case-insensitively. */
  uniqueCaseExact: boolean;
}

export type ResourceTypeDescriptors = Readonly<Record<ResourceTypeName, ResourceTypeDescriptor>>;

const TYPES: readonly ResourceTypeName[] = ['User', 'Group'];

/** Builds and checks the descriptors from schema data; throws a message naming what is wrong. */
export function buildDescriptors(
  catalog: SchemaCatalog = defaultCatalog,
  behaviours: Record<string, unknown> = behaviourDocument,
): ResourceTypeDescriptors {
  const out = {} as Record<ResourceTypeName, ResourceTypeDescriptor>;
  const prefixes = new Set<string>();
  for (const type of TYPES) {
    const schema = catalog === defaultCatalog ? resourceSchema(type) : new ResourceSchema(type, catalog);
    const behaviour = checkBehaviour(type, behaviours[type]);
    const unique = schema.coreSchema.attributes.filter((a) => a.uniqueness === 'server' && !a.multiValued && a.type === 'string');
    if (unique.length !== 1) {
      throw new Error(`Resource type ${type}: its core schema must have exactly one single-valued string attribute with "uniqueness": "server" (found ${unique.length}).`);
    }
    if (prefixes.has(behaviour.keyPrefix)) throw new Error(`Resource type ${type}: key prefix "${behaviour.keyPrefix}" is used twice.`);
    prefixes.add(behaviour.keyPrefix);
    for (const name of [...behaviour.storedApart, ...(behaviour.membershipView ? [behaviour.membershipView] : [])]) {
      if (!findAttribute(schema.topLevel, name)) throw new Error(`Resource type ${type}: "${name}" in resource-behaviour.json is not an attribute of its schema.`);
    }
    out[type] = { type, schema, ...behaviour, uniqueAttribute: unique[0]!.name, uniqueCaseExact: unique[0]!.caseExact };
  }
  return out;
}

function checkBehaviour(type: ResourceTypeName, raw: unknown): ResourceBehaviour {
  const b = raw as Partial<ResourceBehaviour> | undefined;
  const fail = (what: string) => new Error(`Resource type ${type}: resource-behaviour.json ${what}.`);
  if (typeof b !== 'object' || b === null) throw fail('has no entry for it');
  if (typeof b.keyPrefix !== 'string' || !/^[A-Z]$/.test(b.keyPrefix)) throw fail('needs "keyPrefix": one capital letter');
  if (b.patchStatus !== 200 && b.patchStatus !== 204) throw fail('needs "patchStatus": 200 or 204');
  if (!Array.isArray(b.storedApart) || !b.storedApart.every((s) => typeof s === 'string')) throw fail('needs "storedApart": a list of attribute names');
  if (b.membershipView !== undefined && typeof b.membershipView !== 'string') throw fail('has a "membershipView" that is not an attribute name');
  return { keyPrefix: b.keyPrefix, patchStatus: b.patchStatus, storedApart: b.storedApart, membershipView: b.membershipView };
}

/** The descriptors of the service's own schema data. */
export const descriptors: ResourceTypeDescriptors = buildDescriptors();

export function descriptorOf(type: ResourceTypeName): ResourceTypeDescriptor {
  return descriptors[type];
}

/** The value a resource's unique-name index is keyed by: its unique attribute, case-folded unless caseExact. */
export function uniqueValueOf(descriptor: ResourceTypeDescriptor, data: Record<string, unknown>): string {
  const value = String(data[descriptor.uniqueAttribute] ?? '');
  return descriptor.uniqueCaseExact ? value : value.toLowerCase();
}

/** Whether `attribute` (a top-level name) is kept apart from the resource's stored data. */
export function isStoredApart(descriptor: ResourceTypeDescriptor, attribute: string): boolean {
  return descriptor.storedApart.some((a) => a.toLowerCase() === attribute.toLowerCase());
}
