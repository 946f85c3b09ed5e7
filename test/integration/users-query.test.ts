// Issue 3 through the real HTTP surface: the SCIM filter language, pagination (index and cursor), sorting, projection
// and POST /Users/.search, over a population of 25 users created the way Entra ID creates them. Every expected result
// is computed from what the test sent (the Person model), never from what the server answered.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPeople,
  enc,
  ENTERPRISE,
  entraBody,
  ERROR,
  LIST_RESPONSE,
  listUsers,
  LOOOP,
  type Member,
  patchOp,
  population,
  SEARCH_REQUEST,
} from '../helpers/population.js';
import { startStack, type ScimReply, type Stack } from '../helpers/stack.js';

let stack: Stack;
let members: Member[];
const replies: { request: string; status: number }[] = [];

/** stack.call that remembers every status, so the suite can assert that nothing answered 5xx. */
async function call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimReply> {
  const reply = await stack.call(method, path, body, headers);
  replies.push({ request: `${method} ${path}`, status: reply.status });
  return reply;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  stack = await startStack();
  members = await createPeople(stack, population());
  // Entra sends reference attributes as separate PATCHes after the creates; these also move meta.lastModified.
  await sleep(5);
  for (const [index, managerIndex] of [[3, 0], [4, 0], [5, 3], [6, 3]]) {
    const reply = await stack.call('PATCH', `/Users/${members[index].id}`, patchOp([{ op: 'Add', path: `${ENTERPRISE}:manager`, value: members[managerIndex].id }]));
    if (reply.status !== 200) throw new Error(`manager PATCH → ${reply.status} ${reply.text}`);
    members[index].managerIndex = managerIndex;
    members[index].lastModified = reply.body.meta.lastModified;
  }
});

afterAll(async () => {
  await stack?.close();
});

const lc = (s: string | undefined): string => (s ?? '').toLowerCase();
const byIndex = (i: number) => (m: Member) => m.index === i;
const work = (m: Member): string => m.emails.find((e) => e.type === 'work')?.value ?? '';
const home = (m: Member): string | undefined => m.emails.find((e) => e.type === 'home')?.value;
const ent = (attr: string) => `${ENTERPRISE}:${attr}`;
const looop = (attr: string) => `${LOOOP}:${attr}`;
const time = (iso: string) => Date.parse(iso);
const sortedNames = (list: { userName: string }[]) => list.map((u) => u.userName).sort();

/** userNames of the Resources of a ListResponse, sorted (for set comparison). */
function namesOf(reply: ScimReply): string[] {
  expect(reply.status, reply.text).toBe(200);
  return sortedNames(reply.body.Resources as { userName: string }[]);
}

// ---------------------------------------------------------------------------------------------------------------
// Filters

interface FilterCase {
  name: string;
  /** The filter text (URL-encoded by the test), or a function of the population for server-assigned values. */
  filter: string | ((m: Member[]) => string);
  expected: (m: Member, all: Member[]) => boolean;
  /** Most cases must select a proper, non-empty subset so a filter ignored or rejecting everything cannot pass. */
  selects?: 'none' | 'all';
}

const T = (i: number) => (all: Member[]) => all[i].created;
const latestCreate = (all: Member[]) => all.map((m) => m.created).sort().at(-1) as string;

