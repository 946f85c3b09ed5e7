// attributes / excludedAttributes and the schema's `returned` characteristic (RFC 7644 §3.4.2.5, §3.9).
import { describe, expect, it } from 'vitest';
import { isRequested, project, resolveProjection } from '../../lib/scim/projection.js';
import { groupSchemaInfo, userSchemaInfo } from '../../lib/scim/schema.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';
const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT, LOOOP],
  id: '1',
  externalId: 'jo',
  userName: 'jo@x',
  password: 'secret',
  name: { givenName: 'Jo', familyName: 'Young' },
  emails: [{ type: 'work', value: 'jo@x', primary: true }],
  groups: [{ value: 'g1' }],
  [ENT]: { department: 'Sales', manager: { value: 'm' } },
  [LOOOP]: { position: 'Chef' },
  meta: { resourceType: 'User' },
};

describe('project', () => {
  it('returns default attributes (groups among them, RFC 7643 §4.1) and never password', () => {
    const out = project(user, resolveProjection(userSchemaInfo));
    expect(out).not.toHaveProperty('password');
    expect(out.groups).toEqual([{ value: 'g1' }]);
    expect(out.userName).toBe('jo@x');
    expect(project(user, resolveProjection(userSchemaInfo, { excludedAttributes: ['groups'] }))).not.toHaveProperty('groups');
  });

  it('keeps only the listed attributes plus id and schemas, with sub-attributes', () => {
    expect(project(user, resolveProjection(userSchemaInfo, { attributes: ['userName', 'emails.value', 'name.familyName'] }))).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: '1',
      userName: 'jo@x',
      emails: [{ value: 'jo@x' }],
      name: { familyName: 'Young' },
    });
  });

  it('handles extension URNs: a whole extension, or one URN-qualified attribute', () => {
    expect(project(user, resolveProjection(userSchemaInfo, { attributes: [LOOOP] }))).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', LOOOP], id: '1', [LOOOP]: { position: 'Chef' } });
    const dept = project(user, resolveProjection(userSchemaInfo, { attributes: [`${ENT}:department`] }));
    expect(dept[ENT]).toEqual({ department: 'Sales' });
  });

  it('removes excluded attributes, sub-attributes and extensions, but never id', () => {
    const out = project(user, resolveProjection(userSchemaInfo, { excludedAttributes: ['emails', 'name.givenName', LOOOP, 'id', 'META'] }));
    expect(out).not.toHaveProperty('emails');
    expect(out).not.toHaveProperty(LOOOP);
    expect(out).not.toHaveProperty('meta');
    expect(out.name).toEqual({ familyName: 'Young' });
    expect(out.id).toBe('1');
    expect(out.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENT]);
  });

  it('ignores unknown attribute names, as RFC 7644 allows', () => {
    expect(project(user, resolveProjection(userSchemaInfo, { attributes: ['nope', 'userName'] }))).toMatchObject({ id: '1', userName: 'jo@x' });
  });
});

describe('isRequested', () => {
  it('tells whether a response carries members or groups, so excluding them reads no membership row', () => {
    expect(isRequested('members', resolveProjection(groupSchemaInfo))).toBe(true);
    expect(isRequested('members', resolveProjection(groupSchemaInfo, { excludedAttributes: ['members'] }))).toBe(false);
    expect(isRequested('members', resolveProjection(groupSchemaInfo, { attributes: ['displayName'] }))).toBe(false);
    expect(isRequested('members', resolveProjection(groupSchemaInfo, { attributes: ['members.value'] }))).toBe(true);
    expect(isRequested('groups', resolveProjection(userSchemaInfo))).toBe(true);
    expect(isRequested('groups', resolveProjection(userSchemaInfo, { excludedAttributes: ['groups'] }))).toBe(false);
    expect(isRequested('groups', resolveProjection(userSchemaInfo, { attributes: ['userName'] }))).toBe(false);
  });
});

describe('value paths in attributes / excludedAttributes (Microsoft\'s Postman suite asks for emails[type eq "work"])', () => {
  const two = { ...user, emails: [{ type: 'work', value: 'jo@x', primary: true }, { type: 'home', value: 'jo@home' }] };

  it('attributes=emails[type eq "work"] answers with the matching emails only', () => {
    const out = project(two, resolveProjection(userSchemaInfo, { attributes: ['emails[type eq "work"]'] }));
    expect(out.emails).toEqual([{ type: 'work', value: 'jo@x', primary: true }]);
    expect(out.id).toBe('1');
    expect(out).not.toHaveProperty('userName');
  });

  it('attributes=emails[type eq "work"].value keeps only that sub-attribute of the matching emails', () => {
    expect(project(two, resolveProjection(userSchemaInfo, { attributes: ['emails[type eq "work"].value'] })).emails).toEqual([{ value: 'jo@x' }]);
  });

  it('several value paths on one attribute select the union, case-insensitively', () => {
    const out = project(two, resolveProjection(userSchemaInfo, { attributes: ['Emails[Type eq "work"]', 'emails[type eq "home"].value'] }));
    expect(out.emails).toEqual([{ type: 'work', value: 'jo@x', primary: true }, { value: 'jo@home' }]);
  });

  it('a value path that matches nothing leaves the attribute out; an unparsable one is ignored like an unknown name', () => {
    expect(project(two, resolveProjection(userSchemaInfo, { attributes: ['emails[type eq "other"]', 'userName'] }))).not.toHaveProperty('emails');
    expect(project(two, resolveProjection(userSchemaInfo, { attributes: ['emails[type eq', 'userName'] })).userName).toBe('jo@x');
  });

  it('excludedAttributes=emails[type eq "home"] drops only the matching emails', () => {
    const out = project(two, resolveProjection(userSchemaInfo, { excludedAttributes: ['emails[type eq "home"]'] }));
    expect(out.emails).toEqual([{ type: 'work', value: 'jo@x', primary: true }]);
    expect(out.userName).toBe('jo@x');
  });
});
