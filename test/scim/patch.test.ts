// The PATCH engine against the request shapes Microsoft Entra ID sends (entra-wire.md, both the default and the
// `aadOptscim062020` compliance mode), the examples of RFC 7644 §3.5.2, and the error cases.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAjv } from '../../lib/scim/ajv-loader.js';
import { ScimError } from '../../lib/scim/errors.js';
import { applyPatch, PATCH_OP_SCHEMA, type MemberChange, type PatchResult } from '../../lib/scim/patch.js';
import { ENTERPRISE_USER, groupSchemaInfo, userSchemaInfo } from '../../lib/scim/schema.js';
import { validateResource } from '../../lib/scim/validate.js';

beforeAll(loadAjv); // validation needs ajv loaded, as the verbs load it (lib/scim/ajv-loader.ts)

type Json = Record<string, unknown>;
type Op = Json;

const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';
const GROUP_OPTIONS = { externalAttributes: ['members'] };

function body(operations: Op[]): Json {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}

function patchUser(resource: Json, operations: Op[]): PatchResult {
  const result = applyPatch(resource, body(operations), userSchemaInfo);
  validateResource('User', result.resource); // what the caller runs next: every result must stay a valid User
  return result;
}

function patchGroup(resource: Json, operations: Op[]): PatchResult {
  const result = applyPatch(resource, body(operations), groupSchemaInfo, GROUP_OPTIONS);
  validateResource('Group', result.resource);
  return result;
}

/** A stored user as Entra creates it (canonical form: no schemas, extension under its URN). */
function user(extra: Json = {}): Json {
  return {
    id: 'u-1',
    externalId: 'ext-1',
    userName: 'ada@example.com',
    active: true,
    displayName: 'Ada Lovelace',
    name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada' },
    emails: [{ primary: true, type: 'work', value: 'ada@example.com' }],
    meta: { resourceType: 'User', created: '2026-01-01T00:00:00Z', lastModified: '2026-01-01T00:00:00Z', version: 'W/"1"' },
    [ENTERPRISE_USER]: { employeeNumber: '1', department: 'Analytical Engines' },
    ...extra,
  };
}

function group(extra: Json = {}): Json {
  return {
    id: 'g-1',
    externalId: 'gext-1',
    displayName: 'Engineers',
    meta: { resourceType: 'Group', created: '2026-01-01T00:00:00Z', lastModified: '2026-01-01T00:00:00Z', version: 'W/"1"' },
    ...extra,
  };
}

