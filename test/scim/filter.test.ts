// Evaluation of SCIM filters against a realistic population of stored (canonical) users and groups.
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../lib/scim/errors.js';
import {
  compareValues,
  matchesFilter,
  matchesValueFilter,
  parseFilter,
  validateFilter,
  valuesAtPath,
} from '../../lib/scim/filter.js';
import { groupSchemaInfo, userSchemaInfo, type ScimAttribute } from '../../lib/scim/schema.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';

type Resource = Record<string, unknown>;

function user(id: string, created: string, attributes: Resource, lastModified?: string): Resource {
  return {
    id,
    ...attributes,
    meta: {
      resourceType: 'User',
      created,
      lastModified: lastModified ?? created,
      location: `https://scim.example.com/scim/v2/Users/${id}`,
      version: `W/"${id}-1"`,
    },
  };
}

const users: Resource[] = [
  user(
    'jane',
    '2019-03-15T09:00:00Z',
    {
      userName: 'Jane.Young@contoso.com',
      externalId: 'jyoung',
      name: { formatted: 'Jane Young', givenName: 'Jane', familyName: 'Young' },
      displayName: 'Jane Young',
      title: 'Senior Engineer',
      active: true,
      emails: [
        { type: 'work', value: 'jane.young@contoso.com', primary: true },
        { type: 'home', value: 'jane.y@gmail.com' },
      ],
      phoneNumbers: [{ type: 'mobile', value: '+44 7700 900001' }],
      [ENTERPRISE]: { employeeNumber: '1001', department: 'Engineering', costCenter: 'CC-100', manager: { value: 'dan', displayName: 'Dan Brown' } },
      [LOOOP]: { area: 'North', department: 'R&D', employee_id: 'E-1001', position: 'Engineer', startAt: '2019-04-01' },
    },
    '2024-06-01T08:30:00Z',
  ),
  user(
    'bob',
    '2020-07-01T12:00:00Z',
    {
      userName: 'bob.smith@contoso.com',
      externalId: 'bsmith',
      name: { givenName: 'Bob', familyName: 'Smith' },
      active: true,
      emails: [
        { type: 'work', value: 'bob.smith@contoso.com', primary: true },
        { type: 'other', value: 'bob@fabrikam.com' },
      ],
      [ENTERPRISE]: { department: 'Sales', manager: { value: 'dan' } },
      [LOOOP]: { area: 'South', department: 'Sales' },
    },
    '2021-01-01T00:00:00Z',
  ),
  user(
    'carol',
    '2021-01-10T00:00:00.000Z',
    {
      userName: 'carol.jones@fabrikam.com',
      externalId: 'CJones',
      name: { givenName: 'Carol', familyName: 'Jones' },
      active: false,
      emails: [{ type: 'work', value: 'carol.jones@fabrikam.com', primary: true }],
      [ENTERPRISE]: { department: 'Engineering' },
      [LOOOP]: { area: 'North' },
    },
    '2025-01-01T00:00:00Z',
  ),
  user('dan', '2018-11-30T23:59:59Z', {
    userName: 'dan.brown@contoso.com',
    externalId: 'dbrown',
    name: { givenName: 'Dan', familyName: 'Brown' },
    title: 'Engineering Manager',
    active: true,
    emails: [
      { type: 'work', value: 'dan.brown@contoso.com' },
      { type: 'home', value: 'dan@outlook.com' },
    ],
    [ENTERPRISE]: { department: 'Engineering', employeeNumber: '0042' },
    [LOOOP]: { area: 'Central', position: 'Manager' },
  }),
  user('erin', '2022-02-28T10:15:00+01:00', {
    userName: 'erin@contoso.com',
    externalId: 'eking',
    name: { givenName: 'Erin', familyName: 'King' },
    active: true,
    emails: [{ type: 'Work', value: 'Erin.King@Contoso.com' }],
    [ENTERPRISE]: { department: 'Marketing', manager: { value: 'bob' } },
  }),
  // A legacy row written before normalization coerced booleans: active is the string Entra sent.
  user('frank', '2022-09-01T00:00:00Z', {
    userName: 'frank.miller@contoso.com',
    externalId: 'fmiller',
    name: { givenName: 'Frank' },
    active: 'False',
  }),
  user('grace', '2023-03-14T15:09:26.535Z', {
    userName: 'grace+test@contoso.com',
    externalId: 'ghopper',
    name: { givenName: 'Grace', familyName: 'Hopper' },
    active: true,
    emails: [{ type: 'work', value: 'grace+test@contoso.com' }],
    [LOOOP]: { area: 'North', department: 'R&D', custom_1: 'Pilot' },
  }),
  user('heidi', '2023-08-20T08:00:00Z', {
    userName: 'heidi@fabrikam.com',
    externalId: 'hklum',
    displayName: 'Heidi "HK" Klum',
    name: { givenName: 'Heidi', familyName: 'Klum' },
    active: false,
    emails: [
      { type: 'work', value: 'heidi@fabrikam.com' },
      { type: 'home', value: 'heidi@contoso.com' },
    ],
    [ENTERPRISE]: { department: 'Sales', manager: { value: 'bob' } },
  }),
  user('ivan', '2024-01-01T00:00:00Z', {
    userName: 'Ivan.Petrov@contoso.com',
    externalId: '12345',
    name: { givenName: 'Ivan', familyName: 'Petrov' },
    title: 'Engineer',
    active: true,
    emails: [{ type: 'work', value: 'ivan.petrov@contoso.com' }],
    [ENTERPRISE]: { department: 'engineering', costCenter: 'CC-100' },
  }),
  user('judy', '2024-05-01T09:30:00Z', {
    userName: 'judy@contoso.com',
    externalId: 'jmartin',
    displayName: 'Judy Martín',
    name: { givenName: 'Judy', familyName: 'Martín' },
    active: true,
    emails: [{ type: 'work', value: 'judy@contoso.com', primary: true }],
    [LOOOP]: { area: 'South', startAt: '2024-05-01' },
  }),
  // Empty values as a careless writer might leave them: `pr` must treat them as absent.
  user('empty', '2025-01-15T00:00:00Z', {
    userName: 'empty.values@contoso.com',
    externalId: 'evalues',
    nickName: '',
    title: '',
    phoneNumbers: [],
    name: {},
    active: true,
  }),
  user('oscar', '2025-06-30T12:00:00Z', {
    userName: 'oscar@contoso.com',
    active: false,
    emails: [
      { type: 'work', value: 'oscar@contoso.com', primary: true },
      { type: 'work', value: 'oscar.alt@contoso.com' },
    ],
    [ENTERPRISE]: { department: 'Sales' },
  }),
];

