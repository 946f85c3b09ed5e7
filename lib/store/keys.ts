// Row keys of the single SCIM table. PartitionKey = tenant id, so a tenant's resources, their index rows and their
// membership rows share a partition and can change together in one entity-group transaction.
import { createHash } from 'node:crypto';
import type { ResourceTypeName } from '../scim/schema.js';

import { descriptors } from '../scim/resource-type.js';

/** One capital letter per type, from schemas/resource-behaviour.json. */
const TYPE_PREFIX = Object.fromEntries(Object.values(descriptors).map((d) => [d.type, d.keyPrefix])) as Record<ResourceTypeName, string>;

/** Our ids are UUIDs; anything else cannot name a stored resource (and may hold characters keys forbid). */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isResourceId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Keys may not contain / \ # ? or control characters and are limited to 1 KiB: index values are hashed. */
export function hashKey(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

export const keys = {
  resource: (type: ResourceTypeName, id: string): string => `${TYPE_PREFIX[type]}:${id}`,
  resourceRange: (type: ResourceTypeName): [string, string] => [`${TYPE_PREFIX[type]}:`, `${TYPE_PREFIX[type]};`],
  /** Unique-name index (userName / displayName) of a value already folded per its caseExact (see resource-type.ts). */
  uniqueName: (type: ResourceTypeName, folded: string): string => `${TYPE_PREFIX[type]}N:${hashKey(folded)}`,
  /** externalId index (caseExact, not unique): one row per resource, range-read by prefix. */
  externalIdPrefix: (type: ResourceTypeName, externalId: string): string => `${TYPE_PREFIX[type]}X:${hashKey(externalId)}:`,
  /** The externalId index row of one resource. */
  externalId: (type: ResourceTypeName, externalId: string, id: string): string => `${TYPE_PREFIX[type]}X:${hashKey(externalId)}:${id}`,
  /** Group → member row. */
  member: (groupId: string, memberId: string): string => `M:${groupId}:${memberId}`,
  memberRange: (groupId: string): [string, string] => [`M:${groupId}:`, `M:${groupId};`],
  /** Member → group reverse row ("which groups is this resource in" is a range read). */
  memberOf: (memberId: string, groupId: string): string => `R:${memberId}:${groupId}`,
  memberOfRange: (memberId: string): [string, string] => [`R:${memberId}:`, `R:${memberId};`],
  /** The member id a reverse row belongs to. */
  memberOfId: (rowKey: string): string => rowKey.split(':')[1],
  /** Resource counter of a type (counters.ts): shard rows C:<P>:00..63 and the baseline row C:<P>:base. */
  counterShard: (type: ResourceTypeName, shard: number): string => `C:${TYPE_PREFIX[type]}:${String(shard).padStart(2, '0')}`,
  counterBase: (type: ResourceTypeName): string => `C:${TYPE_PREFIX[type]}:base`,
  counterRange: (type: ResourceTypeName): [string, string] => [`C:${TYPE_PREFIX[type]}:`, `C:${TYPE_PREFIX[type]};`],
};
