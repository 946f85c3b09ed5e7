// The app-facing representation of a resource inside an event: what the SaaS app needs to grant or revoke access, in
// a stable shape, not what Entra happened to send (the SCIM side keeps storing values exactly as sent).
import looopUserSchema from '../scim/schemas/looop-user.json' with { type: 'json' };
import { isPlainObject, type ScimResource } from '../scim/normalize.js';
import { ENTERPRISE_USER, type ResourceTypeName } from '../scim/schema.js';

const LOOOP_USER = looopUserSchema.id;
const LOOOP_ATTRIBUTES = looopUserSchema.attributes.map((a) => a.name);

export interface AppUser {
  id: string;
  externalId?: string;
  userName: string;
  displayName?: string;
  /** false only when deprovisioned; a user stored without `active` counts as active. */
  active: boolean;
  name?: Record<string, unknown>;
  emails?: { value: string; type?: string; primary?: boolean }[];
  title?: string;
  /** Clean role names (Entra's JSON-encoded role strings parsed). */
  roles: string[];
  managerId?: string;
  /** The Looop extension attributes that have a value. */
  looop?: Record<string, string>;
}

export interface AppGroup {
  id: string;
  externalId?: string;
  displayName: string;
}

export function appResource(type: ResourceTypeName, id: string, data: ScimResource): AppUser | AppGroup {
  return type === 'User' ? appUser(id, data) : appGroup(id, data);
}

function appGroup(id: string, data: ScimResource): AppGroup {
  const out: AppGroup = { id, displayName: String(data.displayName ?? '') };
  if (typeof data.externalId === 'string') out.externalId = data.externalId;
  return out;
}

function appUser(id: string, data: ScimResource): AppUser {
  const out: AppUser = { id, userName: String(data.userName ?? ''), active: data.active !== false, roles: roleNames(data.roles) };
  if (typeof data.externalId === 'string') out.externalId = data.externalId;
  if (typeof data.displayName === 'string') out.displayName = data.displayName;
  if (isPlainObject(data.name)) out.name = data.name;
  if (typeof data.title === 'string') out.title = data.title;
  if (Array.isArray(data.emails)) {
    out.emails = data.emails.filter(isPlainObject).filter((e) => typeof e.value === 'string').map((e) => {
      const email: { value: string; type?: string; primary?: boolean } = { value: String(e.value) };
      if (typeof e.type === 'string') email.type = e.type;
      if (typeof e.primary === 'boolean') email.primary = e.primary;
      return email;
    });
  }
  const enterprise = data[ENTERPRISE_USER];
  if (isPlainObject(enterprise) && isPlainObject(enterprise.manager) && typeof enterprise.manager.value === 'string' && enterprise.manager.value !== '') {
    out.managerId = enterprise.manager.value;
  }
  const looop = data[LOOOP_USER];
  if (isPlainObject(looop)) {
    const values: Record<string, string> = {};
    for (const name of LOOOP_ATTRIBUTES) if (typeof looop[name] === 'string') values[name] = looop[name];
    if (Object.keys(values).length > 0) out.looop = values;
  }
  return out;
}

/**
 * Role names from `roles` as stored. Entra sends plain values (`SingleAppRoleAssignment`: `roles[primary eq "True"]`
 * with the role's value) or, with the complex role mappings, a JSON-encoded `{"id","value","displayName"}` string.
 */
export function roleNames(roles: unknown): string[] {
  if (!Array.isArray(roles)) return [];
  const names: string[] = [];
  for (const role of roles) {
    const name = roleName(isPlainObject(role) ? (role.value ?? role.display) : role);
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

function roleName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (isPlainObject(parsed)) {
        for (const key of ['value', 'displayName', 'id']) {
          const v = parsed[key];
          if (typeof v === 'string' && v.trim() !== '') return v.trim();
        }
      }
    } catch {
      // Not JSON after all: the text is the role's name.
    }
  }
  return text === '' ? undefined : text;
}
