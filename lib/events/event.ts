// Change events: CloudEvents 1.0 JSON (https://github.com/cloudevents/spec), one per committed change, built here from
// the resource before and after the change. The repository adds the row these builders return to the very
// transaction that commits the change (see keys.ts for the row, feed.ts for how rows become an ordered feed).
import { isPlainObject, type ScimResource } from '../scim/normalize.js';
import type { ResourceTypeName } from '../scim/schema.js';
import type { StoredResource } from '../store/repository.js';
import { appResource, type AppGroup, type AppUser } from './resource.js';

export const EVENT_TYPES = [
  'scim.user.created',
  'scim.user.updated',
  'scim.user.deactivated',
  'scim.user.reactivated',
  'scim.user.deleted',
  'scim.group.created',
  'scim.group.updated',
  'scim.group.deleted',
  'scim.group.members.added',
  'scim.group.members.removed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventData {
  tenantId: string;
  resourceType: ResourceTypeName;
  id: string;
  /** The resource's version after the change (meta.version W/"<version>"); increases with every change of it. */
  version: number;
  externalId?: string;
  userName?: string;
  displayName?: string;
  active?: boolean;
  /** Updates: the top-level attribute names that changed (extension attributes as `<schema URN>:<name>`). */
  changedAttributes?: string[];
  /** The resource after the change, as the app needs it (groups without members). */
  resource?: AppUser | AppGroup;
  /** Member events: every member the change added or removed. */
  members?: { value: string; type: ResourceTypeName }[];
  /** scim.user.deleted: the groups the user was a member of (its memberships went with it). */
  groups?: { value: string }[];
}

export interface ChangeEvent {
  specversion: '1.0';
  /** Unique and stable: `<resource id>.<version>` (a version is one committed change of one resource). */
  id: string;
  source: string;
  type: EventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: EventData;
  /** CloudEvents `sequence` extension: the event's position in its tenant's feed (set when read from the feed). */
  sequence?: string;
}

/** Where a tenant's events come from: a URI-reference naming the tenant. */
export function eventSource(tenant: string): string {
  return `/scim/v2/tenants/${tenant}`;
}

function event(tenant: string, type: EventType, resource: Pick<StoredResource, 'type' | 'id' | 'version' | 'lastModified'>, data: Omit<EventData, 'tenantId' | 'resourceType' | 'id' | 'version'>): ChangeEvent {
  return {
    specversion: '1.0',
    id: `${resource.id}.${resource.version}`,
    source: eventSource(tenant),
    type,
    subject: `${resource.type === 'User' ? 'Users' : 'Groups'}/${resource.id}`,
    time: resource.lastModified,
    datacontenttype: 'application/json',
    data: { tenantId: tenant, resourceType: resource.type, id: resource.id, version: resource.version, ...data },
  };
}

/** The identifying attributes every event of a resource carries. */
function identity(type: ResourceTypeName, data: ScimResource): Pick<EventData, 'externalId' | 'userName' | 'displayName' | 'active'> {
  const out: Pick<EventData, 'externalId' | 'userName' | 'displayName' | 'active'> = {};
  if (typeof data.externalId === 'string') out.externalId = data.externalId;
  if (type === 'User') {
    out.userName = String(data.userName ?? '');
    out.active = data.active !== false;
  } else {
    out.displayName = String(data.displayName ?? '');
  }
  return out;
}

const prefix = (type: ResourceTypeName) => (type === 'User' ? 'scim.user' : 'scim.group');

export function createdEvent(tenant: string, created: StoredResource): ChangeEvent {
  return event(tenant, `${prefix(created.type)}.created` as EventType, created, {
    ...identity(created.type, created.data),
    resource: appResource(created.type, created.id, created.data),
  });
}

/** One attribute change: deactivated / reactivated when `active` flipped, otherwise updated. */
export function updatedEvent(tenant: string, before: StoredResource, after: StoredResource): ChangeEvent {
  let type: EventType = `${prefix(after.type)}.updated` as EventType;
  if (after.type === 'User') {
    const was = before.data.active !== false;
    const is = after.data.active !== false;
    if (was && !is) type = 'scim.user.deactivated';
    if (!was && is) type = 'scim.user.reactivated';
  }
  return event(tenant, type, after, {
    ...identity(after.type, after.data),
    changedAttributes: changedAttributes(before.data, after.data),
    resource: appResource(after.type, after.id, after.data),
  });
}

/** `deleted` is the resource as it was, with the version and time of its delete. */
export function deletedEvent(tenant: string, deleted: StoredResource, groups: { value: string }[]): ChangeEvent {
  const data: Omit<EventData, 'tenantId' | 'resourceType' | 'id' | 'version'> = identity(deleted.type, deleted.data);
  if (deleted.type === 'User') data.groups = groups.map((g) => ({ value: g.value }));
  return event(tenant, `${prefix(deleted.type)}.deleted` as EventType, deleted, data);
}

export function membersEvent(tenant: string, group: StoredResource, change: 'added' | 'removed', members: { value: string; type: ResourceTypeName }[]): ChangeEvent {
  return event(tenant, change === 'added' ? 'scim.group.members.added' : 'scim.group.members.removed', group, {
    ...identity('Group', group.data),
    changedAttributes: ['members'],
    resource: appResource('Group', group.id, group.data),
    members: members.map((m) => ({ value: m.value, type: m.type })),
  });
}

/**
 * Top-level attributes whose value differs. An extension's attributes are named one by one (`<URN>:<name>`): "the
 * enterprise extension changed" says less to an app than "its manager changed".
 */
export function changedAttributes(before: ScimResource, after: ScimResource): string[] {
  const names: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (key.startsWith('urn:') && (isPlainObject(a) || isPlainObject(b))) {
      const x = isPlainObject(a) ? a : {};
      const y = isPlainObject(b) ? b : {};
      for (const sub of new Set([...Object.keys(x), ...Object.keys(y)])) if (!sameValue(x[sub], y[sub])) names.push(`${key}:${sub}`);
    } else if (!sameValue(a, b)) {
      names.push(key);
    }
  }
  return names;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The time of a resource's next change: now, but always after its previous change, so that one resource's events are
 * in version order by time key even when instance clocks differ (see feed.ts).
 */
export function nextChangeTime(previous: string | undefined, now = Date.now()): string {
  const last = previous === undefined ? Number.NaN : Date.parse(previous);
  return new Date(Number.isFinite(last) && last >= now ? last + 1 : now).toISOString();
}