const filterCases: FilterCase[] = [
  // every comparison operator
  { name: 'eq on userName ignores case (caseExact false)', filter: 'userName eq "ADA.LOVELACE@contoso.COM"', expected: byIndex(0) },
  { name: 'eq on a sub-attribute', filter: 'name.familyName eq "young"', expected: (m) => m.familyName === 'Young' },
  { name: 'ne matches every other value, and users without the attribute', filter: 'title ne "Engineer"', expected: (m) => lc(m.title) !== 'engineer' },
  { name: 'co (substring)', filter: 'name.familyName co "son"', expected: (m) => lc(m.familyName).includes('son') },
  { name: 'sw (prefix), case-insensitive', filter: 'userName sw "J"', expected: (m) => lc(m.userName).startsWith('j') },
  { name: 'ew (suffix) on a multi-valued sub-attribute', filter: 'emails.value ew "@home.example"', expected: (m) => m.emails.some((e) => e.value.endsWith('@home.example')) },
  { name: 'gt on strings (lexicographic, case-insensitive)', filter: 'name.familyName gt "T"', expected: (m) => lc(m.familyName) > 't' },
  { name: 'ge on an enterprise attribute', filter: `${ent('employeeNumber')} ge "1020"`, expected: (m) => m.employeeNumber >= '1020' },
  { name: 'lt', filter: 'name.givenName lt "B"', expected: (m) => lc(m.givenName) < 'b' },
  { name: 'le includes the equal value', filter: 'name.givenName le "Alan"', expected: (m) => lc(m.givenName) <= 'alan' },
  { name: 'pr on a simple attribute (null on POST means absent)', filter: 'title pr', expected: (m) => m.title !== undefined },
  { name: 'pr on a multi-valued attribute', filter: 'phoneNumbers pr', expected: (m) => m.phone !== undefined },
  { name: 'pr on the enterprise manager', filter: `${ent('manager')} pr`, expected: (m) => m.managerIndex !== undefined },

  // logical operators, precedence and parentheses
  { name: 'and', filter: `active eq true and ${ent('department')} eq "Sales"`, expected: (m) => m.active && m.department === 'Sales' },
  { name: 'or', filter: `${ent('department')} eq "Sales" or ${ent('department')} eq "Finance"`, expected: (m) => ['Sales', 'Finance'].includes(m.department) },
  { name: 'not (...)', filter: 'not (active eq true)', expected: (m) => !m.active },
  {
    name: 'and binds tighter than or',
    filter: `active eq false or ${ent('department')} eq "Sales" and title pr`,
    expected: (m) => !m.active || (m.department === 'Sales' && m.title !== undefined),
  },
  {
    name: 'parentheses override precedence',
    filter: `(active eq false or ${ent('department')} eq "Sales") and title pr`,
    expected: (m) => (!m.active || m.department === 'Sales') && m.title !== undefined,
  },
  {
    name: 'not of a parenthesised or, and-ed with a comparison',
    filter: `not (${ent('department')} eq "Sales" or ${ent('department')} eq "Engineering") and active eq true`,
    expected: (m) => !['Sales', 'Engineering'].includes(m.department) && m.active,
  },
  {
    name: 'nested parentheses',
    filter: '((userName sw "a") or (userName sw "b")) and not (emails[type eq "home"])',
    expected: (m) => (lc(m.userName).startsWith('a') || lc(m.userName).startsWith('b')) && home(m) === undefined,
  },
  {
    name: 'a chain of or across lookups and scans',
    filter: 'userName eq "jo.young@contoso.com" or externalId eq "ghopper" or name.familyName eq "Wirth"',
    expected: (m) => [1, 3, 17].includes(m.index),
  },

  // value filters on multi-valued attributes
  {
    name: 'emails[type eq "work" and value co "@contoso.com"]',
    filter: 'emails[type eq "work" and value co "@contoso.com"]',
    expected: (m) => work(m).includes('@contoso.com'),
  },
  { name: 'emails[type eq "home"]', filter: 'emails[type eq "home"]', expected: (m) => home(m) !== undefined },
  { name: 'emails[not (type eq "work")]', filter: 'emails[not (type eq "work")]', expected: (m) => home(m) !== undefined },
  { name: 'emails[type eq "work"].value eq "x" (Entra\'s matching form)', filter: 'emails[type eq "work"].value eq "alan.turing@fabrikam.com"', expected: byIndex(4) },
  {
    name: 'the value filter and the sub-attribute comparison apply to the same email',
    filter: 'emails[type eq "home"].value eq "alan.turing@fabrikam.com"',
    expected: () => false,
    selects: 'none',
  },
  {
    name: 'value filter and-ed with a top-level comparison',
    filter: 'emails[type eq "work" and value ew "@fabrikam.com"] and userName ew "@contoso.com"',
    expected: (m) => work(m).endsWith('@fabrikam.com') && lc(m.userName).endsWith('@contoso.com'),
  },
  { name: 'emails[primary eq true].value sw ...', filter: 'emails[primary eq true].value sw "anders"', expected: byIndex(24) },
  { name: 'a comparison on a complex multi-valued attribute uses its value', filter: 'emails co "@fabrikam.com"', expected: (m) => m.emails.some((e) => e.value.includes('@fabrikam.com')) },

  // extension attributes, URN-qualified
  { name: 'enterprise department by URN', filter: `${ent('department')} eq "Research"`, expected: (m) => m.department === 'Research' },
  { name: 'Looop department by URN', filter: `${looop('department')} eq "Labs"`, expected: (m) => m.looop.department === 'Labs' },
  { name: 'the URN selects the extension: Looop has no "Research" department', filter: `${looop('department')} eq "Research"`, expected: () => false, selects: 'none' },
  { name: 'the URN selects the extension: enterprise has no "Labs" department', filter: `${ent('department')} eq "Labs"`, expected: () => false, selects: 'none' },
  { name: 'Looop area, case-insensitive', filter: `${looop('area')} eq "emea"`, expected: (m) => m.looop.area === 'EMEA' },
  { name: 'Looop startAt ge', filter: `${looop('startAt')} ge "2020-01-01"`, expected: (m) => m.looop.startAt >= '2020-01-01' },
  { name: 'manager.value eq an id', filter: (all) => `${ent('manager')}.value eq "${all[0].id}"`, expected: (m) => m.managerIndex === 0 },
  {
    name: 'URNs and attribute names in any case',
    filter: 'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department eq "Sales"',
    expected: (m) => m.department === 'Sales',
  },
  { name: 'a core-URN-qualified attribute', filter: 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "jo.young@contoso.com"', expected: byIndex(1) },

  // meta dates compare as dates
  { name: 'meta.created gt', filter: (all) => `meta.created gt "${T(11)(all)}"`, expected: (m, all) => time(m.created) > time(T(11)(all)) },
  { name: 'meta.created le', filter: (all) => `meta.created le "${T(11)(all)}"`, expected: (m, all) => time(m.created) <= time(T(11)(all)) },
  {
    name: 'meta.created in a window (ge and lt)',
    filter: (all) => `meta.created ge "${T(5)(all)}" and meta.created lt "${T(15)(all)}"`,
    expected: (m, all) => time(m.created) >= time(T(5)(all)) && time(m.created) < time(T(15)(all)),
  },
  {
    name: 'meta.created with a UTC offset compares the instant, not the text',
    filter: (all) => `meta.created gt "${withOffset(T(11)(all), 120)}"`,
    expected: (m, all) => time(m.created) > time(T(11)(all)),
  },
  { name: 'meta.lastModified gt the last create finds the PATCHed users', filter: (all) => `meta.lastModified gt "${latestCreate(all)}"`, expected: (m) => m.managerIndex !== undefined },
  { name: 'meta.created before any user', filter: 'meta.created lt "2000-01-01T00:00:00Z"', expected: () => false, selects: 'none' },
  { name: 'meta.resourceType', filter: 'meta.resourceType eq "User"', expected: () => true, selects: 'all' },

  // booleans
  { name: 'active eq false', filter: 'active eq false', expected: (m) => !m.active },
  { name: 'active eq False (Entra capitalisation)', filter: 'active eq False', expected: (m) => !m.active },
  { name: 'active ne false', filter: 'active ne false', expected: (m) => m.active },

  // case rules
  { name: 'attribute names and operators in any case', filter: 'USERNAME EQ "jo.young@contoso.com"', expected: byIndex(1) },
  { name: 'sub-attribute names in any case, co ignoring case', filter: 'name.FAMILYNAME Co "YOUNG"', expected: (m) => m.familyName === 'Young' },
  { name: 'value-filter names in any case', filter: 'EMAILS[TYPE eq "work"].VALUE sw "JO."', expected: (m) => work(m).startsWith('jo.') },
  { name: 'emails.value ignores case', filter: 'emails.value eq "JO.YOUNG@CONTOSO.COM"', expected: byIndex(1) },
  { name: 'externalId is caseExact: "jyoung"', filter: 'externalId eq "jyoung"', expected: byIndex(1) },
  { name: 'externalId is caseExact: "JYoung"', filter: 'externalId eq "JYoung"', expected: byIndex(2) },
  { name: 'externalId is caseExact: "JYOUNG" matches nobody', filter: 'externalId eq "JYOUNG"', expected: () => false, selects: 'none' },
  { name: 'externalId sw is caseExact', filter: 'externalId sw "J"', expected: byIndex(2) },
  { name: 'externalId co is caseExact', filter: 'externalId co "young"', expected: byIndex(1) },
  { name: 'id is caseExact', filter: (all) => `id eq "${all[7].id.toUpperCase()}"`, expected: () => false, selects: 'none' },

  // the lookups a provisioning client makes, alone and combined
  { name: 'id eq', filter: (all) => `id eq "${all[7].id}"`, expected: byIndex(7) },
  { name: 'userName eq for a name nobody has (Test Connection)', filter: `userName eq "${randomUUID()}"`, expected: () => false, selects: 'none' },
  { name: 'userName eq or userName eq', filter: 'userName eq "jo.young@contoso.com" or userName eq "GRACE.HOPPER@contoso.com"', expected: (m) => [1, 3].includes(m.index) },
  { name: 'userName eq and a condition the user fails', filter: 'userName eq "jo.young@contoso.com" and active eq false', expected: () => false, selects: 'none' },
  { name: 'userName eq and a condition the user meets', filter: 'userName eq "jo.young@contoso.com" and active eq true', expected: byIndex(1) },
  { name: 'externalId eq and userName eq of different users', filter: 'externalId eq "jyoung" and userName eq "joanna.young@fabrikam.com"', expected: () => false, selects: 'none' },
  { name: 'a condition and externalId eq (lookup on the right)', filter: 'active eq false and externalId eq "JYoung"', expected: byIndex(2) },
  { name: 'unknown attributes have no value', filter: 'nosuchAttribute eq "x"', expected: () => false, selects: 'none' },
];

function withOffset(iso: string, minutes: number): string {
  const shifted = new Date(time(iso) + minutes * 60_000).toISOString(); // 2026-01-01T12:00:00.123Z
  const sign = minutes >= 0 ? '+' : '-';
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
  return `${shifted.slice(0, -1)}${sign}${hh}:${mm}`;
}

describe('GET /Users?filter= over a population of 25 Entra-created users', () => {
  it.each(filterCases)('$name', async (c) => {
    const filter = typeof c.filter === 'function' ? c.filter(members) : c.filter;
    const expected = members.filter((m) => c.expected(m, members));
    if (c.selects === 'none') expect(expected).toHaveLength(0);
    else if (c.selects === 'all') expect(expected).toHaveLength(members.length);
    else expect(expected.length, 'the case must select a proper subset').toBeGreaterThan(0);
    if (!c.selects) expect(expected.length, 'the case must select a proper subset').toBeLessThan(members.length);

    const reply = await call('GET', `/Users?filter=${enc(filter)}&count=1000`);
    expect(namesOf(reply), filter).toEqual(sortedNames(expected));
    expect(reply.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: expected.length, itemsPerPage: expected.length, startIndex: 1 });
    expect(reply.headers.get('content-type')).toBe('application/scim+json');
  });
});

