// ResourceRepository on Azure Table Storage. Layout (one table, PartitionKey = tenant; see keys.ts):
//   U:<id> / G:<id>        the resource: JSON text split over d0..dN (64 KiB per property limit); memberOfNone while
//                          it is in no group (set by its create, cleared by every member add's touch)
//   UN:<hash> / GN:<hash>  unique-name index row, carrying a copy of the resource so a userName/displayName lookup
//                          is one point read; written in the same transaction as the resource row
//   UX:<hash>:<id>         externalId index (range read by prefix)
//   M:<group>:<member>     membership row (member id and type); R:<member>:<group> its reverse row (group id and
//                          displayName, for User.groups), always written in the same transaction
//   C:U:<nn> / C:G:<nn>    resource counter shards and C:U:base / C:G:base their baseline (counters.ts): each create
//                          and each delete's commit point moves one shard in its own transaction
// Every write of a resource and its index rows is one entity-group transaction: uniqueness is atomic, and an
// update carries the storage ETag of what was read (optimistic concurrency).
//
// Member adds read nothing per member: each add also touches the member's own row (a Merge of no properties, ETag
// `*`), which fails the transaction if there is no such row and moves the row's ETag. A failed transaction names its
// failing action, so an unknown id or a wrong type guess is found from the failure alone.
//
// Deletes: the resource's membership rows are read, then the resource (guarded by the ETag read before them), its
// index rows, every membership pair and the event go in one transaction. An add that committed since the read moved
// the ETag (the delete fails and the caller retries); an add after it finds no row. With more pairs than one
// transaction holds, three steps: (1) mark the resource and its name row `deleting` (ETag-guarded, with the event),
// (2) remove its membership rows, (3) delete the resource and index rows guarded by the mark's ETag, purging again
// if an add touched the row meanwhile. Readers treat a `deleting` resource as gone; a crash between the steps is
// repaired by the next DELETE of that id or the next create/rename onto its name.
//
// Change feed: every transaction that commits a change (create, update, a delete or its `deleting` mark, each member batch) also
// creates that change's event row, built by lib/events (same partition, same transaction: no extra storage call, and
// never an event without its change or a change without its event).
import { randomUUID } from 'node:crypto';
import type { TableClient, TableEntity, TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import { createdEvent, deletedEvent, membersEvent, nextChangeTime, updatedEvent } from '../events/event.js';
import { pendingEventAction } from '../events/keys.js';
import { conflict, ScimError } from '../scim/errors.js';
import type { ScimResource } from '../scim/normalize.js';
import { descriptors, isStoredApart, uniqueValueOf, type ResourceTypeDescriptors } from '../scim/resource-type.js';
import type { ResourceTypeName } from '../scim/schema.js';
import { ResourceCounters } from './counters.js';
import { isResourceId, keys } from './keys.js';
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
import { chunk, MAX_BATCH, TableOps, type Action, type Row } from './table-ops.js';

/** Members one transaction adds: 3 actions each (member row, reverse row, the touch of the member's row) + 3 of the group and event. */
const ADDS_PER_BATCH = Math.floor((MAX_BATCH - 3) / 3);
/** Type corrections (an untyped id that is a Group, or the reverse) one request may need: each costs a failed transaction and a read. */
const MAX_TYPE_CORRECTIONS = 8;
/** Ids whose presence is checked by point reads (one round of TableOps' concurrency); more read the group's member rows. */
const POINT_CHECKS = 8;
/** Purge rounds of a multi-step delete when member adds keep landing on the resource being deleted. */
const MAX_PURGE_ROUNDS = 5;
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

  async create(tenant: string, type: ResourceTypeName, data: ScimResource, members: MemberAdd[] = []): Promise<StoredResource> {
    const work = memberWork(members);
    const now = new Date().toISOString();
    const stored: StoredResource = { id: randomUUID(), type, data, created: now, lastModified: now, version: 1, etag: '', known: { groups: [] } };
    const row = resourceEntity(tenant, stored, this.nameOf(stored));
    const nameKey = this.nameKey(type, this.nameOf(stored));
    const actions: TransactionAction[] = [
      ['create', row],
      ['create', { ...row, rowKey: nameKey }],
    ];
    const externalId = externalIdOf(data);
    if (externalId !== undefined) actions.push(['create', externalIdEntity(tenant, stored, externalId)]);
    actions.push(pendingEventAction(tenant, createdEvent(tenant, stored)));
    // The create touches the row of every member it will add, so an unknown member id creates nothing; members too
    // many for that transaction are checked by one before it. The counter (+1) rides last in the same transaction.
    const inline = actions.length + 1 + work.candidates.length <= MAX_BATCH;
    if (!inline) await this.confirm(tenant, work, work.candidates);
    const response = await this.counters.commit(tenant, type, 1, (counter) =>
      this.writeRepairingName(tenant, type, nameKey, () => withGuards(tenant, [...actions, counter], inline ? work.candidates : []), work),
    );
    this.afterChange(tenant);
    let created: StoredResource = { ...stored, etag: etagOf(response, 0) };
    if (work.candidates.length > 0) created = await this.addMembers(tenant, created, work, true);
    const written = isStoredApart(this.types[type], 'members') ? work.candidates.map((c) => ({ value: c.value, type: c.type })) : undefined;
    return { ...created, known: { ...created.known, members: written } };
  }

  /** Runs a transaction that creates a name row; if the name is held by a half-deleted resource, finish that delete and retry once. */
  private async writeRepairingName(tenant: string, type: ResourceTypeName, nameKey: string, build: () => Layout, work?: MemberWork) {
    const onConflict = () => this.conflictFor(type);
    try {
      return await this.submitWithMembers(tenant, build, work, onConflict);
    } catch (error) {
      if (!(error instanceof ScimError && error.status === 409)) throw error;
      const holder = await this.ops.pointRead(tenant, nameKey, ['id', 'deleting']);
      if (!holder || holder.deleting !== true) throw error;
      // The repair needs the resource row's own ETag (read before it reads the memberships).
      const resource = await this.ops.pointRead(tenant, keys.resource(type, String(holder.id)));
      if (resource?.deleting === true) await this.finishDelete(tenant, fromEntity(resource, type));
      return this.submitWithMembers(tenant, build, work, onConflict);
    }
  }

  async get(tenant: string, type: ResourceTypeName, id: string): Promise<StoredResource | undefined> {
    if (!isResourceId(id)) return undefined;
    return live(await this.ops.pointRead(tenant, keys.resource(type, id)), type);
  }

  async getByUniqueName(tenant: string, type: ResourceTypeName, name: string): Promise<StoredResource | undefined> {
    // The copy on the name row: member adds touch only the resource row, so its memberOfNone may be stale.
    return live(await this.ops.pointRead(tenant, this.nameKey(type, name)), type, false);
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
        actions.push(['delete', { partitionKey: tenant, rowKey: keys.externalId(existing.type, oldExternal, existing.id) }]);
      }
      if (newExternal !== undefined) actions.push(['create', externalIdEntity(tenant, next, newExternal)]);
    }
    actions.push(pendingEventAction(tenant, updatedEvent(tenant, existing, next)));
    const response = await this.writeRepairingName(tenant, existing.type, newNameKey, () => withGuards(tenant, actions, []));
    this.afterChange(tenant);
    const updated = { ...next, etag: etagOf(response, 0) };
    if (oldNameKey !== newNameKey) await this.syncDisplay(tenant, updated);
    return updated;
  }

  async delete(tenant: string, existing: StoredResource): Promise<void> {
    // Its memberships: as a group (its members) and as a member (its groups, also listed by its event). Every member
    // add touches the member's row, so an add that commits after these reads changes the ETag read before them and
    // fails the delete below (the caller re-reads and retries), and an add after the delete finds no row.
    const groups = existing.known?.groups ?? (await this.groupsOf(tenant, existing.id));
    const members = isStoredApart(this.types[existing.type], 'members') ? [...(await this.memberTypes(tenant, existing.id)).keys()] : [];
    const pairs: [string, string][] = [...members.map((m): [string, string] => [existing.id, m]), ...groups.map((g): [string, string] => [g.value, existing.id])];
    const gone: StoredResource = { ...existing, version: existing.version + 1, lastModified: nextChangeTime(existing.lastModified) };
    const event = pendingEventAction(tenant, deletedEvent(tenant, gone, groups));
    const own = this.ownRows(existing);
    if (own.length + 2 * pairs.length + 2 <= MAX_BATCH) {
      // One transaction: the resource (guarded by the ETag read), its index rows, every membership pair, the event.
      // A pair removed meanwhile fails it too (404): the caller re-reads and retries.
      // The counter (-1) rides last, in the commit point's transaction.
      await this.counters.commit(tenant, existing.type, -1, (counter) =>
        this.ops.transaction([
          ['delete', { partitionKey: tenant, rowKey: own[0] }, { etag: existing.etag }],
          ...own.slice(1).map((rowKey): Action => ['delete', { partitionKey: tenant, rowKey }]),
          ...pairs.flatMap(([g, m]) => pairActions(tenant, g, m, 'delete')),
          event,
          counter,
        ]),
      );
      this.afterChange(tenant);
      return;
    }
    // Too many memberships for one transaction. Step 1: mark deleting, guarded by the ETag that was read. This is the
    // commit point of the delete (readers see the resource gone), so it carries the event and the counter (-1), never
    // the cleanup steps a later request may repeat.
    const mark = { partitionKey: tenant, deleting: true };
    const response = await this.counters.commit(tenant, existing.type, -1, (counter) =>
      this.ops.transaction([
        ['update', { ...mark, rowKey: keys.resource(existing.type, existing.id) }, 'Merge', { etag: existing.etag }],
        ['update', { ...mark, rowKey: this.nameKey(existing.type, this.nameOf(existing)) }, 'Merge'],
        event,
        counter,
      ]),
    );
    this.afterChange(tenant);
    await this.finishDelete(tenant, { ...existing, etag: etagOf(response, 0) }, pairs);
  }

  /** Row keys of the resource and its index rows, the resource row first. */
  private ownRows(resource: StoredResource): string[] {
    const rows = [keys.resource(resource.type, resource.id), this.nameKey(resource.type, this.nameOf(resource))];
    const externalId = externalIdOf(resource.data);
    if (externalId !== undefined) rows.push(keys.externalId(resource.type, externalId, resource.id));
    return rows;
  }

  /**
   * Steps 2 and 3 of a delete; also the repair of a delete that stopped half-way. `marked.etag` is the resource row's
   * ETag, read before the membership rows are: a member add touches that row, so one that commits after the purge
   * read fails the final delete, and the purge runs again. `pairs`: the memberships read before the mark, if known.
   */
  private async finishDelete(tenant: string, marked: StoredResource, pairs?: [string, string][]): Promise<void> {
    let etag = marked.etag;
    let rows = this.ownRows(marked);
    for (let attempt = 1; ; attempt++) {
      await this.purgeMemberships(tenant, marked.id, pairs);
      try {
        // The resource row goes in the same batch as its index rows: concurrent repairs of one delete (a DELETE and
        // creates onto the freed name) race here, and the one that finds the resource row gone or changed writes nothing.
        await this.ops.transaction([
          ['delete', { partitionKey: tenant, rowKey: rows[0] }, { etag }],
          ...rows.slice(1).map((rowKey): Action => ['delete', { partitionKey: tenant, rowKey }]),
        ]);
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        // Another repair finished (the row is gone), or a member was added since the purge read: read again.
        const present = await this.ops.rowsAmong(tenant, this.ownRows(marked), ['RowKey', 'id', 'deleting']);
        const resource = present.find((r) => r.rowKey === rows[0]);
        if (!resource || resource.deleting !== true) return;
        if (attempt >= MAX_PURGE_ROUNDS) throw error;
        etag = resource.etag;
        rows = [rows[0], ...present.filter((r) => r.rowKey !== rows[0] && String(r.id) === marked.id).map((r) => r.rowKey as string)];
        pairs = undefined;
      }
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
      yield { value: String(row.value), type: row.type === 'Group' ? 'Group' : 'User' };
    }
  }

  async groupsOf(tenant: string, memberId: string): Promise<GroupRef[]> {
    // A span of one id: the same single range read over its reverse rows.
    return (await this.groupsInSpan(tenant, [memberId])).get(memberId) ?? [];
  }

  async groupsInSpan(tenant: string, memberIds: string[]): Promise<Map<string, GroupRef[]>> {
    const ids = memberIds.filter(isResourceId).sort();
    const out = new Map(ids.map((id) => [id, [] as GroupRef[]]));
    if (ids.length === 0) return out;
    const [from] = keys.memberOfRange(ids[0]);
    const [, to] = keys.memberOfRange(ids[ids.length - 1]);
    for await (const row of this.ops.range(tenant, from, to)) out.get(keys.memberOfId(row.rowKey as string))?.push({ value: String(row.group), display: row.display as string | undefined });
    return out;
  }

  async membersAmong(tenant: string, groupId: string, memberIds: string[]): Promise<Set<string>> {
    const ids = [...new Set(memberIds.filter(isResourceId))];
    const rows = await this.ops.rowsAmong(tenant, ids.map((m) => keys.member(groupId, m)), ['value']);
    return new Set(rows.map((r) => String(r.value)));
  }

  async changeMembers(tenant: string, group: StoredResource, add: MemberAdd[], remove: MemberRemove[]): Promise<StoredResource> {
    const removeSet = new Set(remove.map((r) => r.value));
    const work = memberWork(add.filter((m) => !removeSet.has(m.value)));
    let current = group;
    if (work.candidates.length > 0) current = await this.addMembers(tenant, current, work, false);
    if (remove.length > 0) current = await this.removeMembers(tenant, current, remove, work);
    return current;
  }

  async confirmMembers(tenant: string, add: MemberAdd[]): Promise<MemberAdd[]> {
    const work = memberWork(add);
    await this.confirm(tenant, work, work.candidates);
    return work.candidates.map((c) => ({ value: c.value, type: c.type }));
  }

  /**
   * Adds members in transactions of ADDS_PER_BATCH. Unless they are known to exist (`confirmed`), the first
   * transaction also touches the rows of the members the later ones add (or, if even that does not fit, one
   * transaction of such touches goes first), so an unknown id fails the request before anything is written.
   */
  private async addMembers(tenant: string, group: StoredResource, work: MemberWork, confirmed: boolean): Promise<StoredResource> {
    const all = work.candidates;
    // First transaction: 3 actions of the group and its event, 3 per member added, 1 per later member touched.
    const first = confirmed ? ADDS_PER_BATCH : Math.min(ADDS_PER_BATCH, Math.floor((MAX_BATCH - 3 - all.length) / 2));
    if (first <= 0) await this.confirm(tenant, work, all);
    const head = first > 0 ? all.slice(0, first) : [];
    const batches = [...(head.length > 0 ? [head] : []), ...chunk(all.slice(head.length), ADDS_PER_BATCH)];
    let current = group;
    for (const [i, part] of batches.entries()) {
      const later = i === 0 && !confirmed && first > 0 ? all.slice(head.length) : [];
      current = await this.addBatch(tenant, current, part, later, work);
    }
    return current;
  }

  /**
   * One transaction adding `part` (and touching the rows of `later`). Creates, not upserts: new members are the
   * common case, so presence is not read up front; a create that finds the member already there fails the batch,
   * which is then retried without the present members (adding a present member is a no-op: no version, no event).
   */
  private async addBatch(tenant: string, group: StoredResource, part: Candidate[], later: Candidate[], work: MemberWork): Promise<StoredResource> {
    const groupName = this.nameOf(group);
    const checked = new Set<string>(); // found absent after a failed batch
    // Members the request already found present (the group's rows read for an earlier batch) are not tried again.
    const known = work.current;
    let members = known ? part.filter((m) => !known.has(m.value)) : part;
    for (;;) {
      if (members.length === 0) {
        if (later.length > 0) await this.confirm(tenant, work, later);
        return group;
      }
      const adding = members;
      try {
        return await this.membersBatch(tenant, group, 'added', () => adding, (layout) => {
          for (const m of adding) {
            layout.creates.set(layout.actions.length, m);
            layout.actions.push(['create', { partitionKey: tenant, rowKey: keys.member(group.id, m.value), value: m.value, type: m.type }]);
            layout.creates.set(layout.actions.length, m);
            layout.actions.push(['create', { partitionKey: tenant, rowKey: keys.memberOf(m.value, group.id), group: group.id, display: groupName }]);
            pushGuard(tenant, layout, m);
          }
          for (const m of later) pushGuard(tenant, layout, m);
        }, work);
      } catch (error) {
        if (!(error instanceof MemberExists)) throw error;
        // Found absent since, present now: a concurrent add (which also moved the group's ETag): start again.
        if (checked.has(error.member.value)) throw new ConcurrencyError();
        const others = members.filter((m) => m !== error.member && !checked.has(m.value)).map((m) => m.value);
        const present = await this.presentAmong(tenant, group.id, others, work);
        present.add(error.member.value);
        members = members.filter((m) => !present.has(m.value));
        for (const m of members) checked.add(m.value);
      }
    }
  }

  /** One transaction that only touches members' rows: they exist (types corrected as needed), nothing visible written. */
  private async confirm(tenant: string, work: MemberWork, members: Candidate[]): Promise<void> {
    for (const part of chunk(members, MAX_BATCH)) {
      await this.submitWithMembers(tenant, () => {
        const layout: Layout = { actions: [], guards: new Map(), creates: new Map() };
        for (const m of part) pushGuard(tenant, layout, m);
        return layout;
      }, work);
    }
  }

  /**
   * Submits a transaction built by `build` (again after each correction). When the touch of a member's row finds no
   * row, an id given without a type is read once as the other type: a live resource of that type corrects the type
   * (and the guess for the request's other untyped ids not yet confirmed), anything else is an unknown id.
   */
  private async submitWithMembers(tenant: string, build: () => Layout, work?: MemberWork, onConflict?: () => Error): Promise<TableTransactionResponse> {
    for (;;) {
      const layout = build();
      try {
        return await this.ops.transaction(layout.actions, onConflict, (failed) => {
          const guarded = failed.status === 404 ? layout.guards.get(failed.index) : undefined;
          if (guarded) {
            // The service stops at the first failing action: every touch before it found its row.
            for (const [i, m] of layout.guards) if (i < failed.index) m.confirmed = true;
            return new GuardFailed(guarded);
          }
          const created = failed.status === 409 ? layout.creates.get(failed.index) : undefined;
          return created ? new MemberExists(created) : undefined;
        });
      } catch (error) {
        if (!(error instanceof GuardFailed) || !work) throw error;
        await this.correctType(tenant, work, error.member);
      }
    }
  }

  private async correctType(tenant: string, work: MemberWork, member: Candidate): Promise<void> {
    if (member.typed || member.confirmed) throw new UnknownMembersError([member.value]);
    if (work.corrections >= MAX_TYPE_CORRECTIONS) {
      throw new ScimError(400, 'invalidValue', `More than ${MAX_TYPE_CORRECTIONS} members given without a "type" differ in type from the ones before them; give each member's "type" ("User" or "Group").`);
    }
    const other: ResourceTypeName = member.type === 'User' ? 'Group' : 'User';
    const row = await this.ops.pointRead(tenant, keys.resource(other, member.value), ['id', 'deleting']);
    if (!row || row.deleting === true) throw new UnknownMembersError([member.value]);
    work.corrections++;
    member.type = other;
    member.confirmed = true;
    // Untyped ids usually share a type (nested groups sent without one): guess the same for the rest.
    for (const m of work.candidates) if (!m.typed && !m.confirmed) m.type = other;
  }

  /** Which of `ids` are members: point reads when few, else the group's member rows (one range read per 1,000). */
  private async presentAmong(tenant: string, groupId: string, ids: string[], work: MemberWork): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    if (!work.current && ids.length <= POINT_CHECKS) return this.membersAmong(tenant, groupId, ids);
    work.current ??= await this.memberTypes(tenant, groupId);
    const current = work.current;
    return new Set(ids.filter((id) => current.has(id)));
  }

  /** Removes members that are present; a removal of an absent member writes nothing. */
  private async removeMembers(tenant: string, group: StoredResource, remove: MemberRemove[], work: MemberWork): Promise<StoredResource> {
    // Members read with the group's rows carry their type; the others are looked up (their type goes in the event).
    const present: EventMember[] = remove.filter((r): r is EventMember => r.type !== undefined);
    const unknown = [...new Set(remove.filter((r) => r.type === undefined && isResourceId(r.value)).map((r) => r.value))];
    if (unknown.length > 0 && !work.current && unknown.length <= POINT_CHECKS) present.push(...(await this.memberRowsAmong(tenant, group.id, unknown)));
    else if (unknown.length > 0) {
      work.current ??= await this.memberTypes(tenant, group.id);
      for (const value of unknown) {
        const type = work.current.get(value);
        if (type) present.push({ value, type });
      }
    }
    let current = group;
    for (const part of chunk(present, Math.floor((MAX_BATCH - 3) / 2))) {
      current = await this.membersBatch(tenant, current, 'removed', () => part, (layout) => {
        for (const m of part) layout.actions.push(...pairActions(tenant, group.id, m.value, 'delete'));
      });
    }
    return current;
  }

  /** One transaction of member rows, guarded by the group's ETag, bumping its version, with its event. */
  private async membersBatch(
    tenant: string,
    group: StoredResource,
    change: 'added' | 'removed',
    members: () => EventMember[],
    body: (layout: Layout) => void,
    work?: MemberWork,
  ): Promise<StoredResource> {
    const lastModified = nextChangeTime(group.lastModified);
    const version = group.version + 1;
    const groupRowKey = keys.resource('Group', group.id);
    const next: StoredResource = { ...group, version, lastModified };
    const build = (): Layout => {
      const layout: Layout = {
        actions: [
          ['update', { partitionKey: tenant, rowKey: groupRowKey, version, lastModified }, 'Merge', { etag: group.etag }],
          ['update', { partitionKey: tenant, rowKey: this.nameKey('Group', this.nameOf(group)), version, lastModified }, 'Merge'],
        ],
        guards: new Map(),
        creates: new Map(),
      };
      body(layout);
      // Built last: a corrected member type goes into the event too.
      layout.actions.push(pendingEventAction(tenant, membersEvent(tenant, next, change, members().map((m) => ({ value: m.value, type: m.type })))));
      return layout;
    };
    const response = await this.submitWithMembers(tenant, build, work);
    this.afterChange(tenant);
    return { ...next, etag: etagOf(response, 0) };
  }

  /** A group's member rows: id → type (one range read per 1,000 members). */
  private async memberTypes(tenant: string, groupId: string): Promise<Map<string, ResourceTypeName>> {
    const [from, to] = keys.memberRange(groupId);
    const out = new Map<string, ResourceTypeName>();
    for await (const row of this.ops.range(tenant, from, to, { select: ['value', 'type'] })) out.set(String(row.value), row.type === 'Group' ? 'Group' : 'User');
    return out;
  }

  /** The member rows among `memberIds` (with each member's type, for the removal's event). */
  private async memberRowsAmong(tenant: string, groupId: string, memberIds: string[]): Promise<EventMember[]> {
    const ids = [...new Set(memberIds.filter(isResourceId))];
    const rows = await this.ops.rowsAmong(tenant, ids.map((m) => keys.member(groupId, m)), ['value', 'type']);
    return rows.map((r) => ({ value: String(r.value), type: r.type === 'Group' ? 'Group' : 'User' }));
  }

  /**
   * Removes every membership row of a resource: as a group (its members) and as a member (its groups). `known`: the
   * pairs read before the delete's mark (no member of the group can have been added since: that moves its ETag).
   */
  private async purgeMemberships(tenant: string, id: string, known?: [string, string][]): Promise<void> {
    const pairs: [string, string][] = known ? [...known] : [];
    if (!known) {
      for (const m of (await this.memberTypes(tenant, id)).keys()) pairs.push([id, m]);
      const [rFrom, rTo] = keys.memberOfRange(id);
      for await (const row of this.ops.range(tenant, rFrom, rTo, { select: ['group'] })) pairs.push([String(row.group), id]);
    }
    for (const part of chunk(pairs, MAX_BATCH / 2)) {
      try {
        await this.ops.transaction(part.flatMap(([g, m]) => pairActions(tenant, g, m, 'delete')));
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

  /**
   * After a group's rename, its members' reverse rows carry the new displayName (User.groups[].display; cosmetic, not
   * atomic). Member rows carry no display, so a user's rename touches none.
   */
  private async syncDisplay(tenant: string, resource: StoredResource): Promise<void> {
    if (!isStoredApart(this.types[resource.type], 'members')) return;
    const name = this.nameOf(resource);
    const actions: TransactionAction[] = [];
    for (const m of (await this.memberTypes(tenant, resource.id)).keys()) {
      actions.push(['update', { partitionKey: tenant, rowKey: keys.memberOf(m, resource.id), display: name }, 'Merge']);
    }
    for (const part of chunk(actions, MAX_BATCH)) {
      try {
        await this.ops.transaction(part);
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error; // a membership removed meanwhile: nothing to sync
      }
    }
  }

  /** The resource's unique attribute value as stored (a group's is copied onto its members' reverse rows). */
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

type EventMember = { value: string; type: ResourceTypeName };

/** A member one request adds: the type it is taken to be (the request's, else User until corrected). */
interface Candidate {
  value: string;
  type: ResourceTypeName;
  /** The request gave the type: a missing row means an unknown id. */
  typed: boolean;
  /** Its row was found as `type` by a transaction of this request. */
  confirmed: boolean;
}

/** What one request learns about its members, shared by its transactions. */
interface MemberWork {
  candidates: Candidate[];
  corrections: number;
  /** The group's member rows, once read (for presence checks of many ids). */
  current?: Map<string, ResourceTypeName>;
}

/** A transaction's actions, and which of them touch (guards) or create the rows of which member. */
interface Layout {
  actions: TransactionAction[];
  guards: Map<number, Candidate>;
  creates: Map<number, Candidate>;
}

/** A batch tried to create a membership row that exists. */
class MemberExists extends Error {
  constructor(readonly member: Candidate) {
    super('member exists');
  }
}

/** The touch of a member's row found no row of that type. */
class GuardFailed extends Error {
  constructor(readonly member: Candidate) {
    super('member row missing');
  }
}

/** The members to add as candidates; an id that is not one of ours names no resource: unknown without a read. */
function memberWork(add: MemberAdd[]): MemberWork {
  const malformed = add.filter((m) => !isResourceId(m.value)).map((m) => m.value);
  if (malformed.length > 0) throw new UnknownMembersError(malformed);
  const byId = new Map<string, Candidate>();
  for (const m of add) if (!byId.has(m.value)) byId.set(m.value, { value: m.value, type: m.type ?? 'User', typed: m.type !== undefined, confirmed: false });
  return { candidates: [...byId.values()], corrections: 0 };
}

/**
 * The touch of a member's row that guards an add: a Merge with ETag `*` fails (404) if the row does not exist, and
 * changes its ETag, so a delete that read the member before fails its own ETag guard. It clears memberOfNone.
 */
function pushGuard(tenant: string, layout: Layout, m: Candidate): void {
  layout.guards.set(layout.actions.length, m);
  layout.actions.push(['update', { partitionKey: tenant, rowKey: keys.resource(m.type, m.value), memberOfNone: false }, 'Merge', { etag: '*' }]);
}

/** `actions` with guards for `members` before the last action (the event). */
function withGuards(tenant: string, actions: TransactionAction[], members: Candidate[]): Layout {
  const layout: Layout = { actions: actions.slice(0, -1), guards: new Map(), creates: new Map() };
  for (const m of members) pushGuard(tenant, layout, m);
  layout.actions.push(...actions.slice(-1));
  return layout;
}

/** The member row and its reverse row of one membership. */
function pairActions(tenant: string, groupId: string, memberId: string, kind: 'delete'): TransactionAction[] {
  return [
    [kind, { partitionKey: tenant, rowKey: keys.member(groupId, memberId) }],
    [kind, { partitionKey: tenant, rowKey: keys.memberOf(memberId, groupId) }],
  ];
}

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
  // In no group, as far as this row knows (a create, or an update of a row that said so under its ETag guard): its
  // reads then skip the reverse rows. Every member add's touch clears it; rows from before it carry none (unknown).
  if (stored.known?.groups?.length === 0) entity.memberOfNone = true;
  for (let i = 0; i * CHUNK_CHARS < json.length || i === 0; i++) entity[`d${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  return entity;
}

function externalIdEntity(tenant: string, stored: StoredResource, externalId: string): Entity {
  return { partitionKey: tenant, rowKey: keys.externalId(stored.type, externalId, stored.id), id: stored.id };
}

/** `resourceRow`: the resource's own row (whose memberOfNone every member add keeps truthful), not a name row's copy. */
function fromEntity(entity: Row, type: ResourceTypeName, resourceRow = true): StoredResource {
  const chunks = Number(entity.chunks ?? 1);
  let json = '';
  for (let i = 0; i < chunks; i++) json += String(entity[`d${i}`] ?? '');
  const stored: StoredResource = {
    id: String(entity.id),
    type,
    data: JSON.parse(json) as ScimResource,
    created: String(entity.created),
    lastModified: String(entity.lastModified),
    version: Number(entity.version),
    etag: String(entity.etag),
  };
  if (resourceRow && entity.memberOfNone === true) stored.known = { groups: [] };
  return stored;
}

/** A stored resource unless absent or marked deleting. */
function live(row: Row | undefined, type: ResourceTypeName, resourceRow = true): StoredResource | undefined {
  return row && row.deleting !== true ? fromEntity(row, type, resourceRow) : undefined;
}

/**
 * The new ETag of the transaction's action at `index` (sub-responses come in action order; they carry no row key for
 * an update, so a lookup by key found nothing and a later batch went out unguarded).
 */
function etagOf(response: TableTransactionResponse, index: number): string {
  const etag = response.subResponses[index]?.etag;
  if (!etag) throw new Error('A transaction response without the ETag of its first row.');
  return etag;
}
