// Fuzzing the pure request-processing functions (the bulk of the generated cases; no I/O, so thousands run in seconds).
// Property: each function either succeeds or throws a ScimError with a 4xx status and a detail — anything else
// (TypeError, RangeError, a 5xx) would be an internal error for the client. What succeeds must stay storable.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAjv } from '../../lib/scim/ajv-loader.js';
import { ScimError } from '../../lib/scim/errors.js';
import { matchesFilter, parseFilter, validateFilter } from '../../lib/scim/filter.js';
import { memberRefs } from '../../lib/scim/members.js';
import { normalizeResource } from '../../lib/scim/normalize.js';
import { applyPatch } from '../../lib/scim/patch.js';
import { listQueryFrom } from '../../lib/scim/query.js';
import { groupSchemaInfo, userSchemaInfo } from '../../lib/scim/schema.js';
import { parseSearchRequest } from '../../lib/scim/search-request.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../lib/scim/json-depth.js';
import { validateResource } from '../../lib/scim/validate.js';
import { entraUser } from '../helpers/stack.js';
import { deepJson, filterString, fuzzParams, groupBody, groupPath, hugeNumber, patchBody, printTally, userBody, userPath, weirdString, wire } from './arbitraries.js';

beforeAll(loadAjv); // validation needs ajv loaded, as the verbs load it (lib/scim/ajv-loader.ts)

const SCIM_TYPES = new Set(['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive', 'invalidCursor']);

/** Runs `fn`; a ScimError 4xx is an acceptable outcome, any other throw fails the property. */
function outcome<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: ScimError } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    expect(typeof error.detail).toBe('string');
    expect(error.detail.length).toBeGreaterThan(0);
    if (error.scimType !== undefined) expect(SCIM_TYPES.has(error.scimType)).toBe(true);
    const json = error.toJSON();
    expect(json.status).toBe(String(error.status));
    return { ok: false, error };
  }
}

/** Nothing a request does may touch Object.prototype. */
function expectNoPollution(): void {
  const probe: Record<string, unknown> = {};
  for (const key of ['polluted', 'value', 'userName', 'x', 'a', 'isAdmin']) expect(probe[key]).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

const storedUser = normalizeResource(entraUser('ada@example.com'), userSchemaInfo);
const users: Record<string, unknown>[] = [
  storedUser,
  { userName: 'min' },
  {
    userName: 'multi',
    externalId: 'x',
    emails: [{ value: 'a@x', type: 'work', primary: true }, { value: 'b@x', type: 'home' }],
    phoneNumbers: [{ value: '1', type: 'mobile' }],
    addresses: [{ type: 'work', streetAddress: 's', postalCode: '1' }],
    roles: [{ value: 'r', primary: true }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'm' }, department: 'd' },
  },
];
const groups: Record<string, unknown>[] = [{ displayName: 'Engineers', externalId: 'e' }, { displayName: 'g' }];
/** What filters see: id and meta added, group members as rows render them. */
const filterViews = [
  ...users.map((u, i) => ({ ...u, id: `id-${i}`, meta: { created: '2026-01-01T00:00:00Z', lastModified: '2026-01-02T00:00:00.123Z', resourceType: 'User', version: 'W/"3"' } })),
  ...groups.map((g, i) => ({ ...g, id: `g-${i}`, members: [{ value: 'x', type: 'User', display: 'u' }] })),
];

afterAll(() => printTally('fuzz-pure'));

