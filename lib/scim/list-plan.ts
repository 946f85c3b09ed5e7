// Planning a list filter: which `eq` lookups (id, the unique name, externalId, a member) produce every resource the
// filter can match, so it is answered by point and index reads instead of a scan; and what a group filter needs from
// the membership rows.
import { badRequest } from './errors.js';
import type { FilterNode } from './filter.js';
import type { ResourceSchema } from './schema.js';

export interface Lookup {
  kind: 'id' | 'uniqueName' | 'externalId' | 'memberOf';
  value: string;
}

/**
 * Most point lookups one filter may plan (each costs one or two storage calls). Beyond it the filter is refused: a scan
 * instead would read the whole tenant to count the first page, which is no cheaper. Entra sends one lookup per query.
 */
export const MAX_FILTER_LOOKUPS = 10;

/** `members[value eq "x"]`, `members.value eq "x"`, `members eq "x"`: the member id a group filter asks about. */
function memberIdOf(node: FilterNode, schema: ResourceSchema): string | undefined {
  if (node.op === 'valuePath') {
    if (schema.resolve(node.path)?.attribute.name !== 'members') return undefined;
    const inner = node.filter;
    return inner.op === 'eq' && inner.path.toLowerCase() === 'value' && typeof inner.value === 'string' ? inner.value : undefined;
  }
  if (node.op !== 'eq' || typeof node.value !== 'string') return undefined;
  const resolved = schema.resolve(node.path);
  const isMembers = resolved?.attribute.name === 'members' && (!resolved.subAttribute || resolved.subAttribute.name === 'value');
  return isMembers ? node.value : undefined;
}

/** What evaluating a group filter needs from the membership rows: some ids' presence, or (rarely) every member. */
export function memberNeeds(node: FilterNode, schema: ResourceSchema, needs = { ids: new Set<string>(), full: false }): { ids: Set<string>; full: boolean } {
  const id = memberIdOf(node, schema);
  if (id !== undefined) needs.ids.add(id);
  else if (node.op === 'and' || node.op === 'or') {
    memberNeeds(node.left, schema, needs);
    memberNeeds(node.right, schema, needs);
  } else if (node.op === 'not') memberNeeds(node.filter, schema, needs);
  else if ('path' in node && schema.resolve(node.path)?.attribute.name === 'members') needs.full = true;
  return needs;
}

/** The point lookups that produce every resource the filter can match, or undefined when a scan is needed. */
export function planLookups(node: FilterNode, schema: ResourceSchema): Lookup[] | undefined {
  const memberId = memberIdOf(node, schema);
  if (memberId !== undefined) return [{ kind: 'memberOf', value: memberId }];
  switch (node.op) {
    case 'eq': {
      if (typeof node.value !== 'string') return undefined;
      const resolved = schema.resolve(node.path);
      if (!resolved || resolved.extension || resolved.subAttribute) return undefined;
      const name = resolved.attribute.name;
      if (name === 'id') return [{ kind: 'id', value: node.value }];
      if (name === 'externalId') return [{ kind: 'externalId', value: node.value }];
      if (resolved.attribute.uniqueness === 'server') return [{ kind: 'uniqueName', value: node.value }];
      return undefined;
    }
    case 'and':
      return planLookups(node.left, schema) ?? planLookups(node.right, schema);
    case 'or': {
      const left = planLookups(node.left, schema);
      const right = left && planLookups(node.right, schema);
      return left && right ? [...left, ...right] : undefined;
    }
    default:
      return undefined;
  }
}

/** planLookups, refused when it would take more than MAX_FILTER_LOOKUPS distinct lookups. */
export function boundedLookups(node: FilterNode, schema: ResourceSchema): Lookup[] | undefined {
  const lookups = planLookups(node, schema);
  if (lookups && new Set(lookups.map((l) => `${l.kind}\u0000${l.value}`)).size > MAX_FILTER_LOOKUPS) {
    // RFC 7644 §3.12 tooMany: "more results than the server is willing to calculate or process".
    throw badRequest('tooMany', `A filter may combine at most ${MAX_FILTER_LOOKUPS} lookups (eq on id, the unique name, externalId or a member) with "or" (got ${lookups.length}).`);
  }
  return lookups;
}