describe('filters as Entra ID puts them on the wire', () => {
  // Raw query strings: `+` and `%20` for spaces, unquoted values, the value-path form.
  const wire: [string, string, number[]][] = [
    ['+ for spaces, %22 quotes', 'userName+eq+%22jo.young%40contoso.com%22', [1]],
    ['%20 for spaces', 'userName%20eq%20%22jo.young@contoso.com%22', [1]],
    ['unquoted value', 'externalId+eq+jyoung', [1]],
    ['unquoted value with the caseExact attribute', 'externalId+eq+JYoung', [2]],
    ['+ inside a quoted value is a space', 'displayName+eq+%22Jo+Young%22', [1]],
    ['unquoted value of several words', 'displayName+eq+Jo+Young', [1]],
    ['the emails value path', 'emails%5Btype+eq+%22work%22%5D.value+eq+%22alan.turing%40fabrikam.com%22', [4]],
    ['two lookups joined by and', 'userName+eq+%22jo.young%40contoso.com%22+and+externalId+eq+%22jyoung%22', [1]],
  ];
  it.each(wire)('%s', async (_name, query, indexes) => {
    const reply = await call('GET', `/Users?filter=${query}`);
    expect(namesOf(reply)).toEqual(sortedNames(indexes.map((i) => members[i])));
  });

  it('accepts query parameter names in any case (startindex, Count, FILTER)', async () => {
    const reply = await call('GET', `/Users?FILTER=${enc('active eq false')}&startindex=2&Count=2`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ totalResults: members.filter((m) => !m.active).length, startIndex: 2, itemsPerPage: 2 });
  });
});

