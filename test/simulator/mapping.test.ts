// Attribute mappings: JSONPath sources (fast path and jsonpath-plus), SCIM targets, Entra's defaults and options.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GraphUser } from '../../tools/simulator/directory.js';
import { compileJsonPath, DEFAULT_MAPPING, defaultMappingConfig, loadMappingConfig, Mappings, type MappingConfig } from '../../tools/simulator/mapping.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';

const graphUser: GraphUser = {
  id: '11111111-1111-4111-8111-111111111111',
  userPrincipalName: "sean.o'brien@contoso.com",
  accountEnabled: true,
  displayName: "Seán O'Brien",
  givenName: 'Seán',
  surname: "O'Brien",
  mail: 'sean.obrien@contoso.com',
  mailNickname: 'sobrien',
  jobTitle: 'Account Executive',
  department: 'Sales',
  employeeId: 'E100042',
  employeeHireDate: '2021-03-01T00:00:00Z',
  officeLocation: 'Dublin Docklands, Floor 3',
  city: 'Dublin',
  country: 'IE',
  businessPhones: ['+353 1 555 0100', '+353 1 555 0101'],
  manager: { id: '22222222-2222-4222-8222-222222222222' },
  onPremisesExtensionAttributes: { extensionAttribute1: 'CC-1000', extensionAttribute2: 'G3', extensionAttribute3: null, extensionAttribute4: 'EMEA' },
};

function mapDefault(user: GraphUser, soft = false): Map<string, unknown> {
  return new Mappings(defaultMappingConfig()).user.map({ ...user, IsSoftDeleted: soft }).values;
}

describe('default mappings (Entra defaults + Looop)', () => {
  it('maps a Graph user to the SCIM targets Entra sends', () => {
    const v = mapDefault(graphUser);
    expect(Object.fromEntries(v)).toEqual({
      userName: "sean.o'brien@contoso.com",
      active: true,
      displayName: "Seán O'Brien",
      title: 'Account Executive',
      'emails[type eq "work"].value': 'sean.obrien@contoso.com',
      'name.givenName': 'Seán',
      'name.familyName': "O'Brien",
      'name.formatted': "Seán O'Brien",
      externalId: 'sobrien',
      'phoneNumbers[type eq "work"].value': '+353 1 555 0100',
      'addresses[type eq "work"].locality': 'Dublin',
      'addresses[type eq "work"].country': 'IE',
      [`${ENT}:department`]: 'Sales',
      [`${ENT}:employeeNumber`]: 'E100042',
      [`${LOOOP}:area`]: 'EMEA',
      [`${LOOOP}:custom_1`]: 'CC-1000',
      [`${LOOOP}:custom_2`]: 'G3',
      [`${LOOOP}:department`]: 'Sales',
      [`${LOOOP}:employee_id`]: 'E100042',
      [`${LOOOP}:location`]: 'Dublin Docklands, Floor 3',
      [`${LOOOP}:position`]: 'Account Executive',
      [`${LOOOP}:startAt`]: '2021-03-01T00:00:00Z',
    });
  });

  it('IsSoftDeleted → active through Not (Switch([IsSoftDeleted], , "False", "True", "True", "False"))', () => {
    expect(mapDefault(graphUser, true).get('active')).toBe(false);
    expect(mapDefault(graphUser, false).get('active')).toBe(true);
    // Absent flag: the mapping's default (false) applies, so the user is active.
    expect(new Mappings(defaultMappingConfig()).user.map(graphUser).values.get('active')).toBe(true);
  });

  it('null, empty and missing sources leave the target absent; Join skips missing parts', () => {
    const v = mapDefault({ ...graphUser, surname: undefined, mail: '', jobTitle: undefined });
    expect(v.has('emails[type eq "work"].value')).toBe(false);
    expect(v.has('title')).toBe(false);
    expect(v.has(`${LOOOP}:custom_3`)).toBe(false); // null in the source
    expect(v.get('name.formatted')).toBe('Seán');
  });

  it('resolves references: the manager id and group members (ids or { id } objects)', () => {
    const m = new Mappings(defaultMappingConfig());
    expect(m.user.map(graphUser).references.get(`${ENT}:manager`)).toEqual(['22222222-2222-4222-8222-222222222222']);
    expect(m.user.map({ ...graphUser, manager: null }).references.get(`${ENT}:manager`)).toEqual([]);
    const group = { id: 'g1', displayName: 'Sales', members: ['a', { id: 'b', '@odata.type': '#microsoft.graph.user' }] };
    const mapped = m.group.map(group);
    expect(mapped.references.get('members')).toEqual(['a', 'b']);
    expect(Object.fromEntries(mapped.values)).toEqual({ displayName: 'Sales', externalId: 'g1' });
    expect(m.group.matching.target.text).toBe('displayName');
    expect(m.user.matching.target.text).toBe('userName');
  });

  it('exports the defaults as data (what --print-mapping prints) without sharing state', () => {
    const copy = defaultMappingConfig();
    copy.user.mappings.pop();
    expect(DEFAULT_MAPPING.user.mappings.length).toBe(copy.user.mappings.length + 1);
  });
});