const ALL = users.map((u) => u.id as string);
const except = (...ids: string[]): string[] => ALL.filter((id) => !ids.includes(id));

const groups: Resource[] = [
  {
    id: 'g-eng',
    externalId: 'grp-eng',
    displayName: 'Engineering',
    members: [
      { value: 'jane', type: 'User', display: 'Jane Young' },
      { value: 'dan', type: 'User', display: 'Dan Brown' },
      { value: 'ivan', type: 'User', display: 'Ivan Petrov' },
    ],
    meta: { resourceType: 'Group', created: '2020-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' },
  },
  {
    id: 'g-all',
    externalId: 'grp-all',
    displayName: 'All Staff',
    members: ALL.map((value) => ({ value, type: 'User' })),
    meta: { resourceType: 'Group', created: '2018-01-01T00:00:00Z', lastModified: '2025-06-30T12:00:00Z' },
  },
  {
    id: 'g-sales',
    displayName: 'Sales Team',
    members: [
      { value: 'bob', type: 'User', display: 'Bob Smith' },
      { value: 'heidi', type: 'User', display: 'Heidi Klum' },
    ],
    meta: { resourceType: 'Group', created: '2021-05-05T00:00:00Z' },
  },
  { id: 'g-empty', displayName: 'Empty Group', members: [], meta: { resourceType: 'Group', created: '2025-02-02T00:00:00Z' } },
];

function matchingUsers(filter: string): string[] {
  const node = parseFilter(filter);
  return users.filter((u) => matchesFilter(node, u, userSchemaInfo)).map((u) => u.id as string);
}

function matchingGroups(filter: string): string[] {
  const node = parseFilter(filter);
  return groups.filter((g) => matchesFilter(node, g, groupSchemaInfo)).map((g) => g.id as string);
}

interface Case {
  behaviour: string;
  filter: string;
  expected: string[];
}

function table(cases: Case[], run: (filter: string) => string[] = matchingUsers): void {
  it.each(cases)('$behaviour: $filter', ({ filter, expected }) => {
    expect(run(filter)).toEqual(expected);
  });
}

