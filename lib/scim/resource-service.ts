// The SCIM verbs on one resource, shared by Users and Groups: normalize and validate input, enforce mutability and
// preconditions, and write through the repository with optimistic concurrency (re-read and retry on a lost race).
import type { ServiceConfig } from '../config.js';
import { ConcurrencyError, UnknownMembersError, type ResourceRepository, type StoredResource } from '../store/repository.js';
import { deepEqual } from './attribute-types.js';
import { badRequest, notFound, preconditionFailed } from './errors.js';
import { assertMemberLimit, memberAdds, memberRefs, planMemberChanges, unknownMembers, type MemberDelta } from './members.js';
import { normalizeResource, type ScimResource } from './normalize.js';
import { applyPatch, type MemberChange } from './patch.js';
import { versionTag } from './representation.js';
import { descriptorOf, isStoredApart } from './resource-type.js';
import { resourceSchema, type ResourceTypeName } from './schema.js';
import { loadAjv } from './ajv-loader.js';
import { validateResource } from './validate.js';

export interface TenantScope {
  tenant: string;
  repository: ResourceRepository;
  config: ServiceConfig;
}

export interface Preconditions {
  ifMatch?: string[];
}

// Lost races are retried with a growing random back-off; many writers on one group (Entra adds members in parallel) need room.
const MAX_ATTEMPTS = 25;

/** Attributes kept apart (group members live in their own rows): split them from the attributes stored with the resource. */
function splitMembers(type: ResourceTypeName, data: ScimResource): { data: ScimResource; members?: unknown } {
  const apart = descriptorOf(type).storedApart;
  if (apart.length === 0) return { data };
  const rest = { ...data };
  for (const name of apart) delete rest[name];
  return { data: rest, members: data.members };
}

export async function createResource(scope: TenantScope, type: ResourceTypeName, body: unknown): Promise<StoredResource> {
  await loadAjv();
  const normalized = normalizeResource(body, resourceSchema(type), { strict: scope.config.strictSchema });
  validateResource(type, normalized);
  const { data, members } = splitMembers(type, normalized);
  // The create checks the members exist in its own transaction: unknown ids create nothing.
  const refs = memberRefs(members);
  assertMemberLimit(refs.length, scope.config.maxMembersPerPatch);
  const add = memberAdds(refs);
  try {
    return await scope.repository.create(scope.tenant, type, data, add);
  } catch (error) {
    throw error instanceof UnknownMembersError ? unknownMembers(error.ids) : error;
  }
}

export async function getResource(scope: TenantScope, type: ResourceTypeName, id: string): Promise<StoredResource> {
  const found = await scope.repository.get(scope.tenant, type, id);
  if (!found) throw notFound(`${type} ${JSON.stringify(id)} not found.`);
  return found;
}

export async function replaceResource(scope: TenantScope, type: ResourceTypeName, id: string, body: unknown, pre: Preconditions = {}): Promise<StoredResource> {
  await loadAjv();
  const schema = resourceSchema(type);
  const normalized = normalizeResource(body, schema, { strict: scope.config.strictSchema });
  validateResource(type, normalized);
  const { data: incoming, members } = splitMembers(type, normalized);
  // PUT replaces the member set: only the difference is written.
  const memberChanges: MemberChange[] = isStoredApart(descriptorOf(type), 'members') ? [{ kind: 'replace', members: memberRefs(members) }] : [];
  return writeWithRetry(scope, type, id, pre, (existing) => {
    assertImmutableUnchanged(type, existing.data, incoming);
    return { data: incoming, memberChanges };
  });
}