/** The user after the given top-level changes (undefined deletes), for readable expectations. */
function userWith(changes: Json, base: Json = user()): Json {
  const out: Json = { ...structuredClone(base) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

function expectScimError(run: () => unknown, status: number, scimType: string | undefined): ScimError {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a ScimError').toBeInstanceOf(ScimError);
  expect(error).toMatchObject({ status, scimType });
  return error as ScimError;
}

// ---------------------------------------------------------------------------------------------------------------
// Entra ID: every row of the PATCH shapes table, in both modes.

interface EntraCase {
  case: string;
  resource: 'user' | 'group';
  start: Json;
  default: Op[];
  compliance: Op[];
  expected: Json;
  memberChanges?: MemberChange[];
}

const manager = { value: 'm-1', $ref: 'https://host/scim/v2/Users/m-1', displayName: 'Charles Babbage' };

const entraCases: EntraCase[] = [
  {
    case: 'disable sets active false (string "False" in default mode, boolean in compliance mode)',
    resource: 'user',
    start: user(),
    default: [{ op: 'Replace', path: 'active', value: 'False' }],
    compliance: [{ op: 'replace', path: 'active', value: false }],
    expected: userWith({ active: false }),
  },
  {
    case: 'disable with lower-case "false"',
    resource: 'user',
    start: user(),
    default: [{ op: 'Replace', path: 'active', value: 'false' }],
    compliance: [{ op: 'replace', value: { active: false } }],
    expected: userWith({ active: false }),
  },
  {
    case: 're-enable restores active true',
    resource: 'user',
    start: user({ active: false }),
    default: [{ op: 'Replace', path: 'active', value: 'True' }],
    compliance: [{ op: 'replace', path: 'active', value: true }],
    expected: userWith({ active: true }),
  },
  {
    case: 'single attribute: name.familyName',
    resource: 'user',
    start: user(),
    default: [{ op: 'Replace', path: 'name.familyName', value: 'King' }],
    compliance: [{ op: 'replace', path: 'name.familyName', value: 'King' }],
    expected: userWith({ name: { formatted: 'Ada Lovelace', familyName: 'King', givenName: 'Ada' } }),
  },
  {
    case: 'several attributes: one op per path (default) or one path-less replace with dotted and URN keys (compliance)',
    resource: 'user',
    start: user(),
    default: [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'name.givenName', value: 'Augusta' },
      { op: 'Replace', path: 'displayName', value: 'Augusta Ada King' },
      { op: 'Replace', path: `${ENTERPRISE_USER}:employeeNumber`, value: '7' },
      { op: 'Add', path: `${LOOOP}:area`, value: 'North' },
    ],
    compliance: [
      {
        op: 'replace',
        value: {
          active: false,
          'name.givenName': 'Augusta',
          displayName: 'Augusta Ada King',
          [`${ENTERPRISE_USER}:employeeNumber`]: '7',
          [`${LOOOP}:area`]: 'North',
        },
      },
    ],
    expected: userWith({
      active: false,
      displayName: 'Augusta Ada King',
      name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Augusta' },
      [ENTERPRISE_USER]: { employeeNumber: '7', department: 'Analytical Engines' },
      [LOOOP]: { area: 'North' },
    }),
  },
  {
    case: 'typed multi-valued: replace emails[type eq "work"].value updates the work email in place',
    resource: 'user',
    start: user(),
    default: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada@new.example' }],
    compliance: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'ada@new.example' }],
    expected: userWith({ emails: [{ primary: true, type: 'work', value: 'ada@new.example' }] }),
  },
  {
    case: 'typed multi-valued: add on an absent typed entry creates it and keeps the others',
    resource: 'user',
    start: user(),
    default: [
      { op: 'Add', path: 'emails[type eq "home"].value', value: 'ada@home.example' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 1' },
    ],
    compliance: [
      { op: 'add', path: 'emails[type eq "home"].value', value: 'ada@home.example' },
      { op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 1' },
    ],
    expected: userWith({
      emails: [
        { primary: true, type: 'work', value: 'ada@example.com' },
        { type: 'home', value: 'ada@home.example' },
      ],
      phoneNumbers: [{ type: 'mobile', value: '+44 1' }],
    }),
  },
  {
    case: 'typed multi-valued: replace on an absent typed entry creates it too',
    resource: 'user',
    start: user(),
    default: [{ op: 'Replace', path: 'addresses[type eq "work"].formatted', value: '1 Main St' }],
    compliance: [{ op: 'replace', path: 'addresses[type eq "work"].formatted', value: '1 Main St' }],
    expected: userWith({ addresses: [{ type: 'work', formatted: '1 Main St' }] }),
  },
  {
    case: 'extension attribute: path urn:...:User:department (colon before the attribute)',
    resource: 'user',
    start: user(),
    default: [{ op: 'Replace', path: `${ENTERPRISE_USER}:department`, value: 'Poetry' }],
    compliance: [{ op: 'replace', path: `${ENTERPRISE_USER}:department`, value: 'Poetry' }],
    expected: userWith({ [ENTERPRISE_USER]: { employeeNumber: '1', department: 'Poetry' } }),
  },
  {
    case: 'extension attribute created on a user without the extension',
    resource: 'user',
    start: user({ [ENTERPRISE_USER]: undefined }),
    default: [{ op: 'Add', path: `${ENTERPRISE_USER}:costCenter`, value: 'CC-9' }],
    compliance: [{ op: 'add', value: { [`${ENTERPRISE_USER}:costCenter`]: 'CC-9' } }],
    expected: userWith({ [ENTERPRISE_USER]: { costCenter: 'CC-9' } }, user({ [ENTERPRISE_USER]: undefined })),
  },
  {
    case: 'manager set from a bare string id on the URN-qualified path',
    resource: 'user',
    start: user(),
    default: [{ op: 'Add', path: `${ENTERPRISE_USER}:manager`, value: 'm-1' }],
    compliance: [{ op: 'add', path: `${ENTERPRISE_USER}:manager`, value: 'm-1' }],
    expected: userWith({ [ENTERPRISE_USER]: { employeeNumber: '1', department: 'Analytical Engines', manager: { value: 'm-1' } } }),
  },
  {
    case: 'manager set the older way: path "manager", value [{$ref, value}]',
    resource: 'user',
    start: user(),
    default: [{ op: 'Replace', path: 'manager', value: [{ $ref: 'https://host/scim/v2/Users/m-1', value: 'm-1' }] }],
    compliance: [{ op: 'replace', path: 'manager', value: [{ $ref: 'https://host/scim/v2/Users/m-1', value: 'm-1' }] }],
    expected: userWith({
      [ENTERPRISE_USER]: { employeeNumber: '1', department: 'Analytical Engines', manager: { value: 'm-1', $ref: 'https://host/scim/v2/Users/m-1' } },
    }),
  },
  {
    case: 'manager changed: the new id replaces the old reference ($ref and displayName of the old manager go)',
    resource: 'user',
    start: user({ [ENTERPRISE_USER]: { manager } }),
    default: [{ op: 'Replace', path: `${ENTERPRISE_USER}:manager`, value: 'm-2' }],
    compliance: [{ op: 'replace', path: `${ENTERPRISE_USER}:manager`, value: { value: 'm-2', $ref: null } }],
    expected: userWith({ [ENTERPRISE_USER]: { manager: { value: 'm-2' } } }),
  },
  {
    case: 'manager removed by manager[value eq "id"] when it matches',
    resource: 'user',
    start: user({ [ENTERPRISE_USER]: { department: 'X', manager } }),
    default: [{ op: 'Remove', path: `${ENTERPRISE_USER}:manager[value eq "m-1"]` }],
    compliance: [{ op: 'remove', path: 'manager[value eq "m-1"]' }],
    expected: userWith({ [ENTERPRISE_USER]: { department: 'X' } }),
  },
  {
    case: 'manager[value eq "other"] leaves a different manager alone',
    resource: 'user',
    start: user({ [ENTERPRISE_USER]: { manager } }),
    default: [{ op: 'Remove', path: 'manager[value eq "m-9"]' }],
    compliance: [{ op: 'remove', path: `${ENTERPRISE_USER}:manager[value eq "m-9"]` }],
    expected: user({ [ENTERPRISE_USER]: { manager } }),
  },
  {
    case: 'manager removed by path, dropping the then-empty extension',
    resource: 'user',
    start: user({ [ENTERPRISE_USER]: { manager } }),
    default: [{ op: 'Remove', path: `${ENTERPRISE_USER}:manager` }],
    compliance: [{ op: 'remove', path: 'manager' }],
    expected: userWith({ [ENTERPRISE_USER]: undefined }),
  },
  {
    case: 'manager cleared by replace with an empty value ("" or {value: ""})',
    resource: 'user',
    start: user({ [ENTERPRISE_USER]: { department: 'X', manager } }),
    default: [{ op: 'Replace', path: `${ENTERPRISE_USER}:manager`, value: '' }],
    compliance: [{ op: 'replace', path: `${ENTERPRISE_USER}:manager`, value: { value: '' } }],
    expected: userWith({ [ENTERPRISE_USER]: { department: 'X' } }),
  },
  {
    case: 'manager cleared by replace with null or an empty list',
    resource: 'user',
    start: user({ [ENTERPRISE_USER]: { department: 'X', manager } }),
    default: [{ op: 'Replace', path: 'manager', value: [] }],
    compliance: [{ op: 'replace', value: { [`${ENTERPRISE_USER}:manager`]: null } }],
    expected: userWith({ [ENTERPRISE_USER]: { department: 'X' } }),
  },
  {
    case: 'roles: JSON-encoded string values are stored exactly as sent (default) / objects (compliance)',
    resource: 'user',
    start: user(),
    default: [{ op: 'Add', path: 'roles', value: [{ value: '{"id":"r-1","value":"Admin","displayName":"Admin"}' }] }],
    compliance: [{ op: 'add', path: 'roles', value: [{ value: '{"id":"r-1","value":"Admin","displayName":"Admin"}' }] }],
    expected: userWith({ roles: [{ value: '{"id":"r-1","value":"Admin","displayName":"Admin"}' }] }),
  },
  {
    case: 'roles as {primary, type, value} objects, primary coerced from "True"',
    resource: 'user',
    start: user(),
    default: [{ op: 'Add', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }],
    compliance: [{ op: 'add', path: 'roles', value: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }],
    expected: userWith({ roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }),
  },
  {
    case: 'empty Operations is a no-op',
    resource: 'user',
    start: user(),
    default: [],
    compliance: [],
    expected: user(),
  },
  {
    case: 'group rename',
    resource: 'group',
    start: group(),
    default: [{ op: 'Replace', path: 'displayName', value: 'Engineering' }],
    compliance: [{ op: 'replace', path: 'displayName', value: 'Engineering' }],
    expected: group({ displayName: 'Engineering' }),
    memberChanges: [],
  },
  {
    case: 'add members ($ref null, no type) becomes one add change',
    resource: 'group',
    start: group(),
    default: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u-1' }, { $ref: null, value: 'u-2' }] }],
    compliance: [{ op: 'add', path: 'members', value: [{ $ref: null, value: 'u-1' }, { $ref: null, value: 'u-2' }] }],
    expected: group(),
    memberChanges: [{ kind: 'add', members: [{ value: 'u-1' }, { value: 'u-2' }] }],
  },
  {
    case: 'remove members removes only the listed members (value list in default mode, value filter in compliance mode)',
    resource: 'group',
    start: group(),
    default: [{ op: 'Remove', path: 'members', value: [{ value: 'u-1' }] }],
    compliance: [{ op: 'remove', path: 'members[value eq "u-1"]' }],
    expected: group(),
    memberChanges: [{ kind: 'remove', values: ['u-1'] }],
  },
  {
    case: 'remove several members',
    resource: 'group',
    start: group(),
    default: [{ op: 'Remove', path: 'members', value: [{ value: 'u-1' }, { value: 'u-2' }] }],
    compliance: [{ op: 'remove', path: 'members[value eq "u-1" or value eq "u-2"]' }],
    expected: group(),
    memberChanges: [{ kind: 'remove', values: ['u-1', 'u-2'] }],
  },
  {
    case: 'empty Operations on a group changes nothing',
    resource: 'group',
    start: group(),
    default: [],
    compliance: [],
    expected: group(),
    memberChanges: [],
  },
];

describe.each(['default', 'compliance'] as const)('Entra ID PATCH shapes (%s mode)', (mode) => {
  it.each(entraCases)('$case', (c) => {
    const ops = c[mode];
    const result = c.resource === 'user' ? patchUser(c.start, ops) : patchGroup(c.start, ops);
    expect(result.resource).toEqual(c.expected);
    expect(result.memberChanges).toEqual(c.memberChanges ?? []);
    expect(result.changed).toBe(!deepEqualJson(c.start, c.expected) || (c.memberChanges ?? []).length > 0);
  });
});

function deepEqualJson(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// RFC 7644 §3.5.2 examples.

const BJENSEN = '2819c223-7f76-453a-919d-413861904646';
const JSMITH = '902c246b-6245-4190-8e05-00816be7344a';

describe('RFC 7644 §3.5.2 examples', () => {
  it('§3.5.2.1 add a member to a group (display and $ref kept on the member reference)', () => {
    const r = patchGroup(group(), [
      { op: 'add', path: 'members', value: [{ display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BJENSEN}`, value: BJENSEN }] },
    ]);
    expect(r.memberChanges).toEqual([
      { kind: 'add', members: [{ display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BJENSEN}`, value: BJENSEN }] },
    ]);
    expect(r.changed).toBe(true);
  });

  it('§3.5.2.1 path-less add of emails and nickname (attribute names in any case)', () => {
    const r = patchUser(user(), [{ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' } }]);
    expect(r.resource).toEqual(
      userWith({
        emails: [
          { primary: true, type: 'work', value: 'ada@example.com' },
          { value: 'babs@jensen.org', type: 'home' },
        ],
        nickName: 'Babs',
      }),
    );
  });

  it('§3.5.2.1 add of an email marked primary takes primary away from the others', () => {
    const r = patchUser(user(), [{ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home', primary: true }] }]);
    expect(r.resource.emails).toEqual([
      { primary: false, type: 'work', value: 'ada@example.com' },
      { value: 'babs@jensen.org', type: 'home', primary: true },
    ]);
  });

  it('§3.5.2.2 remove a single member by value filter', () => {
    const r = patchGroup(group(), [{ op: 'remove', path: `members[value eq "${BJENSEN}"]` }]);
    expect(r.memberChanges).toEqual([{ kind: 'remove', values: [BJENSEN] }]);
  });

  it('§3.5.2.2 remove all members', () => {
    const r = patchGroup(group(), [{ op: 'remove', path: 'members' }]);
    expect(r.memberChanges).toEqual([{ kind: 'removeAll' }]);
  });

  it('§3.5.2.2 remove emails matching a complex filter removes only those entries', () => {
    const start = user({
      emails: [
        { type: 'work', value: 'babs@example.com', primary: true },
        { type: 'work', value: 'babs@other.org' },
        { type: 'home', value: 'babs@example.com' },
      ],
    });
    const r = patchUser(start, [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }]);
    expect(r.resource.emails).toEqual([
      { type: 'work', value: 'babs@other.org' },
      { type: 'home', value: 'babs@example.com' },
    ]);
  });

  it('§3.5.2.2 replace all members as remove + add in one request', () => {
    const r = patchGroup(group(), [
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: [{ display: 'Babs Jensen', value: BJENSEN }, { display: 'James Smith', value: JSMITH }] },
    ]);
    expect(r.memberChanges).toEqual([
      { kind: 'removeAll' },
      { kind: 'add', members: [{ display: 'Babs Jensen', value: BJENSEN }, { display: 'James Smith', value: JSMITH }] },
    ]);
  });

  it('§3.5.2.3 replace members replaces the whole member set', () => {
    const r = patchGroup(group(), [{ op: 'replace', path: 'members', value: [{ value: BJENSEN }, { value: JSMITH }] }]);
    expect(r.memberChanges).toEqual([{ kind: 'replace', members: [{ value: BJENSEN }, { value: JSMITH }] }]);
  });

  it('§3.5.2.3 replace members with an empty list empties the group', () => {
    const r = patchGroup(group(), [{ op: 'replace', path: 'members', value: [] }]);
    expect(r.memberChanges).toEqual([{ kind: 'replace', members: [] }]);
  });

  it('§3.5.2.3 path-less replace of emails replaces them all', () => {
    const r = patchUser(user(), [{ op: 'replace', value: { emails: [{ value: 'bjensen@example.com', type: 'work' }], nickname: 'Babs' } }]);
    expect(r.resource).toEqual(userWith({ emails: [{ value: 'bjensen@example.com', type: 'work' }], nickName: 'Babs' }));
  });

  it('§3.5.2.3 replace the name complex attribute merges its sub-attributes', () => {
    const r = patchUser(user(), [{ op: 'replace', path: 'name', value: { givenName: 'Barbara', familyName: 'Jensen' } }]);
    expect(r.resource.name).toEqual({ formatted: 'Ada Lovelace', familyName: 'Jensen', givenName: 'Barbara' });
  });

  it('§3.5.2.3 replace addresses[type eq "work"] with an object merges it into the matching entry', () => {
    const start = user({
      addresses: [
        { type: 'work', streetAddress: '100 Old St', locality: 'Hollywood', primary: true },
        { type: 'home', streetAddress: '1 Home Rd' },
      ],
    });
    const r = patchUser(start, [
      {
        op: 'replace',
        path: 'addresses[type eq "work"]',
        value: { type: 'work', streetAddress: '911 Universal City Plaza', postalCode: '91608', country: 'US', primary: true },
      },
    ]);
    expect(r.resource.addresses).toEqual([
      { type: 'work', streetAddress: '911 Universal City Plaza', locality: 'Hollywood', postalCode: '91608', country: 'US', primary: true },
      { type: 'home', streetAddress: '1 Home Rd' },
    ]);
  });

  it('§3.5.2.3 replace addresses[type eq "work"].streetAddress sets the sub-attribute of matching entries only', () => {
    const start = user({
      addresses: [
        { type: 'work', streetAddress: '100 Old St' },
        { type: 'home', streetAddress: '1 Home Rd' },
      ],
    });
    const r = patchUser(start, [{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }]);
    expect(r.resource.addresses).toEqual([
      { type: 'work', streetAddress: '1010 Broadway Ave' },
      { type: 'home', streetAddress: '1 Home Rd' },
    ]);
  });

  it('§3.5.2.2 remove a sub-attribute on filtered entries removes only that sub-attribute', () => {
    const start = user({
      addresses: [
        { type: 'work', streetAddress: '100 Old St', locality: 'Hollywood' },
        { type: 'home', streetAddress: '1 Home Rd', locality: 'Leeds' },
      ],
    });
    const r = patchUser(start, [{ op: 'remove', path: 'addresses[type eq "work"].locality' }]);
    expect(r.resource.addresses).toEqual([
      { type: 'work', streetAddress: '100 Old St' },
      { type: 'home', streetAddress: '1 Home Rd', locality: 'Leeds' },
    ]);
  });

  it('§3.5.2.2 remove a single-valued attribute', () => {
    const r = patchUser(user({ title: 'Countess' }), [{ op: 'remove', path: 'title' }]);
    expect(r.resource).toEqual(user());
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Semantics beyond the examples.

describe('multi-valued attributes', () => {
  it('add does not duplicate a value that is already present (same JSON after normalization)', () => {
    const r = patchUser(user(), [{ op: 'add', path: 'emails', value: [{ value: 'ada@example.com', type: 'work', primary: 'true' }] }]);
    expect(r.resource).toEqual(user());
    expect(r.changed).toBe(false);
  });

  it('add accepts a single object instead of a list', () => {
    const r = patchUser(user(), [{ op: 'add', path: 'phoneNumbers', value: { type: 'work', value: '+1 555' } }]);
    expect(r.resource.phoneNumbers).toEqual([{ type: 'work', value: '+1 555' }]);
  });

  it('setting primary true through a value path demotes the previous primary', () => {
    const start = user({
      emails: [
        { type: 'work', value: 'w@x.com', primary: true },
        { type: 'home', value: 'h@x.com' },
      ],
    });
    const r = patchUser(start, [{ op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' }]);
    expect(r.resource.emails).toEqual([
      { type: 'work', value: 'w@x.com', primary: false },
      { type: 'home', value: 'h@x.com', primary: true },
    ]);
  });

  it('value-path filters compare case-insensitively where the schema says caseExact false', () => {
    const r = patchUser(user(), [{ op: 'replace', path: 'emails[type eq "WORK"].value', value: 'ada@new.example' }]);
    expect(r.resource.emails).toEqual([{ primary: true, type: 'work', value: 'ada@new.example' }]);
  });

  it('a value path filtering on several eq terms creates an entry carrying all of them', () => {
    const r = patchUser(user({ emails: undefined }), [{ op: 'add', path: 'emails[type eq "work" and primary eq true].value', value: 'a@b.c' }]);
    expect(r.resource.emails).toEqual([{ type: 'work', primary: true, value: 'a@b.c' }]);
  });

  it('add with an object on an unmatched value path creates the entry from the filter and the object', () => {
    const r = patchUser(user(), [{ op: 'add', path: 'ims[type eq "xmpp"]', value: { value: 'ada@jabber.org' } }]);
    expect(r.resource.ims).toEqual([{ type: 'xmpp', value: 'ada@jabber.org' }]);
  });

  it('clearing the value of a typed entry ("" in a replace) removes the entry rather than leaving {type, primary}', () => {
    const r = patchUser(user(), [{ op: 'Replace', path: 'emails[type eq "work"].value', value: '' }]);
    expect(r.resource).toEqual(userWith({ emails: undefined }));
  });

  it('removing the value sub-attribute of a typed entry removes the entry and keeps the others', () => {
    const start = user({ phoneNumbers: [{ type: 'work', value: '1' }, { type: 'mobile', value: '2' }] });
    const r = patchUser(start, [{ op: 'remove', path: 'phoneNumbers[type eq "mobile"].value' }]);
    expect(r.resource.phoneNumbers).toEqual([{ type: 'work', value: '1' }]);
  });

  it('clearing a typed entry that does not exist is a no-op', () => {
    const r = patchUser(user(), [{ op: 'Replace', path: 'phoneNumbers[type eq "fax"].value', value: '' }]);
    expect(r.changed).toBe(false);
  });

  it('replace with a value filter and null removes the matching entries', () => {
    const start = user({ phoneNumbers: [{ type: 'work', value: '1' }, { type: 'fax', value: '2' }] });
    const r = patchUser(start, [{ op: 'replace', path: 'phoneNumbers[type eq "fax"]', value: null }]);
    expect(r.resource.phoneNumbers).toEqual([{ type: 'work', value: '1' }]);
  });

  it('remove with a filter that matches nothing is an idempotent no-op, not noTarget', () => {
    const r = patchUser(user(), [{ op: 'remove', path: 'emails[type eq "home"]' }]);
    expect(r.resource).toEqual(user());
    expect(r.changed).toBe(false);
  });

  it('remove of the last matching entry unassigns the attribute', () => {
    const r = patchUser(user(), [{ op: 'remove', path: 'emails[type eq "work"]' }]);
    expect(r.resource).toEqual(userWith({ emails: undefined }));
  });

  it('remove with a value list removes only the listed values', () => {
    const start = user({ roles: [{ value: 'Admin' }, { value: 'Reader' }] });
    const r = patchUser(start, [{ op: 'remove', path: 'roles', value: [{ value: 'Admin' }] }]);
    expect(r.resource.roles).toEqual([{ value: 'Reader' }]);
  });

  it('remove with an empty value list removes nothing (only a missing or null value means all)', () => {
    const start = user({ roles: [{ value: 'Admin' }] });
    expect(patchUser(start, [{ op: 'remove', path: 'roles', value: [] }]).resource).toEqual(start);
    expect(patchUser(start, [{ op: 'remove', path: 'roles', value: null }]).resource).toEqual(user());
  });

  it('attr.sub without a filter applies to every entry', () => {
    const start = user({ emails: [{ type: 'work', value: 'a@x.com', display: 'A' }, { type: 'home', value: 'b@x.com', display: 'B' }] });
    const r = patchUser(start, [{ op: 'remove', path: 'emails.display' }]);
    expect(r.resource.emails).toEqual([{ type: 'work', value: 'a@x.com' }, { type: 'home', value: 'b@x.com' }]);
  });

  it('replace with a list replaces all values', () => {
    const r = patchUser(user(), [{ op: 'replace', path: 'emails', value: [{ value: 'x@y.z', type: 'other' }] }]);
    expect(r.resource.emails).toEqual([{ value: 'x@y.z', type: 'other' }]);
  });

  it('replace of a multi-valued attribute with null or [] unassigns it', () => {
    expect(patchUser(user(), [{ op: 'replace', path: 'emails', value: null }]).resource).toEqual(userWith({ emails: undefined }));
    expect(patchUser(user(), [{ op: 'replace', path: 'emails', value: [] }]).resource).toEqual(userWith({ emails: undefined }));
  });
});

describe('values: coercion, clearing and storage as sent', () => {
  it.each([
    ['"False"', 'False', false],
    ['"false"', 'false', false],
    ['"TRUE"', 'TRUE', true],
    ['true', true, true],
  ])('active given %s is stored as a boolean', (_label, value, expected) => {
    const r = patchUser(user({ active: !expected }), [{ op: 'Replace', path: 'active', value }]);
    expect(r.resource.active).toBe(expected);
  });

  it('strings are stored exactly as sent (no trimming or case change)', () => {
    const r = patchUser(user(), [{ op: 'replace', path: 'displayName', value: '  Ada  LOVELACE ' }]);
    expect(r.resource.displayName).toBe('  Ada  LOVELACE ');
  });

  it.each([
    ['"" on a path', [{ op: 'Replace', path: 'displayName', value: '' }]],
    ['null on a path', [{ op: 'replace', path: 'displayName', value: null }]],
    ['"" in a path-less replace', [{ op: 'replace', value: { displayName: '' } }]],
    ['null in a path-less add', [{ op: 'add', value: { displayName: null } }]],
    ['remove', [{ op: 'remove', path: 'displayName' }]],
  ])('clears an attribute with %s', (_how, ops) => {
    const r = patchUser(user(), ops);
    expect(r.resource).toEqual(userWith({ displayName: undefined }));
  });

  it('clears a sub-attribute with "" and drops the complex attribute once empty', () => {
    const r = patchUser(user({ name: { givenName: 'Ada' } }), [{ op: 'Replace', path: 'name.givenName', value: '' }]);
    expect(r.resource).toEqual(userWith({ name: undefined }));
  });

  it('null sub-attributes inside a complex value clear just those sub-attributes', () => {
    const r = patchUser(user(), [{ op: 'replace', path: 'name', value: { formatted: null, givenName: 'Augusta' } }]);
    expect(r.resource.name).toEqual({ familyName: 'Lovelace', givenName: 'Augusta' });
  });

  it('clearing the last attribute of an extension removes the extension object', () => {
    const start = user({ [LOOOP]: { area: 'North' } });
    const r = patchUser(start, [{ op: 'Replace', path: `${LOOOP}:area`, value: '' }]);
    expect(r.resource).toEqual(user());
  });

  it('a write that sets the current value again reports changed false', () => {
    const r = patchUser(user(), [{ op: 'Replace', path: 'active', value: 'True' }]);
    expect(r.changed).toBe(false);
  });
});

describe('paths and path-less values', () => {
  it('attribute names in paths are case-insensitive and stored in schema spelling', () => {
    const r = patchUser(user(), [
      { op: 'replace', path: 'NAME.FAMILYNAME', value: 'King' },
      { op: 'replace', path: `${ENTERPRISE_USER.toLowerCase()}:DEPARTMENT`, value: 'Poetry' },
      { op: 'add', path: 'NickName', value: 'Ada' },
    ]);
    expect(r.resource).toEqual(
      userWith({
        name: { formatted: 'Ada Lovelace', familyName: 'King', givenName: 'Ada' },
        nickName: 'Ada',
        [ENTERPRISE_USER]: { employeeNumber: '1', department: 'Poetry' },
      }),
    );
  });

  it('op names are case-insensitive', () => {
    const r = patchUser(user(), [
      { op: 'ADD', path: 'title', value: 'Countess' },
      { op: 'rEpLaCe', path: 'nickName', value: 'Ada' },
      { op: 'REMOVE', path: 'displayName' },
    ]);
    expect(r.resource).toEqual(userWith({ title: 'Countess', nickName: 'Ada', displayName: undefined }));
  });

  it('a core-URN-qualified path lands at top level', () => {
    const r = patchUser(user(), [{ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:userName', value: 'ada@new.example' }]);
    expect(r.resource.userName).toBe('ada@new.example');
  });

  it('path-less add with an extension URN key holding an object of extension attributes', () => {
    const r = patchUser(user(), [{ op: 'add', value: { [LOOOP]: { Department: 'R&D', position: 'Lead' }, [ENTERPRISE_USER]: { division: 'Labs' } } }]);
    expect(r.resource).toEqual(
      userWith({
        [LOOOP]: { department: 'R&D', position: 'Lead' },
        [ENTERPRISE_USER]: { employeeNumber: '1', department: 'Analytical Engines', division: 'Labs' },
      }),
    );
  });

  it('a path that is an extension URN addresses the extension as a whole', () => {
    const r = patchUser(user(), [
      { op: 'replace', path: ENTERPRISE_USER, value: { department: 'Poetry' } },
      { op: 'remove', path: LOOOP },
    ]);
    expect(r.resource).toEqual(userWith({ [ENTERPRISE_USER]: { employeeNumber: '1', department: 'Poetry' } }));
  });

  it('path-less value may echo the resource schemas and an unchanged id (ignored)', () => {
    const r = patchUser(user(), [{ op: 'replace', value: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u-1', active: false } }]);
    expect(r.resource).toEqual(userWith({ active: false }));
  });

  it('path-less add of a complex attribute merges, of a value-path key creates the typed entry', () => {
    const r = patchUser(user(), [{ op: 'add', value: { name: { middleName: 'Byron' }, 'emails[type eq "home"].value': 'h@x.com' } }]);
    expect(r.resource.name).toEqual({ formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada', middleName: 'Byron' });
    expect(r.resource.emails).toEqual([
      { primary: true, type: 'work', value: 'ada@example.com' },
      { type: 'home', value: 'h@x.com' },
    ]);
  });

  it('readOnly sub-attributes inside a value are ignored (manager.displayName is server-managed)', () => {
    const r = patchUser(user(), [{ op: 'replace', path: 'manager', value: { value: 'm-1', displayName: 'Someone' } }]);
    expect(r.resource[ENTERPRISE_USER]).toEqual({ employeeNumber: '1', department: 'Analytical Engines', manager: { value: 'm-1' } });
  });

  it('replacing the same manager id keeps its other sub-attributes', () => {
    const start = user({ [ENTERPRISE_USER]: { manager } });
    const r = patchUser(start, [{ op: 'replace', path: 'manager', value: 'm-1' }]);
    expect(r.resource).toEqual(start);
    expect(r.changed).toBe(false);
  });

  it('manager.value can be set on its own, and clearing it clears the manager', () => {
    const set = patchUser(user(), [{ op: 'add', path: `${ENTERPRISE_USER}:manager.value`, value: 'm-3' }]);
    expect((set.resource[ENTERPRISE_USER] as Json).manager).toEqual({ value: 'm-3' });
    const cleared = patchUser(user({ [ENTERPRISE_USER]: { manager } }), [{ op: 'replace', path: 'manager.value', value: '' }]);
    expect(cleared.resource).toEqual(userWith({ [ENTERPRISE_USER]: undefined }));
  });
});

describe('groups: members are external and become member changes', () => {
  it.each<[string, Op[], MemberChange[]]>([
    ['path-less add with a members key', [{ op: 'add', value: { members: [{ value: 'u-1' }] } }], [{ kind: 'add', members: [{ value: 'u-1' }] }]],
    ['path-less replace with a members key', [{ op: 'replace', value: { members: [{ value: 'u-1', type: 'User' }] } }], [{ kind: 'replace', members: [{ value: 'u-1', type: 'User' }] }]],
    ['Members in any case', [{ op: 'ADD', path: 'Members', value: [{ Value: 'u-1' }] }], [{ kind: 'add', members: [{ value: 'u-1' }] }]],
    ['duplicates within one add collapse', [{ op: 'add', path: 'members', value: [{ value: 'u-1' }, { value: 'u-1' }] }], [{ kind: 'add', members: [{ value: 'u-1' }] }]],
    ['remove with an empty value list removes nobody (never all)', [{ op: 'Remove', path: 'members', value: [] }], []],
    ['add of an empty list is a no-op', [{ op: 'Add', path: 'members', value: [] }], []],
    ['remove with "value": null removes all (a serialized absent value)', [{ op: 'remove', path: 'members', value: null }], [{ kind: 'removeAll' }]],
    [
      'remove with another filter is left to the store',
      [{ op: 'remove', path: 'members[type eq "Group"]' }],
      [{ kind: 'removeWhere', filter: { op: 'eq', path: 'type', value: 'Group' } }],
    ],
    [
      'remove with value eq joined by and is a filter for the store, not a list of ids',
      [{ op: 'remove', path: 'members[value eq "u-1" and type eq "User"]' }],
      [
        {
          kind: 'removeWhere',
          filter: { op: 'and', left: { op: 'eq', path: 'value', value: 'u-1' }, right: { op: 'eq', path: 'type', value: 'User' } },
        },
      ],
    ],
    [
      'several ops keep their order',
      [
        { op: 'add', path: 'members', value: [{ value: 'u-1' }] },
        { op: 'remove', path: 'members[value eq "u-2"]' },
      ],
      [
        { kind: 'add', members: [{ value: 'u-1' }] },
        { kind: 'remove', values: ['u-2'] },
      ],
    ],
  ])('%s', (_name, ops, expected) => {
    const r = patchGroup(group(), ops);
    expect(r.memberChanges).toEqual(expected);
    expect(r.resource).toEqual(group());
    expect(r.changed).toBe(expected.length > 0);
  });

  it('a rename and member changes in one request', () => {
    const r = patchGroup(group(), [
      { op: 'replace', value: { displayName: 'Engineering', members: [{ value: 'u-9' }] } },
    ]);
    expect(r.resource).toEqual(group({ displayName: 'Engineering' }));
    expect(r.memberChanges).toEqual([{ kind: 'replace', members: [{ value: 'u-9' }] }]);
  });
});

describe('applyPatch is pure and atomic', () => {
  function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(deepFreeze);
      Object.freeze(value);
    }
    return value;
  }

  it('does not mutate the resource or the request body', () => {
    const start = deepFreeze(user({ addresses: [{ type: 'work', streetAddress: 'x' }] }));
    const request = deepFreeze(
      body([
        { op: 'replace', path: 'addresses[type eq "work"]', value: { locality: 'y' } },
        { op: 'add', path: 'emails', value: [{ value: 'n@x.com', primary: true }] },
        { op: 'replace', path: 'name', value: { givenName: 'Z' } },
      ]),
    );
    const r = applyPatch(start, request, userSchemaInfo);
    expect(r.resource.addresses).toEqual([{ type: 'work', streetAddress: 'x', locality: 'y' }]);
    expect(start).toEqual(user({ addresses: [{ type: 'work', streetAddress: 'x' }] }));
  });

  it('a failing operation fails the whole request (nothing is returned to store)', () => {
    const start = user();
    expectScimError(() => applyPatch(start, body([{ op: 'replace', path: 'displayName', value: 'New' }, { op: 'replace', path: 'nosuch', value: 1 }]), userSchemaInfo), 400, 'invalidPath');
    expect(start).toEqual(user());
  });

  it('accepts a body without "schemas" and an "operations" key in another case', () => {
    const r = applyPatch(user(), { operations: [{ op: 'replace', path: 'title', value: 'Dr' }] }, userSchemaInfo);
    expect(r.resource.title).toBe('Dr');
  });

  it('a required attribute may be removed and re-added within one request', () => {
    const r = patchUser(user(), [
      { op: 'remove', path: 'userName' },
      { op: 'add', path: 'userName', value: 'new@example.com' },
    ]);
    expect(r.resource.userName).toBe('new@example.com');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Errors: status and scimType.

interface ErrorCase {
  name: string;
  resource?: 'user' | 'group';
  start?: Json;
  body?: unknown;
  ops?: Op[];
  scimType: string;
}

const errorCases: ErrorCase[] = [
  // envelope and operation syntax
  { name: 'body is not an object', body: [], scimType: 'invalidSyntax' },
  { name: 'no Operations array', body: { schemas: [PATCH_OP_SCHEMA] }, scimType: 'invalidSyntax' },
  { name: 'Operations is not an array', body: { schemas: [PATCH_OP_SCHEMA], Operations: {} }, scimType: 'invalidSyntax' },
  { name: 'schemas names another message', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }, scimType: 'invalidSyntax' },
  { name: 'an operation is not an object', body: body(['replace' as unknown as Op]), scimType: 'invalidSyntax' },
  { name: 'unknown op name', ops: [{ op: 'move', path: 'title', value: 'x' }], scimType: 'invalidSyntax' },
  { name: 'missing op', ops: [{ path: 'title', value: 'x' }], scimType: 'invalidSyntax' },
  { name: 'add without value', ops: [{ op: 'add', path: 'title' }], scimType: 'invalidSyntax' },
  { name: 'replace without value', ops: [{ op: 'Replace', path: 'active' }], scimType: 'invalidSyntax' },
  { name: 'path-less replace with a non-object value', ops: [{ op: 'replace', value: 'x' }], scimType: 'invalidSyntax' },
  { name: 'path-less add without value', ops: [{ op: 'add' }], scimType: 'invalidSyntax' },
  // targets
  { name: 'remove without path', ops: [{ op: 'remove' }], scimType: 'noTarget' },
  { name: 'path is not a string', ops: [{ op: 'replace', path: 42, value: 'x' }], scimType: 'invalidPath' },
  { name: 'unknown attribute', ops: [{ op: 'replace', path: 'nosuch', value: 'x' }], scimType: 'invalidPath' },
  { name: 'unknown key in a path-less value', ops: [{ op: 'replace', value: { nosuch: 'x' } }], scimType: 'invalidPath' },
  { name: 'unknown sub-attribute', ops: [{ op: 'replace', path: 'name.nosuch', value: 'x' }], scimType: 'invalidPath' },
  { name: 'malformed filter', ops: [{ op: 'remove', path: 'emails[type eq]' }], scimType: 'invalidPath' },
  { name: 'unknown extension attribute', ops: [{ op: 'add', path: `${ENTERPRISE_USER}:nosuch`, value: 'x' }], scimType: 'invalidPath' },
  { name: 'filter on members in an add', resource: 'group', ops: [{ op: 'add', path: 'members[value eq "u-1"]', value: { value: 'u-1' } }], scimType: 'invalidPath' },
  {
    name: 'unmatched value path whose filter cannot describe an entry',
    ops: [{ op: 'replace', path: 'emails[type eq "home" or type eq "other"].value', value: 'x@y.z' }],
    scimType: 'noTarget',
  },
  {
    name: 'filtered single-valued complex that does not match on add',
    start: user({ [ENTERPRISE_USER]: { manager } }),
    ops: [{ op: 'add', path: 'manager[value eq "m-9"].$ref', value: 'x' }],
    scimType: 'noTarget',
  },
  // mutability
  { name: 'replace id', ops: [{ op: 'replace', path: 'id', value: 'other' }], scimType: 'mutability' },
  { name: 'path-less replace changing id', ops: [{ op: 'replace', value: { id: 'other' } }], scimType: 'mutability' },
  { name: 'remove id', ops: [{ op: 'remove', path: 'id' }], scimType: 'mutability' },
  { name: 'replace meta.created', ops: [{ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }], scimType: 'mutability' },
  { name: 'add groups', ops: [{ op: 'add', path: 'groups', value: [{ value: 'g-1' }] }], scimType: 'mutability' },
  { name: 'set manager.displayName', ops: [{ op: 'replace', path: 'manager.displayName', value: 'X' }], scimType: 'mutability' },
  { name: 'set a member display', resource: 'group', ops: [{ op: 'replace', path: 'members[value eq "u-1"].display', value: 'X' }], scimType: 'mutability' },
  { name: 'change a member value (immutable)', resource: 'group', ops: [{ op: 'replace', path: 'members[value eq "u-1"].value', value: 'u-2' }], scimType: 'mutability' },
  { name: 'remove userName (required)', ops: [{ op: 'remove', path: 'userName' }], scimType: 'mutability' },
  { name: 'clear userName with ""', ops: [{ op: 'Replace', path: 'userName', value: '' }], scimType: 'mutability' },
  { name: 'clear userName with null in a path-less replace', ops: [{ op: 'replace', value: { userName: null } }], scimType: 'mutability' },
  { name: 'remove group displayName (required)', resource: 'group', ops: [{ op: 'remove', path: 'displayName' }], scimType: 'mutability' },
  { name: 'clear group displayName', resource: 'group', ops: [{ op: 'Replace', path: 'displayName', value: '' }], scimType: 'mutability' },
  // values of the wrong shape
  { name: 'object for a string attribute', ops: [{ op: 'replace', path: 'displayName', value: { x: 1 } }], scimType: 'invalidValue' },
  { name: 'number for a string attribute', ops: [{ op: 'replace', path: 'userName', value: 42 }], scimType: 'invalidValue' },
  { name: 'non-boolean string for active', ops: [{ op: 'Replace', path: 'active', value: 'maybe' }], scimType: 'invalidValue' },
  { name: 'string for the name complex attribute', ops: [{ op: 'replace', path: 'name', value: 'Ada Lovelace' }], scimType: 'invalidValue' },
  { name: 'bare string items for emails', ops: [{ op: 'add', path: 'emails', value: ['a@b.c'] }], scimType: 'invalidValue' },
  { name: 'object for a sub-attribute', ops: [{ op: 'replace', path: 'emails[type eq "work"].value', value: { v: 1 } }], scimType: 'invalidValue' },
  { name: 'two managers', ops: [{ op: 'replace', path: 'manager', value: [{ value: 'a' }, { value: 'b' }] }], scimType: 'invalidValue' },
  { name: 'non-object extension value', ops: [{ op: 'add', value: { [ENTERPRISE_USER]: 'x' } }], scimType: 'invalidValue' },
  {
    name: 'two primary values in one add',
    ops: [{ op: 'add', path: 'emails', value: [{ value: 'a@b.c', primary: true }, { value: 'd@e.f', primary: true }] }],
    scimType: 'invalidValue',
  },
  { name: 'member without value', resource: 'group', ops: [{ op: 'add', path: 'members', value: [{ $ref: null }] }], scimType: 'invalidValue' },
  { name: 'member value not a string', resource: 'group', ops: [{ op: 'add', path: 'members', value: [{ value: 42 }] }], scimType: 'invalidValue' },
  { name: 'member as a bare string', resource: 'group', ops: [{ op: 'add', path: 'members', value: ['u-1'] }], scimType: 'invalidValue' },
  { name: 'remove members listing an item without value', resource: 'group', ops: [{ op: 'Remove', path: 'members', value: [{ display: 'x' }] }], scimType: 'invalidValue' },
];

describe('errors: every problem is a 400 ScimError with the right scimType', () => {
  it.each(errorCases)('$name → $scimType', (c) => {
    const isGroup = c.resource === 'group';
    const start = c.start ?? (isGroup ? group() : user());
    const request = c.body ?? body(c.ops ?? []);
    const schema = isGroup ? groupSchemaInfo : userSchemaInfo;
    expectScimError(() => applyPatch(start, request, schema, isGroup ? GROUP_OPTIONS : {}), 400, c.scimType);
  });

  it('error details name the offending path', () => {
    const e = expectScimError(() => patchUser(user(), [{ op: 'replace', path: 'emails[type eq "work"].nosuch', value: 'x' }]), 400, 'invalidPath');
    expect(e.detail).toContain('emails[type eq "work"].nosuch');
  });
});
