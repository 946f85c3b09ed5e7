// Issue 4 through the real HTTP surface: every PATCH shape of entra-wire.md in Entra's default mode and in the
// `aadOptscim062020` compliance mode, the RFC 7644 §3.5.2 examples that apply to Users, the error cases, renames and
// concurrent PATCHes. Every case reads the stored user back through GET; nothing relies on the PATCH status alone.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_USER, ENTERPRISE, ERROR, LOOOP, patchOp, PATCH_OP, stored } from '../helpers/population.js';
import { startStack, type ScimReply, type Stack } from '../helpers/stack.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Op = Json;

let stack: Stack;
const replies: { request: string; status: number }[] = [];

async function call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimReply> {
  const reply = await stack.call(method, path, body, headers);
  replies.push({ request: `${method} ${path}`, status: reply.status });
  return reply;
}

/** Two users to act as managers, created once. */
const managers = { m1: '', m2: '' };

beforeAll(async () => {
  stack = await startStack();
  for (const key of ['m1', 'm2'] as const) {
    const reply = await call('POST', '/Users', { userName: `${key}-${randomUUID()}@contoso.com`, displayName: `Manager ${key}` });
    managers[key] = reply.body.id;
  }
});

afterAll(async () => {
  await stack?.close();
});

const MODES = {
  default: '',
  compliance: '?aadOptscim062020',
} as const;
type Mode = keyof typeof MODES;

/** The user Entra creates (before any PATCH), as sent. */
function baseUser(extra: Json = {}): Json {
  const userName = `ada-${randomUUID()}@contoso.com`;
  return {
    schemas: [CORE_USER, ENTERPRISE],
    externalId: `ext-${randomUUID()}`,
    userName,
    active: true,
    displayName: 'Ada Lovelace',
    name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada' },
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    roles: [],
    [ENTERPRISE]: { employeeNumber: '1', department: 'Analytical Engines' },
    [LOOOP]: { area: 'EMEA', position: 'Countess' },
    ...extra,
  };
}

const ref = (id: string) => `${stack.baseUrl}/Users/${id}`;

/** schemas as the server computes them: core, then the extensions the user has, in schema order. */
function withSchemas(user: Json): Json {
  const schemas = [CORE_USER, ...[ENTERPRISE, LOOOP].filter((urn) => user[urn] !== undefined)];
  return { ...user, schemas };
}

/** Creates a user, runs the PATCH in `mode`, and returns the stored user before and after (as read through GET). */
async function patchAndRead(start: Json, operations: Op[] | Json, mode: Mode): Promise<{ before: Json; after: Json; reply: ScimReply; beforeVersion: string; afterVersion: string }> {
  const flag = MODES[mode];
  const created = await call('POST', `/Users${flag}`, start);
  expect(created.status, created.text).toBe(201);
  const id = created.body.id as string;
  const before = await call('GET', `/Users/${id}${flag}`);
  const body = Array.isArray(operations) ? patchOp(operations) : operations;
  const reply = await call('PATCH', `/Users/${id}${flag}`, body);
  const after = await call('GET', `/Users/${id}${flag}`);
  expect(after.status).toBe(200);
  return { before: stored(before.body), after: stored(after.body), reply, beforeVersion: before.body.meta.version, afterVersion: after.body.meta.version };
}

// ---------------------------------------------------------------------------------------------------------------
// entra-wire.md: every row of the PATCH table, both modes

interface EntraCase {
  name: string;
  /** Changes to the created user (top-level keys; undefined removes). */
  start?: () => Json;
  default: () => Op[];
  compliance: () => Op[];
  /** Mutates a copy of the stored user before the PATCH into what must be stored after it (schemas are recomputed). */
  expect: (user: Json) => void;
}

function startWith(extra: Json): Json {
  const user = baseUser();
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete user[k];
    else user[k] = v;
  }
  return user;
}

