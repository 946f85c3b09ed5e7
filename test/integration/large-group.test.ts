// Issue 5 and 18: a group of 5,000 members through the real HTTP surface. A file and an Azurite of its own: writing
// 5,000 memberships keeps an Azurite busy for minutes, and the files running beside it should not queue behind it.
import { randomUUID } from 'node:crypto';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../dev/azurite.js';
import { getServices } from '../../lib/services.js';
import { keys } from '../../lib/store/keys.js';
import { totalStorageCalls } from '../../lib/store/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

let azurite: Azurite;
let stack: Stack;
beforeAll(async () => {
  azurite = await startAzurite();
  stack = await startStack({ SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString });
});
afterAll(async () => {
  await stack?.close();
  await azurite?.stop();
});

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('a group with 5,000 members', () => {
  it('costs the same storage calls for excludedAttributes=members as an empty group; deleting a member user removes it', async () => {
    const { repository } = await getServices();
    const ids: string[] = [];
    for (let i = 0; i < 5000; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, (_, j) => repository.create('default', 'User', { userName: `bulk-${i + j}-${randomUUID()}@contoso.com` })));
      ids.push(...batch.map((u) => u.id));
    }
    const big = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Big ${randomUUID()}` })).body.id as string;
    const empty = (await stack.call('POST', '/Groups', { schemas: [GROUP], displayName: `Empty ${randomUUID()}` })).body.id as string;
    // The membership rows written straight to the table in the repository's layout: 5,000 adds through PATCHes of
    // SCIM_MAX_MEMBERS_PER_PATCH would measure Azurite's transaction cost instead.
    const client = TableClient.fromConnectionString(azurite.connectionString, stack.tableName, { allowInsecureConnection: true });
    const groupName = (await stack.call('GET', `/Groups/${big}`)).body.displayName as string;
    for (let i = 0; i < ids.length; i += 50) {
      const slice = ids.slice(i, i + 50);
      await client.submitTransaction(
        slice.flatMap((m): TransactionAction[] => [
          ['create', { partitionKey: 'default', rowKey: keys.member(big, m), value: m, type: 'User' }],
          ['create', { partitionKey: 'default', rowKey: keys.memberOf(m, big), group: big, display: groupName }],
        ]),
      );
      // What a member add's touch does to the member's row: in single calls (Azurite scans its table for every Merge in
      // a batch), a few at a time, so the Azurite this file shares with the others keeps answering them meanwhile.
      for (let j = 0; j < slice.length; j += 5) {
        await Promise.all(slice.slice(j, j + 5).map((m) => client.updateEntity({ partitionKey: 'default', rowKey: keys.resource('User', m), memberOfNone: false }, 'Merge')));
      }
    }
    const cost = async (id: string) => {
      const before = totalStorageCalls();
      const reply = await stack.call('GET', `/Groups/${id}?excludedAttributes=members`);
      expect(reply.status).toBe(200);
      expect(reply.body).not.toHaveProperty('members');
      return totalStorageCalls() - before;
    };
    expect(await cost(big)).toBe(await cost(empty));
    expect(await cost(big)).toBe(1);

    const full = await stack.call('GET', `/Groups/${big}`);
    expect(full.body.members).toHaveLength(5000);

    const victim = ids[1234];
    const groups = await stack.call('GET', `/Users/${victim}?attributes=groups`);
    expect(groups.body.groups.map((g: { value: string }) => g.value)).toEqual([big]);
    expect((await stack.call('DELETE', `/Users/${victim}`)).status).toBe(204);
    const check = await stack.call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`members[value eq "${victim}"]`)}`);
    expect(check.body.totalResults).toBe(0);
    const after = await stack.call('GET', `/Groups/${big}?attributes=members`);
    expect(after.body.members).toHaveLength(4999);
    expect(after.body.members.some((m: { value: string }) => m.value === victim)).toBe(false);
  }, 420_000);
});