export async function patchResource(scope: TenantScope, type: ResourceTypeName, id: string, body: unknown, pre: Preconditions = {}): Promise<StoredResource> {
  await loadAjv();
  const schema = resourceSchema(type);
  const externalAttributes = descriptorOf(type).storedApart;
  return writeWithRetry(scope, type, id, pre, (existing) => {
    // The engine sees `id` so a client echoing it unchanged is accepted (and changing it is a mutability error).
    const patched = applyPatch({ ...existing.data, id: existing.id }, body, schema, { externalAttributes, maxOperations: scope.config.maxPatchOperations });
    if (!patched.changed) return undefined;
    const { id: _id, ...resource } = patched.resource;
    validateResource(type, resource);
    return { data: resource, memberChanges: patched.memberChanges };
  });
}

export async function deleteResource(scope: TenantScope, type: ResourceTypeName, id: string, pre: Preconditions = {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const existing = await scope.repository.get(scope.tenant, type, id);
    if (!existing) {
      // A delete that stopped half-way (crash, outage) is finished by the next DELETE of the id, which still 404s.
      await scope.repository.repairDeleted(scope.tenant, type, id);
      throw notFound(`${type} ${JSON.stringify(id)} not found.`);
    }
    checkIfMatch(existing, pre.ifMatch);
    try {
      await scope.repository.delete(scope.tenant, existing);
      return;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

interface NextState {
  data: ScimResource;
  memberChanges: MemberChange[];
}

/**
 * Read, compute the next state, write if the storage ETag still matches; on a lost race read again and recompute,
 * so concurrent writers never lose each other's changes. `next` returning undefined means "nothing to write".
 * Member changes are applied after the group's own attributes; they are idempotent, so a retry repeats them safely.
 */
async function writeWithRetry(
  scope: TenantScope,
  type: ResourceTypeName,
  id: string,
  pre: Preconditions,
  next: (existing: StoredResource) => NextState | undefined,
): Promise<StoredResource> {
  for (let attempt = 1; ; attempt++) {
    const existing = await getResource(scope, type, id);
    checkIfMatch(existing, pre.ifMatch);
    const state = next(existing);
    if (state === undefined) return existing;
    try {
      const delta: MemberDelta = state.memberChanges.length > 0
        ? await planMemberChanges(scope.repository, scope.tenant, existing, state.memberChanges, scope.config.maxMembersPerPatch)
        : { add: [], remove: [] };
      const dataChanged = !deepEqual(state.data, existing.data);
      // The member adds check their members in their own transactions; when the group's attributes are written first,
      // check them before, so unknown ids still leave everything unwritten.
      if (dataChanged && delta.add.length > 0) delta.add = await scope.repository.confirmMembers(scope.tenant, delta.add);
      let written = dataChanged ? await scope.repository.update(scope.tenant, existing, state.data) : existing;
      if (delta.add.length > 0 || delta.remove.length > 0) written = await scope.repository.changeMembers(scope.tenant, written, delta.add, delta.remove);
      return written;
    } catch (error) {
      if (error instanceof UnknownMembersError) throw unknownMembers(error.ids);
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/** If-Match: 412 unless one of the tags (or `*`) names the current version; weak and strong forms compare equal. */
export function checkIfMatch(existing: StoredResource, ifMatch: string[] | undefined): void {
  if (!ifMatch || matchesAnyTag(existing, ifMatch)) return;
  throw preconditionFailed(`The resource version is ${versionTag(existing)}, not ${ifMatch.join(', ')}.`);
}

export function matchesAnyTag(existing: StoredResource, tags: string[]): boolean {
  const current = opaque(versionTag(existing));
  return tags.some((tag) => tag === '*' || opaque(tag) === current);
}

function opaque(tag: string): string {
  return tag.replace(/^W\//, '');
}

/** PUT may not change an immutable attribute that already has a value (RFC 7644 §3.5.1). */
function assertImmutableUnchanged(type: ResourceTypeName, before: ScimResource, after: ScimResource): void {
  for (const attribute of resourceSchema(type).topLevel) {
    if (attribute.mutability !== 'immutable') continue;
    const old = before[attribute.name];
    if (old !== undefined && !deepEqual(old, after[attribute.name])) {
      throw badRequest('mutability', `Attribute "${attribute.name}" is immutable.`);
    }
  }
}
