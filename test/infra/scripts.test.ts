// Unit tests for the Node helpers behind the infra scripts: the provisioning schema edit (attribute mappings), the
// secrets bodies, the status report and the JSON helpers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_ROLE_ID, findScimJob, findServicePrincipals, findTenantId, getPath, odataEq, pickAppRoleId } from '../../infra/scripts/graph-json.mjs';
import { applyMappings, loadMappingSpec, parseSource } from '../../infra/scripts/provisioning-schema.mjs';
import { secretsBody, validateBody } from '../../infra/scripts/secrets-body.mjs';
import { formatReport, summarize } from '../../infra/scripts/status-report.mjs';
import { FIXTURES, REPO_ROOT } from './helpers.js';

const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User:';
type Json = any;
const defaultSchema = (): Json => JSON.parse(readFileSync(join(FIXTURES, 'scim-job-schema.json'), 'utf8'));
const objectMapping = (schema: Json, source: string): Json =>
  schema.synchronizationRules[0].objectMappings.find((m: Json) => m.sourceObjectName === source);
const mappingTable = (schema: Json, source: string) =>
  objectMapping(schema, source).attributeMappings.map((m: Json) => [m.source.expression, m.targetAttributeName, m.matchingPriority]);

describe('provisioning schema: attribute mappings for the customer\'s table', () => {
  it('replaces the scim template\'s user and group mappings with exactly the table\'s', () => {
    const { schema, changed, warnings } = applyMappings(defaultSchema());
    expect(changed).toBe(true);
    expect(warnings).toEqual([]);
    expect(mappingTable(schema, 'User')).toEqual([
      ['[userPrincipalName]', 'userName', 1],
      ['Not([IsSoftDeleted])', 'active', 0],
      ['[mail]', 'emails[type eq "work"].value', 0],
      ['[givenName]', 'name.givenName', 0],
      ['[surname]', 'name.familyName', 0],
      ['[mailNickname]', 'externalId', 0],
      ['[department]', `${LOOOP}department`, 0],
      ['[employeeId]', `${LOOOP}employee_id`, 0],
      ['[jobTitle]', `${LOOOP}position`, 0],
      ['[physicalDeliveryOfficeName]', `${LOOOP}location`, 0],
      ['[employeeHireDate]', `${LOOOP}startAt`, 0],
    ]);
    expect(mappingTable(schema, 'Group').sort()).toEqual(
      [
        ['[displayName]', 'displayName', 1],
        ['[members]', 'members', 0],
        ['[objectId]', 'externalId', 0],
      ].sort(),
    );
    const active = objectMapping(schema, 'User').attributeMappings[1];
    expect(active.source).toEqual({
      expression: 'Not([IsSoftDeleted])',
      name: 'Not',
      type: 'Function',
      parameters: [{ key: 'source', value: { expression: '[IsSoftDeleted]', name: 'IsSoftDeleted', type: 'Attribute', parameters: [] } }],
    });
    expect(active.flowType).toBe('Always');
  });

  it('adds every Looop extension attribute to the SCIM side, including the ones left for the admin to map', () => {
    const { schema } = applyMappings(defaultSchema());
    const target = schema.directories.find((d: Json) => d.name === 'customappsso');
    const user = target.objects.find((o: Json) => o.name === objectMapping(schema, 'User').targetObjectName);
    const looop = user.attributes.filter((a: Json) => a.name.startsWith(LOOOP));
    expect(looop.map((a: Json) => a.name.slice(LOOOP.length)).sort()).toEqual(
      ['area', 'custom_1', 'custom_2', 'custom_3', 'department', 'employee_id', 'location', 'position', 'startAt'].sort(),
    );
    for (const a of looop) expect(a).toMatchObject({ type: 'String', multivalued: false, anchor: false, mutability: 'ReadWrite' });
    const unmapped = objectMapping(schema, 'User').attributeMappings.map((m: Json) => m.targetAttributeName);
    for (const name of ['area', 'custom_1', 'custom_2', 'custom_3']) expect(unmapped).not.toContain(`${LOOOP}${name}`);
  });

  it('is idempotent: the edited schema needs no further change, whatever the order of its mappings', () => {
    const once = applyMappings(defaultSchema()).schema;
    expect(applyMappings(once).changed).toBe(false);
    objectMapping(once, 'User').attributeMappings.reverse();
    expect(applyMappings(once).changed).toBe(false);
  });

  it('drops read-only OData annotations and keeps the rest of the schema', () => {
    const { schema } = applyMappings(defaultSchema());
    expect(schema['@odata.context']).toBeUndefined();
    expect(schema.version).toBe(defaultSchema().version);
    expect(schema.synchronizationRules[0].id).toBe(defaultSchema().synchronizationRules[0].id);
  });

  it('falls back to the next source attribute, and skips a mapping whose source the tenant lacks', () => {
    const schema = defaultSchema();
    const aadUser = schema.directories[0].objects[0];
    aadUser.attributes = aadUser.attributes.filter((a: Json) => !['physicalDeliveryOfficeName', 'employeeHireDate'].includes(a.name));
    aadUser.attributes.push({ name: 'officeLocation', type: 'String' });
    const result = applyMappings(schema);
    const table = mappingTable(result.schema, 'User');
    expect(table).toContainEqual(['[officeLocation]', `${LOOOP}location`, 0]);
    expect(table.map((r: string[]) => r[1])).not.toContain(`${LOOOP}startAt`);
    expect(result.warnings.join('\n')).toContain('startAt');
  });

  it('keeps the spec in line with the app\'s Looop schema', () => {
    const looop = JSON.parse(readFileSync(join(REPO_ROOT, 'lib', 'scim', 'schemas', 'looop-user.json'), 'utf8'));
    const spec = loadMappingSpec();
    expect(spec.userTargetAttributes.map((n) => n.slice(LOOOP.length)).sort()).toEqual(looop.attributes.map((a: Json) => a.name).sort());
    expect(`${looop.id}:`).toBe(LOOOP);
  });

  it('parses attribute and function expressions', () => {
    expect(parseSource('[mail]')).toEqual({ expression: '[mail]', name: 'mail', type: 'Attribute', parameters: [] });
    expect(parseSource('Not([IsSoftDeleted])').parameters[0]?.key).toBe('source');
    expect(() => parseSource('"constant"')).toThrow(/unsupported/);
  });
});

