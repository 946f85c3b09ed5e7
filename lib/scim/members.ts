// Group membership as SCIM sees it: members are rows in the store, not part of the group's stored data. Turns the
// PATCH engine's member changes into the adds and removes the store applies, and renders `members` / `groups`.
import type { ResolvedMember, ResourceRepository, StoredResource } from '../store/repository.js';
import { isPlainObject, isUnassigned } from './attribute-types.js';
import { badRequest, ScimError } from './errors.js';
import { matchesValueFilter } from './filter.js';
import type { MemberChange, MemberRef } from './patch.js';
import { findAttribute, groupSchemaInfo, type ResourceTypeName, type ScimAttribute } from './schema.js';

const membersAttribute = findAttribute(groupSchemaInfo.coreSchema.attributes, 'members');

export interface MemberDelta {
  add: ResolvedMember[];
  remove: string[];
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
  const add = await resolveMembers(repository, tenant, [...adds.values()]);
  return { add, remove: [...removes] };
}

/**
 * The members one request may list (POST, PUT or PATCH). A request-size limit like maxPatchOperations: 413 naming the
 * limit, as RFC 7644 §3.7.4 does for Bulk's maxOperations (none of the §3.12 scimTypes fits; `tooMany` is about
 * filter results).
 */
export function assertMemberLimit(listed: number, maxMembers: number): void {
  if (listed > maxMembers) throw new ScimError(413, undefined, `A request may add or remove at most ${maxMembers} members (got ${listed}).`);
}

/** Checks that every referenced member is a live user or group of this tenant (400 naming the unknown ids). */
export async function resolveMembers(repository: ResourceRepository, tenant: string, refs: MemberRef[]): Promise<ResolvedMember[]> {
  if (refs.length === 0) return [];
  for (const r of refs) {
    if (r.type !== undefined && !/^(user|group)$/i.test(r.type)) throw badRequest('invalidValue', `Member type must be "User" or "Group" (got ${JSON.stringify(r.type)}).`);
  }
  const { found, missing } = await repository.resolveMembers(tenant, refs);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).map((m) => JSON.stringify(m)).join(', ');
    throw badRequest('invalidValue', `Unknown member id(s): ${shown}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}.`);
  }
  return found;
}
