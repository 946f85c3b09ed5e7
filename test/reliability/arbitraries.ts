// Generators for the fuzz tests: SCIM filters, PATCH bodies, resource bodies, headers and ids, mixing well-formed,
// almost-well-formed and garbage input. Every run is seeded (FUZZ_SEED, default below) and reproducible; FUZZ_SCALE
// multiplies the number of runs (e.g. FUZZ_SCALE=10 for a long local soak).
import fc from 'fast-check';

export const SEED = Number(process.env.FUZZ_SEED ?? 20_260_131);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

/** Tally of generated cases per block, printed at the end of each file. */
export const tally = new Map<string, number>();

/** fast-check parameters for one block: the fixed seed, the scaled run count; logs both so a failure can be replayed. */
export function fuzzParams(label: string, numRuns: number): { seed: number; numRuns: number } {
  const runs = Math.max(1, Math.round(numRuns * SCALE));
  tally.set(label, runs);
  console.log(`[fuzz] ${label}: seed=${SEED} runs=${runs} (replay: FUZZ_SEED=${SEED})`);
  return { seed: SEED, numRuns: runs };
}

export function printTally(file: string): void {
  const total = [...tally.values()].reduce((a, b) => a + b, 0);
  console.log(`[fuzz] ${file}: ${total} generated cases (seed ${SEED}): ${[...tally].map(([k, v]) => `${k}=${v}`).join(', ')}`);
}

/** The JSON a client's body becomes on the server (prototype-free keys like __proto__ become own properties). */
export function wire<T>(value: T): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const NASTY = [
  '', ' ', '"', '\\', '\\"', "'", '[', ']', '(', ')', '/', '?', '#', '%', '%zz', '%00', '%2F', '\u0000', '\n', '\r\n', '\t',
  'é', 'İ', 'ß', '💩', '\ud800', '\udc00', '\u202e', '\ufeff', 'null', 'true', 'False', 'NaN', '-0', '1e400', '99999999999999999999999',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'and', 'or', 'not', 'eq', 'pr', '$ref', 'urn:', '..', '.',
  ':', ',', '*', 'W/"1"', '{', '}', '<script>', "' OR 1=1 --", 'PartitionKey eq ', 'RowKey', '${x}', '&', '=', '+',
];

export const nastyString = fc.constantFrom(...NASTY);

/** Short strings from every corner: ASCII, full unicode (lone surrogates included), and concatenated troublemakers. */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  nastyString,
  fc.array(nastyString, { maxLength: 5 }).map((a) => a.join('')),
);

const USER_PATHS = [
  'userName', 'USERNAME', 'username', 'name', 'name.givenName', 'name.familyName', 'name.formatted', 'NAME.GIVENNAME', 'displayName',
  'nickName', 'title', 'active', 'Active', 'locale', 'timezone', 'profileUrl', 'preferredLanguage', 'userType', 'password',
  'emails', 'emails.value', 'emails.type', 'emails.primary', 'emails[type eq "work"]', 'emails[type eq "work"].value',
  'emails[type eq "work" and primary eq true].value', 'emails[primary eq true]', 'emails[value co "@"].display', 'emails[not (type eq "home")]',
  'phoneNumbers', 'phoneNumbers[type eq "mobile"].value', 'phoneNumbers[type eq "fax"].value', 'addresses', 'addresses[type eq "work"].streetAddress',
  'addresses[type eq "work"].postalCode', 'addresses[type eq "other"]', 'roles', 'roles[primary eq "True"].value', 'roles.value', 'entitlements',
  'ims', 'photos', 'x509Certificates', 'x509Certificates.value', 'externalId', 'id', 'meta', 'meta.lastModified', 'meta.created', 'meta.version',
  'meta.resourceType', 'groups', 'groups.value', 'groups.display', 'schemas',
  `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager.displayName`,
  ENTERPRISE, `${ENTERPRISE.toLowerCase()}:costCenter`, `${LOOOP}:area`, `${LOOOP}:startAt`, `${LOOOP}:custom_1`, LOOOP, `${CORE_USER}:userName`,
  `${CORE_USER}:name.givenName`, `${CORE_USER}:emails[type eq "work"].value`, `${CORE_GROUP}:displayName`,
  'unknownAttr', 'name.unknown', 'emails.unknown', 'emails[', 'emails]', 'emails[]', 'emails[type eq]', 'emails[type eq "work"', 'emails[type eq "work"]]',
  'emails[type eq "work"][primary eq true]', 'emails[type eq "work"].value.x', 'urn:', 'urn:x:y', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:',
  'a.b.c.d', '.', '', ' ', 'members', 'members.value', 'members[value eq "x"]', 'members[display co "a"]', 'members[type eq "User"]',
];