describe('fuzz: filters (parseFilter → validateFilter → matchesFilter)', () => {
  it('parses, validates and evaluates any filter text with a result or a 400 invalidFilter/invalidValue', () => {
    fc.assert(
      fc.property(filterString, (text) => {
        const parsed = outcome(() => parseFilter(text));
        if (!parsed.ok) {
          expect(parsed.error.status).toBe(400);
          expect(parsed.error.scimType).toBe('invalidFilter');
          return;
        }
        for (const schema of [userSchemaInfo, groupSchemaInfo]) {
          const valid = outcome(() => validateFilter(parsed.value, schema));
          if (!valid.ok) continue;
          for (const view of filterViews) {
            const matched = outcome(() => matchesFilter(parsed.value, view, schema));
            if (matched.ok) expect(typeof matched.value).toBe('boolean');
          }
        }
      }),
      fuzzParams('filters', 4000),
    );
  });

  it('rejects 10 MB filters quickly with 400 invalidFilter', () => {
    const big = `userName eq "${'x'.repeat(10 * 1024 * 1024)}"`;
    const started = performance.now();
    const result = outcome(() => parseFilter(big));
    expect(result.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('fuzz: list query parameters', () => {
  it('reads startIndex/count/sortOrder of any text as numbers or a 400', () => {
    fc.assert(
      fc.property(hugeNumber, hugeNumber, weirdString, (startIndex, count, sortOrder) => {
        const params: Record<string, string | null> = { startIndex, count, sortOrder, filter: null };
        const q = outcome(() => listQueryFrom((name) => params[name] ?? null));
        if (q.ok) {
          if (q.value.startIndex !== undefined) expect(Number.isInteger(q.value.startIndex)).toBe(true);
          if (q.value.count !== undefined) expect(Number.isInteger(q.value.count)).toBe(true);
        }
      }),
      fuzzParams('list-params', 500),
    );
  });

  it('parses any SearchRequest body or answers 400', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:SearchRequest']), filter: fc.oneof(filterString, fc.jsonValue()), startIndex: fc.oneof(fc.integer(), hugeNumber), count: fc.oneof(fc.integer(), hugeNumber), attributes: fc.jsonValue(), sortOrder: weirdString }, { requiredKeys: [] }),
          fc.jsonValue(),
        ),
        (body) => {
          outcome(() => parseSearchRequest(wire(body)));
        },
      ),
      fuzzParams('search-request', 500),
    );
  });
});

describe('fuzz: PATCH bodies (applyPatch → validateResource)', () => {
  const memberIds = ['5d3f6a4e-1c55-4f7e-9d61-0a2b3c4d5e6f', 'x'];

  it('applies any PATCH to a user: a valid, storable user or a 4xx; the input is never modified', () => {
    fc.assert(
      fc.property(fc.constantFrom(...users), patchBody(userPath, memberIds, 'User'), (base, body) => {
        const before = JSON.stringify(base);
        const result = outcome(() => {
          const r = applyPatch(base, wire(body), userSchemaInfo);
          validateResource('User', r.resource);
          return r;
        });
        expect(JSON.stringify(base)).toBe(before);
        if (result.ok) {
          const { resource } = result.value;
          expect(typeof resource.userName).toBe('string');
          expect(Object.getPrototypeOf(resource)).toBe(Object.prototype);
          expect(() => JSON.stringify(resource)).not.toThrow();
          expect(result.value.memberChanges).toEqual([]);
        }
        expectNoPollution();
      }),
      fuzzParams('patch-user', 3000),
    );
  });

  it('applies any PATCH to a group: a valid group and member changes with string ids, or a 4xx', () => {
    fc.assert(
      fc.property(fc.constantFrom(...groups), patchBody(groupPath, memberIds, 'Group'), (base, body) => {
        const result = outcome(() => {
          const r = applyPatch(base, wire(body), groupSchemaInfo, { externalAttributes: ['members'] });
          validateResource('Group', r.resource);
          return r;
        });
        if (result.ok) {
          expect(typeof result.value.resource.displayName).toBe('string');
          expect(result.value.resource).not.toHaveProperty('members');
          for (const change of result.value.memberChanges) {
            if ('members' in change) for (const m of change.members) expect(typeof m.value).toBe('string');
            if (change.kind === 'remove') for (const v of change.values) expect(typeof v).toBe('string');
          }
        }
        expectNoPollution();
      }),
      fuzzParams('patch-group', 1200),
    );
  });

  it('handles 10 MB values in a PATCH without throwing anything but a ScimError', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    for (const op of [
      { op: 'replace', path: 'displayName', value: big },
      { op: 'add', path: `emails[type eq "${big.slice(0, 5000)}"].value`, value: 'a' },
      { op: 'replace', value: { [big.slice(0, 100_000)]: 'v' } },
      { op: 'replace', path: big, value: 'v' },
    ]) {
      outcome(() => validateResource('User', applyPatch(storedUser, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [op] }, userSchemaInfo).resource));
    }
  });
});

