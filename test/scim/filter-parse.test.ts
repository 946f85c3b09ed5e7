// Parsing SCIM filters: AST shapes, tolerated client forms, invalid input and adversarial input.
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../lib/scim/errors.js';
import { matchesFilter, parseFilter, type FilterNode } from '../../lib/scim/filter.js';
import { userSchemaInfo } from '../../lib/scim/schema.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function expectInvalidFilter(run: () => unknown, message?: RegExp): ScimError {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ScimError);
  const error = caught as ScimError;
  expect(error.status).toBe(400);
  expect(error.scimType).toBe('invalidFilter');
  if (message) expect(error.detail).toMatch(message);
  return error;
}

describe('parseFilter AST', () => {
  const cases: { behaviour: string; filter: string; ast: FilterNode }[] = [
    { behaviour: 'a comparison keeps the path as written', filter: 'name.FamilyName eq "x"', ast: { op: 'eq', path: 'name.FamilyName', value: 'x' } },
    { behaviour: 'operators are normalized to lower case', filter: 'userName EQ "x"', ast: { op: 'eq', path: 'userName', value: 'x' } },
    { behaviour: 'pr has no value', filter: 'title PR', ast: { op: 'pr', path: 'title' } },
    {
      behaviour: 'URN-qualified paths are kept whole',
      filter: `${ENTERPRISE}:manager.value eq "m1"`,
      ast: { op: 'eq', path: `${ENTERPRISE}:manager.value`, value: 'm1' },
    },
    {
      behaviour: 'and binds tighter than or',
      filter: 'a pr or b pr and c pr',
      ast: { op: 'or', left: { op: 'pr', path: 'a' }, right: { op: 'and', left: { op: 'pr', path: 'b' }, right: { op: 'pr', path: 'c' } } },
    },
    {
      behaviour: 'and is left-associative',
      filter: 'a pr and b pr and c pr',
      ast: { op: 'and', left: { op: 'and', left: { op: 'pr', path: 'a' }, right: { op: 'pr', path: 'b' } }, right: { op: 'pr', path: 'c' } },
    },
    {
      behaviour: 'not binds tighter than and',
      filter: 'not (a pr) and b pr',
      ast: { op: 'and', left: { op: 'not', filter: { op: 'pr', path: 'a' } }, right: { op: 'pr', path: 'b' } },
    },
    {
      behaviour: 'parentheses group',
      filter: '(a pr or b pr) and c pr',
      ast: { op: 'and', left: { op: 'or', left: { op: 'pr', path: 'a' }, right: { op: 'pr', path: 'b' } }, right: { op: 'pr', path: 'c' } },
    },
    {
      behaviour: 'value filter with relative inner paths',
      filter: 'emails[type eq "work" and value co "@contoso.com"]',
      ast: {
        op: 'valuePath',
        path: 'emails',
        filter: { op: 'and', left: { op: 'eq', path: 'type', value: 'work' }, right: { op: 'co', path: 'value', value: '@contoso.com' } },
      },
    },
    {
      behaviour: 'attr[filter].sub op value becomes one value filter',
      filter: 'emails[type eq "work"].value eq "x@y.z"',
      ast: {
        op: 'valuePath',
        path: 'emails',
        filter: { op: 'and', left: { op: 'eq', path: 'type', value: 'work' }, right: { op: 'eq', path: 'value', value: 'x@y.z' } },
      },
    },
    {
      behaviour: 'an or inside the brackets stays grouped before the sub-attribute comparison',
      filter: 'emails[type eq "work" or type eq "home"].value sw "a"',
      ast: {
        op: 'valuePath',
        path: 'emails',
        filter: {
          op: 'and',
          left: { op: 'or', left: { op: 'eq', path: 'type', value: 'work' }, right: { op: 'eq', path: 'type', value: 'home' } },
          right: { op: 'sw', path: 'value', value: 'a' },
        },
      },
    },
    { behaviour: 'number literal', filter: 'x gt 42', ast: { op: 'gt', path: 'x', value: 42 } },
    { behaviour: 'negative decimal literal', filter: 'x lt -1.5', ast: { op: 'lt', path: 'x', value: -1.5 } },
    { behaviour: 'boolean literals', filter: 'x eq false', ast: { op: 'eq', path: 'x', value: false } },
    { behaviour: 'null literal', filter: 'x ne null', ast: { op: 'ne', path: 'x', value: null } },
    { behaviour: 'null literal in any case', filter: 'x eq NULL', ast: { op: 'eq', path: 'x', value: null } },
    { behaviour: 'a quoted number stays a string', filter: 'x eq "42"', ast: { op: 'eq', path: 'x', value: '42' } },
    { behaviour: 'unquoted text that would change as a number stays text', filter: 'externalId eq 1.50', ast: { op: 'eq', path: 'externalId', value: '1.50' } },
    { behaviour: 'unquoted leading zeros stay text', filter: 'externalId eq 007', ast: { op: 'eq', path: 'externalId', value: '007' } },
    { behaviour: 'unquoted capitalized True stays text (boolean attributes coerce it)', filter: 'active eq True', ast: { op: 'eq', path: 'active', value: 'True' } },
    { behaviour: 'unquoted word', filter: 'externalId eq jyoung', ast: { op: 'eq', path: 'externalId', value: 'jyoung' } },
    {
      behaviour: 'unquoted words up to and',
      filter: 'displayName eq Sales  Team and x pr',
      ast: { op: 'and', left: { op: 'eq', path: 'displayName', value: 'Sales  Team' }, right: { op: 'pr', path: 'x' } },
    },
    { behaviour: 'JSON escapes are decoded', filter: 'x eq "a\\"b\\\\c\\u00e9\\n\\/"', ast: { op: 'eq', path: 'x', value: 'a"b\\c\u00e9\n/' } },
    { behaviour: 'a backslash that is not a JSON escape is kept', filter: 'userName eq "DOMAIN\\user"', ast: { op: 'eq', path: 'userName', value: 'DOMAIN\\user' } },
    { behaviour: 'plus inside quotes is kept', filter: 'userName eq "a+b@x.com"', ast: { op: 'eq', path: 'userName', value: 'a+b@x.com' } },
    { behaviour: 'plus outside quotes is a space when there are no spaces', filter: 'userName+eq+"a+b@x.com"', ast: { op: 'eq', path: 'userName', value: 'a+b@x.com' } },
    { behaviour: 'plus is kept in an unquoted value when the filter has spaces', filter: 'externalId eq a+b', ast: { op: 'eq', path: 'externalId', value: 'a+b' } },
    { behaviour: '$ref is a valid sub-attribute name', filter: 'members.$ref pr', ast: { op: 'pr', path: 'members.$ref' } },
    { behaviour: 'the empty string is a value', filter: 'x eq ""', ast: { op: 'eq', path: 'x', value: '' } },
    { behaviour: 'not without parentheses', filter: 'NOT x pr', ast: { op: 'not', filter: { op: 'pr', path: 'x' } } },
  ];
  it.each(cases)('$behaviour: $filter', ({ filter, ast }) => {
    expect(parseFilter(filter)).toEqual(ast);
  });
});