const GROUP_PATHS = [
  'displayName', 'DisplayName', 'members', 'Members', 'members.value', 'members.display', 'members.$ref', 'members[value eq "x"]',
  'members[value eq "x"].display', 'members[display sw "u"]', 'members[type eq "Group"]', 'members[not (value eq "x")]', 'members[value pr]',
  'externalId', 'id', 'meta', 'meta.version', 'schemas', `${CORE_GROUP}:displayName`, `${CORE_GROUP}:members`, 'userName', 'emails',
  'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group:x', 'unknown', 'members[', 'members]]', '',
];

const pathFrom = (known: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: weirdString },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...known), fc.constantFrom('.', '[', ']', ':', '.value', '[value eq "x"]', ' '), weirdString).map((p) => p.join('')),
    },
  );

export const userPath = pathFrom(USER_PATHS);
export const groupPath = pathFrom(GROUP_PATHS);

// ---- filters ----

const FILTER_PATHS = [
  'userName', 'displayName', 'externalId', 'id', 'active', 'name.givenName', 'name.familyName', 'emails', 'emails.value', 'emails.type',
  'emails.primary', 'meta.lastModified', 'meta.created', 'meta.version', 'title', 'members', 'members.value', 'members.display',
  `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, `${LOOOP}:startAt`, `${CORE_USER}:userName`,
];
const filterPath = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FILTER_PATHS) }, { weight: 1, arbitrary: userPath }, { weight: 1, arbitrary: groupPath });

const COMPARE = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Eq', 'sW', 'gT'];
const BAD_OPS = ['==', 'like', 'in', 'eqq', '', 'pr', 'and', '='];

const filterValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: weirdString.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', 'True', 'NULL', '"2024-01-01T00:00:00Z"', '"2024-13-45T99:99:99Z"', '"not a date"') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map((n) => String(n)) },
  { weight: 1, arbitrary: fc.constantFrom('1e400', '-1e400', '-0', '0x10', '1_000', '.5', '5.', 'Infinity', 'NaN', '9'.repeat(400)) },
  { weight: 1, arbitrary: weirdString }, // unquoted, possibly several words
  { weight: 1, arbitrary: fc.constantFrom('"unterminated', '"a\\"b"', '"\\u00e9"', '"\\uZZZZ"', '"\\', "'single'", '"a" "b"') },
);

const filterArbs = fc.letrec<{ expr: string; compare: string; present: string; logical: string; not: string; paren: string; valuePath: string }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'filter', withCrossShrink: true },
    { weight: 5, arbitrary: tie('compare') },
    { weight: 1, arbitrary: tie('present') },
    { weight: 2, arbitrary: tie('logical') },
    { weight: 1, arbitrary: tie('not') },
    { weight: 1, arbitrary: tie('paren') },
    { weight: 1, arbitrary: tie('valuePath') },
  ),
  compare: fc
    .tuple(filterPath, fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...COMPARE) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_OPS) }), filterValue)
    .map(([p, o, v]) => `${p} ${o} ${v}`),
  present: filterPath.map((p) => `${p} pr`),
  logical: fc.tuple(tie('expr'), fc.constantFrom('and', 'or', 'AND', 'Or', 'and not', 'xor'), tie('expr')).map(([a, o, b]) => `${a} ${o} ${b}`),
  not: tie('expr').map((e) => `not (${e})`),
  paren: tie('expr').map((e) => `(${e})`),
  valuePath: fc
    .tuple(fc.constantFrom('emails', 'phoneNumbers', 'addresses', 'members', 'roles', 'groups', 'userName', 'name', `${ENTERPRISE}:manager`), tie('expr'), fc.constantFrom('', '.value', '.type', '.primary', '.x'))
    .map(([a, e, sub]) => `${a}[${e}]${sub}`),
}));

/** Deeply nested or very long filters (parser limits). */
const extremeFilter: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 5000 }).map((n) => `${'('.repeat(n)}userName eq "a"${')'.repeat(n)}`),
  fc.integer({ min: 1, max: 5000 }).map((n) => `${'not '.repeat(n)}active eq true`),
  fc.integer({ min: 1, max: 3000 }).map((n) => `${'emails['.repeat(n)}value eq "x"${']'.repeat(n)}`),
  fc.integer({ min: 1, max: 400 }).map((n) => Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(i2(n))),
  fc.integer({ min: 1, max: 6000 }).map((n) => `userName eq "${'x'.repeat(n)}"`),
  fc.integer({ min: 1, max: 5000 }).map((n) => `${'('.repeat(n)}`),
);

function i2(n: number): string {
  return n % 2 === 0 ? ' and ' : ' or ';
}

/** Structured filters, their random mutations, garbage and extremes. */
export const filterString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: filterArbs.expr },
  {
    weight: 2,
    arbitrary: fc.tuple(filterArbs.expr, fc.nat(), fc.nat({ max: 4 }), weirdString).map(([f, at, del, ins]) => {
      const i = at % (f.length + 1);
      return f.slice(0, i) + ins + f.slice(i + del);
    }),
  },
  { weight: 1, arbitrary: weirdString },
  { weight: 1, arbitrary: extremeFilter },
);

// ---- values, resources and PATCH bodies ----

/** JSON values, occasionally huge or deeply nested. */
export const junkJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((n) => JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)) as unknown) },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.1, 'True', 'False', 'true', '', [], {}, [null], [{}]) },
);

const multiValue = (extra: fc.Arbitrary<unknown>) =>
  fc.array(
    fc.record(
      { value: fc.oneof(weirdString, extra), type: fc.constantFrom('work', 'home', 'mobile', 'other', 'fax', 'x', 'Work'), primary: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False', 'yes')), display: weirdString },
      { requiredKeys: [] },
    ),
    { maxLength: 4 },
  );

/** Values shaped like what a real client sends for the attribute (right type or nearly), plus junk. */
export function attributeValue(memberIds: string[] = []): fc.Arbitrary<unknown> {
  const member = fc.record(
    {
      value: memberIds.length > 0 ? fc.oneof(fc.constantFrom(...memberIds), weirdString, fc.uuid()) : fc.oneof(weirdString, fc.uuid()),
      type: fc.constantFrom('User', 'Group', 'user', 'bogus'),
      display: weirdString,
      $ref: fc.constantFrom(null, 'https://x/Users/1', ''),
    },
    { requiredKeys: ['value'] },
  );
  return fc.oneof(
    { weight: 3, arbitrary: weirdString },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constantFrom('True', 'False', 'true', 'TRUE') },
    { weight: 2, arbitrary: multiValue(junkJson) },
    { weight: 2, arbitrary: fc.array(member, { maxLength: 6 }) },
    { weight: 1, arbitrary: member },
    { weight: 1, arbitrary: fc.record({ givenName: weirdString, familyName: weirdString, formatted: junkJson }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.record({ value: fc.oneof(fc.uuid(), weirdString), displayName: weirdString }, { requiredKeys: [] }) },
    { weight: 2, arbitrary: junkJson },
  );
}

const opName = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'REMOVE', ' add ') },
  { weight: 1, arbitrary: fc.constantFrom('delete', '', 'move', 'test', 'copy') },
);

export function patchOperation(path: fc.Arbitrary<string>, memberIds: string[] = []): fc.Arbitrary<unknown> {
  const value = attributeValue(memberIds);
  const pathless = fc.dictionary(path, value, { maxKeys: 4, noNullPrototype: true });
  return fc.oneof(
    { weight: 12, arbitrary: fc.record({ op: opName, path, value }, { requiredKeys: ['op'] }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('add', 'replace', 'Add', 'Replace'), value: pathless }) },
    { weight: 1, arbitrary: fc.record({ op: junkJson, path: junkJson, value: junkJson }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.record({ Op: opName, PATH: path, VALUE: value, extra: junkJson }, { requiredKeys: ['Op'] }) },
    { weight: 1, arbitrary: junkJson },
  );
}

/** Operations of the right shape for their attribute (what Entra sends), with odd but well-typed values. */
export function typedOperation(type: 'User' | 'Group', memberIds: string[] = []): fc.Arbitrary<unknown> {
  const id = memberIds.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...memberIds) }, { weight: 1, arbitrary: fc.uuid() }) : fc.uuid();
  const op = fc.constantFrom('add', 'replace', 'Add', 'Replace');
  const str = weirdString.filter((s) => s.trim() !== '');
  if (type === 'Group') {
    return fc.oneof(
      fc.record({ op, path: fc.constant('displayName'), value: str }),
      fc.record({ op: fc.constantFrom('add', 'Add'), path: fc.constant('members'), value: fc.array(id.map((value) => ({ value })), { maxLength: 5 }) }),
      fc.record({ op: fc.constantFrom('remove', 'Remove'), path: fc.constant('members'), value: fc.array(id.map((value) => ({ value })), { maxLength: 5 }) }),
      id.map((v) => ({ op: 'remove', path: `members[value eq "${v}"]` })),
      fc.record({ op: fc.constant('replace'), path: fc.constant('members'), value: fc.array(id.map((value) => ({ value })), { maxLength: 3 }) }),
      fc.record({ op, path: fc.constant('externalId'), value: str }),
      fc.constant({ op: 'remove', path: 'members' }),
    );
  }
  return fc.oneof(
    fc.record({ op, path: fc.constantFrom('userName', 'displayName', 'name.givenName', 'name.familyName', 'title', 'externalId', 'nickName', `${ENTERPRISE}:department`, `${LOOOP}:area`, 'emails[type eq "work"].value', 'phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].locality'), value: str }),
    fc.record({ op, path: fc.constant('active'), value: fc.constantFrom(true, false, 'True', 'False') }),
    fc.record({ op: fc.constantFrom('remove', 'Remove'), path: fc.constantFrom('title', 'emails', 'name.givenName', 'emails[type eq "work"]', `${ENTERPRISE}:manager`, 'externalId', 'phoneNumbers') }),
    fc.record({ op, path: fc.constant(`${ENTERPRISE}:manager`), value: fc.oneof(id, id.map((value) => ({ value }))) }),
    fc.record({ op, value: fc.record({ userName: str, active: fc.boolean(), 'name.givenName': str, [`${ENTERPRISE}:department`]: str, 'emails[type eq "work"].value': str }, { requiredKeys: [] }) }),
  );
}

export function patchBody(path: fc.Arbitrary<string>, memberIds: string[] = [], type?: 'User' | 'Group'): fc.Arbitrary<unknown> {
  const ops = fc.array(patchOperation(path, memberIds), { maxLength: 6 });
  return fc.oneof(
    { weight: type ? 6 : 0, arbitrary: fc.array(typedOperation(type ?? 'User', memberIds), { minLength: 1, maxLength: 4 }).map((Operations) => ({ schemas: [PATCH_OP], Operations })) },
    { weight: 8, arbitrary: ops.map((Operations) => ({ schemas: [PATCH_OP], Operations })) },
    { weight: 1, arbitrary: ops.map((Operations) => ({ Operations })) },
    { weight: 1, arbitrary: fc.record({ schemas: junkJson, Operations: fc.oneof(ops, junkJson) }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: junkJson },
  );
}

const USER_KEYS = [
  'userName', 'UserName', 'externalId', 'name', 'displayName', 'active', 'emails', 'phoneNumbers', 'addresses', 'roles', 'title', 'nickName', 'password',
  'groups', 'id', 'meta', 'schemas', 'x509Certificates', 'preferredLanguage', 'locale', ENTERPRISE, LOOOP, `${ENTERPRISE}:department`, 'unknown', '__proto__',
];
const GROUP_KEYS = ['displayName', 'DISPLAYNAME', 'externalId', 'members', 'id', 'meta', 'schemas', 'unknown', '__proto__', 'userName'];

function resourceBody(keys: string[], required: string, memberIds: string[]): fc.Arbitrary<unknown> {
  const value = attributeValue(memberIds);
  const extension = fc.dictionary(fc.oneof(fc.constantFrom('employeeNumber', 'department', 'manager', 'area', 'startAt', 'custom_1', 'costCenter'), weirdString), value, {
    maxKeys: 4,
    noNullPrototype: true,
  });
  const attributes = fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: weirdString }), fc.oneof(value, extension), {
    maxKeys: 8,
    noNullPrototype: true,
  });
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(attributes, weirdString).map(([a, name]) => ({ [required]: name, ...a })) },
    { weight: 2, arbitrary: attributes },
    { weight: 1, arbitrary: junkJson },
  );
}

export const userBody = (memberIds: string[] = []) => resourceBody(USER_KEYS, 'userName', memberIds);
export const groupBody = (memberIds: string[] = []) => resourceBody(GROUP_KEYS, 'displayName', memberIds);

// ---- headers and URLs ----

const printable = fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined, 'application/scim+json', 'application/json', 'application/json; charset=utf-8', 'APPLICATION/SCIM+JSON', 'application/scim+json;;;',
    'text/plain', 'application/xml', 'multipart/form-data; boundary=x', '', ';', 'application/json, text/plain', '*/*', 'application/x-www-form-urlencoded',
  ),
  printable,
);

/** `token` is the valid one; variants break it in every way a client or attacker might. */
export function authorization(token: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`, `Bearer ${token} `) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        undefined, '', 'Bearer', 'Bearer ', `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${token} extra`, `Bearer ${token.slice(1)}`,
        `Bearer ${token}x`, `Token ${token}`, token, 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.', 'Bearer ..', `Bearer ${'x'.repeat(4000)}`,
        'Bearer eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAiLCJpc3MiOiJ4In0.c2ln',
      ),
    },
    { weight: 1, arbitrary: printable.map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: printable },
  );
}