describe('fuzz: resource bodies (normalizeResource → validateResource)', () => {
  it('normalizes and validates any POST/PUT body of a user', () => {
    fc.assert(
      fc.property(userBody(), fc.boolean(), (body, strict) => {
        const result = outcome(() => {
          const data = normalizeResource(wire(body), userSchemaInfo, { strict });
          validateResource('User', data);
          return data;
        });
        if (result.ok) {
          expect(typeof result.value.userName).toBe('string');
          expect((result.value.userName as string).trim()).not.toBe('');
          for (const readOnly of ['id', 'meta', 'groups', 'schemas']) expect(result.value).not.toHaveProperty(readOnly);
          expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
        }
        expectNoPollution();
      }),
      fuzzParams('user-body', 1500),
    );
  });

  it('normalizes and validates any POST/PUT body of a group, with its member references', () => {
    fc.assert(
      fc.property(groupBody(['5d3f6a4e-1c55-4f7e-9d61-0a2b3c4d5e6f']), fc.boolean(), (body, strict) => {
        const result = outcome(() => {
          const data = normalizeResource(wire(body), groupSchemaInfo, { strict });
          validateResource('Group', data);
          return memberRefs(data.members);
        });
        if (result.ok) for (const m of result.value) expect(typeof m.value).toBe('string');
        expectNoPollution();
      }),
      fuzzParams('group-body', 800),
    );
  });

  it('handles 10 MB strings and deep nesting in a body', () => {
    const big = 'é'.repeat(10 * 1024 * 1024);
    outcome(() => validateResource('User', normalizeResource({ userName: big, name: { givenName: big } }, userSchemaInfo)));
    outcome(() => validateResource('User', normalizeResource({ userName: 'a', emails: JSON.parse('['.repeat(5000) + ']'.repeat(5000)) }, userSchemaInfo)));
    outcome(() => validateResource('User', normalizeResource({ userName: 'a', name: JSON.parse('{"givenName":'.repeat(5000) + '"x"' + '}'.repeat(5000)) }, userSchemaInfo)));
  });
});

describe('fuzz: nesting depth (issue 15)', () => {
  const depthOf = (v: unknown): number => (typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);

  it('jsonDepthExceeds agrees with the recursive depth on any JSON value, and never throws on 20,000 levels', () => {
    fc.assert(
      fc.property(fc.jsonValue({ depthSize: 'large' }), fc.integer({ min: 0, max: 12 }), (value, limit) => {
        expect(jsonDepthExceeds(value, limit)).toBe(depthOf(value) > limit);
      }),
      fuzzParams('pure-depth', 500),
    );
    fc.assert(
      fc.property(deepJson, (text) => {
        expect(jsonDepthExceeds(JSON.parse(text), MAX_JSON_DEPTH)).toBe(true);
      }),
      fuzzParams('pure-depth-deep', 60),
    );
  });

  it('what passes the depth check is shallow enough for every recursive step (PATCH, normalize, validate)', () => {
    const value = JSON.parse('{"a":'.repeat(MAX_JSON_DEPTH - 4) + '1' + '}'.repeat(MAX_JSON_DEPTH - 4)) as unknown;
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'title', value }] };
    expect(jsonDepthExceeds(body, MAX_JSON_DEPTH)).toBe(false);
    outcome(() => validateResource('User', applyPatch(storedUser, wire(body), userSchemaInfo).resource));
    outcome(() => validateResource('User', normalizeResource({ userName: 'd@x.y', title: value }, userSchemaInfo)));
  });
});