const entraCases: EntraCase[] = [
  {
    name: 'disable: active "False" (default) / false (compliance)',
    default: () => [{ op: 'Replace', path: 'active', value: 'False' }],
    compliance: () => [{ op: 'replace', path: 'active', value: false }],
    expect: (u) => void (u.active = false),
  },
  {
    name: 'disable: active "false" (default) / path-less {active: false} (compliance)',
    default: () => [{ op: 'Replace', path: 'active', value: 'false' }],
    compliance: () => [{ op: 'replace', value: { active: false } }],
    expect: (u) => void (u.active = false),
  },
  {
    name: 're-enable: active "True" / true restores a disabled user',
    start: () => ({ active: false }),
    default: () => [{ op: 'Replace', path: 'active', value: 'True' }],
    compliance: () => [{ op: 'replace', path: 'active', value: true }],
    expect: (u) => void (u.active = true),
  },
  {
    name: 'single attribute: name.familyName',
    default: () => [{ op: 'Replace', path: 'name.familyName', value: 'King' }],
    compliance: () => [{ op: 'replace', path: 'name.familyName', value: 'King' }],
    expect: (u) => void (u.name.familyName = 'King'),
  },
  {
    name: 'several attributes: one op per path (default) / one path-less replace with dotted and URN keys (compliance)',
    default: () => [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'name.givenName', value: 'Augusta' },
      { op: 'Replace', path: 'displayName', value: 'Augusta Ada King' },
      { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '7' },
      { op: 'Add', path: `${LOOOP}:area`, value: 'North' },
      { op: 'Add', path: 'title', value: 'Countess of Lovelace' },
    ],
    compliance: () => [
      {
        op: 'replace',
        value: {
          active: false,
          'name.givenName': 'Augusta',
          displayName: 'Augusta Ada King',
          [`${ENTERPRISE}:employeeNumber`]: '7',
          [`${LOOOP}:area`]: 'North',
          title: 'Countess of Lovelace',
        },
      },
    ],
    expect: (u) => {
      u.active = false;
      u.name.givenName = 'Augusta';
      u.displayName = 'Augusta Ada King';
      u[ENTERPRISE].employeeNumber = '7';
      u[LOOOP].area = 'North';
      u.title = 'Countess of Lovelace';
    },
  },
  {
    name: 'typed multi-valued: replace emails[type eq "work"].value updates the work email in place',
    default: () => [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada@new.example' }],
    compliance: () => [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'ada@new.example' }],
    expect: (u) => void (u.emails = [{ primary: true, type: 'work', value: 'ada@new.example' }]),
  },
  {
    name: 'typed multi-valued: Add on an absent typed entry creates it and keeps the others',
    default: () => [
      { op: 'Add', path: 'emails[type eq "home"].value', value: 'ada@home.example' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 7700 900001' },
    ],
    compliance: () => [
      { op: 'add', path: 'emails[type eq "home"].value', value: 'ada@home.example' },
      { op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 7700 900001' },
    ],
    expect: (u) => {
      u.emails = [...u.emails, { type: 'home', value: 'ada@home.example' }];
      u.phoneNumbers = [{ type: 'mobile', value: '+44 7700 900001' }];
    },
  },
  {
    name: 'typed multi-valued: Replace on an absent typed entry creates it too',
    default: () => [{ op: 'Replace', path: 'addresses[type eq "work"].formatted', value: '1 Main St, Leeds' }],
    compliance: () => [{ op: 'replace', path: 'addresses[type eq "work"].formatted', value: '1 Main St, Leeds' }],
    expect: (u) => void (u.addresses = [{ type: 'work', formatted: '1 Main St, Leeds' }]),
  },
  {
    name: 'typed multi-valued: a second PATCH of the created entry changes it, not a new one',
    start: () => ({ phoneNumbers: [{ type: 'mobile', value: '+44 1' }, { type: 'work', value: '+44 2' }] }),
    default: () => [{ op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 3' }],
    compliance: () => [{ op: 'replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 3' }],
    expect: (u) => void (u.phoneNumbers = [{ type: 'mobile', value: '+44 3' }, { type: 'work', value: '+44 2' }]),
  },
  {
    name: 'extension attribute: urn:...:enterprise:2.0:User:department (colon before the attribute)',
    default: () => [{ op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Poetry' }],
    compliance: () => [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Poetry' }],
    expect: (u) => void (u[ENTERPRISE].department = 'Poetry'),
  },
  {
    name: 'extension attribute added to a user without that extension',
    start: () => ({ [ENTERPRISE]: undefined, schemas: [CORE_USER] }),
    default: () => [{ op: 'Add', path: `${ENTERPRISE}:costCenter`, value: 'CC-9' }],
    compliance: () => [{ op: 'add', value: { [`${ENTERPRISE}:costCenter`]: 'CC-9' } }],
    expect: (u) => void (u[ENTERPRISE] = { costCenter: 'CC-9' }),
  },
  {
    name: 'custom extension attribute (Looop) by URN path',
    default: () => [{ op: 'Replace', path: `${LOOOP}:position`, value: 'Analyst' }, { op: 'Add', path: `${LOOOP}:startAt`, value: '2026-02-01' }],
    compliance: () => [{ op: 'replace', value: { [`${LOOOP}:position`]: 'Analyst', [`${LOOOP}:startAt`]: '2026-02-01' } }],
    expect: (u) => {
      u[LOOOP].position = 'Analyst';
      u[LOOOP].startAt = '2026-02-01';
    },
  },
  {
    name: 'manager set from a bare string id on the URN path',
    default: () => [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: managers.m1 }],
    compliance: () => [{ op: 'add', path: `${ENTERPRISE}:manager`, value: managers.m1 }],
    expect: (u) => void (u[ENTERPRISE].manager = { value: managers.m1, $ref: ref(managers.m1) }),
  },
  {
    name: 'manager set the older way: path "manager", value [{$ref, value}]',
    default: () => [{ op: 'Replace', path: 'manager', value: [{ $ref: ref(managers.m1), value: managers.m1 }] }],
    compliance: () => [{ op: 'replace', path: 'manager', value: [{ $ref: ref(managers.m1), value: managers.m1 }] }],
    expect: (u) => void (u[ENTERPRISE].manager = { value: managers.m1, $ref: ref(managers.m1) }),
  },
  {
    name: 'manager changed to another id',
    start: () => ({ [ENTERPRISE]: { department: 'X', manager: { value: managers.m1 } } }),
    default: () => [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value: managers.m2 }],
    compliance: () => [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: managers.m2, $ref: null } }],
    expect: (u) => void (u[ENTERPRISE].manager = { value: managers.m2, $ref: ref(managers.m2) }),
  },
  {
    name: 'manager removed with manager[value eq "id"]',
    start: () => ({ [ENTERPRISE]: { department: 'X', manager: { value: managers.m1 } } }),
    default: () => [{ op: 'Remove', path: `${ENTERPRISE}:manager[value eq "${managers.m1}"]` }],
    compliance: () => [{ op: 'remove', path: `manager[value eq "${managers.m1}"]` }],
    expect: (u) => void delete u[ENTERPRISE].manager,
  },
  {
    name: 'manager[value eq "other id"] leaves a different manager alone',
    start: () => ({ [ENTERPRISE]: { department: 'X', manager: { value: managers.m1 } } }),
    default: () => [{ op: 'Remove', path: `manager[value eq "${managers.m2}"]` }],
    compliance: () => [{ op: 'remove', path: `${ENTERPRISE}:manager[value eq "${managers.m2}"]` }],
    expect: () => undefined,
  },
  {
    name: 'manager removed by path; the then-empty extension goes too',
    start: () => ({ [ENTERPRISE]: { manager: { value: managers.m1 } } }),
    default: () => [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
    compliance: () => [{ op: 'remove', path: 'manager' }],
    expect: (u) => void delete u[ENTERPRISE],
  },
  {
    name: 'manager cleared by a replace with an empty value ("" / {value: ""})',
    start: () => ({ [ENTERPRISE]: { department: 'X', manager: { value: managers.m1 } } }),
    default: () => [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value: '' }],
    compliance: () => [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: '' } }],
    expect: (u) => void delete u[ENTERPRISE].manager,
  },
  {
    name: 'manager cleared by a replace with [] / a path-less null',
    start: () => ({ [ENTERPRISE]: { department: 'X', manager: { value: managers.m1 } } }),
    default: () => [{ op: 'Replace', path: 'manager', value: [] }],
    compliance: () => [{ op: 'replace', value: { [`${ENTERPRISE}:manager`]: null } }],
    expect: (u) => void delete u[ENTERPRISE].manager,
  },
  {
    name: 'roles whose value is a JSON-encoded string are stored exactly as sent',
    default: () => [{ op: 'Add', path: 'roles', value: [{ value: '{"id":"r-1","value":"Admin","displayName":"Admin"}' }] }],
    compliance: () => [{ op: 'add', path: 'roles', value: [{ value: '{"id":"r-1","value":"Admin","displayName":"Admin"}' }] }],
    expect: (u) => void (u.roles = [{ value: '{"id":"r-1","value":"Admin","displayName":"Admin"}' }]),
  },
  {
    name: 'roles as objects; primary "True" is stored as a boolean',
    default: () => [{ op: 'Add', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }],
    compliance: () => [{ op: 'add', path: 'roles', value: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }],
    expect: (u) => void (u.roles = [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }]),
  },
  {
    name: 'empty strings and nulls clear attributes',
    start: () => ({ title: 'Countess', nickName: 'Ada' }),
    default: () => [
      { op: 'Replace', path: 'title', value: '' },
      { op: 'Replace', path: 'name.formatted', value: '' },
      { op: 'Replace', path: 'nickName', value: null },
    ],
    compliance: () => [{ op: 'replace', value: { title: null, 'name.formatted': '', nickName: '' } }],
    expect: (u) => {
      delete u.title;
      delete u.nickName;
      delete u.name.formatted;
    },
  },
  {
    name: 'attribute names in paths are case-insensitive and stored in schema spelling',
    default: () => [
      { op: 'Replace', path: 'name.FamilyName', value: 'King' },
      { op: 'Replace', path: 'emails[Type eq "work"].Value', value: 'ada@king.example' },
      { op: 'Replace', path: 'NICKNAME', value: 'Ada' },
    ],
    compliance: () => [
      { op: 'REPLACE', path: 'Name.familyname', value: 'King' },
      { op: 'replace', path: 'EMAILS[TYPE eq "work"].VALUE', value: 'ada@king.example' },
      { op: 'Replace', value: { NickName: 'Ada' } },
    ],
    expect: (u) => {
      u.name.familyName = 'King';
      u.emails[0].value = 'ada@king.example';
      u.nickName = 'Ada';
    },
  },
  {
    name: 'path-less Add with dotted and URN keys (seen from Entra in default mode)',
    default: () => [{ op: 'Add', value: { 'name.givenName': 'Augusta', [`${ENTERPRISE}:department`]: 'Poetry', preferredLanguage: 'en-GB' } }],
    compliance: () => [{ op: 'add', value: { 'name.givenName': 'Augusta', [`${ENTERPRISE}:department`]: 'Poetry', preferredLanguage: 'en-GB' } }],
    expect: (u) => {
      u.name.givenName = 'Augusta';
      u[ENTERPRISE].department = 'Poetry';
      u.preferredLanguage = 'en-GB';
    },
  },
  {
    name: 'externalId replaced (the matching attribute may change)',
    default: () => [{ op: 'Replace', path: 'externalId', value: 'renamed-external' }],
    compliance: () => [{ op: 'replace', path: 'externalId', value: 'renamed-external' }],
    expect: (u) => void (u.externalId = 'renamed-external'),
  },
  {
    name: 'disable and set the manager in one request',
    default: () => [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: managers.m2 },
    ],
    compliance: () => [{ op: 'replace', value: { active: false, [`${ENTERPRISE}:manager`]: managers.m2 } }],
    expect: (u) => {
      u.active = false;
      u[ENTERPRISE].manager = { value: managers.m2, $ref: ref(managers.m2) };
    },
  },
];

