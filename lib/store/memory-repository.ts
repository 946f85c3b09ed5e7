// ResourceRepository in memory, with the Table Storage implementation's observable rules (unique names per the type
// descriptor, ETag concurrency, versions, membership pairs, id-ordered scans) but no storage. It lets the query
// planner, paging and PATCH flows be unit-tested without Azurite; it is not used by the service.
import { randomUUID } from 'node:crypto';
import { conflict } from '../scim/errors.js';
import type { ScimResource } from '../scim/normalize.js';
import { descriptors as defaultDescriptors, isStoredApart, uniqueValueOf, type ResourceTypeDescriptors } from '../scim/resource-type.js';
import type { ResourceTypeName } from '../scim/schema.js';
import { isResourceId } from './keys.js';
import {
  ConcurrencyError,
  UnknownMembersError,
  type GroupRef,
  type MemberAdd,
  type MemberRemove,
  type MemberRow,
  type ResourceRepository,
  type ScanOptions,
  type StoredResource,
  type TypeCount,
} from './repository.js';

interface Tenant {
  resources: Map<string, StoredResource>;
  /** `<type>:<unique value>` → id. */
  names: Map<string, string>;
  /** group id → member id → row. */
  members: Map<string, Map<string, MemberRow>>;
}

export class MemoryRepository implements ResourceRepository {
  private readonly tenants = new Map<string, Tenant>();
  private etags = 0;
  /** Every repository call, for tests that assert how much a flow reads and writes. */
  calls = 0;

  constructor(private readonly types: ResourceTypeDescriptors = defaultDescriptors) {}

  async ready(): Promise<void> {}

  async create(tenant: string, type: ResourceTypeName, data: ScimResource, members: MemberAdd[] = []): Promise<StoredResource> {
    this.calls++;
    const t = this.tenant(tenant);
    const name = this.nameKey(type, data);
    if (t.names.has(name)) throw this.conflictFor(type);
    const typed = this.typed(t, members);
    const now = new Date().toISOString();
    const stored: StoredResource = { id: randomUUID(), type, data: structuredClone(data), created: now, lastModified: now, version: 1, etag: this.etag() };
    t.resources.set(stored.id, stored);
    t.names.set(name, stored.id);
    const known = { members: isStoredApart(this.types[type], 'members') ? typed.map((m) => ({ value: m.value, type: m.type as ResourceTypeName })) : undefined, groups: [] };
    if (typed.length === 0) return { ...structuredClone(stored), known };
    return { ...(await this.changeMembers(tenant, stored, typed, [])), known };
  }

  /** The members with their types, if all are live resources (of the type given); else UnknownMembersError. */
  private typed(t: Tenant, members: MemberAdd[]): MemberAdd[] {
    const missing: string[] = [];
    const out: MemberAdd[] = [];
    for (const m of members) {
      const r = isResourceId(m.value) ? t.resources.get(m.value) : undefined;
      if (r && (m.type === undefined || m.type === r.type)) out.push({ value: m.value, type: r.type });
      else missing.push(m.value);
    }
    if (missing.length > 0) throw new UnknownMembersError(missing);
    return out;
  }

  async get(tenant: string, type: ResourceTypeName, id: string): Promise<StoredResource | undefined> {
    this.calls++;
    const r = this.tenant(tenant).resources.get(id);
    return r && r.type === type ? structuredClone(r) : undefined;
  }

  async getByUniqueName(tenant: string, type: ResourceTypeName, name: string): Promise<StoredResource | undefined> {
    this.calls++;
    const descriptor = this.types[type];
    const id = this.tenant(tenant).names.get(this.nameKey(type, { [descriptor.uniqueAttribute]: name }));
    const r = id === undefined ? undefined : this.tenant(tenant).resources.get(id);
    return r ? structuredClone(r) : undefined;
  }

  async listByExternalId(tenant: string, type: ResourceTypeName, externalId: string): Promise<StoredResource[]> {
    this.calls++;
    return this.sorted(tenant, type).filter((r) => r.data.externalId === externalId).map((r) => structuredClone(r));
  }

  async update(tenant: string, existing: StoredResource, data: ScimResource): Promise<StoredResource> {
    this.calls++;
    const t = this.tenant(tenant);
    const current = this.current(t, existing);
    const oldName = this.nameKey(current.type, current.data);
    const newName = this.nameKey(current.type, data);
    if (oldName !== newName && t.names.has(newName)) throw this.conflictFor(current.type);
    const next: StoredResource = { ...current, data: structuredClone(data), lastModified: new Date().toISOString(), version: current.version + 1, etag: this.etag() };
    t.resources.set(next.id, next);
    t.names.delete(oldName);
    t.names.set(newName, next.id);
    return structuredClone(next);
  }

