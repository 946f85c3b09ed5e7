// ResourceRepository on Azure Table Storage. Layout (one table, PartitionKey = tenant; see keys.ts):
//   U:<id> / G:<id>       the resource: JSON text split over d0..dN (64 KiB per property limit)
//   UN:<hash> / GN:<hash>  unique-name index row, carrying a copy of the resource so a userName/displayName lookup
//                          is one point read; written in the same transaction as the resource row
//   UX:<hash>:<id>         externalId index (range read by prefix)
// Every write of a resource and its index rows is one entity-group transaction: uniqueness is atomic, and an
// update carries the storage ETag of what was read (optimistic concurrency).
import { randomUUID } from 'node:crypto';
import { odata, type TableClient, type TableEntity, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { conflict, ScimError } from '../scim/errors.js';
import type { ScimResource } from '../scim/normalize.js';
import type { ResourceTypeName } from '../scim/schema.js';
import { isResourceId, keys } from './keys.js';
import { countStorageCall } from './metrics.js';
import { ConcurrencyError, type ResourceRepository, type ScanOptions, type StoredResource } from './repository.js';
import { isConflict, isNotFound, toScimStorageError } from './storage-errors.js';

const CHUNK_CHARS = 30_000; // under the 32,768-character (64 KiB) property limit
/** Two copies of the data share no entity, but each entity must stay under 1 MiB (strings count as UTF-16). */
export const MAX_RESOURCE_CHARS = 14 * CHUNK_CHARS;

type Entity = TableEntity<Record<string, unknown>>;

const UNIQUE_ATTRIBUTE: Record<ResourceTypeName, string> = { User: 'userName', Group: 'displayName' };

export class TableRepository implements ResourceRepository {
  private tableReady: Promise<void> | undefined;

  constructor(private readonly client: TableClient) {}

  ready(): Promise<void> {
    return this.ensureTable();
  }

  /** Creates the table on first use (idempotent), once per process. */
  private ensureTable(): Promise<void> {
    this.tableReady ??= (async () => {
      countStorageCall();
      try {
        await this.client.createTable();
      } catch (error) {
        if (!isConflict(error)) {
          this.tableReady = undefined;
          throw toScimStorageError(error);
        }
      }
    })();
    return this.tableReady;
  }

  /** One counted storage round trip, with failures mapped for the SCIM layer. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    await this.ensureTable();
    countStorageCall();
    try {
      return await fn();
    } catch (error) {
      throw toScimStorageError(error);
    }
  }

  private async transaction(actions: TransactionAction[]): Promise<void> {
    await this.ensureTable();
    countStorageCall();
    try {
      await this.client.submitTransaction(actions);
    } catch (error) {
      if (isConflict(error)) throw conflictFor(actions);
      throw toScimStorageError(error);
    }
  }

  async create(tenant: string, type: ResourceTypeName, data: ScimResource): Promise<StoredResource> {
    const now = new Date().toISOString();
    const stored: StoredResource = { id: randomUUID(), type, data, created: now, lastModified: now, version: 1, etag: '' };
    const row = resourceEntity(tenant, stored);
    const actions: TransactionAction[] = [
      ['create', row],
      ['create', { ...row, rowKey: keys.uniqueName(type, uniqueName(stored)) }],
    ];
    const externalId = externalIdOf(data);
    if (externalId !== undefined) actions.push(['create', externalIdEntity(tenant, stored, externalId)]);
    await this.transaction(actions);
    return stored;
  }

  async get(tenant: string, type: ResourceTypeName, id: string): Promise<StoredResource | undefined> {
    if (!isResourceId(id)) return undefined;
    return this.pointRead(tenant, keys.resource(type, id), type);
  }

  async getByUniqueName(tenant: string, type: ResourceTypeName, name: string): Promise<StoredResource | undefined> {
    return this.pointRead(tenant, keys.uniqueName(type, name), type);
  }

  private async pointRead(tenant: string, rowKey: string, type: ResourceTypeName): Promise<StoredResource | undefined> {
    try {
      const entity = await this.call(async () => {
        try {
          return await this.client.getEntity<Record<string, unknown>>(tenant, rowKey);
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      });
      return entity ? fromEntity(entity, type) : undefined;
    } catch (error) {
      if (error instanceof ConcurrencyError) return undefined;
      throw error;
    }
  }

  async listByExternalId(tenant: string, type: ResourceTypeName, externalId: string): Promise<StoredResource[]> {
    const prefix = keys.externalIdPrefix(type, externalId);
    const ids: string[] = [];
    for await (const row of this.range(tenant, prefix, prefix.slice(0, -1) + ';')) ids.push(String(row.id));
    const found = await Promise.all(ids.map((id) => this.get(tenant, type, id)));
    return found.filter((r): r is StoredResource => r !== undefined && externalIdOf(r.data) === externalId);
  }

  async update(tenant: string, existing: StoredResource, data: ScimResource): Promise<StoredResource> {
    const next: StoredResource = {
      ...existing,
      data,
      lastModified: new Date().toISOString(),
      version: existing.version + 1,
    };
    const row = resourceEntity(tenant, next);
    const actions: TransactionAction[] = [['update', row, 'Replace', { etag: existing.etag }]];
    const oldNameKey = keys.uniqueName(existing.type, uniqueName(existing));
    const newNameKey = keys.uniqueName(next.type, uniqueName(next));
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
    await this.transaction(actions);
    return next;
  }

  async delete(tenant: string, existing: StoredResource): Promise<void> {
    const actions: TransactionAction[] = [
      ['delete', { partitionKey: tenant, rowKey: keys.resource(existing.type, existing.id) }],
      ['delete', { partitionKey: tenant, rowKey: keys.uniqueName(existing.type, uniqueName(existing)) }],
    ];
    const externalId = externalIdOf(existing.data);
    if (externalId !== undefined) {
      actions.push(['delete', { partitionKey: tenant, rowKey: keys.externalIdPrefix(existing.type, externalId) + existing.id }]);
    }
    // A missing index row means the resource changed since it was read (e.g. renamed): the caller re-reads.
    await this.transaction(actions);
  }

  async *scan(tenant: string, type: ResourceTypeName, options: ScanOptions = {}): AsyncIterable<StoredResource> {
    const [from, to] = keys.resourceRange(type);
    const start = options.afterId ? keys.resource(type, options.afterId) : from;
    for await (const entity of this.range(tenant, start, to, options.afterId !== undefined)) yield fromEntity(entity, type);
  }

  /** Streams the rows with from <= RowKey < to (from exclusive when asked), one storage page at a time. */
  private async *range(tenant: string, from: string, to: string, exclusive = false): AsyncIterable<TableEntityResult<Record<string, unknown>>> {
    const filter = exclusive
      ? odata`PartitionKey eq ${tenant} and RowKey gt ${from} and RowKey lt ${to}`
      : odata`PartitionKey eq ${tenant} and RowKey ge ${from} and RowKey lt ${to}`;
    await this.ensureTable();
    const pages = this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: 1000 });
    while (true) {
      countStorageCall();
      let page: IteratorResult<TableEntityResult<Record<string, unknown>>[]>;
      try {
        page = await pages.next();
      } catch (error) {
        throw toScimStorageError(error);
      }
      if (page.done) return;
      yield* page.value;
    }
  }
}

