// The storage interface the SCIM layer depends on. One implementation: Table Storage (table-repository.ts).
import type { ScimResource } from '../scim/normalize.js';
import type { ResourceTypeName } from '../scim/schema.js';

export interface StoredResource {
  id: string;
  type: ResourceTypeName;
  /** Canonical attributes as stored: no `id`, `meta` or `schemas`; `externalId` included. */
  data: ScimResource;
  created: string;
  lastModified: string;
  /** Incremented on every write; exposed as meta.version W/"<version>". */
  version: number;
  /** Storage ETag, used for optimistic concurrency. */
  etag: string;
  /**
   * Views a write knows without reading them (a create: the members it wrote, and no groups yet): rendering the
   * resource then reads no membership rows for them.
   */
  known?: { members?: MemberRow[]; groups?: GroupRef[] };
}

export interface ScanOptions {
  /** Resume after this id (exclusive); ids are scanned in ascending order. */
  afterId?: string;
  /** Rows per storage page (default 1000, the service maximum). */
  pageSize?: number;
}

/** A member of a group as stored: id and type (RFC 7643 §8.7.1 members carry value, $ref and type). */
export interface MemberRow {
  value: string;
  type: ResourceTypeName;
}

/** A group a resource directly belongs to (from the reverse membership rows). */
export interface GroupRef {
  value: string;
  display?: string;
}

/**
 * A member to add: its id and, when the request named it, its type. Nothing is read up front: the write itself checks
 * that the member exists (an id without a type is taken for a User first).
 */
export interface MemberAdd {
  value: string;
  type?: ResourceTypeName;
}

/** A member to remove; `type` when the caller read it with the group's member rows (else the store reads it). */
export interface MemberRemove {
  value: string;
  type?: ResourceTypeName;
}

/** The number of live resources of a type in a tenant, as a list's totalResults needs it. */
export interface TypeCount {
  /** Exact, from counters kept with every create and delete; undefined when the tenant has no counter baseline yet. */
  total?: number;
  /**
   * Without a baseline: offer the live count a full scan found after this count was read; it becomes the baseline
   * only if no create or delete committed meanwhile (otherwise nothing happens).
   */
  baseline?: (scanned: number) => Promise<void>;
}

export interface ResourceRepository {
  /** Creates the table if needed; later calls are free. */
  ready(): Promise<void>;
  /**
   * Creates the resource and its index rows in one transaction; 409 uniqueness when the unique name is taken. A group
   * may be created with members: UnknownMembersError (and nothing created) if one of them does not exist.
   */
  create(tenant: string, type: ResourceTypeName, data: ScimResource, members?: MemberAdd[]): Promise<StoredResource>;
  get(tenant: string, type: ResourceTypeName, id: string): Promise<StoredResource | undefined>;
  /** Point read by the type's unique name (User userName, Group displayName), compared case-insensitively. */
  getByUniqueName(tenant: string, type: ResourceTypeName, name: string): Promise<StoredResource | undefined>;
  /** One range read over the externalId index. */
  listByExternalId(tenant: string, type: ResourceTypeName, externalId: string): Promise<StoredResource[]>;
  /**
   * Writes `data` over `existing` if the stored ETag still matches (else throws ConcurrencyError); moves index rows
   * in the same transaction (409 uniqueness when the new unique name is taken).
   */
  update(tenant: string, existing: StoredResource, data: ScimResource): Promise<StoredResource>;
  /** Deletes the resource, its index rows and its membership rows. Throws ConcurrencyError if it changed since read. */
  delete(tenant: string, existing: StoredResource): Promise<void>;
  /** Finishes a delete that stopped half-way for this id (true if there was one). */
  repairDeleted(tenant: string, type: ResourceTypeName, id: string): Promise<boolean>;
  /** The tenant's number of live resources of the type: one small read, whatever the tenant's size. */
  count(tenant: string, type: ResourceTypeName): Promise<TypeCount>;
  /** Streams a tenant's resources of one type in id order, one storage page at a time. */
  scan(tenant: string, type: ResourceTypeName, options?: ScanOptions): AsyncIterable<StoredResource>;

  /** Streams a group's member rows in member-id order, one storage page at a time. */
  members(tenant: string, groupId: string): AsyncIterable<MemberRow>;
  /** The groups a resource directly belongs to: one range read over its reverse rows. */
  groupsOf(tenant: string, memberId: string): Promise<GroupRef[]>;
  /**
   * The groups of each of `memberIds` in one range read over the reverse rows from the lowest id to the highest: exact
   * for a page of an id-order scan, whose span holds only rows the scan walked past anyway.
   */
  groupsInSpan(tenant: string, memberIds: string[]): Promise<Map<string, GroupRef[]>>;
  /** Which of `memberIds` are members of the group (no full member read). */
  membersAmong(tenant: string, groupId: string, memberIds: string[]): Promise<Set<string>>;
  /**
   * Adds and removes members (idempotently) in batched transactions. Each batch carries the group's ETag and bumps
   * its version, and touches every added member's row (which must exist, and whose ETag changes), so a concurrent
   * delete of either side fails one of the two transactions instead of leaving a membership row without its
   * resource. A member that does not exist: UnknownMembersError, and nothing written.
   */
  changeMembers(tenant: string, group: StoredResource, add: MemberAdd[], remove: MemberRemove[]): Promise<StoredResource>;
  /**
   * Checks that the members exist without writing anything a reader sees (one transaction touching their rows, not a
   * read per member) and returns them with their types; UnknownMembersError otherwise. For a request that writes
   * something else before its members (a PATCH that also renames the group), so unknown ids still write nothing.
   */
  confirmMembers(tenant: string, add: MemberAdd[]): Promise<MemberAdd[]>;
}

/** The stored resource changed between read and write (storage ETag mismatch). Callers re-read and retry. */
export class ConcurrencyError extends Error {
  constructor() {
    super('The resource was changed concurrently.');
    this.name = 'ConcurrencyError';
  }
}

/** Member ids that name no live resource of the tenant (of the type the request gave). The SCIM layer answers 400. */
export class UnknownMembersError extends Error {
  constructor(readonly ids: string[]) {
    super(`Unknown member id(s): ${ids.join(', ')}`);
    this.name = 'UnknownMembersError';
  }
}
