// ResourceRepository on Azure Table Storage. Layout (one table, PartitionKey = tenant; see keys.ts):
//   U:<id> / G:<id>        the resource: JSON text split over d0..dN (64 KiB per property limit)
//   UN:<hash> / GN:<hash>  unique-name index row, carrying a copy of the resource so a userName/displayName lookup
//                          is one point read; written in the same transaction as the resource row
//   UX:<hash>:<id>         externalId index (range read by prefix)
//   M:<group>:<member>     membership row; R:<member>:<group> its reverse row, always written in the same transaction
//   C:U:<nn> / C:G:<nn>    resource counter shards and C:U:base / C:G:base their baseline (counters.ts): each create
//                          and each delete's commit point moves one shard in its own transaction
// Every write of a resource and its index rows is one entity-group transaction: uniqueness is atomic, and an
// update carries the storage ETag of what was read (optimistic concurrency).
//
// Deletes run in three steps so no membership row can outlive its resource: (1) mark the resource and its name row
// `deleting` (ETag-guarded: a concurrent member add that validated the resource now fails its guard), (2) remove its
// membership rows, (3) delete the resource and index rows. Readers treat a `deleting` resource as gone; a crash
// between the steps is repaired by the next DELETE of that id or the next create/rename onto its name.
//
// Change feed: every transaction that commits a change (create, update, the `deleting` mark, each member batch) also
// creates that change's event row, built by lib/events (same partition, same transaction: no extra storage call, and
// never an event without its change or a change without its event).
import { randomUUID } from 'node:crypto';
import type { TableClient, TableEntity, TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import { createdEvent, deletedEvent, membersEvent, nextChangeTime, updatedEvent } from '../events/event.js';
import { pendingEventAction } from '../events/keys.js';
import { conflict, ScimError } from '../scim/errors.js';
import type { ScimResource } from '../scim/normalize.js';
import { descriptors, uniqueValueOf, type ResourceTypeDescriptors } from '../scim/resource-type.js';
import type { ResourceTypeName } from '../scim/schema.js';
import { ResourceCounters } from './counters.js';
import { isResourceId, keys } from './keys.js';
import {
  ConcurrencyError,
  type GroupRef,
  type MemberRow,
  type ResolvedMember,
  type ResourceRepository,
  type ScanOptions,
  type StoredResource,
  type TypeCount,
} from './repository.js';
import { chunk, MAX_BATCH, TableOps, type Row } from './table-ops.js';

/** Member ids resolved per round of point reads (one round of TableOps' bounded concurrency). */
const RESOLVE_ROUND = 8;
const CHUNK_CHARS = 30_000; // under the 32,768-character (64 KiB) property limit
/** Each entity must stay under 1 MiB (strings count as UTF-16). */
export const MAX_RESOURCE_CHARS = 14 * CHUNK_CHARS;

type Entity = TableEntity<Record<string, unknown>>;

export class TableRepository implements ResourceRepository {
  private readonly ops: TableOps;
  /** Per-type resource counters, carried by each create and delete commit point (counters.ts). */
  private readonly counters: ResourceCounters;

  /**
   * Takes the table's client, or the TableOps other stores of the same table share (one create-table per process).
   * `afterChange` hears of every committed change (the change feed's retention runs from it).
   */
  constructor(
    table: TableClient | TableOps,
    private readonly afterChange: (tenant: string) => void = () => undefined,
    /** The per-type rules (unique attribute and its case rule); tests pass ones built from edited schema data. */
    private readonly types: ResourceTypeDescriptors = descriptors,
  ) {
    this.ops = table instanceof TableOps ? table : new TableOps(table);
    this.counters = new ResourceCounters(this.ops);
  }

  ready(): Promise<void> {
    return this.ops.ready();
  }

  async create(tenant: string, type: ResourceTypeName, data: ScimResource): Promise<StoredResource> {
    const now = new Date().toISOString();
    const stored: StoredResource = { id: randomUUID(), type, data, created: now, lastModified: now, version: 1, etag: '' };
    const row = resourceEntity(tenant, stored, this.nameOf(stored));
    const nameKey = this.nameKey(type, this.nameOf(stored));
    const actions: TransactionAction[] = [
      ['create', row],
      ['create', { ...row, rowKey: nameKey }],
    ];
    const externalId = externalIdOf(data);
    if (externalId !== undefined) actions.push(['create', externalIdEntity(tenant, stored, externalId)]);
    actions.push(pendingEventAction(tenant, createdEvent(tenant, stored)));
    // Counter: +1 in the same transaction.
    const response = await this.counters.commit(tenant, type, 1, (counter) => this.writeRepairingName(tenant, type, nameKey, [...actions, counter]));
    this.afterChange(tenant);
    return { ...stored, etag: etagOf(response, row.rowKey) };
  }

  /** Runs a transaction that creates a name row; if the name is held by a half-deleted resource, finish that delete and retry once. */
  private async writeRepairingName(tenant: string, type: ResourceTypeName, nameKey: string, actions: TransactionAction[]) {
    const onConflict = () => this.conflictFor(type);
    try {
      return await this.ops.transaction(actions, onConflict);
    } catch (error) {
      if (!(error instanceof ScimError && error.status === 409)) throw error;
      const holder = await this.ops.pointRead(tenant, nameKey);
      if (!holder || holder.deleting !== true) throw error;
      await this.finishDelete(tenant, fromEntity(holder, type));
      return this.ops.transaction(actions, onConflict);
    }
  }

  async get(tenant: string, type: ResourceTypeName, id: string): Promise<StoredResource | undefined> {
    if (!isResourceId(id)) return undefined;
    return live(await this.ops.pointRead(tenant, keys.resource(type, id)), type);
  }

  async getByUniqueName(tenant: string, type: ResourceTypeName, name: string): Promise<StoredResource | undefined> {
    return live(await this.ops.pointRead(tenant, this.nameKey(type, name)), type);
  }

  async listByExternalId(tenant: string, type: ResourceTypeName, externalId: string): Promise<StoredResource[]> {
    const prefix = keys.externalIdPrefix(type, externalId);
    const ids: string[] = [];
    for await (const row of this.ops.range(tenant, prefix, prefix.slice(0, -1) + ';', { select: ['id'] })) ids.push(String(row.id));
    const found = await Promise.all(ids.map((id) => this.get(tenant, type, id)));
    return found.filter((r): r is StoredResource => r !== undefined && externalIdOf(r.data) === externalId);
  }

  async update(tenant: string, existing: StoredResource, data: ScimResource): Promise<StoredResource> {
    const next: StoredResource = { ...existing, data, lastModified: nextChangeTime(existing.lastModified), version: existing.version + 1 };
    const row = resourceEntity(tenant, next, this.nameOf(next));
    const actions: TransactionAction[] = [['update', row, 'Replace', { etag: existing.etag }]];
    const oldNameKey = this.nameKey(existing.type, this.nameOf(existing));
    const newNameKey = this.nameKey(next.type, this.nameOf(next));
    if (oldNameKey === newNameKey) {
      actions.push(['update', { ...row, rowKey: newNameKey }, 'Replace']);
    } else {
      actions.push(['delete', { partitionKey: tenant, rowKey: oldNameKey }]);
      actions.push(['create', { ...row, rowKey: newNameKey }]);
    }
    const oldExternal = externalIdOf(existing.data);
    const newExternal = externalIdOf(data);
    if (oldExternal !== newExternal) {
      if (oldExternal !== undefined) {
        actions.push(['delete', { partitionKey: tenant, rowKey: keys.externalIdPrefix(existing.type, oldExternal) + existing.id }]);
      }
      if (newExternal !== undefined) actions.push(['create', externalIdEntity(tenant, next, newExternal)]);
    }
    actions.push(pendingEventAction(tenant, updatedEvent(tenant, existing, next)));
    const response = await this.writeRepairingName(tenant, existing.type, newNameKey, actions);
    this.afterChange(tenant);
    const updated = { ...next, etag: etagOf(response, row.rowKey) };
    if (oldNameKey !== newNameKey) await this.syncDisplay(tenant, updated);
    return updated;
  }

  async delete(tenant: string, existing: StoredResource): Promise<void> {
    // The groups it leaves, for its event: read before the mark (the read step 2 makes anyway). A member add since
    // the resource was read changed its ETag, so the mark below fails and the caller starts again.
    const groups = await this.groupsOf(tenant, existing.id);
    // Step 1: mark deleting, guarded by the ETag that was read (a lost race re-reads and retries in the caller).
    // This is the commit point of the delete (readers see the resource gone), so it carries the event.
    const mark = { partitionKey: tenant, deleting: true };
    const gone: StoredResource = { ...existing, version: existing.version + 1, lastModified: nextChangeTime(existing.lastModified) };
    // Counter: -1 in the commit point's transaction (never in the cleanup steps a later request may repeat).
    await this.counters.commit(tenant, existing.type, -1, (counter) =>
      this.ops.transaction([
        ['update', { ...mark, rowKey: keys.resource(existing.type, existing.id) }, 'Merge', { etag: existing.etag }],
        ['update', { ...mark, rowKey: this.nameKey(existing.type, this.nameOf(existing)) }, 'Merge'],
        pendingEventAction(tenant, deletedEvent(tenant, gone, groups)),
        counter,
      ]),
    );
    this.afterChange(tenant);
    await this.finishDelete(tenant, existing, groups);
  }

  /** Steps 2 and 3 of a delete; also the repair of a delete that stopped half-way. */
  private async finishDelete(tenant: string, existing: StoredResource, groups?: GroupRef[]): Promise<void> {
    await this.purgeMemberships(tenant, existing.id, groups);
    const resourceKey = keys.resource(existing.type, existing.id);
    const rows = [resourceKey, this.nameKey(existing.type, this.nameOf(existing))];
    const externalId = externalIdOf(existing.data);
    if (externalId !== undefined) rows.push(keys.externalIdPrefix(existing.type, externalId) + existing.id);
    // Concurrent repairs of one delete (a DELETE and creates onto the freed name) race here. The resource row goes in
    // the same batch as its index rows: if it is gone, another repair finished, and the name row may already belong
    // to a resource created since — so it is never deleted on its own, only rows of this id are, and a batch that
    // finds the resource row gone (404) means the other repair won.
    const present = await this.ops.rowsAmong(tenant, rows, ['RowKey', 'id']);
    if (!present.some((r) => r.rowKey === resourceKey)) return;
    const own = present.filter((r) => String(r.id) === existing.id);
    try {
      await this.ops.transaction(own.map((r) => ['delete', { partitionKey: tenant, rowKey: r.rowKey as string }]));
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }

  /** DELETE of an id whose row is marked deleting: finish the delete (returns true if there was one to finish). */
  async repairDeleted(tenant: string, type: ResourceTypeName, id: string): Promise<boolean> {
    if (!isResourceId(id)) return false;
    const row = await this.ops.pointRead(tenant, keys.resource(type, id));
    if (!row || row.deleting !== true) return false;
    await this.finishDelete(tenant, fromEntity(row, type));
    return true;
  }

  count(tenant: string, type: ResourceTypeName): Promise<TypeCount> {
    return this.counters.count(tenant, type);
  }

  async *scan(tenant: string, type: ResourceTypeName, options: ScanOptions = {}): AsyncIterable<StoredResource> {
    const [from, to] = keys.resourceRange(type);
    const start = options.afterId ? keys.resource(type, options.afterId) : from;
    for await (const row of this.ops.range(tenant, start, to, { exclusive: options.afterId !== undefined, pageSize: options.pageSize })) {
      const r = live(row, type);
      if (r) yield r;
    }
  }

  // ---- memberships ----

  async *members(tenant: string, groupId: string): AsyncIterable<MemberRow> {
    const [from, to] = keys.memberRange(groupId);
    for await (const row of this.ops.range(tenant, from, to)) {
      yield { value: String(row.value), type: row.type === 'Group' ? 'Group' : 'User', display: row.display as string | undefined };
    }
  }

  async groupsOf(tenant: string, memberId: string): Promise<GroupRef[]> {
    if (!isResourceId(memberId)) return [];
    const [from, to] = keys.memberOfRange(memberId);
    const out: GroupRef[] = [];
    for await (const row of this.ops.range(tenant, from, to)) out.push({ value: String(row.group), display: row.display as string | undefined });
    return out;
  }

  async membersAmong(tenant: string, groupId: string, memberIds: string[]): Promise<Set<string>> {
    const ids = [...new Set(memberIds.filter(isResourceId))];
    const rows = await this.ops.rowsAmong(tenant, ids.map((m) => keys.member(groupId, m)), ['value']);
    return new Set(rows.map((r) => String(r.value)));
  }

  async resolveMembers(tenant: string, refs: { value: string; type?: string }[]): Promise<{ found: ResolvedMember[]; missing: string[] }> {
    const typeOf = new Map<string, string | undefined>();
    for (const r of refs) if (!typeOf.has(r.value)) typeOf.set(r.value, r.type?.toLowerCase());
    const wanted = [...typeOf.keys()];
    // An id that is not one of ours names no resource: unknown without a read.
    const malformed = wanted.filter((id) => !isResourceId(id));
    if (malformed.length > 0) return { found: [], missing: malformed };
    const found = new Map<string, ResolvedMember>();
    // In rounds of point reads, stopping at the first round that finds unknown ids: a request naming many unknown ids
    // costs one round, not a read (or two, untyped) per id. A `type` hint reads that type only; an untyped id is read
    // as a User, then as a Group if it is none.
    for (const part of chunk(wanted, RESOLVE_ROUND)) {
      for (const type of ['User', 'Group'] as const) {
        const ids = part.filter((id) => !found.has(id) && (typeOf.get(id) ?? type.toLowerCase()) === type.toLowerCase());
        if (ids.length === 0) continue;
        const rows = await this.ops.rowsAmong(tenant, ids.map((id) => keys.resource(type, id)), ['id', 'name', 'deleting']);
        for (const row of rows) {
          if (row.deleting === true) continue;
          found.set(String(row.id), { value: String(row.id), type, display: String(row.name ?? ''), etag: row.etag });
        }
      }
      const missing = part.filter((id) => !found.has(id));
      if (missing.length > 0) return { found: [...found.values()], missing };
    }
    return { found: [...found.values()], missing: [] };
  }

  async changeMembers(tenant: string, group: StoredResource, add: ResolvedMember[], remove: string[]): Promise<StoredResource> {
    const removeSet = new Set(remove);
    // Removing an absent member writes nothing (and a delete of a missing row would fail its whole batch).
    const present = removeSet.size > 0 ? await this.memberRowsAmong(tenant, group.id, [...removeSet]) : [];
    const groupName = this.nameOf(group);
    const removals = present.map((m): { member: EventMember; actions: TransactionAction[] } => ({
      member: m,
      actions: [
        ['delete', { partitionKey: tenant, rowKey: keys.member(group.id, m.value) }],
        ['delete', { partitionKey: tenant, rowKey: keys.memberOf(m.value, group.id) }],
      ],
    }));
    const addition = (m: ResolvedMember): TransactionAction[] => [
      // Creates, not upserts: new members are the common case, so presence is not read up front; a create that
      // finds the member already there fails the batch, which is then retried without the present members.
      ['create', { partitionKey: tenant, rowKey: keys.member(group.id, m.value), value: m.value, type: m.type, display: m.display }],
      ['create', { partitionKey: tenant, rowKey: keys.memberOf(m.value, group.id), group: group.id, display: groupName }],
      // Guard: fails the batch if the member was deleted (or is being deleted) since it was resolved.
      ['update', { partitionKey: tenant, rowKey: keys.resource(m.type, m.value) }, 'Merge', { etag: m.etag }],
    ];
    // Each batch: at most 100 actions, 2 of which guard and version the group and 1 is the batch's event.
    const perBatch = Math.floor((MAX_BATCH - 3) / 3);
    let current = group;
    for (const part of chunk(add.filter((m) => !removeSet.has(m.value)), perBatch)) {
      try {
        current = await this.membersBatch(tenant, current, part.flatMap(addition), { change: 'added', members: part });
      } catch (error) {
        if (!(error instanceof MemberExists)) throw error;
        const already = await this.membersAmong(tenant, group.id, part.map((m) => m.value));
        const missing = part.filter((m) => !already.has(m.value));
        // Still conflicting now means a concurrent add: the caller re-reads and retries.
        if (missing.length > 0) current = await this.membersBatch(tenant, current, missing.flatMap(addition), { change: 'added', members: missing }, () => new ConcurrencyError());
      }
    }
    for (const part of chunk(removals, Math.floor((MAX_BATCH - 3) / 2))) {
      current = await this.membersBatch(tenant, current, part.flatMap((r) => r.actions), { change: 'removed', members: part.map((r) => r.member) });
    }
    return current;
  }

  /** One transaction of member rows, guarded by the group's ETag, bumping its version, with its event. */
  private async membersBatch(
    tenant: string,
    group: StoredResource,
    actions: TransactionAction[],
    change: { change: 'added' | 'removed'; members: EventMember[] },
    onConflict: () => Error = () => new MemberExists(),
  ): Promise<StoredResource> {
    const lastModified = nextChangeTime(group.lastModified);
    const version = group.version + 1;
    const groupRowKey = keys.resource('Group', group.id);
    const next: StoredResource = { ...group, version, lastModified };
    const response = await this.ops.transaction(
      [
        ['update', { partitionKey: tenant, rowKey: groupRowKey, version, lastModified }, 'Merge', { etag: group.etag }],
        ['update', { partitionKey: tenant, rowKey: this.nameKey('Group', this.nameOf(group)), version, lastModified }, 'Merge'],
        ...actions,
        pendingEventAction(tenant, membersEvent(tenant, next, change.change, change.members)),
      ],
      onConflict,
    );
    this.afterChange(tenant);
    return { ...next, etag: etagOf(response, groupRowKey) };
  }

  /** The member rows among `memberIds` (with each member's type, for the removal's event). */
  private async memberRowsAmong(tenant: string, groupId: string, memberIds: string[]): Promise<EventMember[]> {
    const ids = [...new Set(memberIds.filter(isResourceId))];
    const rows = await this.ops.rowsAmong(tenant, ids.map((m) => keys.member(groupId, m)), ['value', 'type']);
    return rows.map((r) => ({ value: String(r.value), type: r.type === 'Group' ? 'Group' : 'User' }));
  }

  /** Removes every membership row of a resource: as a group (its members) and as a member (its groups). */
  private async purgeMemberships(tenant: string, id: string, groups?: GroupRef[]): Promise<void> {
    const pairs: [string, string][] = [];
    const [mFrom, mTo] = keys.memberRange(id);
    for await (const row of this.ops.range(tenant, mFrom, mTo, { select: ['value'] })) pairs.push([id, String(row.value)]);
    if (groups) {
      // Read by delete() before its mark; no membership of this resource can have been added since.
      for (const g of groups) pairs.push([g.value, id]);
    } else {
      const [rFrom, rTo] = keys.memberOfRange(id);
      for await (const row of this.ops.range(tenant, rFrom, rTo, { select: ['group'] })) pairs.push([String(row.group), id]);
    }
    for (const part of chunk(pairs, MAX_BATCH / 2)) {
      const actions: TransactionAction[] = part.flatMap(([g, m]): TransactionAction[] => [
        ['delete', { partitionKey: tenant, rowKey: keys.member(g, m) }],
        ['delete', { partitionKey: tenant, rowKey: keys.memberOf(m, g) }],
      ]);
      try {
        await this.ops.transaction(actions);
      } catch (error) {
        // A pair removed concurrently (e.g. by a member PATCH): delete the rest one pair at a time.
        if (!(error instanceof ConcurrencyError)) throw error;
        for (const [g, m] of part) {
          const rows = await this.ops.rowsAmong(tenant, [keys.member(g, m), keys.memberOf(m, g)], ['RowKey']);
          if (rows.length > 0) await this.ops.transaction(rows.map((r) => ['delete', { partitionKey: tenant, rowKey: r.rowKey as string }]));
        }
      }
    }
  }

  /** After a rename, membership rows carry the new userName/displayName as their `display` (cosmetic, not atomic). */
  private async syncDisplay(tenant: string, resource: StoredResource): Promise<void> {
    const name = this.nameOf(resource);
    const actions: TransactionAction[] = [];
    for (const g of await this.groupsOf(tenant, resource.id)) {
      actions.push(['update', { partitionKey: tenant, rowKey: keys.member(g.value, resource.id), display: name }, 'Merge']);
    }
    if (resource.type === 'Group') {
      for await (const m of this.members(tenant, resource.id)) {
        actions.push(['update', { partitionKey: tenant, rowKey: keys.memberOf(m.value, resource.id), display: name }, 'Merge']);
      }
    }
    for (const part of chunk(actions, MAX_BATCH)) {
      try {
        await this.ops.transaction(part);
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error; // a membership removed meanwhile: nothing to sync
      }
    }
  }

  /** The resource's unique attribute value as stored (the display copy on membership rows uses it too). */
  private nameOf(resource: Pick<StoredResource, 'type' | 'data'>): string {
    return String(resource.data[this.types[resource.type].uniqueAttribute] ?? '');
  }

  /** Row key of the unique-name index row, folded per the attribute's caseExact. */
  private nameKey(type: ResourceTypeName, name: string): string {
    return keys.uniqueName(type, uniqueValueOf(this.types[type], { [this.types[type].uniqueAttribute]: name }));
  }

  private conflictFor(type: ResourceTypeName): ScimError {
    const d = this.types[type];
    return conflict(`A ${type.toLowerCase()} with this ${d.uniqueAttribute} already exists${d.uniqueCaseExact ? '' : ' (compared case-insensitively)'}.`);
  }

}

/** A batch tried to create a membership row that exists. */
class MemberExists extends Error {}

type EventMember = { value: string; type: ResourceTypeName };

function externalIdOf(data: ScimResource): string | undefined {
  return typeof data.externalId === 'string' && data.externalId !== '' ? data.externalId : undefined;
}

function resourceEntity(tenant: string, stored: StoredResource, name: string): Entity {
  const json = JSON.stringify(stored.data);
  if (json.length > MAX_RESOURCE_CHARS) {
    throw new ScimError(400, 'invalidValue', `The resource is too large to store (${json.length} characters of JSON; the limit is ${MAX_RESOURCE_CHARS}).`);
  }
  const entity: Entity = {
    partitionKey: tenant,
    rowKey: keys.resource(stored.type, stored.id),
    id: stored.id,
    name,
    created: stored.created,
    lastModified: stored.lastModified,
    version: stored.version,
    chunks: Math.max(1, Math.ceil(json.length / CHUNK_CHARS)),
  };
  for (let i = 0; i * CHUNK_CHARS < json.length || i === 0; i++) entity[`d${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  return entity;
}

function externalIdEntity(tenant: string, stored: StoredResource, externalId: string): Entity {
  return { partitionKey: tenant, rowKey: keys.externalIdPrefix(stored.type, externalId) + stored.id, id: stored.id };
}

function fromEntity(entity: Row, type: ResourceTypeName): StoredResource {
  const chunks = Number(entity.chunks ?? 1);
  let json = '';
  for (let i = 0; i < chunks; i++) json += String(entity[`d${i}`] ?? '');
  return {
    id: String(entity.id),
    type,
    data: JSON.parse(json) as ScimResource,
    created: String(entity.created),
    lastModified: String(entity.lastModified),
    version: Number(entity.version),
    etag: String(entity.etag),
  };
}

/** A stored resource unless absent or marked deleting. */
function live(row: Row | undefined, type: ResourceTypeName): StoredResource | undefined {
  return row && row.deleting !== true ? fromEntity(row, type) : undefined;
}

function etagOf(response: TableTransactionResponse, rowKey: string): string {
  // The SDK reads each sub-response's RowKey from its Location header, percent-encoded ("U%3A…"): compare decoded.
  // (Compared raw it never matched, so the ETag returned by a create or update was '' and a write guarded by it
  // was not guarded at all.)
  return response.subResponses.find((r) => r.rowKey !== undefined && decodeURIComponent(r.rowKey) === rowKey)?.etag ?? '';
}

