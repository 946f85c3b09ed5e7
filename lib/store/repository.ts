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
}

export interface ScanOptions {
  /** Resume after this id (exclusive); ids are scanned in ascending order. */
  afterId?: string;
  /** Rows per storage page (default 1000, the service maximum). */
  pageSize?: number;
}

export interface MemberRow {
  value: string;
  type: ResourceTypeName;
  /** The member's userName / displayName when it was added (kept in step on renames). */
  display?: string;
}

/** A group a resource directly belongs to (from the reverse membership rows). */
export interface GroupRef {
  value: string;
  display?: string;
}

/** A member reference checked against storage; `etag` guards the write against a concurrent delete. */
export interface ResolvedMember {
  value: string;
  type: ResourceTypeName;
  display: string;
  etag: string;
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
  /** Creates the resource and its index rows in one transaction; 409 uniqueness when the unique name is taken. */
  create(tenant: string, type: ResourceTypeName, data: ScimResource): Promise<StoredResource>;
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
  /** Which of `memberIds` are members of the group (no full member read). */
  membersAmong(tenant: string, groupId: string, memberIds: string[]): Promise<Set<string>>;
  /**
   * Resolves member references to live resources of the tenant (a `type` hint reads that type only). Stops at the
   * first round of reads that finds unknown ids: `missing` then names those (and `found` is incomplete).
   */
  resolveMembers(tenant: string, refs: { value: string; type?: string }[]): Promise<{ found: ResolvedMember[]; missing: string[] }>;
  /**
   * Adds and removes members (idempotently) in batched transactions. Each batch carries the group's ETag and bumps
   * its version, and guards every added member's row by its ETag, so a concurrent delete of either side makes the
   * batch fail (ConcurrencyError) instead of leaving a membership row without its resource.
   */
  changeMembers(tenant: string, group: StoredResource, add: ResolvedMember[], remove: string[]): Promise<StoredResource>;
}

/** The stored resource changed between read and write (storage ETag mismatch). Callers re-read and retry. */
export class ConcurrencyError extends Error {
  constructor() {
    super('The resource was changed concurrently.');
    this.name = 'ConcurrencyError';
  }
}