export const ifMatch: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(undefined, '*', 'W/"1"', '"1"', 'W/"2"', 'W/"999999999999999999999"', '"', ',,,', 'W/', '*, W/"1"', 'W/"1", junk', ''),
  printable,
);

/** Resource ids as a client might put them in a URL: ours, unknown UUIDs, and strings with / ? # % and unicode. */
export function resourceId(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: known.length > 0 ? fc.constantFrom(...known) : fc.uuid() },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: known.length > 0 ? fc.constantFrom(...known).map((id) => id.toUpperCase()) : fc.uuid() },
    { weight: 3, arbitrary: weirdString.filter((s) => s !== '') },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1500 }).map((n) => 'é'.repeat(n)) },
  );
}

export const hugeNumber: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.bigInt().map(String),
  fc.constantFrom('0', '-1', '1', '1e3', '1e400', '-1e400', '9'.repeat(100), '1.5', 'NaN', 'Infinity', '', ' ', '0x10', '1,2', '+5', '00001'),
  weirdString,
);

// ---- issue 15: inputs that used to answer 500 or a bodiless 400 ----

/** A JSON value nested `depth` levels deep, as text (JSON.stringify of such a value would itself overflow the stack). */
export function nestedJson(depth: number, kind: 'object' | 'array' | 'mixed', leaf = '1'): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const array = kind === 'array' || (kind === 'mixed' && i % 2 === 1);
    open += array ? '[' : '{"a":';
    close = (array ? ']' : '}') + close;
  }
  return open + leaf + close;
}

