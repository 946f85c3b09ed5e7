// infra/deploy.sh, rotate-token.sh, status.sh and teardown.sh end to end, against a fake `az` (test/infra/fixtures/bin:
// a small in-file model of Resource Manager and Microsoft Graph that records every call), a fake `npm` and a fake
// tenants CLI. Checks the order and arguments of the calls, idempotency (a second run creates nothing), the dry run,
// errors for missing prerequisites, and that no tenant token is ever printed, put on a command line or left on disk.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCall, expectNoSecrets, graphCalls, MAIN_OUTPUTS, readZip, Sandbox, tokens } from './helpers.js';

const GROUP = '11111111-2222-3333-4444-555555555555';
const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User:';

describe('deploy.sh against a fake Azure', () => {
  const box = new Sandbox();
  let first: ReturnType<Sandbox['run']>;

  beforeAll(() => {
    first = box.run('deploy.sh', ['--env', 'contoso', '--group', GROUP, '--start', '--notify-email', 'ops@contoso.example']);
  });
  afterAll(() => Sandbox.disposeAll());

  it('deploys from nothing in the right order', () => {
    expect(first.stderr).not.toMatch(/^error:/m);
    expect(first.status).toBe(0);
    expect(first.calls.map(describeCall)).toEqual([
      'az account show',
      'az ad signed-in-user show',
      'az group exists',
      'az group create',
      'az deployment group create',
      'npm ci',
      'npm run build',
      'npm ci',
      'az functionapp deployment source',
      'az deployment group create',
      'az deployment group create',
      'az functionapp keys list',
      'az functionapp keys set',
      'az GET /servicePrincipals',
      'az POST /applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate',
      'az GET /servicePrincipals/sp',
      'az GET /servicePrincipals/sp',
      'az GET /servicePrincipals/sp/synchronization/jobs',
      'az POST /servicePrincipals/sp/synchronization/jobs',
      'az GET /servicePrincipals/sp/synchronization/jobs/{job}/schema',
      'az PUT /servicePrincipals/sp/synchronization/jobs/{job}/schema',
      'tenants list',
      'tenants create',
      'az POST /servicePrincipals/sp/synchronization/jobs/{job}/validateCredentials',
      'az PUT /servicePrincipals/sp/synchronization/secrets',
      'az GET /servicePrincipals/sp/appRoleAssignedTo',
      'az deployment group create',
      'az GET /servicePrincipals/sp/synchronization/jobs/{job}',
      'az POST /servicePrincipals/sp/synchronization/jobs/{job}/start',
    ]);
  });

  it('creates the resource group and deploys main.bicepparam with the deployer\'s object id', () => {
    const create = first.calls.find((c) => describeCall(c) === 'az group create')!;
    expect(create.argv).toEqual(expect.arrayContaining(['-n', 'rg-contoso', '-l', 'westeurope']));
    const deployment = first.calls.find((c) => describeCall(c) === 'az deployment group create')!;
    expect(deployment.argv.slice(0, 7)).toEqual(['deployment', 'group', 'create', '-g', 'rg-contoso', '-n', 'scim-main']);
    expect(deployment.argv).toContain(join(box.repo, 'infra', 'main.bicepparam'));
    expect(deployment.env).toMatchObject({ SCIM_ENV_NAME: 'contoso', SCIM_DEPLOYER_PRINCIPAL_ID: 'deployer-oid-0001', SCIM_DEPLOYER_PRINCIPAL_TYPE: 'User' });
  });

  it('builds in the repository, installs production dependencies in a staging folder, and zip-deploys it', () => {
    const npm = first.calls.filter((c) => c.tool === 'npm');
    expect(npm.map((c) => [c.argv.slice(0, 2).join(' '), c.cwd === box.repo])).toEqual([
      ['ci --no-audit', true],
      ['run build', true],
      ['ci --omit=dev', false],
    ]);
    const zipDeploy = first.calls.find((c) => describeCall(c) === 'az functionapp deployment source')!;
    expect(zipDeploy.argv).toEqual(expect.arrayContaining(['config-zip', '-g', 'rg-contoso', '-n', MAIN_OUTPUTS.AZURE_FUNCTION_APP_NAME]));
    const files = [...readZip(join(box.root, 'deployed.zip')).keys()].sort();
    expect(files).toEqual(
      [
        'dist/app/chunks/chunk-TEST.js',
        'dist/app/main.js',
        'dist/app/main.js.map',
        'host.json',
        'node_modules/@azure/data-tables/package.json',
        'node_modules/@azure/functions/package.json',
        'package-lock.json',
        'package.json',
      ].sort(),
    );
  });

  it('instantiates the non-gallery app and creates the job from the scim template', () => {
    const instantiate = graphCalls(first.calls, 'POST', /instantiate$/)[0]!;
    expect(JSON.parse(instantiate.argv[instantiate.argv.indexOf('--body') + 1]!)).toEqual({ displayName: 'Looop SCIM (contoso)' });
    const job = graphCalls(first.calls, 'POST', /synchronization\/jobs$/)[0]!;
    expect(JSON.parse(job.argv[job.argv.indexOf('--body') + 1]!)).toEqual({ templateId: 'scim' });
  });

  it('writes the table\'s attribute mappings into the job schema', () => {
    const put = graphCalls(first.calls, 'PUT', /\/schema$/)[0]!;
    expect(put.argv).toContain('@/dev/stdin');
    const schema = JSON.parse(put.stdin!);
    const users = schema.synchronizationRules[0].objectMappings.find((m: { sourceObjectName: string }) => m.sourceObjectName === 'User');
    const table = Object.fromEntries(users.attributeMappings.map((m: { targetAttributeName: string; source: { expression: string } }) => [m.targetAttributeName, m.source.expression]));
    expect(table).toMatchObject({
      userName: '[userPrincipalName]',
      active: 'Not([IsSoftDeleted])',
      'emails[type eq "work"].value': '[mail]',
      externalId: '[mailNickname]',
      [`${LOOOP}department`]: '[department]',
      [`${LOOOP}startAt`]: '[employeeHireDate]',
    });
  });

  it('creates a tenant token, tests it, and saves it with the base URL through stdin only', () => {
    const [created] = first.calls.filter((c) => c.tool === 'tenants' && c.argv[0] === 'create');
    expect(created!.argv).toEqual(['create', '--name', 'contoso', '--json']);
    expect(created!.env?.SCIM_TABLE_ENDPOINT).toBe(MAIN_OUTPUTS.SCIM_TABLE_ENDPOINT);
    const token = tokens(box)[0]!;
    const validate = graphCalls(first.calls, 'POST', /validateCredentials$/)[0]!;
    expect(JSON.parse(validate.stdin!)).toEqual({
      useSavedCredentials: false,
      credentials: [
        { key: 'BaseAddress', value: MAIN_OUTPUTS.SCIM_BASE_URL },
        { key: 'SecretToken', value: token },
      ],
    });
    const secrets = graphCalls(first.calls, 'PUT', /synchronization\/secrets$/)[0]!;
    expect(secrets.argv).toContain('@/dev/stdin');
    const saved = JSON.parse(secrets.stdin!).value as Array<{ key: string; value: string }>;
    expect(Object.fromEntries(saved.map((kv) => [kv.key, kv.value]))).toMatchObject({
      BaseAddress: MAIN_OUTPUTS.SCIM_BASE_URL,
      SecretToken: token,
      SyncAll: 'false',
    });
    expect(saved.find((kv) => kv.key === 'SyncNotificationSettings')?.value).toContain('ops@contoso.example');
  });

  it('assigns the group with entra.bicep and starts the job', () => {
    const assignment = first.calls.filter((c) => describeCall(c) === 'az deployment group create')[3]!;
    expect(assignment.argv).toEqual(
      expect.arrayContaining([
        '--template-file',
        join(box.repo, 'infra', 'entra.bicep'),
        `groupId=${GROUP}`,
        'appRoleId=18d14569-c3bd-439b-9a66-3a2aee01d14f',
      ]),
    );
    expect(first.stdout).toContain(`SCIM base URL:     ${MAIN_OUTPUTS.SCIM_BASE_URL}`);
  });

  it('puts Entra sign-in in front of the admin routes and creates the named automation key, never printing it', () => {
    const [adminApp, adminAuth] = first.calls.filter((c) => describeCall(c) === 'az deployment group create').slice(1, 3);
    const host = new URL(MAIN_OUTPUTS.SCIM_BASE_URL).host;
    expect(adminApp!.argv).toEqual(expect.arrayContaining(['--template-file', join(box.repo, 'infra', 'admin-app.bicep'), 'environmentName=contoso', `hostName=${host}`]));
    expect(adminAuth!.argv).toEqual(
      expect.arrayContaining(['--template-file', join(box.repo, 'infra', 'app', 'admin-auth.bicep'), `functionAppName=${MAIN_OUTPUTS.AZURE_FUNCTION_APP_NAME}`, 'adminAppClientId=admin-app-contoso']),
    );
    const keySet = first.calls.find((c) => describeCall(c) === 'az functionapp keys set')!;
    expect(keySet.argv).toEqual(expect.arrayContaining(['--key-type', 'functionKeys', '--key-name', 'automation']));
    expect(keySet.argv).not.toContain('--key-value');
    expect(first.stdout).not.toContain('generated-by-azure');
    expect(first.stdout).toMatch(/Your table role: +temporary/);
    expect(first.stdout).toContain('az role assignment delete --assignee deployer-oid-0001');
  });

  it('never shows, passes on a command line, or leaves on disk the token', () => {
    expectNoSecrets(box, first);
  });

  it('is idempotent: a second run creates nothing and keeps the working token', () => {
    const second = box.run('deploy.sh', ['--env', 'contoso', '--group', GROUP, '--start']);
    expect(second.status).toBe(0);
    const described = second.calls.map(describeCall);
    for (const creation of [
      'az group create',
      'az POST /applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate',
      'az POST /servicePrincipals/sp/synchronization/jobs',
      'az PUT /servicePrincipals/sp/synchronization/jobs/{job}/schema',
      'az PUT /servicePrincipals/sp/synchronization/secrets',
      'az POST /servicePrincipals/sp/synchronization/jobs/{job}/start',
      'az functionapp keys set',
    ]) {
      expect(described).not.toContain(creation);
    }
    expect(second.calls.filter((c) => c.tool === 'tenants').map((c) => c.argv[0])).toEqual(['list']);
    // main.bicep, admin-app.bicep and admin-auth.bicep (idempotent deployments), no second assignment
    expect(described.filter((d) => d === 'az deployment group create')).toHaveLength(3);
    const validate = graphCalls(second.calls, 'POST', /validateCredentials$/);
    expect(validate).toHaveLength(1);
    expect(validate[0]!.argv[validate[0]!.argv.indexOf('--body') + 1]).toBe('{"useSavedCredentials":true}');
    expect(second.stderr).toContain("Entra's saved token still works; keeping it");
    expect(tokens(box)).toHaveLength(1);
    const state = box.state() as { servicePrincipals: unknown[]; jobs: Record<string, unknown[]> };
    expect(state.servicePrincipals).toHaveLength(1);
    expect(Object.values(state.jobs).flat()).toHaveLength(1);
    expectNoSecrets(box, second);
  });

  it('rotates the token without redeploying, keeping the old one for the grace period', () => {
    const rotation = box.run('rotate-token.sh', ['--env', 'contoso', '--grace-seconds', '600']);
    expect(rotation.status).toBe(0);
    expect(rotation.calls.map(describeCall)).not.toContain('az functionapp deployment source');
    expect(rotation.calls.filter((c) => describeCall(c) === 'az deployment group create')).toHaveLength(0);
    const reset = rotation.calls.find((c) => c.tool === 'tenants' && c.argv[0] === 'reset-token')!;
    expect(reset.argv).toEqual(['reset-token', '--tenant', box.state().tenants![0]!.tenantId, '--json', '--grace-seconds', '600']);
    const [oldToken, newToken] = box.state().tokens!;
    expect(oldToken!.expiresAt).toBeGreaterThan(Date.now());
    const saved = JSON.parse(graphCalls(rotation.calls, 'PUT', /synchronization\/secrets$/)[0]!.stdin!).value;
    expect(saved.find((kv: { key: string }) => kv.key === 'SecretToken').value).toBe(newToken!.token);
    expectNoSecrets(box, rotation);
  });

  it('status.sh reports the job and the recent provisioning errors', () => {
    box.patchState({
      provisioningLogs: [
        {
          activityDateTime: '2026-01-02T10:00:30Z',
          provisioningAction: 'create',
          provisioningStatusInfo: { status: 'failure', errorInformation: { errorCode: 'SystemForCrossDomainIdentityManagementBadRequest', reason: 'userName taken' } },
          sourceIdentity: { displayName: 'Adele Vance' },
        },
      ],
    });
    const status = box.run('status.sh', ['--env', 'contoso']);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/State:\s+Active/);
    expect(status.stdout).toContain('FAILURE  create Adele Vance');
    const logs = graphCalls(status.calls, 'GET', /auditLogs\/provisioning$/)[0]!;
    const filter = new URL(logs.url!).searchParams.get('$filter')!;
    expect(filter).toMatch(/^contains\(tolower\(servicePrincipal\/id\),'sp-\d+'\) and activityDateTime gt \d{4}-\d\d-\d\dT/);
    expect(status.calls.every((c) => c.method === undefined || c.method === 'GET')).toBe(true);

    box.patchState({ denyAuditLogs: true });
    const denied = box.run('status.sh', ['--env', 'contoso', '--json']);
    expect(denied.status).toBe(0);
    expect(JSON.parse(denied.stdout).logsError).toContain('AuditLog.Read.All');
  });

  it('teardown.sh asks first, then deletes the Entra app and the resource group, and is safe to repeat', () => {
    const refused = box.run('teardown.sh', ['--env', 'contoso']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('pass --yes');
    expect(refused.calls.map(describeCall)).toEqual(['az account show']);

    const teardown = box.run('teardown.sh', ['--env', 'contoso', '--yes']);
    expect(teardown.status).toBe(0);
    expect(teardown.calls.map(describeCall)).toEqual([
      'az account show',
      'az GET /servicePrincipals',
      'az GET /applications',
      'az DELETE /applications/app-object',
      'az group exists',
      'az group delete',
    ]);
    const again = box.run('teardown.sh', ['--env', 'contoso', '--yes']);
    expect(again.status).toBe(0);
    expect(again.calls.map(describeCall)).toEqual(['az account show', 'az GET /servicePrincipals', 'az group exists']);
    expect(again.stderr).toContain('nothing to delete');
  });
});