describe.each(Object.keys(MODES) as Mode[])('Entra PATCH shapes (%s mode), read back through GET', (mode) => {
  it.each(entraCases)('$name', async (c) => {
    const start = c.start ? startWith(c.start()) : baseUser();
    const { before, after, reply } = await patchAndRead(start, mode === 'default' ? c.default() : c.compliance(), mode);
    expect(reply.status, reply.text).toBe(200);
    const expected = structuredClone(before);
    c.expect(expected);
    expect(after).toEqual(withSchemas(expected));
    // The 200 response carries the same user as a later GET.
    expect(stored(reply.body)).toEqual(after);
  });

  it('empty Operations is a no-op: 200, nothing changes, the version stays', async () => {
    const { before, after, reply, beforeVersion, afterVersion } = await patchAndRead(baseUser(), [], mode);
    expect(reply.status).toBe(200);
    expect(after).toEqual(before);
    expect(afterVersion).toBe(beforeVersion);
  });

  it('soft delete and restore: a disabled user stays retrievable and queryable with active false', async () => {
    const flag = MODES[mode];
    const start = baseUser();
    const created = await call('POST', `/Users${flag}`, start);
    const id = created.body.id;
    const disable = mode === 'default' ? { op: 'Replace', path: 'active', value: 'False' } : { op: 'replace', path: 'active', value: false };
    expect((await call('PATCH', `/Users/${id}${flag}`, patchOp([disable]))).status).toBe(200);
    const sep = flag ? '&' : '?';
    const found = await call('GET', `/Users${flag}${sep}filter=${encodeURIComponent(`userName eq "${start.userName}"`)}`);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].active).toBe(false);
    const enable = mode === 'default' ? { op: 'Replace', path: 'active', value: 'True' } : { op: 'replace', path: 'active', value: true };
    expect((await call('PATCH', `/Users/${id}${flag}`, patchOp([enable]))).status).toBe(200);
    expect((await call('GET', `/Users/${id}${flag}`)).body.active).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// RFC 7644 §3.5.2 examples that apply to Users

interface RfcCase {
  name: string;
  start?: () => Json;
  operations: () => Op[];
  expect: (user: Json) => void;
}

const rfcCases: RfcCase[] = [
  {
    name: '§3.5.2.1 path-less add of emails and nickname',
    operations: () => [{ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' } }],
    expect: (u) => {
      u.emails = [...u.emails, { value: 'babs@jensen.org', type: 'home' }];
      u.nickName = 'Babs';
    },
  },
  {
    name: '§3.5.2.1 add to a multi-valued attribute appends',
    operations: () => [{ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'other' }] }],
    expect: (u) => void (u.emails = [...u.emails, { value: 'babs@jensen.org', type: 'other' }]),
  },
  {
    name: '§3.5.2.1 add of a value already present does not duplicate it',
    start: () => ({ emails: [{ primary: true, type: 'work', value: 'ada@example.com' }] }),
    operations: () => [{ op: 'add', path: 'emails', value: [{ value: 'ada@example.com', type: 'work', primary: true }] }],
    expect: () => undefined,
  },
  {
    name: '§3.5.2.1 / RFC 7643 §2.4 adding a primary email takes primary away from the others',
    operations: () => [{ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home', primary: true }] }],
    expect: (u) => {
      u.emails = [{ ...u.emails[0], primary: false }, { value: 'babs@jensen.org', type: 'home', primary: true }];
    },
  },
  {
    name: '§3.5.2.1 add of a single-valued attribute sets it',
    operations: () => [{ op: 'add', path: 'title', value: 'Tour Guide' }],
    expect: (u) => void (u.title = 'Tour Guide'),
  },
  {
    name: '§3.5.2.2 remove a single-valued attribute',
    start: () => ({ title: 'Countess' }),
    operations: () => [{ op: 'remove', path: 'title' }],
    expect: (u) => void delete u.title,
  },
  {
    name: '§3.5.2.2 remove all values of a multi-valued attribute',
    start: () => ({ phoneNumbers: [{ type: 'work', value: '+1 1' }, { type: 'mobile', value: '+1 2' }] }),
    operations: () => [{ op: 'remove', path: 'phoneNumbers' }],
    expect: (u) => void delete u.phoneNumbers,
  },
  {
    name: '§3.5.2.2 remove the values matching a complex filter only',
    start: () => ({
      emails: [
        { type: 'work', value: 'babs@example.com', primary: true },
        { type: 'work', value: 'babs@other.org' },
        { type: 'home', value: 'babs@example.com' },
      ],
    }),
    operations: () => [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }],
    expect: (u) => void (u.emails = [{ type: 'work', value: 'babs@other.org' }, { type: 'home', value: 'babs@example.com' }]),
  },
  {
    name: '§3.5.2.2 remove a sub-attribute of the filtered values only',
    start: () => ({
      addresses: [
        { type: 'work', streetAddress: '100 Old St', locality: 'Hollywood' },
        { type: 'home', streetAddress: '1 Home Rd', locality: 'Leeds' },
      ],
    }),
    operations: () => [{ op: 'remove', path: 'addresses[type eq "work"].locality' }],
    expect: (u) => void delete u.addresses[0].locality,
  },
  {
    name: '§3.5.2.2 remove with a filter that matches nothing is an idempotent no-op',
    operations: () => [{ op: 'remove', path: 'emails[type eq "home"]' }],
    expect: () => undefined,
  },
  {
    name: '§3.5.2.3 path-less replace of emails and nickname replaces all emails',
    start: () => ({ emails: [{ type: 'work', value: 'a@x.org', primary: true }, { type: 'home', value: 'b@x.org' }] }),
    operations: () => [{ op: 'replace', value: { emails: [{ value: 'bjensen@example.com', type: 'work' }], nickname: 'Babs' } }],
    expect: (u) => {
      u.emails = [{ value: 'bjensen@example.com', type: 'work' }];
      u.nickName = 'Babs';
    },
  },
  {
    name: '§3.5.2.3 replace of the name complex attribute merges its sub-attributes',
    operations: () => [{ op: 'replace', path: 'name', value: { givenName: 'Barbara', familyName: 'Jensen' } }],
    expect: (u) => void (u.name = { formatted: 'Ada Lovelace', givenName: 'Barbara', familyName: 'Jensen' }),
  },
  {
    name: '§3.5.2.3 replace addresses[type eq "work"] with an object merges it into the matching value',
    start: () => ({
      addresses: [
        { type: 'work', streetAddress: '100 Old St', locality: 'Hollywood', primary: true },
        { type: 'home', streetAddress: '1 Home Rd' },
      ],
    }),
    operations: () => [
      {
        op: 'replace',
        path: 'addresses[type eq "work"]',
        value: { type: 'work', streetAddress: '911 Universal City Plaza', postalCode: '91608', country: 'US', primary: true },
      },
    ],
    expect: (u) =>
      void (u.addresses = [
        { type: 'work', streetAddress: '911 Universal City Plaza', locality: 'Hollywood', postalCode: '91608', country: 'US', primary: true },
        { type: 'home', streetAddress: '1 Home Rd' },
      ]),
  },
  {
    name: '§3.5.2.3 replace addresses[type eq "work"].streetAddress sets it on the matching value only',
    start: () => ({
      addresses: [
        { type: 'work', streetAddress: '100 Old St' },
        { type: 'home', streetAddress: '1 Home Rd' },
      ],
    }),
    operations: () => [{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }],
    expect: (u) => void (u.addresses[0].streetAddress = '1010 Broadway Ave'),
  },
  {
    name: '§3.5.2.3 replace of a multi-valued attribute without a filter replaces all its values',
    start: () => ({ phoneNumbers: [{ type: 'work', value: '+1 1' }, { type: 'mobile', value: '+1 2' }] }),
    operations: () => [{ op: 'replace', path: 'phoneNumbers', value: [{ type: 'fax', value: '+1 3' }] }],
    expect: (u) => void (u.phoneNumbers = [{ type: 'fax', value: '+1 3' }]),
  },
  {
    name: '§3.5.2 operations apply in order: remove then add in one request',
    start: () => ({ phoneNumbers: [{ type: 'work', value: '+1 1' }] }),
    operations: () => [
      { op: 'remove', path: 'phoneNumbers' },
      { op: 'add', path: 'phoneNumbers', value: [{ type: 'mobile', value: '+1 9' }] },
      { op: 'replace', path: 'phoneNumbers[type eq "mobile"].display', value: 'Mobile' },
    ],
    expect: (u) => void (u.phoneNumbers = [{ type: 'mobile', value: '+1 9', display: 'Mobile' }]),
  },
  {
    name: '§3.5.2 a required attribute may be removed and re-added in one request',
    operations: () => [
      { op: 'remove', path: 'userName' },
      { op: 'add', path: 'userName', value: `readded-${randomUUID()}@contoso.com` },
    ],
    expect: () => undefined, // checked by userName below
  },
];

describe('RFC 7644 §3.5.2 examples applied to Users, read back through GET', () => {
  it.each(rfcCases)('$name', async (c) => {
    const start = c.start ? startWith(c.start()) : baseUser();
    const operations = c.operations();
    const { before, after, reply } = await patchAndRead(start, operations, 'compliance');
    expect(reply.status, reply.text).toBe(200);
    const expected = structuredClone(before);
    c.expect(expected);
    const readded = operations.find((o) => o.op === 'add' && o.path === 'userName');
    if (readded) expected.userName = readded.value;
    expect(after).toEqual(withSchemas(expected));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Errors: the matching 400 scimType, and nothing stored

interface ErrorCase {
  name: string;
  body?: unknown;
  operations?: () => unknown[];
  status?: number;
  scimType?: string;
}

const errorCases: ErrorCase[] = [
  // envelope and op
  { name: 'malformed JSON', body: '{"Operations": [', scimType: 'invalidSyntax' },
  { name: 'a JSON array instead of a PatchOp', body: [], scimType: 'invalidSyntax' },
  { name: 'no Operations', body: { schemas: [PATCH_OP] }, scimType: 'invalidSyntax' },
  { name: 'Operations not an array', body: { schemas: [PATCH_OP], Operations: { op: 'add' } }, scimType: 'invalidSyntax' },
  { name: 'schemas naming another message', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], Operations: [] }, scimType: 'invalidSyntax' },
  { name: 'an operation that is not an object', operations: () => ['replace'], scimType: 'invalidSyntax' },
  { name: 'an unknown op', operations: () => [{ op: 'Move', path: 'title', value: 'x' }], scimType: 'invalidSyntax' },
  { name: 'a missing op', operations: () => [{ path: 'title', value: 'x' }], scimType: 'invalidSyntax' },
  { name: 'replace without a value', operations: () => [{ op: 'Replace', path: 'active' }], scimType: 'invalidSyntax' },
  { name: 'path-less replace with a non-object value', operations: () => [{ op: 'replace', value: 'x' }], scimType: 'invalidSyntax' },
  // paths
  { name: 'remove without a path', operations: () => [{ op: 'Remove' }], scimType: 'noTarget' },
  { name: 'a path that is not a string', operations: () => [{ op: 'replace', path: 7, value: 'x' }], scimType: 'invalidPath' },
  { name: 'an unknown attribute', operations: () => [{ op: 'Replace', path: 'favouriteColour', value: 'x' }], scimType: 'invalidPath' },
  { name: 'an unknown sub-attribute', operations: () => [{ op: 'Replace', path: 'name.nickname', value: 'x' }], scimType: 'invalidPath' },
  { name: 'an unknown extension attribute', operations: () => [{ op: 'Add', path: `${ENTERPRISE}:shoeSize`, value: '9' }], scimType: 'invalidPath' },
  { name: 'an unknown key in a path-less value', operations: () => [{ op: 'replace', value: { favouriteColour: 'x' } }], scimType: 'invalidPath' },
  { name: 'a malformed value filter', operations: () => [{ op: 'Remove', path: 'emails[type eq]' }], scimType: 'invalidPath' },
  { name: 'an unclosed value filter', operations: () => [{ op: 'Replace', path: 'emails[type eq "work".value', value: 'x' }], scimType: 'invalidPath' },
  { name: 'a value filter on a simple attribute', operations: () => [{ op: 'Replace', path: 'title[value eq "x"]', value: 'y' }], scimType: 'invalidPath' },
  { name: 'an unmatched value path whose filter describes no entry', operations: () => [{ op: 'Replace', path: 'emails[type eq "home" or type eq "other"].value', value: 'x@y.z' }], scimType: 'noTarget' },
  // mutability
  { name: 'replace id', operations: () => [{ op: 'Replace', path: 'id', value: randomUUID() }], scimType: 'mutability' },
  { name: 'replace meta.created', operations: () => [{ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }], scimType: 'mutability' },
  { name: 'add groups (readOnly)', operations: () => [{ op: 'add', path: 'groups', value: [{ value: randomUUID() }] }], scimType: 'mutability' },
  { name: 'set manager.displayName (readOnly)', operations: () => [{ op: 'replace', path: 'manager.displayName', value: 'X' }], scimType: 'mutability' },
  { name: 'remove userName (required)', operations: () => [{ op: 'Remove', path: 'userName' }], scimType: 'mutability' },
  { name: 'clear userName with ""', operations: () => [{ op: 'Replace', path: 'userName', value: '' }], scimType: 'mutability' },
  { name: 'clear userName with a path-less null', operations: () => [{ op: 'replace', value: { userName: null } }], scimType: 'mutability' },
  // values
  { name: 'active "maybe"', operations: () => [{ op: 'Replace', path: 'active', value: 'maybe' }], scimType: 'invalidValue' },
  { name: 'a number for userName', operations: () => [{ op: 'Replace', path: 'userName', value: 42 }], scimType: 'invalidValue' },
  { name: 'an object for a string', operations: () => [{ op: 'Replace', path: 'displayName', value: { text: 'x' } }], scimType: 'invalidValue' },
  { name: 'a string for the name complex attribute', operations: () => [{ op: 'replace', path: 'name', value: 'Ada Lovelace' }], scimType: 'invalidValue' },
  { name: 'bare strings as email values', operations: () => [{ op: 'add', path: 'emails', value: ['a@b.c'] }], scimType: 'invalidValue' },
  { name: 'two managers', operations: () => [{ op: 'replace', path: 'manager', value: [{ value: 'a' }, { value: 'b' }] }], scimType: 'invalidValue' },
  { name: 'a non-object extension value', operations: () => [{ op: 'add', value: { [ENTERPRISE]: 'x' } }], scimType: 'invalidValue' },
  {
    name: 'two primary emails in one add',
    operations: () => [{ op: 'add', path: 'emails', value: [{ value: 'a@b.c', primary: true }, { value: 'd@e.f', primary: true }] }],
    scimType: 'invalidValue',
  },
  // atomicity: an earlier valid operation is not stored when a later one fails
  {
    name: 'a valid operation followed by an invalid one (nothing is stored)',
    operations: () => [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'displayName', value: 'Changed' },
      { op: 'Replace', path: 'nosuch', value: 'x' },
    ],
    scimType: 'invalidPath',
  },
  {
    name: 'a valid operation followed by a mutability error (nothing is stored)',
    operations: () => [
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: randomUUID() },
      { op: 'Remove', path: 'userName' },
    ],
    scimType: 'mutability',
  },
];

describe('bad PATCH requests get the matching 400 scimType and change nothing', () => {
  it.each(errorCases)('$name → $scimType', async (c) => {
    const created = await call('POST', '/Users', baseUser());
    const id = created.body.id as string;
    const body = c.body ?? patchOp(c.operations ? c.operations() : []);
    const reply = await call('PATCH', `/Users/${id}`, body);
    expect(reply.status, reply.text).toBe(c.status ?? 400);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: String(c.status ?? 400) });
    if (c.scimType) expect(reply.body.scimType).toBe(c.scimType);
    expect(reply.body.detail).toEqual(expect.any(String));
    const after = await call('GET', `/Users/${id}`);
    expect(after.body).toEqual(created.body);
  });

  it('PATCH of an unknown id is 404', async () => {
    const reply = await call('PATCH', `/Users/${randomUUID()}`, patchOp([{ op: 'Replace', path: 'active', value: 'False' }]));
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: '404' });
  });

  it('PATCH with a non-JSON content type is 415', async () => {
    const created = await call('POST', '/Users', baseUser());
    const reply = await call('PATCH', `/Users/${created.body.id}`, JSON.stringify(patchOp([])), { 'Content-Type': 'text/plain' });
    expect(reply.status).toBe(415);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Renames and uniqueness

describe('renaming by PATCH', () => {
  it('frees the old userName and takes the new one in one step', async () => {
    const oldName = `old-${randomUUID()}@contoso.com`;
    const newName = `new-${randomUUID()}@contoso.com`;
    const created = await call('POST', '/Users', baseUser({ userName: oldName }));
    const id = created.body.id;
    const reply = await call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'userName', value: newName }]));
    expect(reply.status, reply.text).toBe(200);
    expect((await call('GET', `/Users/${id}`)).body.userName).toBe(newName);

    const byNew = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${newName.toUpperCase()}"`)}`);
    expect(byNew.body.Resources.map((u: Json) => u.id)).toEqual([id]);
    const byOld = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${oldName}"`)}`);
    expect(byOld.body.totalResults).toBe(0);

    const takeOld = await call('POST', '/Users', baseUser({ userName: oldName }));
    expect(takeOld.status).toBe(201);
    const takeNew = await call('POST', '/Users', baseUser({ userName: newName.toUpperCase() }));
    expect(takeNew.status).toBe(409);
    expect(takeNew.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const byOldAgain = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${oldName}"`)}`);
    expect(byOldAgain.body.Resources.map((u: Json) => u.id)).toEqual([takeOld.body.id]);
  });

  it('renaming onto an existing userName (in another case) is 409 uniqueness and changes nothing', async () => {
    const taken = `taken-${randomUUID()}@contoso.com`;
    await call('POST', '/Users', baseUser({ userName: taken }));
    const created = await call('POST', '/Users', baseUser());
    const id = created.body.id;
    const reply = await call('PATCH', `/Users/${id}`, patchOp([
      { op: 'Replace', path: 'displayName', value: 'Should not be stored' },
      { op: 'Replace', path: 'userName', value: taken.toUpperCase() },
    ]));
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ schemas: [ERROR], scimType: 'uniqueness' });
    expect((await call('GET', `/Users/${id}`)).body).toEqual(created.body);
    const stillFree = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${created.body.userName}"`)}`);
    expect(stillFree.body.Resources.map((u: Json) => u.id)).toEqual([id]);
  });

  it('changing only the letter case of the userName is allowed and keeps it findable', async () => {
    const name = `case-${randomUUID()}@contoso.com`;
    const created = await call('POST', '/Users', baseUser({ userName: name }));
    const reply = await call('PATCH', `/Users/${created.body.id}`, patchOp([{ op: 'replace', path: 'userName', value: name.toUpperCase() }]));
    expect(reply.status, reply.text).toBe(200);
    const found = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`);
    expect(found.body.Resources.map((u: Json) => u.userName)).toEqual([name.toUpperCase()]);
    expect((await call('POST', '/Users', baseUser({ userName: name }))).status).toBe(409);
  });

  it('a path-less rename in compliance mode behaves the same', async () => {
    const oldName = `pl-old-${randomUUID()}@contoso.com`;
    const newName = `pl-new-${randomUUID()}@contoso.com`;
    const created = await call('POST', '/Users?aadOptscim062020', baseUser({ userName: oldName }));
    const reply = await call('PATCH', `/Users/${created.body.id}?aadOptscim062020`, patchOp([{ op: 'replace', value: { userName: newName, active: false } }]));
    expect(reply.status).toBe(200);
    expect((await call('POST', '/Users?aadOptscim062020', baseUser({ userName: oldName }))).status).toBe(201);
    expect((await call('POST', '/Users?aadOptscim062020', baseUser({ userName: newName }))).status).toBe(409);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Concurrency

describe('concurrent PATCHes of one user', () => {
  it('10 pairs of concurrent PATCHes changing different attributes: both changes of every pair survive', async () => {
    const users = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/Users', baseUser())));
    const ids = users.map((u) => u.body.id as string);
    const results = await Promise.all(
      ids.flatMap((id, i) => [
        call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: 'title', value: `Title ${i}` }])),
        call('PATCH', `/Users/${id}`, patchOp([{ op: 'Replace', path: `${LOOOP}:area`, value: `Area ${i}` }])),
      ]),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    for (const [i, id] of ids.entries()) {
      const got = await call('GET', `/Users/${id}`);
      expect(got.body.title).toBe(`Title ${i}`);
      expect(got.body[LOOOP].area).toBe(`Area ${i}`);
      expect(got.body.meta.version).toBe('W/"3"');
    }
  });

  it('six concurrent PATCHes of six different attributes of one user all survive', async () => {
    const created = await call('POST', '/Users', baseUser());
    const id = created.body.id;
    const ops: Op[] = [
      { op: 'Replace', path: 'title', value: 'T' },
      { op: 'Replace', path: 'nickName', value: 'N' },
      { op: 'Replace', path: 'name.givenName', value: 'G' },
      { op: 'Add', path: 'emails[type eq "home"].value', value: 'h@home.example' },
      { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'D' },
      { op: 'Replace', path: 'active', value: 'False' },
    ];
    const results = await Promise.all(ops.map((op) => call('PATCH', `/Users/${id}`, patchOp([op]))));
    expect(results.map((r) => r.status)).toEqual(ops.map(() => 200));
    const got = (await call('GET', `/Users/${id}`)).body;
    expect(got).toMatchObject({ title: 'T', nickName: 'N', active: false, name: { givenName: 'G' }, [ENTERPRISE]: { department: 'D' } });
    expect(got.emails).toContainEqual({ type: 'home', value: 'h@home.example' });
    expect(got.meta.version).toBe('W/"7"');
  });
});

describe('the whole suite', () => {
  it('never got a 5xx', () => {
    expect(replies.length).toBeGreaterThan(100);
    expect(replies.filter((r) => r.status >= 500)).toEqual([]);
  });
});