describe('secrets bodies', () => {
  it('validateCredentials and secrets carry BaseAddress, SecretToken, and SyncAll=false (assigned users and groups only)', () => {
    expect(validateBody('https://h/scim/v2', 't0k')).toEqual({
      useSavedCredentials: false,
      credentials: [
        { key: 'BaseAddress', value: 'https://h/scim/v2' },
        { key: 'SecretToken', value: 't0k' },
      ],
    });
    const body = secretsBody('https://h/scim/v2', 't0k', 'ops@contoso.example');
    expect(body.value.map((kv) => kv.key)).toEqual(['BaseAddress', 'SecretToken', 'SyncAll', 'SyncNotificationSettings']);
    expect(body.value[2]).toEqual({ key: 'SyncAll', value: 'false' });
    expect(JSON.parse(body.value[3]!.value)).toMatchObject({ Enabled: true, Recipients: 'ops@contoso.example' });
    expect(secretsBody('https://h/scim/v2', 't0k').value.map((kv) => kv.key)).toEqual(['BaseAddress', 'SecretToken', 'SyncAll']);
  });
});

describe('status report', () => {
  const job = {
    id: 'scim.0123',
    schedule: { interval: 'PT40M' },
    status: {
      code: 'Quarantine',
      countSuccessiveCompleteFailures: 3,
      lastExecution: { state: 'Failed', timeBegan: '2026-01-02T10:00:00.123Z', timeEnded: '2026-01-02T10:01:00Z', countExported: 0, error: { code: 'SystemForCrossDomainIdentityManagementCredentialValidationUnauthorized', message: '401' } },
      lastSuccessfulExecution: { state: 'Succeeded', timeBegan: '2026-01-01T10:00:00Z', timeEnded: '2026-01-01T10:05:00Z', countExported: 42 },
      steadyStateLastAchievedTime: '0001-01-01T00:00:00Z',
      quarantine: { reason: 'EncounteredQuarantineException', currentBegan: '2026-01-02T10:01:00Z', error: { message: 'Invalid credentials' } },
      synchronizedEntryCountByType: [{ key: 'User to urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', value: 40 }, { key: 'Group to urn:ietf:params:scim:schemas:core:2.0:Group', value: 2 }],
    },
  };
  const logs = {
    value: [
      { activityDateTime: '2026-01-02T10:00:30Z', provisioningAction: 'create', provisioningStatusInfo: { status: 'failure', errorInformation: { errorCode: 'SystemForCrossDomainIdentityManagementBadRequest', reason: 'userName already exists' } }, sourceIdentity: { displayName: 'Adele Vance' }, targetIdentity: {} },
      { activityDateTime: '2026-01-02T10:00:20Z', provisioningAction: 'update', provisioningStatusInfo: { status: 'success' }, sourceIdentity: { displayName: 'Alex Wilber' }, targetIdentity: { displayName: 'alexw' } },
      { activityDateTime: '2026-01-02T10:00:10Z', provisioningAction: 'other', provisioningStatusInfo: { status: 'skipped' }, sourceIdentity: { displayName: 'Out of scope' } },
    ],
  };

  it('shows state, cycles, counts, quarantine and the recent errors', () => {
    const text = formatReport({ app: { displayName: 'Looop SCIM (contoso)', id: 'sp-1' }, job, logs });
    expect(text).toMatch(/State:\s+Quarantine \(every 40m\)/);
    expect(text).toMatch(/Last cycle:\s+Failed, began 2026-01-02 10:00:00Z/);
    expect(text).toMatch(/Last good cycle:\s+Succeeded.*exported 42/);
    expect(text).toMatch(/Steady state:\s+not reached yet/);
    expect(text).toMatch(/Quarantine:\s+EncounteredQuarantineException.*Invalid credentials/);
    expect(text).toContain('User to urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: 40');
    expect(text).toMatch(/Recent provisioning events: 3 \(failure 1, success 1, skipped 1; actions: create 1, update 1, other 1\)/);
    expect(text).toContain('FAILURE  create Adele Vance');
    expect(text).toContain('SystemForCrossDomainIdentityManagementBadRequest: userName already exists');
  });

  it('says when the logs could not be read, and summarizes as JSON', () => {
    expect(formatReport({ job, logsError: 'Forbidden' })).toContain('Provisioning logs: not available (Forbidden)');
    const s = summarize({ job, logs });
    expect(s).toMatchObject({ jobId: 'scim.0123', state: 'Quarantine', successiveFailures: 3, steadyState: null });
    expect(s.errors).toHaveLength(1);
  });
});