describe('invalid filters are 400 invalidFilter, never 500', () => {
  const invalid: [string, string][] = [
    ['a missing value', 'userName eq'],
    ['a missing operator', 'userName'],
    ['an unknown operator', 'userName zz "x"'],
    ['no attribute', 'eq "x"'],
    ['an unclosed parenthesis', '(userName eq "x"'],
    ['an unopened parenthesis', 'userName eq "x")'],
    ['a dangling and', 'userName eq "x" and'],
    ['or or', 'userName eq "x" or or userName eq "y"'],
    ['two expressions without a logical operator', 'userName eq "x" title eq "y"'],
    ['an unterminated string', 'userName eq "unterminated'],
    ['an unclosed value filter', 'emails[type eq "work"'],
    ['an empty value filter', 'emails[]'],
    ['a nested value filter', 'emails[type[value eq "x"]]'],
    ['a value filter on a simple attribute', 'userName[value eq "x"]'],
    ['an ordering operator on a boolean', 'active gt true'],
    ['a substring operator on a boolean', 'active co "t"'],
    ['a non-boolean literal for a boolean', 'active eq "maybe"'],
    ['a date that is not a date', 'meta.created gt "yesterday"'],
    ['a number for a date', 'meta.created gt 5'],
    ['gt null', 'userName gt null'],
    ['a complex attribute without a value sub-attribute compared', 'name eq "Ada"'],
    ['a three-part attribute path', 'name.familyName.x eq "y"'],
    ['a bare URN', 'urn:x eq "y"'],
    ['only "not"', 'not'],
    ['only "and"', 'and'],
    ['a filter over the length limit', `userName eq "${'x'.repeat(5000)}"`],
    ['parentheses nested too deeply', `${'('.repeat(40)}userName eq "x"${')'.repeat(40)}`],
  ];
  it.each(invalid)('%s', async (_name, filter) => {
    const reply = await call('GET', `/Users?filter=${enc(filter)}`);
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidFilter' });
    expect(typeof reply.body.detail).toBe('string');
    expect(reply.body.detail.length).toBeGreaterThan(10);
  });

  it('the message says what is wrong', async () => {
    const reply = await call('GET', `/Users?filter=${enc('userName zz "x"')}`);
    expect(reply.body.detail).toMatch(/zz/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Pagination

describe('pagination over the 25 users', () => {
  it('startIndex/count=10 returns every user exactly once with correct startIndex, itemsPerPage and totalResults', async () => {
    const seen: string[] = [];
    const pages: number[] = [];
    for (let startIndex = 1; startIndex <= 25; startIndex += 10) {
      const reply = await call('GET', `/Users?startIndex=${startIndex}&count=10`);
      expect(reply.status).toBe(200);
      expect(reply.body.schemas).toEqual([LIST_RESPONSE]);
      expect(reply.body.totalResults).toBe(25);
      expect(reply.body.startIndex).toBe(startIndex);
      expect(reply.body.itemsPerPage).toBe(reply.body.Resources.length);
      pages.push(reply.body.Resources.length);
      seen.push(...reply.body.Resources.map((u: { id: string }) => u.id));
    }
    expect(pages).toEqual([10, 10, 5]);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect([...seen].sort()).toEqual(members.map((m) => m.id).sort());
  });

  it('pages of 5 from an arbitrary startIndex (the Microsoft validator\'s walk) never overlap', async () => {
    const seen: string[] = [];
    for (let startIndex = 3; startIndex <= 25; startIndex += 5) {
      const reply = await call('GET', `/Users?startIndex=${startIndex}&count=5`);
      expect(reply.body).toMatchObject({ totalResults: 25, startIndex, itemsPerPage: Math.min(5, 26 - startIndex) });
      seen.push(...reply.body.Resources.map((u: { id: string }) => u.id));
    }
    expect(new Set(seen).size).toBe(23);
  });

  it('a filtered walk with count=4 returns every match exactly once', async () => {
    const expected = members.filter((m) => m.active).map((m) => m.id).sort();
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= expected.length; startIndex += 4) {
      const reply = await call('GET', `/Users?filter=${enc('active eq true')}&startIndex=${startIndex}&count=4`);
      expect(reply.body).toMatchObject({ totalResults: expected.length, startIndex });
      seen.push(...reply.body.Resources.map((u: { id: string }) => u.id));
    }
    expect(seen.sort()).toEqual(expected);
  });

  it('cursor pagination (RFC 9865): cursor= then nextCursor returns every user exactly once', async () => {
    const seen: string[] = [];
    let cursor = '';
    const pages: number[] = [];
    for (let guard = 0; guard < 10; guard++) {
      const reply = await call('GET', `/Users?count=10&cursor=${enc(cursor)}`);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.totalResults).toBe(25);
      expect(reply.body.itemsPerPage).toBe(reply.body.Resources.length);
      pages.push(reply.body.Resources.length);
      seen.push(...reply.body.Resources.map((u: { id: string }) => u.id));
      if (reply.body.nextCursor === undefined) break;
      expect(typeof reply.body.nextCursor).toBe('string');
      cursor = reply.body.nextCursor;
    }
    expect(pages).toEqual([10, 10, 5]);
    expect(seen).toHaveLength(25);
    expect([...seen].sort()).toEqual(members.map((m) => m.id).sort());
  });

  it('cursor pagination with a filter and a sort order', async () => {
    const expected = members.filter((m) => m.active).sort((a, b) => (lc(a.userName) < lc(b.userName) ? -1 : 1)).map((m) => m.userName);
    const seen: string[] = [];
    let cursor = '';
    for (let guard = 0; guard < 20; guard++) {
      const reply = await call('GET', `/Users?filter=${enc('active eq true')}&sortBy=userName&count=4&cursor=${enc(cursor)}`);
      expect(reply.status, reply.text).toBe(200);
      seen.push(...reply.body.Resources.map((u: { userName: string }) => u.userName));
      if (!reply.body.nextCursor) break;
      cursor = reply.body.nextCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('an invalid cursor is 400 invalidCursor', async () => {
    const reply = await call('GET', '/Users?count=10&cursor=not-a-cursor');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ schemas: [ERROR], scimType: 'invalidCursor' });
  });

  it('count=0 returns totalResults only', async () => {
    const reply = await call('GET', '/Users?count=0');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ totalResults: 25, itemsPerPage: 0 });
    expect(reply.body.Resources ?? []).toEqual([]);
    const filtered = await call('GET', `/Users?count=0&filter=${enc('active eq false')}`);
    expect(filtered.body).toMatchObject({ totalResults: members.filter((m) => !m.active).length, itemsPerPage: 0 });
  });

  it('a startIndex beyond the end gives an empty page that still reports totalResults', async () => {
    for (const startIndex of [26, 1000]) {
      const reply = await call('GET', `/Users?startIndex=${startIndex}&count=10`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ totalResults: 25, startIndex, itemsPerPage: 0 });
      expect(reply.body.Resources ?? []).toEqual([]);
    }
  });

  it('startIndex below 1 is read as 1 and a negative count as 0 (RFC 7644 §3.4.2.4)', async () => {
    const low = await call('GET', '/Users?startIndex=0&count=5');
    expect(low.body).toMatchObject({ totalResults: 25, startIndex: 1, itemsPerPage: 5 });
    const negative = await call('GET', '/Users?count=-3');
    expect(negative.body).toMatchObject({ totalResults: 25, itemsPerPage: 0 });
  });

  it('a startIndex or count that is not an integer is 400, not 500', async () => {
    for (const query of ['startIndex=abc', 'count=1.5']) {
      const reply = await call('GET', `/Users?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body.schemas).toEqual([ERROR]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Sorting

function userNamesIn(reply: ScimReply): string[] {
  expect(reply.status, reply.text).toBe(200);
  return reply.body.Resources.map((u: { userName: string }) => u.userName);
}

describe('sorting', () => {
  it('sortBy=name.familyName&sortOrder=descending orders by family name, case-insensitively, high to low', async () => {
    const reply = await call('GET', '/Users?sortBy=name.familyName&sortOrder=descending&count=100');
    const families = reply.body.Resources.map((u: { name: { familyName: string } }) => lc(u.name.familyName));
    expect(families).toHaveLength(25);
    expect(families).toEqual([...families].sort().reverse());
    // 'van Rossum' sorts among the V's, not before 'A' as a case-sensitive order would put it.
    expect(families.slice(0, 4)).toEqual(['young', 'young', 'wirth', 'wilson']);
    expect(families[4]).toBe('van rossum');
  });

  it('sortBy=userName is case-insensitive (caseExact false) and ascending by default', async () => {
    const expected = [...members].sort((a, b) => (lc(a.userName) < lc(b.userName) ? -1 : 1)).map((m) => m.userName);
    expect(userNamesIn(await call('GET', '/Users?sortBy=userName&count=100'))).toEqual(expected);
    expect(userNamesIn(await call('GET', '/Users?sortBy=USERNAME&sortOrder=ascending&count=100'))).toEqual(expected);
    expect(userNamesIn(await call('GET', '/Users?sortBy=userName&sortOrder=descending&count=100'))).toEqual([...expected].reverse());
  });

  it('sorted pages concatenate to the sorted whole', async () => {
    const expected = [...members].sort((a, b) => (lc(a.userName) < lc(b.userName) ? 1 : -1)).map((m) => m.userName);
    const walked: string[] = [];
    for (let startIndex = 1; startIndex <= 25; startIndex += 10) {
      const reply = await call('GET', `/Users?sortBy=userName&sortOrder=descending&startIndex=${startIndex}&count=10`);
      expect(reply.body).toMatchObject({ totalResults: 25, startIndex });
      walked.push(...userNamesIn(reply));
    }
    expect(walked).toEqual(expected);
  });

  it('sortBy an extension attribute, with a filter', async () => {
    const expected = members.filter((m) => m.active).sort((a, b) => (a.employeeNumber < b.employeeNumber ? 1 : -1)).map((m) => m.userName);
    const reply = await call('GET', `/Users?filter=${enc('active eq true')}&sortBy=${enc(ent('employeeNumber'))}&sortOrder=descending&count=100`);
    expect(userNamesIn(reply)).toEqual(expected);
  });

  it('users without the sortBy attribute come last in ascending order', async () => {
    const reply = await call('GET', '/Users?sortBy=title&count=100');
    const titles = reply.body.Resources.map((u: { title?: string }) => u.title);
    const withTitle = members.filter((m) => m.title !== undefined).length;
    expect(titles.slice(0, withTitle).every((t: string | undefined) => t !== undefined)).toBe(true);
    expect(titles.slice(withTitle).every((t: string | undefined) => t === undefined)).toBe(true);
    const present = titles.slice(0, withTitle).map(lc);
    expect(present).toEqual([...present].sort());
  });

  it('sortBy=meta.created orders by creation time', async () => {
    const reply = await call('GET', '/Users?sortBy=meta.created&count=100');
    const created = reply.body.Resources.map((u: { meta: { created: string } }) => time(u.meta.created));
    expect(created).toHaveLength(25);
    for (let i = 1; i < created.length; i++) expect(created[i]).toBeGreaterThanOrEqual(created[i - 1]);
    expect(created[0]).toBe(Math.min(...members.map((m) => time(m.created))));
    expect(created[24]).toBe(Math.max(...members.map((m) => time(m.created))));
  });


  it('users without the sortBy attribute come first in descending order (RFC 7644 §3.4.2.3)', async () => {
    const reply = await call('GET', '/Users?sortBy=title&sortOrder=descending&count=100');
    const titles = reply.body.Resources.map((u: { title?: string }) => u.title);
    const without = members.filter((m) => m.title === undefined).length;
    expect(titles.slice(0, without).every((t: string | undefined) => t === undefined)).toBe(true);
    expect(titles.slice(without).every((t: string | undefined) => t !== undefined)).toBe(true);
  });

  it('sortBy=emails.value sorts by each user\'s primary email, not the first listed', async () => {
    const reply = await call('GET', '/Users?sortBy=emails.value&count=100');
    const primaries = reply.body.Resources.map((u: { emails?: { value: string; primary?: boolean }[] }) => {
      const emails = u.emails ?? [];
      return lc((emails.find((e) => e.primary) ?? emails[0])?.value ?? '~');
    });
    expect(primaries).toEqual([...primaries].sort());
  });

  it('a sortBy that names no sortable attribute, or a bad sortOrder, is 400 (not 500)', async () => {
    for (const query of ['sortBy=nosuch', 'sortBy=name', 'sortBy=userName&sortOrder=sideways']) {
      const reply = await call('GET', `/Users?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.body.schemas).toEqual([ERROR]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Projection

const keysOf = (o: Record<string, unknown>) => Object.keys(o).sort();

describe('projection: attributes and excludedAttributes', () => {
  it('attributes=userName,emails.value returns those plus the always-returned id and schemas', async () => {
    const reply = await call('GET', `/Users?filter=${enc('userName eq "ada.lovelace@contoso.com"')}&attributes=userName,emails.value`);
    const [user] = reply.body.Resources;
    expect(keysOf(user)).toEqual(['emails', 'id', 'schemas', 'userName']);
    expect(user.id).toBe(members[0].id);
    expect(user.emails).toEqual(members[0].emails.map((e) => ({ value: e.value })));
    expect(user.schemas).toContain('urn:ietf:params:scim:schemas:core:2.0:User');
    expect(user.schemas).not.toContain(ENTERPRISE);
  });

  it('attribute names in attributes= are case-insensitive', async () => {
    const reply = await call('GET', `/Users/${members[1].id}?attributes=USERNAME,Name.GivenName`);
    expect(reply.status).toBe(200);
    expect(keysOf(reply.body)).toEqual(['id', 'name', 'schemas', 'userName']);
    expect(reply.body.name).toEqual({ givenName: 'Jo' });
  });

  it('excludedAttributes=emails,<Looop URN> drops the emails and the whole extension (and its schemas entry)', async () => {
    const reply = await call('GET', `/Users?filter=${enc('userName eq "jo.young@contoso.com"')}&excludedAttributes=emails,${LOOOP}`);
    const [user] = reply.body.Resources;
    expect(user).not.toHaveProperty('emails');
    expect(user).not.toHaveProperty(LOOOP);
    expect(user.schemas).not.toContain(LOOOP);
    expect(user.schemas).toContain(ENTERPRISE);
    expect(user.userName).toBe('jo.young@contoso.com');
    expect(user[ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: '1002' });
    expect(user.meta.resourceType).toBe('User');
  });

  it('attributes=<enterprise URN>:department returns only that extension attribute', async () => {
    const reply = await call('GET', `/Users/${members[3].id}?attributes=${enc(ent('department'))}`);
    expect(reply.status).toBe(200);
    expect(keysOf(reply.body)).toEqual(['id', 'schemas', ENTERPRISE].sort());
    expect(reply.body[ENTERPRISE]).toEqual({ department: members[3].department });
    expect(reply.body.schemas).toContain(ENTERPRISE);
    expect(reply.body.schemas).not.toContain(LOOOP);
  });

  it('id and schemas are returned always: even when excluded or not asked for', async () => {
    const excluded = await call('GET', `/Users/${members[2].id}?excludedAttributes=id,schemas,userName`);
    expect(excluded.body.id).toBe(members[2].id);
    expect(excluded.body.schemas).toContain('urn:ietf:params:scim:schemas:core:2.0:User');
    expect(excluded.body).not.toHaveProperty('userName');
    const only = await call('GET', `/Users?filter=${enc('externalId eq "JYoung"')}&attributes=active`);
    expect(keysOf(only.body.Resources[0])).toEqual(['active', 'id', 'schemas']);
    expect(only.body.Resources[0].active).toBe(false);
  });

  it('unknown names in attributes/excludedAttributes are ignored', async () => {
    const reply = await call('GET', `/Users/${members[1].id}?attributes=userName,nosuch&excludedAttributes=alsoNot`);
    expect(reply.status).toBe(200);
    expect(keysOf(reply.body)).toEqual(['id', 'schemas', 'userName']);
  });

  it('password is never stored, so it is never returned and no filter can probe it', async () => {
    const userName = `pw-${randomUUID()}@contoso.com`;
    const created = await call('POST', '/Users', { ...entraBody(members[0]), userName, externalId: randomUUID(), password: 'Sup3r-secret!' });
    expect(created.status).toBe(201);
    expect(created.text).not.toContain('Sup3r-secret!');
    expect(created.body).not.toHaveProperty('password');
    try {
      const got = await call('GET', `/Users/${created.body.id}?attributes=password,userName`);
      expect(got.text).not.toContain('Sup3r-secret!');
      expect(keysOf(got.body)).toEqual(['id', 'schemas', 'userName']);
      const listed = await call('GET', `/Users?filter=${enc(`userName eq "${userName}"`)}&attributes=password`);
      expect(listed.text).not.toContain('Sup3r-secret!');
      expect(keysOf(listed.body.Resources[0])).toEqual(['id', 'schemas']);
      for (const filter of [`userName eq "${userName}" and password eq "Sup3r-secret!"`, `userName eq "${userName}" and password sw "S"`]) {
        expect((await call('GET', `/Users?filter=${enc(filter)}`)).body.totalResults).toBe(0);
      }
    } finally {
      expect((await call('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    }
  });

  it('projection applies to POST, PUT and PATCH responses too (the stored user stays whole)', async () => {
    const userName = `proj-${randomUUID()}@contoso.com`;
    const body = { ...entraBody(members[1]), userName, externalId: randomUUID() };
    const created = await call('POST', '/Users?attributes=userName', body);
    expect(created.status).toBe(201);
    expect(keysOf(created.body)).toEqual(['id', 'schemas', 'userName']);
    expect(created.headers.get('etag')).toBe('W/"1"');
    const id = created.body.id as string;
    try {
      const put = await call('PUT', `/Users/${id}?excludedAttributes=emails,${ENTERPRISE}`, { ...body, title: 'Put Title' });
      expect(put.status).toBe(200);
      expect(put.body).not.toHaveProperty('emails');
      expect(put.body).not.toHaveProperty(ENTERPRISE);
      expect(put.body.title).toBe('Put Title');
      expect(put.body[LOOOP]).toEqual(members[1].looop);

      const patched = await call('PATCH', `/Users/${id}?attributes=active,${enc(looop('area'))}`, patchOp([{ op: 'Replace', path: 'active', value: 'False' }]));
      expect(patched.status).toBe(200);
      expect(keysOf(patched.body)).toEqual(['active', 'id', 'schemas', LOOOP].sort());
      expect(patched.body.active).toBe(false);
      expect(patched.body[LOOOP]).toEqual({ area: members[1].looop.area });

      const full = await call('GET', `/Users/${id}`);
      expect(full.body.emails).toEqual(members[1].emails);
      expect(full.body[ENTERPRISE]).toEqual({ department: members[1].department, employeeNumber: members[1].employeeNumber });
      expect(full.body.title).toBe('Put Title');
      expect(full.body.active).toBe(false);
    } finally {
      expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// POST /Users/.search

describe('POST /Users/.search with a SearchRequest', () => {
  it('applies filter, sortBy, startIndex, count and attributes from the body', async () => {
    const matching = members.filter((m) => m.active).sort((a, b) => (lc(a.userName) < lc(b.userName) ? -1 : 1));
    const reply = await call('POST', '/Users/.search', {
      schemas: [SEARCH_REQUEST],
      filter: 'active eq true',
      sortBy: 'userName',
      sortOrder: 'ascending',
      startIndex: 3,
      count: 5,
      attributes: ['userName', 'emails.value'],
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/scim+json');
    expect(reply.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: matching.length, startIndex: 3, itemsPerPage: 5 });
    expect(reply.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(matching.slice(2, 7).map((m) => m.userName));
    for (const u of reply.body.Resources) expect(keysOf(u)).toEqual(['emails', 'id', 'schemas', 'userName']);
  });

  it('excludedAttributes in the body, and a filter on an extension', async () => {
    const reply = await call('POST', '/Users/.search', {
      schemas: [SEARCH_REQUEST],
      filter: `${looop('area')} eq "APAC"`,
      excludedAttributes: ['emails', LOOOP, ENTERPRISE],
    });
    expect(reply.status).toBe(200);
    const expected = members.filter((m) => m.looop.area === 'APAC');
    expect(sortedNames(reply.body.Resources)).toEqual(sortedNames(expected));
    for (const u of reply.body.Resources) {
      expect(u).not.toHaveProperty('emails');
      expect(u).not.toHaveProperty(LOOOP);
      expect(u).not.toHaveProperty(ENTERPRISE);
      expect(u.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
    }
  });

  it('walks every user once by startIndex and by cursor', async () => {
    const byIndexWalk: string[] = [];
    for (let startIndex = 1; startIndex <= 25; startIndex += 10) {
      const reply = await call('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], startIndex, count: 10 });
      expect(reply.body).toMatchObject({ totalResults: 25, startIndex });
      byIndexWalk.push(...reply.body.Resources.map((u: { id: string }) => u.id));
    }
    expect(byIndexWalk.sort()).toEqual(members.map((m) => m.id).sort());

    const byCursor: string[] = [];
    let cursor = '';
    for (let guard = 0; guard < 10; guard++) {
      const reply = await call('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], count: 10, cursor });
      expect(reply.status, reply.text).toBe(200);
      byCursor.push(...reply.body.Resources.map((u: { id: string }) => u.id));
      if (!reply.body.nextCursor) break;
      cursor = reply.body.nextCursor;
    }
    expect(byCursor.sort()).toEqual(members.map((m) => m.id).sort());
  });

  it('an Entra lookup through .search', async () => {
    const reply = await call('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'externalId eq "JYoung"' });
    expect(namesOf(reply)).toEqual([members[2].userName]);
  });

  it('an invalid filter is 400 invalidFilter', async () => {
    const reply = await call('POST', '/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'userName eq' });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ schemas: [ERROR], scimType: 'invalidFilter' });
  });

  it.each([
    ['no schemas', { filter: 'active eq true' }],
    ['the wrong message schema', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }],
    ['count as a string', { schemas: [SEARCH_REQUEST], count: 'ten' }],
    ['attributes as a string', { schemas: [SEARCH_REQUEST], attributes: 'userName' }],
    ['a JSON array', []],
  ])('a malformed SearchRequest (%s) is 400', async (_name, body) => {
    const reply = await call('POST', '/Users/.search', body);
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.schemas).toEqual([ERROR]);
  });
});

describe('the whole suite', () => {
  it('never got a 5xx', () => {
    expect(replies.length).toBeGreaterThan(100);
    expect(replies.filter((r) => r.status >= 500)).toEqual([]);
  });
});
