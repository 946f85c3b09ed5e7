// The SCIM verbs on one resource, shared by Users and Groups: normalize and validate input, enforce mutability and
// preconditions, and write through the repository with optimistic concurrency (re-read and retry on a lost race).
import type { ServiceConfig } from '../config.js';
import { ConcurrencyError, type ResourceRepository, type StoredResource } from '../store/repository.js';
import { badRequest, notFound, preconditionFailed } from './errors.js';
import { normalizeResource, type ScimResource } from './normalize.js';
import { applyPatch } from './patch.js';
import { versionTag } from './representation.js';
import { resourceSchema, type ResourceTypeName } from './schema.js';
import { validateResource } from './validate.js';

export interface TenantScope {
  tenant: string;
  repository: ResourceRepository;
  config: ServiceConfig;
}

export interface Preconditions {
  ifMatch?: string[];
}

const MAX_ATTEMPTS = 10;

export async function createResource(scope: TenantScope, type: ResourceTypeName, body: unknown): Promise<StoredResource> {
  const data = normalizeResource(body, resourceSchema(type), { strict: scope.config.strictSchema });
  validateResource(type, data);
  return scope.repository.create(scope.tenant, type, data);
}

export async function getResource(scope: TenantScope, type: ResourceTypeName, id: string): Promise<StoredResource> {
  const found = await scope.repository.get(scope.tenant, type, id);
  if (!found) throw notFound(`${type} ${JSON.stringify(id)} not found.`);
  return found;
}

export async function replaceResource(scope: TenantScope, type: ResourceTypeName, id: string, body: unknown, pre: Preconditions = {}): Promise<StoredResource> {
  const schema = resourceSchema(type);
  const incoming = normalizeResource(body, schema, { strict: scope.config.strictSchema });
  validateResource(type, incoming);
  return writeWithRetry(scope, type, id, pre, (existing) => {
    assertImmutableUnchanged(type, existing.data, incoming);
    return incoming;
  });
}

export async function patchResource(scope: TenantScope, type: ResourceTypeName, id: string, body: unknown, pre: Preconditions = {}): Promise<StoredResource> {
  const schema = resourceSchema(type);
  return writeWithRetry(scope, type, id, pre, (existing) => {
    const { resource, changed } = applyPatch(existing.data, body, schema);
    if (!changed) return undefined;
    validateResource(type, resource);
    return resource;
  });
}

export async function deleteResource(scope: TenantScope, type: ResourceTypeName, id: string, pre: Preconditions = {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const existing = await getResource(scope, type, id);
    checkIfMatch(existing, pre.ifMatch);
    try {
      await scope.repository.delete(scope.tenant, existing);
      return;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * Read, compute the next state, write if the storage ETag still matches; on a lost race read again and recompute,
 * so concurrent writers never lose each other's changes. `next` returning undefined means "nothing to write".
 */
async function writeWithRetry(
  scope: TenantScope,
  type: ResourceTypeName,
  id: string,
  pre: Preconditions,
  next: (existing: StoredResource) => ScimResource | undefined,
): Promise<StoredResource> {
  for (let attempt = 1; ; attempt++) {
    const existing = await getResource(scope, type, id);
    checkIfMatch(existing, pre.ifMatch);
    const data = next(existing);
    if (data === undefined) return existing;
    try {
      return await scope.repository.update(scope.tenant, existing, data);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/** If-Match: 412 unless one of the tags (or `*`) names the current version; weak and strong forms compare equal. */
export function checkIfMatch(existing: StoredResource, ifMatch: string[] | undefined): void {
  if (!ifMatch || matchesAnyTag(existing, ifMatch)) return;
  throw preconditionFailed(`The resource version is ${versionTag(existing)}, not ${ifMatch.join(', ')}.`);
}

export function matchesAnyTag(existing: StoredResource, tags: string[]): boolean {
  const current = opaque(versionTag(existing));
  return tags.some((tag) => tag === '*' || opaque(tag) === current);
}

function opaque(tag: string): string {
  return tag.replace(/^W\//, '');
}

/** PUT may not change an immutable attribute that already has a value (RFC 7644 §3.5.1). */
function assertImmutableUnchanged(type: ResourceTypeName, before: ScimResource, after: ScimResource): void {
  for (const attribute of resourceSchema(type).topLevel) {
    if (attribute.mutability !== 'immutable') continue;
    const old = before[attribute.name];
    if (old !== undefined && JSON.stringify(old) !== JSON.stringify(after[attribute.name])) {
      throw badRequest('mutability', `Attribute "${attribute.name}" is immutable.`);
    }
  }
}