describe('JSONPath sources', () => {
  it('plain member and index chains use the fast accessor with JSONPath semantics', () => {
    const json = { a: { b: [{ c: 1 }, { c: 2 }] }, 'odd name': 'x', zero: 0 };
    expect(compileJsonPath('$.a.b[1].c')(json)).toEqual([2]);
    expect(compileJsonPath("$['odd name']")(json)).toEqual(['x']);
    expect(compileJsonPath('$["odd name"]')(json)).toEqual(['x']);
    expect(compileJsonPath('$.zero')(json)).toEqual([0]);
    expect(compileJsonPath('$.a.missing.deeper')(json)).toEqual([]);
    expect(compileJsonPath('$')(json)).toEqual([json]);
  });

  it('wildcards, filters and recursive descent go through jsonpath-plus', () => {
    const json = {
      identities: [
        { signInType: 'federated', issuerAssignedId: 'fed-1' },
        { signInType: 'emailAddress', issuerAssignedId: 'jo@example.com' },
      ],
      nested: { deep: { mail: 'deep@example.com' } },
    };
    expect(compileJsonPath("$.identities[?(@.signInType=='emailAddress')].issuerAssignedId")(json)).toEqual(['jo@example.com']);
    expect(compileJsonPath('$.identities[*].signInType')(json)).toEqual(['federated', 'emailAddress']);
    expect(compileJsonPath('$..mail')(json)).toEqual(['deep@example.com']);
  });

  it('a custom mapping with filters, constants, defaults, transforms and creation-only targets', () => {
    const config: MappingConfig = {
      user: {
        mappings: [
          { source: '$.mailNickname', target: 'externalId', matching: true },
          { source: '$.userPrincipalName', target: 'userName', transform: 'lower' },
          { source: "$.identities[?(@.signInType=='emailAddress')].issuerAssignedId", target: 'emails[type eq "home"].value' },
          { constant: 'Employee', target: 'userType' },
          { source: '$.preferredLanguage', target: 'preferredLanguage', default: 'en-GB' },
          { source: '$.accountEnabled', target: 'active' },
          { source: '$.employeeHireDate', target: `${LOOOP}:startAt`, apply: 'creation' },
          { source: '$.businessPhones', target: 'phoneNumbers[type eq "work"].value' },
        ],
      },
      group: DEFAULT_MAPPING.group,
    };
    const m = new Mappings(config);
    const v = m.user.map({ ...graphUser, userPrincipalName: 'Jo@Example.COM', identities: [{ signInType: 'emailAddress', issuerAssignedId: 'jo@home.example' }] }).values;
    expect(Object.fromEntries(v)).toEqual({
      externalId: 'sobrien',
      userName: 'jo@example.com',
      'emails[type eq "home"].value': 'jo@home.example',
      userType: 'Employee',
      preferredLanguage: 'en-GB',
      active: true,
      [`${LOOOP}:startAt`]: '2021-03-01T00:00:00Z',
      'phoneNumbers[type eq "work"].value': '+353 1 555 0100', // a multi-valued source gives its first value
    });
    expect(m.user.matching.target.text).toBe('externalId');
    expect(m.user.attributes.find((a) => a.spec.apply === 'creation')?.target.text).toBe(`${LOOOP}:startAt`);
  });
});

describe('mapping config validation', () => {
  const user = (mappings: unknown[]): MappingConfig => ({ user: { mappings } as MappingConfig['user'], group: DEFAULT_MAPPING.group });

  it('needs exactly one matching attribute', () => {
    expect(() => new Mappings(user([{ source: '$.a', target: 'userName' }]))).toThrow(/exactly one mapping with "matching": true/);
    expect(() => new Mappings(user([{ source: '$.a', target: 'userName', matching: true }, { source: '$.b', target: 'externalId', matching: true }]))).toThrow(/exactly one/);
  });

  it('rejects bad targets, bad sources, duplicates and misplaced references', () => {
    expect(() => new Mappings(user([{ source: '$.a', target: 'emails[type co "x"].value', matching: true }]))).toThrow(/not a supported SCIM path/);
    expect(() => new Mappings(user([{ source: 'a.b', target: 'userName', matching: true }]))).toThrow(/JSONPath starting with "\$"/);
    expect(() => new Mappings(user([{ source: '$.a', constant: 'x', target: 'userName', matching: true }]))).toThrow(/exactly one of "source" or "constant"/);
    expect(() => new Mappings(user([{ source: '$.a', target: 'userName', matching: true }, { source: '$.b', target: 'USERNAME' }]))).toThrow(/mapped twice/);
    expect(() => new Mappings(user([{ source: '$.a', target: 'userName', matching: true }, { source: '$.m', target: 'title', reference: true }]))).toThrow(/manager attribute/);
    expect(() => new Mappings(user([{ source: '$.a', target: 'userName', matching: true, transform: 'reverse' }]))).toThrow(/transform must be one of/);
  });

  it('loads a config file; a missing section keeps the defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'));
    const file = join(dir, 'mapping.json');
    writeFileSync(file, JSON.stringify({ user: { mappings: [{ source: '$.userPrincipalName', target: 'userName', matching: true }] } }));
    const config = await loadMappingConfig(file);
    expect(config.user.mappings).toHaveLength(1);
    expect(config.group).toEqual(DEFAULT_MAPPING.group);
    writeFileSync(file, JSON.stringify({ user: { mappings: [{ source: '$.x', target: 'userName' }] } }));
    await expect(loadMappingConfig(file)).rejects.toThrow(/matching/);
  });
});
