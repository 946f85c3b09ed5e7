import { describe, expect, it } from 'vitest';
import { ScimError } from '../../lib/scim/errors.js';
import { equalityTerms, parsePatchPath, type AttributePatchPath } from '../../lib/scim/patch-path.js';
import { ENTERPRISE_USER, findAttribute, groupSchemaInfo, userSchemaInfo } from '../../lib/scim/schema.js';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function attributePath(text: string): AttributePatchPath {
  const p = parsePatchPath(text, userSchemaInfo);
  if (p.kind !== 'attribute') throw new Error(`expected an attribute path, got ${p.kind}`);
  return p;
}

function summary(text: string): Record<string, unknown> {
  const p = attributePath(text);
  return {
    schema: p.schema,
    extension: p.extension,
    attribute: p.attribute.name,
    sub: p.subAttribute?.name,
    filtered: p.filter !== undefined,
  };
}

describe('parsePatchPath resolves every path form of RFC 7644 §3.5.2 against the schema', () => {
  it.each([
    ['attr', 'userName', { schema: CORE_USER, extension: false, attribute: 'userName', sub: undefined, filtered: false }],
    ['attr, any case', 'USERNAME', { schema: CORE_USER, extension: false, attribute: 'userName', sub: undefined, filtered: false }],
    ['attr.sub', 'name.familyName', { schema: CORE_USER, extension: false, attribute: 'name', sub: 'familyName', filtered: false }],
    ['attr.sub, any case', 'name.FamilyName', { schema: CORE_USER, extension: false, attribute: 'name', sub: 'familyName', filtered: false }],
    ['multi-valued attr.sub', 'emails.Value', { schema: CORE_USER, extension: false, attribute: 'emails', sub: 'value', filtered: false }],
    ['common attribute', 'externalId', { schema: CORE_USER, extension: false, attribute: 'externalId', sub: undefined, filtered: false }],
    ['core-URN-qualified attr', `${CORE_USER}:userName`, { schema: CORE_USER, extension: false, attribute: 'userName', sub: undefined, filtered: false }],
    ['extension urn:attr', `${ENTERPRISE_USER}:department`, { schema: ENTERPRISE_USER, extension: true, attribute: 'department', sub: undefined, filtered: false }],
    ['extension urn:attr, any case', `${ENTERPRISE_USER.toUpperCase()}:DEPARTMENT`, { schema: ENTERPRISE_USER, extension: true, attribute: 'department', sub: undefined, filtered: false }],
    ['extension urn:attr.sub', `${ENTERPRISE_USER}:manager.value`, { schema: ENTERPRISE_USER, extension: true, attribute: 'manager', sub: 'value', filtered: false }],
    ['attr[filter]', 'emails[type eq "work"]', { schema: CORE_USER, extension: false, attribute: 'emails', sub: undefined, filtered: true }],
    ['attr[filter].sub', 'emails[type eq "work"].value', { schema: CORE_USER, extension: false, attribute: 'emails', sub: 'value', filtered: true }],
    ['attr[filter].sub, any case', 'Emails[Type eq "work"].VALUE', { schema: CORE_USER, extension: false, attribute: 'emails', sub: 'value', filtered: true }],
    ['single-valued complex with filter', `${ENTERPRISE_USER}:manager[value eq "m1"]`, { schema: ENTERPRISE_USER, extension: true, attribute: 'manager', sub: undefined, filtered: true }],
    ['filter value containing "]"', 'emails[value eq "a]b@x.com"].type', { schema: CORE_USER, extension: false, attribute: 'emails', sub: 'type', filtered: true }],
    ['surrounding whitespace', '  active ', { schema: CORE_USER, extension: false, attribute: 'active', sub: undefined, filtered: false }],
  ])('%s: %s', (_form, text, expected) => {
    expect(summary(text)).toEqual(expected);
  });

  it('an unqualified name defined by exactly one extension resolves to it (Entra\'s older path "manager")', () => {
    expect(summary('Manager')).toEqual({ schema: ENTERPRISE_USER, extension: true, attribute: 'manager', sub: undefined, filtered: false });
    expect(summary('manager[value eq "m1"]')).toMatchObject({ schema: ENTERPRISE_USER, attribute: 'manager', filtered: true });
    expect(summary('costCenter')).toMatchObject({ schema: ENTERPRISE_USER, attribute: 'costCenter' });
  });

  it('an extension URN on its own addresses the whole extension', () => {
    expect(parsePatchPath(ENTERPRISE_USER.toLowerCase(), userSchemaInfo)).toEqual({
      kind: 'extension',
      text: ENTERPRISE_USER.toLowerCase(),
      schema: ENTERPRISE_USER,
    });
  });

  it('keeps the parsed filter for evaluation', () => {
    expect(attributePath('emails[type eq "work" and primary eq true]').filter).toEqual({
      op: 'and',
      left: { op: 'eq', path: 'type', value: 'work' },
      right: { op: 'eq', path: 'primary', value: true },
    });
  });

  it('resolves group members', () => {
    const p = parsePatchPath('members[value eq "u1"]', groupSchemaInfo);
    expect(p.kind === 'attribute' && p.attribute.name).toBe('members');
  });
});

describe('parsePatchPath rejects paths that name nothing with 400 invalidPath', () => {
  it.each([
    ['unknown attribute', 'nosuch'],
    ['unknown sub-attribute', 'name.nosuch'],
    ['too many dots', 'name.givenName.x'],
    ['empty path', '   '],
    ['unknown URN', 'urn:example:unknown:2.0:User:department'],
    ['URN with attribute from another schema', `${ENTERPRISE_USER}:userName`],
    ['unterminated filter', 'emails[type eq "work"'],
    ['stray closing bracket', 'emails]'],
    ['filter on a simple attribute', 'userName[value eq "x"]'],
    ['filter on a sub-attribute path', 'name.givenName[value eq "x"]'],
    ['unknown sub-attribute after the filter', 'emails[type eq "work"].nosuch'],
    ['garbage after the filter', 'emails[type eq "work"]value'],
    ['filter naming an unknown sub-attribute', 'emails[nosuch eq "x"]'],
    ['malformed filter', 'emails[type xx "work"]'],
    ['nested value filter', 'emails[type[value eq "x"]]'],
    ['attribute of another resource type', 'members'],
    ['unqualified name defined by two extensions (enterprise and Looop department)', 'department'],
  ])('%s: %s', (_why, text) => {
    let error: unknown;
    try {
      parsePatchPath(text, userSchemaInfo);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScimError);
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
  });
});

describe('equalityTerms', () => {
  const emails = findAttribute(userSchemaInfo.coreSchema.attributes, 'emails');
  if (!emails) throw new Error('emails missing from the schema');
  const terms = (text: string) => {
    const p = attributePath(`emails[${text}]`);
    return p.filter ? equalityTerms(p.filter, emails) : 'no filter';
  };

  it('collects eq terms joined by and, keyed by canonical sub-attribute name', () => {
    expect(terms('TYPE eq "work" and primary eq true')).toEqual({ type: 'work', primary: true });
  });

  it.each([['type eq "a" or type eq "b"'], ['value co "x"'], ['not (type eq "work")'], ['type pr'], ['type eq "a" and type eq "b"']])(
    'cannot describe an entry for %s',
    (text) => {
      expect(terms(text)).toBeUndefined();
    },
  );
});