describe('comparison operators on strings', () => {
  table([
    { behaviour: 'eq matches one user', filter: 'userName eq "bob.smith@contoso.com"', expected: ['bob'] },
    { behaviour: 'eq on a caseExact=false attribute ignores case', filter: 'userName eq "BOB.SMITH@CONTOSO.COM"', expected: ['bob'] },
    { behaviour: 'ne matches every other user', filter: 'userName ne "bob.smith@contoso.com"', expected: except('bob') },
    { behaviour: 'co finds a substring', filter: 'userName co "fabrikam"', expected: ['carol', 'heidi'] },
    { behaviour: 'sw finds a prefix', filter: 'userName sw "j"', expected: ['jane', 'judy'] },
    { behaviour: 'ew finds a suffix, case-insensitively', filter: 'userName ew "@FABRIKAM.COM"', expected: ['carol', 'heidi'] },
    { behaviour: 'gt is lexicographic and case-insensitive', filter: 'name.familyName gt "M"', expected: ['jane', 'bob', 'ivan', 'judy'] },
    { behaviour: 'ge includes the equal value', filter: 'name.familyName ge "Smith"', expected: ['jane', 'bob'] },
    { behaviour: 'lt excludes the equal value', filter: 'name.familyName lt "hopper"', expected: ['dan'] },
    { behaviour: 'le includes the equal value', filter: 'name.familyName le "Hopper"', expected: ['dan', 'grace'] },
    { behaviour: 'co with a value taken from a sub-attribute', filter: 'name.givenName co "an"', expected: ['jane', 'dan', 'frank', 'ivan'] },
    { behaviour: 'eq compares non-ASCII text', filter: 'name.familyName eq "MARTÍN"', expected: ['judy'] },
  ]);
});

describe('pr (present and not empty)', () => {
  table([
    { behaviour: 'pr skips empty strings', filter: 'title pr', expected: ['jane', 'dan', 'ivan'] },
    { behaviour: 'pr on a multi-valued attribute', filter: 'emails pr', expected: except('frank', 'empty') },
    { behaviour: 'pr skips empty arrays', filter: 'phoneNumbers pr', expected: ['jane'] },
    { behaviour: 'pr skips empty complex values', filter: 'name pr', expected: except('empty', 'oscar') },
    { behaviour: 'pr on a sub-attribute of a multi-valued attribute', filter: 'emails.primary pr', expected: ['jane', 'bob', 'carol', 'judy', 'oscar'] },
    { behaviour: 'pr on a missing optional attribute', filter: 'nickName pr', expected: [] },
  ]);
});

describe('logical operators, precedence and parentheses', () => {
  table([
    { behaviour: 'and requires both', filter: 'userName sw "j" and active eq true', expected: ['jane', 'judy'] },
    { behaviour: 'or accepts either', filter: 'name.familyName eq "Smith" or name.familyName eq "Brown"', expected: ['bob', 'dan'] },
    { behaviour: 'and binds tighter than or', filter: 'userName sw "bob" or userName sw "dan" and active eq false', expected: ['bob'] },
    { behaviour: 'parentheses override precedence', filter: '(userName sw "bob" or userName sw "dan") and active eq true', expected: ['bob', 'dan'] },
    { behaviour: 'not negates a group', filter: 'not (active eq true)', expected: ['carol', 'frank', 'heidi', 'oscar'] },
    { behaviour: 'not binds tighter than and', filter: 'not (active eq true) and userName sw "c"', expected: ['carol'] },
    { behaviour: 'not without parentheses applies to one expression', filter: 'not active eq true and userName sw "c"', expected: ['carol'] },
    { behaviour: 'not over an or group', filter: 'not (userName sw "j" or userName sw "d")', expected: except('jane', 'dan', 'judy') },
    { behaviour: 'keywords are case-insensitive', filter: 'userName sw "j" OR userName sw "d" AND NOT (active eq true)', expected: ['jane', 'judy'] },
    { behaviour: 'redundant nested parentheses', filter: '((userName sw "j") and ((title pr) or (emails.type eq "home")))', expected: ['jane'] },
    { behaviour: 'double negation', filter: 'not (not (userName eq "judy@contoso.com"))', expected: ['judy'] },
    { behaviour: 'long and chains evaluate left to right', filter: 'active eq true and emails pr and name.familyName pr and title pr and userName co "."', expected: ['jane', 'dan', 'ivan'] },
  ]);
});

