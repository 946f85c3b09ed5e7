// Renders stored resources for responses: the wire form, plus the membership attributes read from membership rows
// only when the response will carry them (`excludedAttributes=members` never touches a member row).
import type { StoredResource } from '../store/repository.js';
import { ScimError } from './errors.js';
import type { ScimResource } from './normalize.js';
import { isRequested, project, type Projection } from './projection.js';
import { toScim } from './representation.js';
import type { TenantScope } from './resource-service.js';
import { descriptorOf, isStoredApart } from './resource-type.js';
import { resourceSchema } from './schema.js';

/** Members a list page may still render, shared by the page's resources (lib/http/list-response.ts). */
export interface MemberBudget {
  limit: number;
  remaining: number;
}

export async function render(scope: TenantScope, stored: StoredResource, baseUrl: string, projection: Projection = {}, budget?: MemberBudget): Promise<ScimResource> {
  const schema = resourceSchema(stored.type);
  const resource = toScim(stored, baseUrl);
  const descriptor = descriptorOf(stored.type);
  if (isStoredApart(descriptor, 'members') && isRequested('members', schema, projection)) {
    const members: Record<string, unknown>[] = [];
    // A create knows the members it wrote (none for Entra's POST): no read for them.
    const rows = stored.knownMembers ?? scope.repository.members(scope.tenant, stored.id);
    for await (const m of rows) {
      // Stop reading at the bound: a page of large groups would otherwise cost unbounded reads and memory.
      if (budget && --budget.remaining < 0) {
        throw new ScimError(400, 'tooMany', `This page would carry more than ${budget.limit} group members; ask for fewer resources (count) or use excludedAttributes=members.`);
      }
      // RFC 7643 §8.7.1: value, $ref and type (a display would cost a read of every member when it is added).
      members.push({ value: m.value, $ref: `${baseUrl}/${m.type}s/${m.value}`, type: m.type });
    }
    resource.members = members;
  }
  if (descriptor.membershipView === 'groups' && isRequested('groups', schema, projection)) {
    const groups = await scope.repository.groupsOf(scope.tenant, stored.id);
    if (groups.length > 0) {
      resource.groups = groups.map((g) => ({ value: g.value, $ref: `${baseUrl}/Groups/${g.value}`, display: g.display, type: 'direct' }));
    }
  }
  return project(resource, schema, projection);
}
