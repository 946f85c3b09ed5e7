// infra/deploy.sh edge cases against the fake az / npm / tenants CLI (see deploy-script.test.ts): the dry run,
// missing prerequisites, bad options, and a failing Test Connection whose error must not leak the token.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCall, expectNoSecrets, FAKE_BIN, graphCalls, Sandbox } from './helpers.js';

const GROUP = '11111111-2222-3333-4444-555555555555';
const GRAPH = 'https://graph.microsoft.com/v1.0';

describe('deploy.sh edge cases', () => {
  afterAll(() => Sandbox.disposeAll());

  it('--dry-run prints the whole plan and calls nothing', () => {
    const box = new Sandbox();
    const run = box.run('deploy.sh', ['--env', 'contoso', '--group', GROUP, '--start', '--dry-run']);
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([]);
    for (const expected of [
      '[dry-run] az group create -n rg-contoso -l westeurope',
      `[dry-run] az deployment group create -g rg-contoso -n scim-main --parameters ${join(box.repo, 'infra', 'main.bicepparam')}`,
      '[dry-run] (cd',
      'npm ci --omit=dev',
      '[dry-run] az functionapp deployment source config-zip -g rg-contoso',
      `[dry-run] az rest --method POST --url ${GRAPH}/applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate`,
      `[dry-run] az rest --method POST --url '${GRAPH}/servicePrincipals/<servicePrincipalId>/synchronization/jobs' --body '{"templateId":"scim"}'`,
      'node infra/scripts/provisioning-schema.mjs',
      'tenants create --name contoso --json',
      '[dry-run] <token from the tenants CLI> | node infra/scripts/secrets-body.mjs secrets',
      `--template-file ${join(box.repo, 'infra', 'entra.bicep')}`,
      '/start',
    ]) {
      expect(run.stderr).toContain(expected);
    }
    expect(readdirSync(box.tmp)).toEqual([]);
  });

  it('stops with a clear message when not logged in', () => {
    const box = new Sandbox({ loggedIn: false });
    const run = box.run('deploy.sh', ['--env', 'contoso']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("not logged in to Azure. Run 'az login'");
    expect(run.calls.map(describeCall)).toEqual(['az account show']);
  });

  it('names the missing prerequisite', () => {
    const box = new Sandbox();
    const bin = join(box.root, 'bin');
    mkdirSync(bin);
    // Everything deploy.sh needs except az: node, zip, coreutils, and the fake npm and tenants CLI.
    for (const tool of ['node', 'zip', 'bash', 'dirname']) {
      const which = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (which) symlinkSync(which, join(bin, tool));
    }
    symlinkSync(join(FAKE_BIN, 'npm'), join(bin, 'npm'));
    const run = box.run('deploy.sh', ['--env', 'contoso'], { pathOverride: bin });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('missing prerequisite(s): az');
    expect(run.calls).toEqual([]);
  });

  it('rejects bad options before touching anything', () => {
    const box = new Sandbox();
    expect(box.run('deploy.sh', []).stderr).toContain('--env is required');
    expect(box.run('deploy.sh', ['--env', 'Bad_Name']).stderr).toContain('lower-case');
    expect(box.run('deploy.sh', ['--env', 'contoso', '--group', 'not-a-guid']).stderr).toContain('object id');
    expect(box.run('deploy.sh', ['--env', 'contoso', '--bogus']).stderr).toContain('unknown option: --bogus');
    const calls = box.run('deploy.sh', ['--help']);
    expect(calls.status).toBe(0);
    expect(calls.stdout).toContain('Usage: infra/deploy.sh');
    expect(existsSync(box.logPath)).toBe(true);
  });

  it('fails clearly when Entra cannot reach the endpoint, and scrubs the token from the error', () => {
    const box = new Sandbox({ scimEndpointDown: true });
    const run = box.run('deploy.sh', ['--env', 'contoso', '--skip-code'], { env: { SCIM_VALIDATE_ATTEMPTS: '3' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Entra could not connect to https://func-scim-abc123.azurewebsites.net/scim/v2');
    expect(run.stderr).toContain('with token <redacted>');
    expect(graphCalls(run.calls, 'POST', /validateCredentials$/).length).toBe(3); // retried for cold start / RBAC delay
    expect(graphCalls(run.calls, 'PUT', /synchronization\/secrets$/)).toEqual([]);
    expectNoSecrets(box, run);
  });
});