describe('complex value filters', () => {
  table([
    { behaviour: 'type filter matches any element, case-insensitively', filter: 'emails[type eq "work"]', expected: except('frank', 'empty') },
    {
      behaviour: 'both conditions must hold for the same element',
      filter: 'emails[type eq "work" and value co "@contoso.com"]',
      expected: ['jane', 'bob', 'dan', 'erin', 'grace', 'ivan', 'judy', 'oscar'],
    },
    {
      behaviour: 'without brackets the conditions may hold for different elements',
      filter: 'emails.type eq "work" and emails.value co "@contoso.com"',
      expected: ['jane', 'bob', 'dan', 'erin', 'grace', 'heidi', 'ivan', 'judy', 'oscar'],
    },
    {
      behaviour: 'nested logic inside brackets',
      filter: 'emails[type eq "home" or (type eq "other" and value ew "fabrikam.com")]',
      expected: ['jane', 'bob', 'dan', 'heidi'],
    },
    { behaviour: 'not inside brackets', filter: 'emails[not (type eq "work")]', expected: ['jane', 'bob', 'dan', 'heidi'] },
    { behaviour: 'boolean sub-attribute', filter: 'emails[primary eq true]', expected: ['jane', 'bob', 'carol', 'judy', 'oscar'] },
    { behaviour: 'not before a value filter', filter: 'not emails[type eq "home"]', expected: except('jane', 'dan', 'heidi') },
    { behaviour: 'value filter on a single-valued complex attribute', filter: 'name[givenName eq "Frank"]', expected: ['frank'] },
    { behaviour: 'value path followed by a sub-attribute comparison', filter: 'emails[type eq "work"].value eq "carol.jones@fabrikam.com"', expected: ['carol'] },
    { behaviour: 'value path sub-attribute must belong to the filtered element', filter: 'emails[type eq "home"].value eq "heidi@fabrikam.com"', expected: [] },
    { behaviour: 'value path followed by pr', filter: 'emails[type eq "home"].value pr', expected: ['jane', 'dan', 'heidi'] },
    { behaviour: 'value filter combined with other expressions', filter: 'emails[type eq "work"] and active eq false', expected: ['carol', 'heidi', 'oscar'] },
    { behaviour: 'unknown sub-attribute inside brackets has no value', filter: 'emails[label eq "x"]', expected: [] },
    { behaviour: 'URN-qualified core path before the bracket', filter: 'urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "other"]', expected: ['bob'] },
  ]);
});

