// Group membership as SCIM sees it: members are rows in the store, not part of the group's stored data. Turns the
// PATCH engine's member changes into the adds and removes the store applies, and renders `members` / `groups`.
import type { MemberAdd, MemberRemove, ResourceRepository, StoredResource } from '../store/repository.js';
import { isPlainObject, isUnassigned } from './attribute-types.js';
import { badRequest, ScimError } from './errors.js';
import { matchesValueFilter } from './filter.js';
import type { MemberChange, MemberRef } from './patch.js';
import { findAttribute, groupSchemaInfo, type ResourceTypeName, type ScimAttribute } from './schema.js';

const membersAttribute = findAttribute(groupSchemaInfo.coreSchema.attributes, 'members');

export interface MemberDelta {
  add: MemberAdd[];
  remove: MemberRemove[];
}

/** The member references of a normalized group body (`members` from POST/PUT), validated. */
export function memberRefs(value: unknown): MemberRef[] {
  return membersAttribute ? parseMemberRefs(membersAttribute, value, 'members') : [];
}

/**
 * The one parser of member references, for POST/PUT bodies and PATCH values alike: objects with a non-empty string
 * `value` (sub-attribute names case-insensitive, nulls ignored: Entra sends `"$ref": null`), duplicates dropped.
 */
export function parseMemberRefs(attribute: ScimAttribute, value: unknown, where: string): MemberRef[] {
  const items = isUnassigned(value) ? [] : Array.isArray(value) ? value : [value];
  const members: MemberRef[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (!isPlainObject(item)) throw badRequest('invalidValue', `"${where}" item ${i} must be an object with a "value".`);
    const ref: Partial<MemberRef> = {};
    for (const [k, v] of Object.entries(item)) {
      const sub = findAttribute(attribute.subAttributes ?? [], k);
      if (!sub || v === null || v === undefined) continue;
      if (typeof v !== 'string') throw badRequest('invalidValue', `"${where}" item ${i}: "${sub.name}" must be a string.`);
      if (sub.name === 'value' || sub.name === 'type' || sub.name === 'display' || sub.name === '$ref') ref[sub.name] = v;
    }
    if (typeof ref.value !== 'string' || ref.value.trim() === '') {
      throw badRequest('invalidValue', `"${where}" item ${i} must have a non-empty string "value" (the member id).`);
    }
    if (seen.has(ref.value)) return;
    seen.add(ref.value);
    members.push({ ...ref, value: ref.value });
  });
  return members;
}

/**
 * Folds member changes (in request order) into the net adds and removes against the stored membership. Loads the
 * current member set only when a change needs it (replace, remove all, remove by a filter other than `value eq`).
 */
export async function planMemberChanges(
  repository: ResourceRepository,
  tenant: string,
  group: StoredResource,
  changes: MemberChange[],
  maxMembers: number,
): Promise<MemberDelta> {
  assertMemberLimit(changes.reduce((n, c) => n + ('members' in c ? c.members.length : c.kind === 'remove' ? c.values.length : 0), 0), maxMembers);
  const adds = new Map<string, MemberRef>();
  const removes = new Set<string>();
  let current: Map<string, { value: string; type: ResourceTypeName; display?: string }> | undefined;
  const loadCurrent = async () => {
    if (!current) {
      current = new Map();
      for await (const m of repository.members(tenant, group.id)) current.set(m.value, m);
    }
    return current;
  };
  for (const change of changes) {
    if (change.kind === 'add') {
      for (const m of change.members) {
        adds.set(m.value, m);
        removes.delete(m.value);
      }
    } else if (change.kind === 'remove') {
      for (const v of change.values) {
        removes.add(v);
        adds.delete(v);
      }
    } else {
      const existing = await loadCurrent();
      const state = new Map<string, MemberRef>([...existing].filter(([id]) => !removes.has(id)).map(([id, m]) => [id, m]));
      for (const [id, m] of adds) state.set(id, m);
      if (change.kind === 'removeAll' || change.kind === 'replace') state.clear();
      if (change.kind === 'replace') for (const m of change.members) state.set(m.value, m);
      if (change.kind === 'removeWhere') {
        for (const [id, m] of [...state]) {
          if (membersAttribute && matchesValueFilter(change.filter, { ...m }, membersAttribute)) state.delete(id);
        }
      }
      adds.clear();
      removes.clear();
      for (const [id, m] of state) if (!existing.has(id)) adds.set(id, m);
      for (const id of existing.keys()) if (!state.has(id)) removes.add(id);
    }
  }
  if (adds.has(group.id)) throw badRequest('invalidValue', 'A group cannot be a member of itself.');
  // Removals computed from the member rows read above carry their type, so the store reads nothing more for them.
  return { add: memberAdds([...adds.values()]), remove: [...removes].map((value) => ({ value, type: current?.get(value)?.type })) };
}

/**
 * The members one request may list (POST, PUT or PATCH). A request-size limit like maxPatchOperations: 413 naming the
 * limit, as RFC 7644 §3.7.4 does for Bulk's maxOperations (none of the §3.12 scimTypes fits; `tooMany` is about
 * filter results).
 */
export function assertMemberLimit(listed: number, maxMembers: number): void {
  if (listed > maxMembers) throw new ScimError(413, undefined, `A request may add or remove at most ${maxMembers} members (got ${listed}).`);
}

/**
 * The members to add, with the type each reference names (User or Group, any case). Whether they exist is checked
 * by the write itself (see ResourceRepository.changeMembers), not by a read per member.
 */
export function memberAdds(refs: MemberRef[]): MemberAdd[] {
  return refs.map((r) => {
    if (r.type === undefined) return { value: r.value };
    if (/^user$/i.test(r.type)) return { value: r.value, type: 'User' };
    if (/^group$/i.test(r.type)) return { value: r.value, type: 'Group' };
    throw badRequest('invalidValue', `Member type must be "User" or "Group" (got ${JSON.stringify(r.type)}).`);
  });
}

/** 400 naming member ids that are not live users or groups of the tenant (the write found them missing). */
export function unknownMembers(ids: string[]): ScimError {
  const shown = ids.slice(0, 10).map((m) => JSON.stringify(m)).join(', ');
  return badRequest('invalidValue', `Unknown member id(s): ${shown}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''}.`);
}
