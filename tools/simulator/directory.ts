// The source directory the simulator provisions from: users and groups shaped like Microsoft Graph objects
// (https://learn.microsoft.com/graph/api/resources/user), whether generated or read from a JSON file.
import { readFile } from 'node:fs/promises';

/** A Microsoft Graph user as the provisioning service reads it (only the fields the default mappings use are typed). */
export interface GraphUser {
  id: string;
  userPrincipalName: string;
  accountEnabled?: boolean;
  /** Entra's computed "soft deleted" flag; derived from accountEnabled when absent. */
  IsSoftDeleted?: boolean;
  displayName?: string;
  givenName?: string;
  surname?: string;
  mail?: string;
  mailNickname?: string;
  jobTitle?: string;
  department?: string;
  employeeId?: string;
  employeeHireDate?: string;
  officeLocation?: string;
  city?: string;
  country?: string;
  mobilePhone?: string;
  businessPhones?: string[];
  manager?: { id: string } | null;
  onPremisesExtensionAttributes?: Record<string, string | null | undefined>;
  // Any other Graph property a custom mapping may read (JSONPath), e.g. `extension_<appId>_costCenter`.
  [property: string]: unknown;
}

/** A Microsoft Graph group; `members` holds member object ids (strings) or `{ id }` objects as Graph returns them. */
export interface GraphGroup {
  id: string;
  displayName: string;
  mailNickname?: string;
  description?: string;
  members?: (string | { id: string; '@odata.type'?: string })[];
  [property: string]: unknown;
}

export interface Directory {
  users: GraphUser[];
  groups: GraphGroup[];
}

/** Whether Entra considers the user soft-deleted (disabled, or flagged so in the source). */
export function isSoftDeleted(user: GraphUser): boolean {
  if (typeof user.IsSoftDeleted === 'boolean') return user.IsSoftDeleted;
  return user.accountEnabled === false;
}

/** The member ids of a Graph group (strings or `{ id }` objects). */
export function memberIds(group: GraphGroup): string[] {
  const out: string[] = [];
  for (const m of group.members ?? []) {
    if (typeof m === 'string') out.push(m);
    else if (m && typeof m === 'object' && typeof m.id === 'string') out.push(m.id);
  }
  return out;
}

function asObjectArray(value: unknown, what: string): Record<string, unknown>[] {
  if (value === undefined) return [];
  const list = Array.isArray(value)
    ? value
    : value && typeof value === 'object' && Array.isArray((value as { value?: unknown }).value)
      ? (value as { value: unknown[] }).value // a Graph collection response: { "value": [...] }
      : undefined;
  if (!list) throw new Error(`"${what}" must be an array (or a Graph collection with "value").`);
  return list.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new Error(`${what}[${i}] must be an object.`);
    return item as Record<string, unknown>;
  });
}

/**
 * Reads a directory from JSON: `{ "users": [...], "groups": [...] }` (each also accepted as a Graph collection
 * `{ "value": [...] }`). `objectId` is accepted for `id`; groups may list `members` as ids or `{ id }` objects.
 */
export function parseDirectory(json: unknown): Directory {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('The directory file must hold an object with "users" and "groups".');
  const doc = json as Record<string, unknown>;
  const users = asObjectArray(doc.users, 'users').map((u, i) => {
    const id = u.id ?? u.objectId;
    if (typeof id !== 'string' || id === '') throw new Error(`users[${i}] has no "id" (or "objectId").`);
    return { ...u, id } as GraphUser;
  });
  const groups = asObjectArray(doc.groups, 'groups').map((g, i) => {
    const id = g.id ?? g.objectId;
    if (typeof id !== 'string' || id === '') throw new Error(`groups[${i}] has no "id" (or "objectId").`);
    if (typeof g.displayName !== 'string' || g.displayName === '') throw new Error(`groups[${i}] has no "displayName".`);
    return { ...g, id } as GraphGroup;
  });
  const seen = new Set<string>();
  for (const o of [...users, ...groups]) {
    if (seen.has(o.id)) throw new Error(`Object id ${o.id} appears twice in the directory file.`);
    seen.add(o.id);
  }
  return { users, groups };
}

export async function loadDirectory(file: string): Promise<Directory> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseDirectory(json);
}