describe('extension attributes', () => {
  table([
    {
      behaviour: 'enterprise department, case-insensitive',
      filter: `${ENTERPRISE}:department eq "Engineering"`,
      expected: ['jane', 'carol', 'dan', 'ivan'],
    },
    { behaviour: 'enterprise manager.value', filter: `${ENTERPRISE}:manager.value eq "dan"`, expected: ['jane', 'bob'] },
    { behaviour: 'a complex attribute compares its value sub-attribute', filter: `${ENTERPRISE}:manager eq "bob"`, expected: ['erin', 'heidi'] },
    { behaviour: 'manager pr', filter: `${ENTERPRISE}:manager pr`, expected: ['jane', 'bob', 'erin', 'heidi'] },
    {
      behaviour: 'URN and attribute name are case-insensitive',
      filter: 'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department eq "sales"',
      expected: ['bob', 'heidi', 'oscar'],
    },
    { behaviour: 'strings are not reformatted', filter: `${ENTERPRISE}:employeeNumber eq "42"`, expected: [] },
    { behaviour: 'Looop department is separate from enterprise department', filter: `${LOOOP}:department eq "R&D"`, expected: ['jane', 'grace'] },
    { behaviour: 'Looop attribute with core attribute', filter: `${LOOOP}:area eq "north" and active eq true`, expected: ['jane', 'grace'] },
    { behaviour: 'Looop attribute with underscore name', filter: `${LOOOP}:custom_1 pr`, expected: ['grace'] },
    { behaviour: 'Looop sw', filter: `${LOOOP}:employee_id sw "e-"`, expected: ['jane'] },
    { behaviour: 'two extensions in one filter', filter: `${LOOOP}:area eq "South" or ${ENTERPRISE}:department eq "Marketing"`, expected: ['bob', 'erin', 'judy'] },
    { behaviour: 'unqualified extension attribute names are not core attributes', filter: 'department eq "Sales"', expected: [] },
    { behaviour: 'core URN-qualified attribute', filter: 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "judy@contoso.com"', expected: ['judy'] },
    { behaviour: 'core URN-qualified sub-attribute', filter: 'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "Klum"', expected: ['heidi'] },
  ]);
});

describe('case rules', () => {
  table([
    { behaviour: 'attribute names and operators are case-insensitive', filter: 'USERNAME EQ "judy@contoso.com"', expected: ['judy'] },
    { behaviour: 'sub-attribute names are case-insensitive', filter: 'name.FamilyName eq "smith"', expected: ['bob'] },
    { behaviour: 'multi-valued sub-attribute names are case-insensitive', filter: 'emails.Value eq "ERIN.KING@contoso.com"', expected: ['erin'] },
    { behaviour: 'externalId is caseExact', filter: 'externalId eq "cjones"', expected: [] },
    { behaviour: 'externalId matches its exact case', filter: 'externalId eq "CJones"', expected: ['carol'] },
    { behaviour: 'id is caseExact', filter: 'id eq "JANE"', expected: [] },
    { behaviour: 'id matches', filter: 'id eq "jane"', expected: ['jane'] },
    { behaviour: 'co on a caseExact attribute respects case', filter: 'externalId co "jones"', expected: [] },
    { behaviour: 'meta.resourceType is caseExact', filter: 'meta.resourceType eq "user"', expected: [] },
    { behaviour: 'meta.resourceType matches every user', filter: 'meta.resourceType eq "User"', expected: ALL },
  ]);
});

describe('dates', () => {
  table([
    { behaviour: 'gt excludes the same instant', filter: 'meta.created gt "2024-01-01T00:00:00Z"', expected: ['judy', 'empty', 'oscar'] },
    { behaviour: 'ge includes the same instant', filter: 'meta.created ge "2024-01-01T00:00:00Z"', expected: ['ivan', 'judy', 'empty', 'oscar'] },
    { behaviour: 'lt compares instants, not text precision', filter: 'meta.created lt "2019-03-15T09:00:00.000Z"', expected: ['dan'] },
    { behaviour: 'eq ignores fractional-second formatting', filter: 'meta.created eq "2019-03-15T09:00:00.000Z"', expected: ['jane'] },
    { behaviour: 'eq honours time-zone offsets', filter: 'meta.created eq "2022-02-28T09:15:00Z"', expected: ['erin'] },
    {
      behaviour: 'comparison is by instant, not lexicographic (10:15+01:00 is before 10:00Z)',
      filter: 'meta.created lt "2022-02-28T10:00:00Z"',
      expected: ['jane', 'bob', 'carol', 'dan', 'erin'],
    },
    { behaviour: 'date-only bounds', filter: 'meta.created ge "2022-01-01" and meta.created lt "2023-01-01"', expected: ['erin', 'frank'] },
    { behaviour: 'lastModified', filter: 'meta.lastModified gt "2024-01-01T00:00:00Z"', expected: ['jane', 'carol', 'judy', 'empty', 'oscar'] },
    { behaviour: 'le with an offset literal', filter: 'meta.created le "2018-12-01T00:59:59+01:00"', expected: ['dan'] },
    { behaviour: 'sw on a dateTime works on the stored text', filter: 'meta.created sw "2024"', expected: ['ivan', 'judy'] },
  ]);
});

describe('booleans', () => {
  table([
    { behaviour: 'active eq true', filter: 'active eq true', expected: ['jane', 'bob', 'dan', 'erin', 'grace', 'ivan', 'judy', 'empty'] },
    { behaviour: 'active eq false, including a legacy "False" string', filter: 'active eq false', expected: ['carol', 'frank', 'heidi', 'oscar'] },
    { behaviour: 'quoted "True" is tolerated', filter: 'active eq "True"', expected: ['jane', 'bob', 'dan', 'erin', 'grace', 'ivan', 'judy', 'empty'] },
    { behaviour: 'quoted "false" is tolerated', filter: 'active eq "false"', expected: ['carol', 'frank', 'heidi', 'oscar'] },
    { behaviour: 'unquoted True is tolerated', filter: 'active eq True', expected: ['jane', 'bob', 'dan', 'erin', 'grace', 'ivan', 'judy', 'empty'] },
    { behaviour: 'ne true', filter: 'active ne true', expected: ['carol', 'frank', 'heidi', 'oscar'] },
    { behaviour: 'boolean sub-attribute of a multi-valued attribute', filter: 'emails.primary eq false', expected: [] },
  ]);
});

describe('forms Microsoft Entra ID sends', () => {
  table([
    { behaviour: 'unquoted value', filter: 'externalId eq jyoung', expected: ['jane'] },
    { behaviour: 'unquoted number compared with a string attribute', filter: 'externalId eq 12345', expected: ['ivan'] },
    { behaviour: 'unquoted value before a closing parenthesis', filter: '(externalId eq jyoung)', expected: ['jane'] },
    { behaviour: 'unquoted value with and', filter: 'externalId eq jyoung and active eq true', expected: ['jane'] },
    { behaviour: 'unquoted value with a space', filter: 'displayName eq Judy Martín', expected: ['judy'] },
    { behaviour: 'plus inside quotes is kept', filter: 'userName eq "grace+test@contoso.com"', expected: ['grace'] },
    { behaviour: 'plus as an undecoded space', filter: 'userName+eq+"grace+test@contoso.com"', expected: ['grace'] },
    { behaviour: 'plus as space with unquoted value and and', filter: 'externalId+eq+jyoung+and+active+eq+true', expected: ['jane'] },
    { behaviour: 'typed email matching attribute', filter: 'emails[type eq "work"].value eq "judy@contoso.com"', expected: ['judy'] },
    { behaviour: 'typed email match is case-insensitive', filter: 'emails[type eq "work"].value eq "erin.king@contoso.com"', expected: ['erin'] },
    { behaviour: 'Test Connection with a random GUID finds nothing', filter: 'userName eq "6d2f5f1c-1f1c-4c8e-9a0b-3c4d5e6f7a8b"', expected: [] },
    { behaviour: 'escaped quotes in a string', filter: 'displayName eq "Heidi \\"HK\\" Klum"', expected: ['heidi'] },
    { behaviour: 'unicode escape in a string', filter: 'displayName eq "Judy Mart\\u00edn"', expected: ['judy'] },
    { behaviour: 'no space before a quoted value', filter: 'userName eq"judy@contoso.com"', expected: ['judy'] },
    { behaviour: 'extra whitespace', filter: '  userName   eq\t"judy@contoso.com"  ', expected: ['judy'] },
  ]);
});

describe('missing and unknown attributes', () => {
  table([
    { behaviour: 'eq on a missing attribute matches nothing', filter: 'nickName eq "x"', expected: [] },
    { behaviour: 'ne on a missing attribute matches (ne is not-eq)', filter: 'nickName ne "x"', expected: ALL },
    { behaviour: 'ne matches users without the attribute', filter: 'title ne "Engineer"', expected: except('ivan') },
    { behaviour: 'ne on multi-valued: no value may equal', filter: 'emails.value ne "oscar@contoso.com"', expected: except('oscar') },
    { behaviour: 'ne on an extension attribute includes users without the extension', filter: `${ENTERPRISE}:department ne "Sales"`, expected: except('bob', 'heidi', 'oscar') },
    { behaviour: 'unknown attribute eq matches nothing', filter: 'favouriteColour eq "blue"', expected: [] },
    { behaviour: 'unknown attribute ne matches everything', filter: 'favouriteColour ne "blue"', expected: ALL },
    { behaviour: 'not over an unknown attribute matches everything', filter: 'not (favouriteColour eq "blue")', expected: ALL },
    { behaviour: 'unknown attribute pr matches nothing', filter: 'favouriteColour pr', expected: [] },
    { behaviour: 'unknown attribute ordering is not an error', filter: 'favouriteColour gt 5', expected: [] },
    { behaviour: 'unknown sub-attribute has no value', filter: 'name.nickname eq "x"', expected: [] },
    { behaviour: 'unknown extension URN has no value', filter: 'urn:example:params:scim:schemas:extension:Other:2.0:User:department eq "Sales"', expected: [] },
    { behaviour: 'unknown value path matches nothing', filter: 'badges[type eq "gold"]', expected: [] },
    {
      behaviour: 'eq null matches absent and empty values',
      filter: 'title eq null',
      expected: ['bob', 'carol', 'erin', 'frank', 'grace', 'heidi', 'judy', 'empty', 'oscar'],
    },
    { behaviour: 'ne null matches present values', filter: 'title ne null', expected: ['jane', 'dan', 'ivan'] },
  ]);
});

describe('groups', () => {
  table(
    [
      { behaviour: 'displayName eq is case-insensitive', filter: 'displayName eq "engineering"', expected: ['g-eng'] },
      { behaviour: 'member value filter', filter: 'members[value eq "dan"]', expected: ['g-eng', 'g-all'] },
      { behaviour: 'members.value', filter: 'members.value eq "judy"', expected: ['g-all'] },
      { behaviour: 'members eq means members.value', filter: 'members eq "ivan"', expected: ['g-eng', 'g-all'] },
      { behaviour: 'members pr skips empty member lists', filter: 'members pr', expected: ['g-eng', 'g-all', 'g-sales'] },
      { behaviour: 'not members pr', filter: 'not (members pr)', expected: ['g-empty'] },
      { behaviour: 'member display', filter: 'members[display sw "Dan"]', expected: ['g-eng'] },
      { behaviour: 'unquoted group name with a space', filter: 'displayName eq Sales Team', expected: ['g-sales'] },
      { behaviour: 'externalId is caseExact for groups', filter: 'externalId eq "GRP-ENG" or externalId eq "grp-all"', expected: ['g-all'] },
      { behaviour: 'group meta.created', filter: 'meta.created lt "2020-06-01T00:00:00Z"', expected: ['g-eng', 'g-all'] },
      { behaviour: 'user attributes are unknown on groups', filter: 'userName eq "Engineering"', expected: [] },
    ],
    matchingGroups,
  );
});

describe('type errors against the schema are 400 invalidFilter', () => {
  const cases: { behaviour: string; filter: string; message: RegExp }[] = [
    { behaviour: 'ordering on a boolean', filter: 'active gt true', message: /'gt' cannot be used with the boolean attribute 'active'/ },
    { behaviour: 'substring on a boolean', filter: 'active co "t"', message: /boolean/ },
    { behaviour: 'non-boolean literal for a boolean', filter: 'active eq "yes"', message: /true or false/ },
    { behaviour: 'non-boolean number for a boolean', filter: 'active eq 1', message: /true or false/ },
    { behaviour: 'comparing a complex attribute without a value sub-attribute', filter: 'name eq "Jane"', message: /complex attribute.*name\.formatted/ },
    { behaviour: 'ordering a complex attribute', filter: 'name gt "a"', message: /complex/ },
    { behaviour: 'an invalid dateTime literal', filter: 'meta.created gt "yesterday"', message: /"yesterday" is not a valid dateTime/ },
    { behaviour: 'an impossible date', filter: 'meta.created gt "2024-02-31"', message: /not a valid dateTime/ },
    { behaviour: 'a value filter on a simple attribute', filter: 'userName[value eq "x"]', message: /not a complex attribute/ },
    { behaviour: 'ordering on a binary attribute', filter: 'x509Certificates.value gt "MIIB"', message: /binary/ },
    { behaviour: 'ordering on a boolean inside brackets', filter: 'emails[primary lt true]', message: /'emails\.primary'/ },
    { behaviour: 'an error on the right of a false and', filter: 'userName eq "nobody" and active gt true', message: /boolean/ },
  ];
  it.each(cases)('$behaviour: $filter', ({ filter, message }) => {
    const node = parseFilter(filter);
    const attempt = () => users.map((u) => matchesFilter(node, u, userSchemaInfo));
    expect(attempt).toThrow(ScimError);
    expect(attempt).toThrow(message);
    try {
      validateFilter(node, userSchemaInfo);
      expect.unreachable('validateFilter should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ScimError);
      expect((e as ScimError).status).toBe(400);
      expect((e as ScimError).scimType).toBe('invalidFilter');
    }
  });

  it('throws the type error even when there are no resources to look at', () => {
    expect(() => matchesFilter(parseFilter('active ge false'), {}, userSchemaInfo)).toThrow(/boolean/);
  });

  it('is not thrown for the same operator on an unknown attribute', () => {
    expect(() => validateFilter(parseFilter('somethingElse gt true'), userSchemaInfo)).not.toThrow();
  });
});

describe('matchesValueFilter', () => {
  const members = groupSchemaInfo.resolve('members')!.attribute;
  const emails = userSchemaInfo.resolve('emails')!.attribute;

  it('matches a member element by value', () => {
    expect(matchesValueFilter(parseFilter('value eq "dan"'), { value: 'dan', type: 'User' }, members)).toBe(true);
    expect(matchesValueFilter(parseFilter('value eq "dan"'), { value: 'danny' }, members)).toBe(false);
  });

  it('applies nested logic to one email element', () => {
    const filter = parseFilter('type eq "work" and (value ew "@contoso.com" or primary eq true)');
    expect(matchesValueFilter(filter, { type: 'Work', value: 'a@CONTOSO.com' }, emails)).toBe(true);
    expect(matchesValueFilter(filter, { type: 'work', value: 'a@fabrikam.com', primary: true }, emails)).toBe(true);
    expect(matchesValueFilter(filter, { type: 'home', value: 'a@contoso.com' }, emails)).toBe(false);
  });

  it('treats unknown sub-attributes as having no value', () => {
    expect(matchesValueFilter(parseFilter('label eq "x"'), { value: 'x' }, emails)).toBe(false);
    expect(matchesValueFilter(parseFilter('label ne "x"'), { value: 'x' }, emails)).toBe(true);
  });

  it('rejects a nested value path', () => {
    const nested = { op: 'valuePath', path: 'value', filter: { op: 'pr', path: 'x' } } as const;
    expect(() => matchesValueFilter(nested, { value: 'x' }, members)).toThrow(/cannot be nested/);
  });

  it('rejects ordering on a boolean sub-attribute', () => {
    expect(() => matchesValueFilter(parseFilter('primary gt false'), { primary: true }, emails)).toThrow(ScimError);
  });
});

describe('valuesAtPath', () => {
  const jane = users[0];
  it.each([
    { path: 'userName', expected: ['Jane.Young@contoso.com'] },
    { path: 'name.familyName', expected: ['Young'] },
    { path: 'emails.value', expected: ['jane.young@contoso.com', 'jane.y@gmail.com'] },
    { path: 'EMAILS.TYPE', expected: ['work', 'home'] },
    { path: `${ENTERPRISE}:manager.value`, expected: ['dan'] },
    { path: `${ENTERPRISE}:department`, expected: ['Engineering'] },
    { path: `${LOOOP}:startAt`, expected: ['2019-04-01'] },
    { path: 'meta.created', expected: ['2019-03-15T09:00:00Z'] },
    { path: 'nickName', expected: [] },
    { path: 'favouriteColour', expected: [] },
    { path: 'name.nickname', expected: [] },
  ])('returns $expected for $path', ({ path, expected }) => {
    expect(valuesAtPath(jane, path, userSchemaInfo)).toEqual(expected);
  });

  it('returns the elements of a multi-valued complex attribute', () => {
    expect(valuesAtPath(jane, 'emails', userSchemaInfo)).toEqual(jane.emails);
  });

  it('returns nothing for a user without the extension', () => {
    expect(valuesAtPath(users[5], `${ENTERPRISE}:manager.value`, userSchemaInfo)).toEqual([]);
  });
});

describe('compareValues', () => {
  const attr = (path: string): ScimAttribute => {
    const r = userSchemaInfo.resolve(path)!;
    return r.subAttribute ?? r.attribute;
  };

  it('orders caseExact=false strings ignoring case', () => {
    expect(compareValues('alice', 'Bob', attr('userName'))).toBeLessThan(0);
    expect(compareValues('BOB', 'bob', attr('userName'))).toBe(0);
  });

  it('orders caseExact strings by code unit', () => {
    expect(compareValues('a', 'B', attr('externalId'))).toBeGreaterThan(0);
    expect(compareValues('B', 'a', attr('externalId'))).toBeLessThan(0);
  });

  it('orders dateTimes as instants', () => {
    expect(compareValues('2022-02-28T10:15:00+01:00', '2022-02-28T10:00:00Z', attr('meta.created'))).toBeLessThan(0);
    expect(compareValues('2019-03-15T09:00:00Z', '2019-03-15T09:00:00.000Z', attr('meta.created'))).toBe(0);
  });

  it('puts missing values last', () => {
    expect(compareValues(undefined, 'a', attr('userName'))).toBeGreaterThan(0);
    expect(compareValues('a', null, attr('userName'))).toBeLessThan(0);
    expect(compareValues('', 'a', attr('userName'))).toBeGreaterThan(0);
    expect(compareValues([], 'a', attr('userName'))).toBeGreaterThan(0);
    expect(compareValues(undefined, null, attr('userName'))).toBe(0);
  });

  it('orders booleans false before true, tolerating strings', () => {
    expect(compareValues(false, true, attr('active'))).toBeLessThan(0);
    expect(compareValues('True', false, attr('active'))).toBeGreaterThan(0);
  });

  it('orders numbers numerically', () => {
    const count: ScimAttribute = { ...attr('userName'), name: 'count', type: 'integer' };
    expect(compareValues(9, 10, count)).toBeLessThan(0);
    expect(compareValues('10', 9, count)).toBeGreaterThan(0);
  });

  it('orders a multi-valued complex attribute by its primary value', () => {
    const jane = users[0].emails;
    const bob = users[1].emails;
    expect(compareValues(jane, bob, attr('emails'))).toBeGreaterThan(0); // jane.young@ > bob.smith@
    expect(compareValues([{ value: 'z' }, { value: 'a', primary: true }], [{ value: 'b' }], attr('emails'))).toBeLessThan(0);
  });

  it('sorts users by family name with missing names last', () => {
    const familyName = attr('name.familyName');
    const sorted = [...users]
      .sort((a, b) => compareValues(valuesAtPath(a, 'name.familyName', userSchemaInfo)[0], valuesAtPath(b, 'name.familyName', userSchemaInfo)[0], familyName))
      .map((u) => u.id);
    expect(sorted).toEqual(['dan', 'grace', 'carol', 'erin', 'heidi', 'judy', 'ivan', 'bob', 'jane', 'frank', 'empty', 'oscar']);
  });
});