describe('JSON helpers', () => {
  it('reads paths, picks the app role, finds service principals, jobs and tenants', () => {
    expect(getPath({ a: { b: [0, { c: 'x' }] } }, '.a.b[1].c')).toBe('x');
    expect(getPath({}, '.a.b')).toBeUndefined();
    expect(pickAppRoleId({ appRoles: [{ displayName: 'msiam_access', id: 'm' }, { displayName: 'User', id: 'u' }] })).toBe('u');
    expect(pickAppRoleId({ appRoles: [{ displayName: 'msiam_access', id: 'm' }] })).toBe('m');
    expect(pickAppRoleId({ appRoles: [] })).toBe(DEFAULT_ACCESS_ROLE_ID);
    const tid = '8adf8e6e-67b2-4cf2-a259-e3dc5476c621';
    expect(findServicePrincipals({ value: [{ id: '1', appId: 'a', applicationTemplateId: tid }, { id: '2', appId: 'b', applicationTemplateId: 'other' }] }, tid)).toEqual([
      { id: '1', appId: 'a', applicationTemplateId: tid },
    ]);
    expect(findScimJob({ value: [{ id: 'other.1', templateId: 'other' }, { id: 'scim.2', templateId: 'scim' }] })?.id).toBe('scim.2');
    expect(findTenantId({ tenants: [{ tenantId: 't1', name: 'contoso' }] }, 'contoso')).toBe('t1');
    expect(findTenantId([{ tenantId: 't2', name: 'fabrikam' }], 'contoso')).toBe('');
    expect(decodeURIComponent(odataEq('displayName', "O'Brien (x)"))).toBe("displayName eq 'O''Brien (x)'");
  });
});
