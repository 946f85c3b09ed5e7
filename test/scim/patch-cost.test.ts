// The PATCH engine's cost is bounded per request (issue 18, security audit): it copies the resource once, meters the
// characters written and the multi-valued entries examined as it goes, and refuses a request as soon as it passes a
// budget, before the rest of its operations run. Latency is measured by `npm run bench`, not asserted here.
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../lib/scim/errors.js';
import { applyPatch, DEFAULT_MAX_VALUE_VISITS, DEFAULT_MAX_WRITTEN_CHARS, PATCH_OP_SCHEMA } from '../../lib/scim/patch.js';
import { userSchemaInfo } from '../../lib/scim/schema.js';

type Json = Record<string, unknown>;

const body = (operations: Json[]): Json => ({ schemas: [PATCH_OP_SCHEMA], Operations: operations });
const start = (): Json => ({ userName: 'ada@example.com', active: true, emails: [{ value: 'ada@example.com', type: 'work', primary: true }] });

function refusal(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected the PATCH to be refused');
}

describe('PATCH cost per request', () => {
  it('refuses a 0.6 MB, 3,000-operation PATCH growing one array (413 naming the budget) and leaves the input unmodified', () => {
    const operations = Array.from({ length: 3000 }, (_, i) => ({ op: 'add', path: 'emails', value: [{ value: `user${i}-${'x'.repeat(150)}@example.com`, type: 'other' }] }));
    expect(JSON.stringify(body(operations)).length).toBeGreaterThan(600_000);
    const resource = start();
    const before = structuredClone(resource);
    // The service's operation limit is 1,000 by default; the budget must hold on its own even when that is raised.
    const error = refusal(() => applyPatch(resource, body(operations), userSchemaInfo, { maxOperations: 10_000 }));
    expect(error.status).toBe(413);
    expect(error.message).toContain(String(DEFAULT_MAX_VALUE_VISITS));
    expect(resource).toEqual(before);
  });

  it('refuses with 400 invalidValue a value written into many selected entries past what a resource may hold', () => {
    const emails = Array.from({ length: 100 }, (_, i) => ({ value: `a${i}@example.com`, type: 'work' }));
    const big = 'x'.repeat(10_000);
    // One operation, 10 kB of body, but 100 copies of it: 1 MB written.
    const error = refusal(() => applyPatch({ ...start(), emails }, body([{ op: 'replace', path: 'emails[type eq "work"].display', value: big }]), userSchemaInfo));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toContain(String(DEFAULT_MAX_WRITTEN_CHARS));
  });

  it('applies a request within the budgets exactly as before: duplicates across operations are still not added twice', () => {
    const operations = [
      ...Array.from({ length: 200 }, (_, i) => ({ op: 'add', path: 'emails', value: [{ value: `u${i % 100}@example.com`, type: 'other' }] })),
      // Same value, keys in another order: still a duplicate (RFC 7644 §3.5.2.1).
      { op: 'add', path: 'emails', value: [{ type: 'other', value: 'u5@example.com' }] },
    ];
    const result = applyPatch(start(), body(operations), userSchemaInfo);
    expect((result.resource.emails as unknown[]).length).toBe(101);
  });

  it('a new primary value demotes the old one, and a later add of the demoted value is still recognized as present', () => {
    const result = applyPatch(
      start(),
      body([
        { op: 'add', path: 'emails', value: [{ value: 'b@example.com', type: 'home', primary: true }] },
        { op: 'add', path: 'emails', value: [{ value: 'ada@example.com', type: 'work', primary: false }] },
      ]),
      userSchemaInfo,
    );
    expect(result.resource.emails).toEqual([
      { value: 'ada@example.com', type: 'work', primary: false },
      { value: 'b@example.com', type: 'home', primary: true },
    ]);
  });

  it('a caller may set tighter budgets (the counts are per request, not per operation)', () => {
    const operations = Array.from({ length: 30 }, (_, i) => ({ op: 'add', path: 'emails', value: [{ value: `v${i}@example.com` }] }));
    expect(() => applyPatch(start(), body(operations), userSchemaInfo, { maxValueVisits: 1_000 })).not.toThrow();
    expect(refusal(() => applyPatch(start(), body(operations), userSchemaInfo, { maxValueVisits: 100 })).status).toBe(413);
    expect(refusal(() => applyPatch(start(), body(operations), userSchemaInfo, { maxWrittenChars: 300 })).status).toBe(400);
  });
});