  async delete(tenant: string, existing: StoredResource): Promise<void> {
    this.calls++;
    const t = this.tenant(tenant);
    const current = this.current(t, existing);
    t.resources.delete(current.id);
    t.names.delete(this.nameKey(current.type, current.data));
    t.members.delete(current.id);
    for (const rows of t.members.values()) rows.delete(current.id);
  }

  async repairDeleted(): Promise<boolean> {
    this.calls++;
    return false; // deletes here are atomic: nothing is ever left half-way
  }

  async count(tenant: string, type: ResourceTypeName): Promise<TypeCount> {
    this.calls++;
    return { total: this.sorted(tenant, type).length };
  }

  async *scan(tenant: string, type: ResourceTypeName, options: ScanOptions = {}): AsyncIterable<StoredResource> {
    this.calls++;
    for (const r of this.sorted(tenant, type)) if (options.afterId === undefined || r.id > options.afterId) yield structuredClone(r);
  }

  async *members(tenant: string, groupId: string): AsyncIterable<MemberRow> {
    this.calls++;
    const rows = [...(this.tenant(tenant).members.get(groupId)?.values() ?? [])].sort((a, b) => (a.value < b.value ? -1 : 1));
    for (const row of rows) yield { ...row };
  }

  async groupsOf(tenant: string, memberId: string): Promise<GroupRef[]> {
    this.calls++;
    return this.groupsOfMember(tenant, memberId);
  }

  async groupsInSpan(tenant: string, memberIds: string[]): Promise<Map<string, GroupRef[]>> {
    this.calls++;
    return new Map(memberIds.map((id) => [id, this.groupsOfMember(tenant, id)]));
  }

  private groupsOfMember(tenant: string, memberId: string): GroupRef[] {
    const t = this.tenant(tenant);
    const out: GroupRef[] = [];
    for (const [groupId, rows] of t.members) {
      const group = t.resources.get(groupId);
      if (rows.has(memberId) && group) out.push({ value: groupId, display: String(group.data[this.types.Group.uniqueAttribute] ?? '') });
    }
    return out.sort((a, b) => (a.value < b.value ? -1 : 1));
  }

  async membersAmong(tenant: string, groupId: string, memberIds: string[]): Promise<Set<string>> {
    this.calls++;
    const rows = this.tenant(tenant).members.get(groupId);
    return new Set(memberIds.filter((id) => rows?.has(id)));
  }

  async confirmMembers(tenant: string, add: MemberAdd[]): Promise<MemberAdd[]> {
    this.calls++;
    return this.typed(this.tenant(tenant), add);
  }

  async changeMembers(tenant: string, group: StoredResource, add: MemberAdd[], remove: MemberRemove[]): Promise<StoredResource> {
    this.calls++;
    const t = this.tenant(tenant);
    const current = this.current(t, group);
    const typed = this.typed(t, add);
    const rows = t.members.get(current.id) ?? new Map<string, MemberRow>();
    t.members.set(current.id, rows);
    const removeSet = new Set(remove.map((r) => r.value));
    for (const id of removeSet) rows.delete(id);
    for (const m of typed) if (!removeSet.has(m.value)) rows.set(m.value, { value: m.value, type: m.type as ResourceTypeName });
    const next: StoredResource = { ...current, lastModified: new Date().toISOString(), version: current.version + 1, etag: this.etag() };
    t.resources.set(next.id, next);
    return structuredClone(next);
  }

  private tenant(id: string): Tenant {
    let t = this.tenants.get(id);
    if (!t) this.tenants.set(id, (t = { resources: new Map(), names: new Map(), members: new Map() }));
    return t;
  }

  /** The stored resource if `expected`'s ETag still matches it (else a lost race, as in Table Storage). */
  private current(t: Tenant, expected: StoredResource): StoredResource {
    const current = t.resources.get(expected.id);
    if (!current || current.etag !== expected.etag) throw new ConcurrencyError();
    return current;
  }

  private sorted(tenant: string, type: ResourceTypeName): StoredResource[] {
    return [...this.tenant(tenant).resources.values()].filter((r) => r.type === type).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  private nameKey(type: ResourceTypeName, data: Record<string, unknown>): string {
    return `${type}:${uniqueValueOf(this.types[type], data)}`;
  }

  private conflictFor(type: ResourceTypeName) {
    return conflict(`A ${type.toLowerCase()} with this ${this.types[type].uniqueAttribute} already exists.`);
  }

  private etag(): string {
    return `W/"mem-${++this.etags}"`;
  }
}
