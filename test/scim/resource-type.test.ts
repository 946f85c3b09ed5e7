// The per-type rules come from the schema data: editing a copy of it changes what the store and the planner do, and a
// broken edit stops startup with a message.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { parseFilter } from '../../lib/scim/filter.js';
import { planLookups } from '../../lib/scim/list-plan.js';
import { buildDescriptors, descriptors } from '../../lib/scim/resource-type.js';
import { defaultCatalog, ResourceSchema, type SchemaCatalog, type ScimSchema } from '../../lib/scim/schema.js';
import { MemoryRepository } from '../../lib/store/memory-repository.js';
import { createTableClient } from '../../lib/store/table-client.js';
import { TableRepository } from '../../lib/store/table-repository.js';

/** A copy of the service's schema data in which the core User schema's unique attribute is displayName. */
function catalogWithUniqueDisplayName(): SchemaCatalog {
  const schemas = structuredClone(defaultCatalog.schemas) as ScimSchema[];
  const user = schemas.find((s) => s.id === 'urn:ietf:params:scim:schemas:core:2.0:User')!;
  for (const a of user.attributes) {
    if (a.name === 'userName') a.uniqueness = 'none';
    if (a.name === 'displayName') a.uniqueness = 'server';
  }
  return { ...defaultCatalog, schemas };
}

describe('resource type descriptors', () => {
  it('derive the unique attribute and its case rule from the schema JSON (RFC 7643 §2.1 uniqueness, caseExact)', () => {
    expect(descriptors.User.uniqueAttribute).toBe('userName');
    expect(descriptors.User.uniqueCaseExact).toBe(false);
    expect(descriptors.Group.uniqueAttribute).toBe('displayName');
  });

  it('say that group members are stored apart and that PATCH of a group answers 204', () => {
    expect(descriptors.Group.storedApart).toEqual(['members']);
    expect(descriptors.Group.patchStatus).toBe(204);
    expect(descriptors.User.patchStatus).toBe(200);
    expect(descriptors.User.membershipView).toBe('groups');
  });

  it('follow a changed unique attribute in the store and in the query planner', async () => {
    const catalog = catalogWithUniqueDisplayName();
    const edited = buildDescriptors(catalog);
    expect(edited.User.uniqueAttribute).toBe('displayName');

    const store = new MemoryRepository(edited);
    await store.create('t', 'User', { userName: 'a@x', displayName: 'Ann' });
    // userName is no longer unique; displayName is, case-insensitively (caseExact false).
    await expect(store.create('t', 'User', { userName: 'a@x', displayName: 'Bob' })).resolves.toBeDefined();
    await expect(store.create('t', 'User', { userName: 'c@x', displayName: 'ANN' })).rejects.toMatchObject({ status: 409, scimType: 'uniqueness' });
    expect((await store.getByUniqueName('t', 'User', 'ann'))?.data.displayName).toBe('Ann');

    const schema = new ResourceSchema('User', catalog);
    expect(planLookups(parseFilter('displayName eq "Ann"'), schema)).toEqual([{ kind: 'uniqueName', value: 'Ann' }]);
    expect(planLookups(parseFilter('userName eq "a@x"'), schema)).toBeUndefined();
  });

  it('follow a changed unique attribute in the Table Storage repository (index rows keyed by it, 409 on a duplicate)', async () => {
    const edited = buildDescriptors(catalogWithUniqueDisplayName());
    const client = await createTableClient({ connectionString: inject('azuriteConnectionString'), tableName: `descr${randomUUID().slice(0, 8)}` });
    const store = new TableRepository(client, undefined, edited);
    await store.ready();
    const created = await store.create('t', 'User', { userName: 'a@x', displayName: 'Ann' });
    await expect(store.create('t', 'User', { userName: 'a@x', displayName: 'Bob' })).resolves.toBeDefined();
    await expect(store.create('t', 'User', { userName: 'c@x', displayName: 'ANN' })).rejects.toMatchObject({ status: 409, scimType: 'uniqueness', detail: expect.stringContaining('displayName') });
    expect((await store.getByUniqueName('t', 'User', 'ann'))?.id).toBe(created.id);
    // A rename moves the index row: the old name is free again.
    await store.update('t', created, { userName: 'a@x', displayName: 'Anna' });
    expect(await store.getByUniqueName('t', 'User', 'Ann')).toBeUndefined();
    await expect(store.create('t', 'User', { userName: 'd@x', displayName: 'Ann' })).resolves.toBeDefined();
  });

  it('stop startup with a message when the schema has no server-unique attribute', () => {
    const catalog = catalogWithUniqueDisplayName();
    const user = catalog.schemas.find((s) => s.id === 'urn:ietf:params:scim:schemas:core:2.0:User')!;
    for (const a of user.attributes) a.uniqueness = 'none';
    expect(() => buildDescriptors(catalog)).toThrow(/User: its core schema must have exactly one .* "uniqueness": "server" \(found 0\)/);
  });

  it('stop startup when the behaviour data names an attribute the schema lacks, or is malformed', () => {
    const good = { User: { keyPrefix: 'U', patchStatus: 200, storedApart: [] }, Group: { keyPrefix: 'G', patchStatus: 204, storedApart: ['members'] } };
    expect(() => buildDescriptors(defaultCatalog, { ...good, Group: { ...good.Group, storedApart: ['owners'] } })).toThrow(/Group: "owners" .* is not an attribute/);
    expect(() => buildDescriptors(defaultCatalog, { ...good, Group: { ...good.Group, keyPrefix: 'U' } })).toThrow(/key prefix "U" is used twice/);
    expect(() => buildDescriptors(defaultCatalog, { ...good, User: { ...good.User, patchStatus: 201 } })).toThrow(/User: .*"patchStatus": 200 or 204/);
    expect(() => buildDescriptors(defaultCatalog, { User: good.User })).toThrow(/Group: resource-behaviour.json has no entry/);
  });
});
