// Normalization and validation of client bodies, driven by the schema data.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAjv } from '../../lib/scim/ajv-loader.js';
import { ScimError } from '../../lib/scim/errors.js';
import { normalizeResource } from '../../lib/scim/normalize.js';
import { groupSchemaInfo, userSchemaInfo } from '../../lib/scim/schema.js';
import { validateResource } from '../../lib/scim/validate.js';

beforeAll(loadAjv); // validation needs ajv loaded, as the verbs load it (lib/scim/ajv-loader.ts)

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';

describe('normalizeResource', () => {
  it('spells attribute names as the schema does, whatever case the client used', () => {
    expect(normalizeResource({ USERNAME: 'a', Name: { GivenName: 'A' }, emails: [{ VALUE: 'a@x', Type: 'work' }] }, userSchemaInfo)).toEqual({
      userName: 'a',
      name: { givenName: 'A' },
      emails: [{ value: 'a@x', type: 'work' }],
    });
  });

  it('drops nulls, empty arrays, readOnly attributes, meta and schemas', () => {
    expect(normalizeResource({ userName: 'a', title: null, roles: [], id: 'x', meta: { resourceType: 'User' }, groups: [{ value: 'g' }], schemas: ['x'] }, userSchemaInfo)).toEqual({ userName: 'a' });
  });

  it('coerces "True"/"False" strings to booleans by schema type, and keeps string values exactly as sent', () => {
    expect(normalizeResource({ userName: ' Mixed Case ', active: 'False', emails: [{ value: 'a@x', primary: 'True' }] }, userSchemaInfo)).toEqual({
      userName: ' Mixed Case ',
      active: false,
      emails: [{ value: 'a@x', primary: true }],
    });
  });

  it('files extension data under its canonical URN, including URN-qualified top-level keys', () => {
    const out = normalizeResource({ userName: 'a', [LOOOP.toLowerCase()]: { Position: 'Chef' }, [`${ENT}:employeeNumber`]: '7' }, userSchemaInfo);
    expect(out).toEqual({ userName: 'a', [LOOOP]: { position: 'Chef' }, [ENT]: { employeeNumber: '7' } });
  });

  it('drops unknown attributes, or rejects them with 400 invalidSyntax in strict mode', () => {
    expect(normalizeResource({ userName: 'a', favouriteColour: 'blue' }, userSchemaInfo)).toEqual({ userName: 'a' });
    expect(() => normalizeResource({ userName: 'a', favouriteColour: 'blue' }, userSchemaInfo, { strict: true })).toThrow(ScimError);
  });

  it('rejects a body that is not a JSON object', () => {
    for (const body of [null, [], 'x', 3]) {
      try {
        normalizeResource(body, userSchemaInfo);
        expect.unreachable();
      } catch (e) {
        expect(e).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
      }
    }
  });
});

describe('validateResource', () => {
  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['a missing userName', { active: true }, /userName.*required/],
    ['an empty userName', { userName: '  ' }, /userName.*empty/],
    ['a numeric userName', { userName: 5 }, /userName/],
    ['a non-boolean active', { userName: 'a', active: 'yes' }, /active/],
    ['an email that is not an object', { userName: 'a', emails: ['a@x'] }, /emails\[0\]/],
    ['a Looop attribute that is not a string', { userName: 'a', [LOOOP]: { startAt: 20240101 } }, /startAt/],
  ];
  it.each(invalid)('rejects %s with 400 invalidValue naming the attribute', (_name, resource, message) => {
    try {
      validateResource('User', resource);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect((e as ScimError).detail).toMatch(message);
    }
  });

  it('accepts Entra\'s user and a group with members', () => {
    expect(() => validateResource('User', normalizeResource({ userName: 'a', active: 'True', name: { givenName: 'A' }, [LOOOP]: { area: 'x' } }, userSchemaInfo))).not.toThrow();
    expect(() => validateResource('Group', normalizeResource({ displayName: 'G', members: [{ value: 'id' }] }, groupSchemaInfo))).not.toThrow();
  });
});