/** Nesting from just over the limit (64) to 10,000 deep, of objects, arrays or both. */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.oneof(fc.integer({ min: 65, max: 200 }), fc.constantFrom(1_000, 10_000), fc.integer({ min: 201, max: 20_000 })), fc.constantFrom('object', 'array', 'mixed') as fc.Arbitrary<'object' | 'array' | 'mixed'>)
  .map(([depth, kind]) => nestedJson(depth, kind));

/** Where a deep value goes: a PATCH value, a resource attribute, a SearchRequest field, or the whole body. */
export function deepBody(deep: string, where: 'patch' | 'patch-ops' | 'attribute' | 'search' | 'whole'): string {
  switch (where) {
    case 'patch':
      return `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"title","value":${deep}}]}`;
    case 'patch-ops':
      return `{"schemas":["${PATCH_OP}"],"Operations":${deep.replace(/1(\]*\}*)$/, '[]$1')}}`;
    case 'attribute':
      return `{"userName":"deep@contoso.com","${'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'}":${deep}}`;
    case 'search':
      return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":${deep}}`;
    default:
      return deep;
  }
}

/** Path segments whose percent-encoding is broken: bad hex, truncated escapes, bytes that are not UTF-8. */
export const brokenPercentSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%zz', '%', '%C3%28', '%E0%A4%A', '%F0%28%8C%BC', '%C0%AF', '%ED%A0%80', '%%', '%1', '%G0', 'a%', '%FF', '%C3', '%E2%82'),
  fc.tuple(fc.string({ maxLength: 6 }).map((s) => encodeURIComponent(s)), fc.constantFrom('%', '%z', '%C3%28', '%E0%A4%A'), fc.string({ maxLength: 6 }).map((s) => encodeURIComponent(s))).map((parts) => parts.join('')),
);