describe('invalid filters are 400 invalidFilter with a message saying what and where', () => {
  const cases: { problem: string; filter: string; message: RegExp }[] = [
    { problem: 'empty filter', filter: '', message: /empty/ },
    { problem: 'blank filter', filter: '   ', message: /empty/ },
    { problem: 'missing operator', filter: 'userName', message: /missing operator after 'userName' at position 8/ },
    { problem: 'unknown operator', filter: 'userName equals "x"', message: /unknown operator 'equals' at position 9/ },
    { problem: 'symbolic operator', filter: 'userName = "x"', message: /unknown operator '=' at position 9/ },
    { problem: 'missing value at the end', filter: 'userName eq', message: /missing value after 'eq' at position 11/ },
    { problem: 'missing value before and', filter: 'userName eq and title pr', message: /missing value after 'eq' at position 12/ },
    { problem: 'missing value before )', filter: '(userName eq)', message: /missing value after 'eq'/ },
    { problem: 'unterminated string', filter: 'userName eq "abc', message: /unterminated string starting at position 12/ },
    { problem: 'string ending in a backslash', filter: 'userName eq "abc\\', message: /unterminated string/ },
    { problem: 'unclosed parenthesis', filter: '(userName eq "x"', message: /unbalanced parenthesis: the '\(' at position 0 is not closed/ },
    { problem: 'unclosed inner parenthesis', filter: 'title pr and (userName eq "x" or (a pr)', message: /'\(' at position 13 is not closed/ },
    { problem: 'extra closing parenthesis', filter: 'userName eq "x")', message: /unbalanced parenthesis: '\)' at position 15 has no matching '\('/ },
    { problem: 'unclosed bracket', filter: 'emails[type eq "work"', message: /unbalanced bracket: the '\[' at position 6 is not closed/ },
    { problem: 'bracket closed by a parenthesis', filter: '(emails[type eq "work")]', message: /'\[' at position 7 is not closed \(found '\)'/ },
    { problem: 'extra closing bracket', filter: 'userName eq "x"]', message: /unbalanced bracket: '\]' at position 15/ },
    { problem: 'trailing input', filter: 'userName eq "x" extra', message: /unexpected 'extra' at position 16/ },
    { problem: 'trailing string', filter: 'title pr "x"', message: /unexpected string "x" at position 9/ },
    { problem: 'dangling and', filter: 'userName eq "x" and', message: /ends at position 19/ },
    { problem: 'leading and', filter: 'and userName eq "x"', message: /expected an attribute name at position 0 but found 'and'/ },
    { problem: 'doubled or', filter: 'a pr or or b pr', message: /expected an attribute name at position 8 but found 'or'/ },
    { problem: 'quoted attribute name', filter: '"userName" eq "x"', message: /expected an attribute name at position 0 but found string "userName"/ },
    { problem: 'empty parentheses', filter: '()', message: /expected an attribute name at position 1 but found '\)'/ },
    { problem: 'space inside an attribute name', filter: 'user name eq "x"', message: /unknown operator 'name'/ },
    { problem: 'too many path parts', filter: 'name.familyName.x eq "y"', message: /invalid attribute path 'name\.familyName\.x' at position 0/ },
    { problem: 'attribute name starting with a digit', filter: '1abc eq "x"', message: /invalid attribute path '1abc'/ },
    { problem: 'bare URN prefix', filter: 'urn: eq "x"', message: /invalid attribute path/ },
    { problem: 'null with an ordering operator', filter: 'title gt null', message: /'gt' at position 6 cannot compare with null/ },
    { problem: 'nested value filters', filter: 'emails[type eq "work" and members[value eq "x"]]', message: /value filters cannot be nested/ },
    { problem: 'empty value filter', filter: 'emails[]', message: /empty value filter/ },
    { problem: 'bad sub-attribute after brackets', filter: 'emails[type eq "work"].', message: /invalid sub-attribute '\.'/ },
    { problem: 'missing operator after brackets and sub-attribute', filter: 'emails[type eq "work"].value', message: /missing operator after '\.value'/ },
    { problem: 'too long', filter: `userName eq "${'a'.repeat(5000)}"`, message: /too long \(5014 characters; at most 4096/ },
    { problem: 'too deeply nested parentheses', filter: `${'('.repeat(40)}title pr${')'.repeat(40)}`, message: /nested too deeply at position 32/ },
    { problem: 'too many nots', filter: `${'not '.repeat(40)}title pr`, message: /nested too deeply/ },
  ];
  it.each(cases)('$problem: $filter', ({ filter, message }) => {
    expectInvalidFilter(() => parseFilter(filter), message);
  });

  it('clips long tokens in messages', () => {
    const error = expectInvalidFilter(() => parseFilter(`userName ${'x'.repeat(1000)} "a"`));
    expect(error.detail.length).toBeLessThan(200);
  });

  it('serializes as a SCIM error body', () => {
    const error = expectInvalidFilter(() => parseFilter('userName eq'));
    expect(error.toJSON()).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });
});

describe('limits', () => {
  it('accepts nesting up to maxDepth', () => {
    expect(parseFilter(`${'('.repeat(32)}title pr${')'.repeat(32)}`)).toEqual({ op: 'pr', path: 'title' });
  });

  it('honours a custom maxDepth', () => {
    expectInvalidFilter(() => parseFilter('((title pr))', { maxDepth: 1 }), /at most 1 levels/);
    expect(parseFilter('(title pr)', { maxDepth: 1 })).toEqual({ op: 'pr', path: 'title' });
  });

  it('honours a custom maxLength', () => {
    expectInvalidFilter(() => parseFilter('title pr', { maxLength: 5 }), /too long/);
  });

  it('counts brackets toward the depth', () => {
    expectInvalidFilter(() => parseFilter('((emails[type eq "work"]))', { maxDepth: 2 }), /nested too deeply at position 8/);
  });

  it('does not count long and/or chains as depth', () => {
    const chain = Array.from({ length: 150 }, (_, i) => `userName eq "u${i}"`).join(' or ');
    expect(chain.length).toBeLessThan(4096);
    const node = parseFilter(chain);
    expect(node.op).toBe('or');
  });
});

describe('adversarial input', () => {
  const TEN_MB = 10 * 1024 * 1024;

  it('rejects a 10 MB filter quickly with the default limit', () => {
    const started = performance.now();
    expectInvalidFilter(() => parseFilter(`userName eq "${'a'.repeat(TEN_MB)}"`), /too long/);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('rejects 10 MB of open parentheses without a stack overflow when length is unlimited', () => {
    expectInvalidFilter(() => parseFilter('('.repeat(TEN_MB), { maxLength: Infinity }), /nested too deeply/);
  });

  it('rejects a 10 MB unterminated string in linear time when length is unlimited', () => {
    const started = performance.now();
    expectInvalidFilter(() => parseFilter(`userName eq "${'\\"'.repeat(TEN_MB / 2)}`, { maxLength: Infinity }), /unterminated/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('rejects a 10 MB attribute name in linear time when length is unlimited', () => {
    const started = performance.now();
    expectInvalidFilter(() => parseFilter(`urn${':a'.repeat(TEN_MB / 2)}: eq 1`, { maxLength: Infinity }));
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('parses and evaluates a 1 MB or-chain without recursion trouble', () => {
    const chain = Array.from({ length: 60_000 }, (_, i) => `title eq "t${i}"`).join(' or ');
    const started = performance.now();
    const node = parseFilter(chain, { maxLength: Infinity });
    expect(matchesFilter(node, { title: 't59999' }, userSchemaInfo)).toBe(true);
    expect(matchesFilter(node, { title: 'none' }, userSchemaInfo)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('only ever throws ScimError invalidFilter on random input', () => {
    // Deterministic fuzz: random sequences of filter fragments and raw characters.
    let seed = 0x5eed;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const fragments = [
      'userName', ' eq ', ' ne ', ' co ', ' gt ', ' pr', ' and ', ' or ', 'not ', '(', ')', '[', ']', '"x"', '"', '\\', '.value',
      'emails', 'active', ' true', ' null', ' 12', ' -1.5e3', `${ENTERPRISE}:manager`, 'meta.created', ' "2024-01-01"', '+', ' ', 'é', '\u0000',
    ];
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      let text = '';
      const parts = 1 + random(12);
      for (let p = 0; p < parts; p++) text += fragments[random(fragments.length)];
      try {
        const node = parseFilter(text);
        parsed++;
        matchesFilter(node, { userName: 'x', active: true, emails: [{ value: 'x' }] }, userSchemaInfo);
      } catch (e) {
        if (!(e instanceof ScimError) || e.status !== 400 || e.scimType !== 'invalidFilter') {
          throw new Error(`unexpected ${String(e)} for ${JSON.stringify(text)}`);
        }
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});
