// The list planner and paging (RFC 7644 §3.4.2, cursors per RFC 9865) against the in-memory repository: fast, no Azurite.
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { listResources, type ListQuery } from '../../lib/scim/query.js';
import type { TenantScope } from '../../lib/scim/resource-service.js';
import { MemoryRepository } from '../../lib/store/memory-repository.js';

let repository: MemoryRepository;
let scope: TenantScope;
let tenantSeq = 0;

async function seedUsers(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = await repository.create(scope.tenant, 'User', {
      userName: `user${String(i).padStart(3, '0')}@contoso.com`,
      externalId: `ext-${i % 5}`,
      active: i % 2 === 0,
      name: { givenName: `Given${i}` },
    });
    ids.push(u.id);
  }
  return ids;
}

const list = (query: ListQuery) => listResources(scope, 'User', query);

beforeEach(() => {
  repository = new MemoryRepository();
  // A fresh tenant per test: the snapshot cache is keyed by tenant.
  scope = { tenant: `mem-${++tenantSeq}`, repository, config: loadConfig({}) };
});

describe('index paging (startIndex/count)', () => {
  it('walks every resource exactly once with an exact totalResults and the requested startIndex echoed', async () => {
    const ids = await seedUsers(23);
    const seen: string[] = [];
    for (let start = 1; start <= 23; start += 5) {
      const page = await list({ startIndex: start, count: 5 });
      expect(page.totalResults).toBe(23);
      expect(page.startIndex).toBe(start);
      seen.push(...page.resources.map((r) => r.id));
    }
    expect(seen).toEqual([...ids].sort());
  });

  it('answers a startIndex past the end with an empty page and the true total', async () => {
    await seedUsers(3);
    const page = await list({ startIndex: 10, count: 5 });
    expect(page).toMatchObject({ totalResults: 3, startIndex: 10, resources: [] });
  });

  it('clamps count to the maximum page size and treats a negative count as zero', async () => {
    await seedUsers(4);
    expect((await list({ count: -3 })).resources).toHaveLength(0);
    const config = loadConfig({ SCIM_MAX_PAGE_SIZE: '2' });
    expect((await listResources({ ...scope, config }, 'User', { count: 50 })).resources).toHaveLength(2);
  });
});

describe('cursor paging (RFC 9865)', () => {
  it('visits every resource once and ends without a nextCursor', async () => {
    const ids = await seedUsers(12);
    const seen: string[] = [];
    let cursor: string | undefined = '';
    while (cursor !== undefined) {
      const page = await list({ cursor, count: 5 });
      expect(page.totalResults).toBe(12);
      seen.push(...page.resources.map((r) => r.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...ids].sort());
  });

  it('refuses a malformed cursor with 400 invalidCursor, and cursor with startIndex together', async () => {
    await expect(list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ status: 400, scimType: 'invalidCursor' });
    await expect(list({ cursor: '', startIndex: 2 })).rejects.toMatchObject({ status: 400, scimType: 'invalidValue' });
  });
});

describe('planner', () => {
  it('answers userName eq with one unique-name read, never a scan, case-insensitively', async () => {
    await seedUsers(30);
    repository.calls = 0;
    const page = await list({ filter: 'userName eq "USER007@contoso.com"' });
    expect(page.resources.map((r) => r.data.userName)).toEqual(['user007@contoso.com']);
    expect(repository.calls).toBe(1);
  });

  it('unions the lookups of an or of indexed equalities', async () => {
    const ids = await seedUsers(10);
    repository.calls = 0;
    const page = await list({ filter: `userName eq "user001@contoso.com" or id eq "${ids[4]}" or externalId eq "ext-2"` });
    expect(page.totalResults).toBe(page.resources.length);
    expect(new Set(page.resources.map((r) => r.data.userName))).toEqual(new Set(['user001@contoso.com', 'user004@contoso.com', 'user002@contoso.com', 'user007@contoso.com']));
    expect(repository.calls).toBe(3);
  });

  it('filters non-indexed attributes by scanning, counting only matches', async () => {
    await seedUsers(9);
    const page = await list({ filter: 'active eq true and name.givenName sw "Given"', count: 2 });
    expect(page.totalResults).toBe(5);
    expect(page.resources).toHaveLength(2);
  });

  it('sorts by the requested attribute and pages the sorted order', async () => {
    await seedUsers(7);
    const first = await list({ sortBy: 'userName', sortOrder: 'descending', count: 3 });
    const second = await list({ sortBy: 'userName', sortOrder: 'descending', count: 3, startIndex: 4 });
    expect([...first.resources, ...second.resources].map((r) => r.data.userName)).toEqual([6, 5, 4, 3, 2, 1].map((i) => `user00${i}@contoso.com`));
  });

  it('finds the groups a member belongs to from membership, not by reading every group', async () => {
    const [alice] = await seedUsers(1);
    const a = await repository.create(scope.tenant, 'Group', { displayName: 'A' });
    await repository.create(scope.tenant, 'Group', { displayName: 'B' });
    await repository.changeMembers(scope.tenant, a, [{ value: alice }], []);
    const page = await listResources(scope, 'Group', { filter: `members[value eq "${alice}"]` });
    expect(page.resources.map((r) => r.data.displayName)).toEqual(['A']);
  });
});

describe('totalResults from the resource counters (ResourceRepository.count)', () => {
  /** The in-memory repository, recording how many rows scans hand out and answering count() as told. */
  class Counted extends MemoryRepository {
    yielded = 0;
    counts = 0;
    offered: number[] = [];
    constructor(private readonly withBaseline: boolean) {
      super();
    }
    override async *scan(...args: Parameters<MemoryRepository['scan']>) {
      for await (const r of super.scan(...args)) {
        this.yielded++;
        yield r;
      }
    }
    override async count(...args: Parameters<MemoryRepository['count']>) {
      this.counts++;
      if (this.withBaseline) return super.count(...args);
      return { baseline: async (scanned: number) => void this.offered.push(scanned) };
    }
  }

  it('an unfiltered first page takes the exact total from the counters and reads only its own rows', async () => {
    const counted = new Counted(true);
    scope = { ...scope, repository: counted };
    repository = counted;
    await seedUsers(50);
    const page = await list({ count: 3 });
    expect(page.totalResults).toBe(50);
    expect(page.resources).toHaveLength(3);
    expect(counted.counts).toBe(1);
    expect(counted.yielded).toBeLessThanOrEqual(4);
    // A later page resumes from the checkpoint the first left: still only about a page of rows.
    counted.yielded = 0;
    expect((await list({ startIndex: 4, count: 3 })).totalResults).toBe(50);
    expect(counted.yielded).toBeLessThanOrEqual(4);
  });

  it('without a counter baseline the first page counts by scanning, and offers that count as the baseline', async () => {
    const counted = new Counted(false);
    scope = { ...scope, repository: counted };
    repository = counted;
    await seedUsers(12);
    expect((await list({ count: 2 })).totalResults).toBe(12);
    expect(counted.offered).toEqual([12]);
  });

  it('a filtered list that is not an indexed lookup counts its matches by scanning (never the counters)', async () => {
    const counted = new Counted(true);
    scope = { ...scope, repository: counted };
    repository = counted;
    await seedUsers(10);
    expect((await list({ filter: 'active eq true', count: 1 })).totalResults).toBe(5);
    expect(counted.counts).toBe(0);
  });
});
