// SCIM target paths: parsing, reading from any endpoint's resources (case-insensitively), writing request bodies.
import { describe, expect, it } from 'vitest';
import { parseTargetPath, pathlessKey, readPath, writePath } from '../../tools/simulator/scim-path.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('parseTargetPath', () => {
  it('parses the forms Entra mappings use', () => {
    expect(parseTargetPath('userName')).toEqual({ text: 'userName', attribute: 'userName' });
    expect(parseTargetPath('name.givenName')).toEqual({ text: 'name.givenName', attribute: 'name', subAttribute: 'givenName' });
    expect(parseTargetPath('emails[type eq "work"].value')).toEqual({ text: 'emails[type eq "work"].value', attribute: 'emails', filter: { attribute: 'type', value: 'work' }, subAttribute: 'value' });
    expect(parseTargetPath(`${ENT}:department`)).toEqual({ text: `${ENT}:department`, schema: ENT, attribute: 'department' });
    expect(parseTargetPath(`${ENT}:manager`).schema).toBe(ENT);
    // A core URN prefix is the core attribute.
    const core = parseTargetPath('urn:ietf:params:scim:schemas:core:2.0:User:userName');
    expect(core.attribute).toBe('userName');
    expect(core.schema).toBeUndefined();
  });

  it('rejects what it cannot write', () => {
    expect(() => parseTargetPath('emails[type co "w"].value')).toThrow(/not a supported SCIM path/);
    expect(() => parseTargetPath('a.b.c')).toThrow();
    expect(() => parseTargetPath('urn:x')).toThrow();
  });
});

describe('readPath', () => {
  const resource = {
    UserName: 'Jo',
    name: { GivenName: 'Jo' },
    emails: [{ type: 'Work', value: 'jo@work' }, { type: 'home', value: 'jo@home' }, { type: 'work', value: 'dup@work' }],
    phoneNumbers: [{ type: 'mobile', value: '1', primary: true }],
    [ENT.toLowerCase()]: { manager: { value: 'm1' } },
  };

  it('reads attributes, sub-attributes and URN containers case-insensitively', () => {
    expect(readPath(resource, parseTargetPath('userName')).value).toBe('Jo');
    expect(readPath(resource, parseTargetPath('name.givenName')).value).toBe('Jo');
    expect(readPath(resource, parseTargetPath(`${ENT}:manager`)).value).toEqual({ value: 'm1' });
    expect(readPath(resource, parseTargetPath('title')).value).toBeUndefined();
  });

  it('reads typed entries and counts duplicates of a type', () => {
    expect(readPath(resource, parseTargetPath('emails[type eq "work"].value'))).toEqual({ value: 'jo@work', matches: 2 });
    expect(readPath(resource, parseTargetPath('emails[type eq "home"].value'))).toEqual({ value: 'jo@home', matches: 1 });
    expect(readPath(resource, parseTargetPath('emails[type eq "other"].value'))).toEqual({ value: undefined, matches: 0 });
    expect(readPath(resource, parseTargetPath('phoneNumbers.value')).value).toBe('1');
  });
});

describe('writePath and pathlessKey', () => {
  it('builds a POST body the way Entra does', () => {
    const body: Record<string, unknown> = {};
    writePath(body, parseTargetPath('emails[type eq "work"].value'), 'jo@work');
    writePath(body, parseTargetPath('addresses[type eq "work"].locality'), 'Dublin');
    writePath(body, parseTargetPath('addresses[type eq "work"].country'), 'IE');
    writePath(body, parseTargetPath('phoneNumbers[type eq "mobile"].value'), '+1');
    writePath(body, parseTargetPath('name.familyName'), 'Young');
    writePath(body, parseTargetPath(`${ENT}:department`), 'Sales');
    writePath(body, parseTargetPath('active'), true);
    expect(body).toEqual({
      emails: [{ type: 'work', value: 'jo@work', primary: true }],
      addresses: [{ type: 'work', locality: 'Dublin', country: 'IE' }],
      phoneNumbers: [{ type: 'mobile', value: '+1' }],
      name: { familyName: 'Young' },
      [ENT]: { department: 'Sales' },
      active: true,
    });
  });

  it('gives the dotted and URN keys of a path-less replace', () => {
    expect(pathlessKey(parseTargetPath('name.givenName'))).toBe('name.givenName');
    expect(pathlessKey(parseTargetPath('title'))).toBe('title');
    expect(pathlessKey(parseTargetPath(`${ENT}:employeeNumber`))).toBe(`${ENT}:employeeNumber`);
    expect(pathlessKey(parseTargetPath('emails[type eq "work"].value'))).toBeUndefined();
  });
});