function uniqueName(resource: Pick<StoredResource, 'type' | 'data'>): string {
  return String(resource.data[UNIQUE_ATTRIBUTE[resource.type]] ?? '');
}

function externalIdOf(data: ScimResource): string | undefined {
  return typeof data.externalId === 'string' && data.externalId !== '' ? data.externalId : undefined;
}

function resourceEntity(tenant: string, stored: StoredResource): Entity {
  const json = JSON.stringify(stored.data);
  if (json.length > MAX_RESOURCE_CHARS) {
    throw new ScimError(400, 'invalidValue', `The resource is too large to store (${json.length} characters of JSON; the limit is ${MAX_RESOURCE_CHARS}).`);
  }
  const entity: Entity = {
    partitionKey: tenant,
    rowKey: keys.resource(stored.type, stored.id),
    id: stored.id,
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

function fromEntity(entity: TableEntityResult<Record<string, unknown>>, type: ResourceTypeName): StoredResource {
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

/** Which unique index a failed transaction collided with, for the 409 message. */
function conflictFor(actions: TransactionAction[]): ScimError {
  const created = actions.find(([kind, e]) => kind === 'create' && /^[UG]N:/.test(e.rowKey));
  const what = created && created[1].rowKey.startsWith('G') ? 'displayName' : 'userName';
  return conflict(`A resource with this ${what} already exists (compared case-insensitively).`);
}
