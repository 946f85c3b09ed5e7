// Entra's two PATCH dialects as the simulator sends them (entra-wire.md's table).
import { describe, expect, it } from 'vitest';
import { addMembersOperation, attributeOperations, managerOperation, removeMembersOperations, type AttributeChange } from '../../tools/simulator/patch-dialect.js';
import { parseTargetPath } from '../../tools/simulator/scim-path.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const change = (target: string, value: string | boolean | undefined, had = true): AttributeChange => ({ target: parseTargetPath(target), value, had });

describe('default mode', () => {
  it('one capitalized op per attribute, booleans as "True"/"False", Add when absent, Remove to clear', () => {
    expect(attributeOperations([
      change('active', false),
      change('name.familyName', 'Young'),
      change('emails[type eq "work"].value', 'a@b.c', false),
      change(`${ENT}:department`, undefined),
    ], 'default')).toEqual([
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'name.familyName', value: 'Young' },
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'a@b.c' },
      { op: 'Remove', path: `${ENT}:department` },
    ]);
  });

  it('members: Add with $ref null, Remove with a value list', () => {
    expect(addMembersOperation(['a', 'b'], 'default')).toEqual({ op: 'Add', path: 'members', value: [{ $ref: null, value: 'a' }, { $ref: null, value: 'b' }] });
    expect(removeMembersOperations(['a', 'b'], 'default')).toEqual([{ op: 'Remove', path: 'members', value: [{ value: 'a' }, { value: 'b' }] }]);
  });

  it('manager as a bare id on the enterprise URN path', () => {
    const target = parseTargetPath(`${ENT}:manager`);
    expect(managerOperation(target, 'm1', false, 'default')).toEqual({ op: 'Add', path: `${ENT}:manager`, value: 'm1' });
    expect(managerOperation(target, 'm2', true, 'default')).toEqual({ op: 'Replace', path: `${ENT}:manager`, value: 'm2' });
    expect(managerOperation(target, undefined, true, 'default')).toEqual({ op: 'Remove', path: `${ENT}:manager` });
  });
});

describe('compliant mode (aadOptscim062020)', () => {
  it('several simple attributes in one path-less replace with dotted and URN keys; value paths and removes separate', () => {
    expect(attributeOperations([
      change('active', false),
      change('name.givenName', 'Jo'),
      change(`${ENT}:employeeNumber`, '42', false),
      change('emails[type eq "work"].value', 'a@b.c'),
      change('title', undefined),
    ], 'compliant')).toEqual([
      { op: 'replace', value: { active: false, 'name.givenName': 'Jo', [`${ENT}:employeeNumber`]: '42' } },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'a@b.c' },
      { op: 'remove', path: 'title' },
    ]);
  });

  it('a single attribute keeps its path', () => {
    expect(attributeOperations([change('active', true)], 'compliant')).toEqual([{ op: 'replace', path: 'active', value: true }]);
  });

  it('members removed one members[value eq "id"] op each', () => {
    expect(addMembersOperation(['a'], 'compliant')).toEqual({ op: 'add', path: 'members', value: [{ $ref: null, value: 'a' }] });
    expect(removeMembersOperations(['a', 'b'], 'compliant')).toEqual([
      { op: 'remove', path: 'members[value eq "a"]' },
      { op: 'remove', path: 'members[value eq "b"]' },
    ]);
  });
});
