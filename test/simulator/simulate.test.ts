// The simulator end to end against the local stack (local host + Azurite), small sizes, both PATCH dialects: zero
// errors and zero mismatches; and the verification phase does catch what an endpoint gets wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulator } from '../../tools/simulator/engine.js';
import { ScimClient } from '../../tools/simulator/http.js';
import { DEFAULT_MAPPING, defaultMappingConfig, Mappings, type MappingConfig } from '../../tools/simulator/mapping.js';
import { runSimulation, type SimulationReport } from '../../tools/simulator/run.js';
import { generateDirectory } from '../../tools/simulator/synthetic.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

function expectClean(report: SimulationReport): void {
  expect(report.errors).toEqual([]);
  expect(report.mismatches).toEqual([]);
  expect(report.ok).toBe(true);
}

describe('simulate against the local stack', () => {
  it('default mode: connection, initial, two incremental cycles, verify — zero errors, zero mismatches', async () => {
    const report = await runSimulation({
      url: stack.baseUrl,
      token: stack.token,
      mode: 'default',
      source: { kind: 'synthetic', users: 40, groups: 4, members: 10, seed: 11, tag: 'dflt' },
      concurrency: 4,
      cycles: 2,
      sendNulls: true,
    });
    expectClean(report);
    expect(report.phases.map((p) => p.name)).toEqual(['connection', 'initial', 'incremental 1', 'incremental 2', 'verify']);
    expect(report.target.mode).toBe('default');
    expect(report.skippedDisabled).toBeGreaterThan(0);
    for (const c of report.changeSets) {
      expect(c.renames + c.edits + c.disables + c.deletes + c.memberAdds + c.memberRemoves).toBeGreaterThan(0);
    }
    const ops = new Set(report.phases.flatMap((p) => Object.keys(p.operations)));
    for (const op of ['test-connection', 'query-user', 'create-user', 'set-manager', 'query-group', 'create-group', 'add-members', 'get-user', 'patch-user', 'remove-members', 'patch-group', 'delete-user', 'delete-group', 'verify-get-user', 'verify-query-user', 'verify-get-group']) {
      expect(ops, op).toContain(op);
    }
  });

  it('compliant mode, chosen by ?aadOptscim062020 on the Tenant URL — zero errors, zero mismatches', async () => {
    const exchanges: string[] = [];
    const report = await runSimulation({
      url: `${stack.baseUrl}?aadOptscim062020`,
      token: stack.token,
      source: { kind: 'synthetic', users: 40, groups: 4, members: 10, seed: 12, tag: 'cmpl' },
      concurrency: 4,
      cycles: 2,
      onExchange: (e) => exchanges.push(`${e.method} ${e.url}`),
    });
    expectClean(report);
    expect(report.target.mode).toBe('compliant');
    expect(exchanges.every((e) => e.includes('aadOptscim062020'))).toBe(true);
  });

  it('a Graph-shaped file source with a custom mapping (externalId as the matching attribute, JSONPath filters)', async () => {
    const users = [
      { id: 'a1', userPrincipalName: 'ana@files.example', mailNickname: 'ana-file', givenName: 'Ana', surname: 'Silva', accountEnabled: true, identities: [{ signInType: 'emailAddress', issuerAssignedId: 'ana@home.example' }] },
      { id: 'b2', userPrincipalName: 'ben@files.example', mailNickname: 'ben-file', givenName: 'Ben', surname: 'Okafor', accountEnabled: true, manager: { id: 'a1' }, identities: [] },
      { id: 'c3', userPrincipalName: 'cy@files.example', mailNickname: 'cy-file', givenName: 'Cy', surname: 'Kim', accountEnabled: true, manager: { id: 'a1' } },
    ];
    const mapping: MappingConfig = {
      user: {
        mappings: [
          { source: '$.mailNickname', target: 'externalId', matching: true },
          { source: '$.userPrincipalName', target: 'userName' },
          { source: '$.IsSoftDeleted', target: 'active', transform: 'not', default: false },
          { source: ['$.givenName', '$.surname'], target: 'name.formatted' },
          { source: "$.identities[?(@.signInType=='emailAddress')].issuerAssignedId", target: 'emails[type eq "home"].value' },
          { constant: 'Learner', target: 'userType' },
          { source: '$.manager.id', target: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', reference: true },
        ],
      },
      group: DEFAULT_MAPPING.group,
    };
    const report = await runSimulation({
      url: stack.baseUrl,
      token: stack.token,
      source: { kind: 'file', directory: { users, groups: [{ id: 'files-group-1', displayName: 'File Group (files)', members: [{ id: 'a1' }, { id: 'b2' }, { id: 'c3' }] }] }, seed: 3 },
      mapping,
      concurrency: 2,
      cycles: 0, // three users: a change set would touch each of them; this test is about the mapping
    });
    expectClean(report);
    const found = await stack.call('GET', '/Users?filter=externalId+eq+%22ana-file%22');
    expect(found.body.Resources[0]).toMatchObject({ userName: 'ana@files.example', userType: 'Learner', name: { formatted: 'Ana Silva' } });
  });

  it('stops after a failed test connection (a wrong token), as Entra does', async () => {
    const report = await runSimulation({ url: stack.baseUrl, token: 'not-the-token', source: { kind: 'synthetic', users: 5, groups: 1, members: 2, seed: 1 } });
    expect(report.ok).toBe(false);
    expect(report.aborted).toMatch(/test connection failed/);
    expect(report.phases.map((p) => p.name)).toEqual(['connection']);
    expect(report.errors[0]).toMatchObject({ operation: 'test-connection', status: 401, method: 'GET' });
  });

  it('verification reports what the endpoint holds differently, and cleanup removes everything', async () => {
    const mappings = new Mappings(defaultMappingConfig());
    const directory = generateDirectory({ users: 20, groups: 2, members: 6, seed: 13, domain: 'tamper.example.com', groupSuffix: 'tamper' });
    const client = new ScimClient({ baseUrl: stack.baseUrl, token: stack.token });
    const simulator = new Simulator(directory, { client, mode: 'default', mappings, concurrency: 4 });
    await simulator.testConnection();
    await simulator.initialCycle();
    expect(simulator.ok).toBe(true);

    const { users, groups } = simulator.provisioned();
    const [victim, deleted] = users;
    expect((await stack.call('PATCH', `/Users/${victim}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Tampered' }] })).status).toBe(200);
    expect((await stack.call('DELETE', `/Users/${deleted}`)).status).toBe(204);
    const group = await stack.call('GET', `/Groups/${groups[0]}`);
    const member = group.body.members.find((m: { value: string }) => m.value !== deleted).value as string;
    expect((await stack.call('PATCH', `/Groups/${groups[0]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${member}"]` }] })).status).toBe(204);

    await simulator.verify();
    expect(simulator.ok).toBe(false);
    expect(simulator.mismatches).toContainEqual(expect.objectContaining({ resourceType: 'User', id: victim, attribute: 'title', actual: 'Tampered' }));
    expect(simulator.mismatches).toContainEqual(expect.objectContaining({ resourceType: 'Group', id: groups[0], attribute: 'members' }));
    expect(simulator.errors).toContainEqual(expect.objectContaining({ operation: 'verify-get-user', status: 404, url: `${stack.baseUrl}/Users/${deleted}` }));

    await simulator.cleanup();
    for (const id of users) expect((await stack.call('GET', `/Users/${id}`)).status).toBe(404);
    for (const id of groups) expect((await stack.call('GET', `/Groups/${id}`)).status).toBe(404);
    client.close();
  });
});
