// Issue 14: infra/deploy.sh --auth oauth wires the Entra provisioning job with OAuth 2.0 client credentials instead of
// a secret token, against the fake az / tenants CLI: an OAuth client of the tenant is created, validated inline with
// the Graph synchronization secret keys (AuthenticationType=OAuth2ClientCredentialsGrant, Oauth2ClientId,
// Oauth2ClientSecret, Oauth2TokenExchangeUri), saved through the portal's connectivityParameters, the tenant's secret
// tokens are revoked, and no secret is ever printed or put on a command line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCall, expectNoSecrets, graphCalls, MAIN_OUTPUTS, Sandbox } from './helpers.js';

const TOKEN_URL = `${MAIN_OUTPUTS.SCIM_BASE_URL}/oauth2/token`;

describe('deploy.sh --auth oauth against a fake Azure', () => {
  const box = new Sandbox();
  let first: ReturnType<Sandbox['run']>;

  beforeAll(() => {
    first = box.run('deploy.sh', ['--env', 'contoso', '--auth', 'oauth', '--notify-email', 'ops@contoso.example']);
  });
  afterAll(() => Sandbox.disposeAll());

  it('creates the tenant and an OAuth client, validates, saves settings and credentials, then revokes the secret tokens', () => {
    expect(first.stderr).not.toMatch(/^error:/m);
    expect(first.status).toBe(0);
    const tail = first.calls.map(describeCall).slice(first.calls.findIndex((c) => c.tool === 'tenants'));
    expect(tail).toEqual([
      'tenants list',
      'tenants create',
      'tenants oauth-client-create',
      'az POST /servicePrincipals/sp/synchronization/jobs/{job}/validateCredentials',
      'az PUT /servicePrincipals/sp/synchronization/secrets',
      'az PATCH /beta/servicePrincipals/sp/synchronization/connectivityParameters',
      'tenants revoke',
      'tenants oauth-client-list',
    ]);
    const client = box.state().oauthClients![0]!;
    const validate = graphCalls(first.calls, 'POST', /validateCredentials$/)[0]!;
    expect(JSON.parse(validate.stdin!)).toEqual({
      useSavedCredentials: false,
      credentials: [
        { key: 'BaseAddress', value: MAIN_OUTPUTS.SCIM_BASE_URL },
        { key: 'AuthenticationType', value: 'OAuth2ClientCredentialsGrant' },
        { key: 'Oauth2ClientId', value: client.clientId },
        { key: 'Oauth2ClientSecret', value: client.clientSecret },
        { key: 'Oauth2TokenExchangeUri', value: TOKEN_URL },
      ],
    });
    const put = graphCalls(first.calls, 'PUT', /synchronization\/secrets$/)[0]!;
    expect(JSON.parse(put.stdin!).value.map((kv: { key: string }) => kv.key)).toEqual(['BaseAddress', 'SyncAll', 'SyncNotificationSettings']);
    expect(put.stdin).not.toContain(client.clientSecret);
    const patch = graphCalls(first.calls, 'PATCH', /connectivityParameters$/)[0]!;
    expect(patch.url).toMatch(/^https:\/\/graph\.microsoft\.com\/beta\//);
    expect(JSON.parse(patch.stdin!).value).toEqual([
      { key: 'authenticationType', value: 'OAuth2ClientCredentialsGrant' },
      { key: 'baseAddress', value: MAIN_OUTPUTS.SCIM_BASE_URL },
      { key: 'oauth2ClientId', value: client.clientId },
      { key: 'oauth2ClientSecret', value: client.clientSecret },
      { key: 'oauth2TokenExchangeUri', value: TOKEN_URL },
      { key: 'credentialLocationInRequest', value: 'Header' },
    ]);
    // The tenant is left with no secret token: Entra holds only the OAuth client.
    expect(box.state().tokens).toEqual([]);
    expect(first.stdout).toContain('OAuth client (client credentials grant)');
  });

  it('prints no secret and leaves none on disk or on a command line', () => {
    expectNoSecrets(box, first);
  });

  it('a second run keeps the OAuth client Entra holds (saved credentials still validate)', () => {
    const again = box.run('deploy.sh', ['--env', 'contoso', '--auth', 'oauth', '--skip-infra', '--skip-code']);
    expect(again.status).toBe(0);
    expect(again.calls.filter((c) => c.tool === 'tenants').map(describeCall)).toEqual(['tenants list']);
    expect(graphCalls(again.calls, 'POST', /validateCredentials$/).map((c) => JSON.parse(c.argv[c.argv.indexOf('--body') + 1]!))).toEqual([{ useSavedCredentials: true }]);
  });

  it('--rotate-token issues a new OAuth client and deletes the one it replaces', () => {
    const before = box.state().oauthClients!.map((c) => c.clientId);
    const rotated = box.run('deploy.sh', ['--env', 'contoso', '--auth', 'oauth', '--skip-infra', '--skip-code', '--rotate-token']);
    expect(rotated.status).toBe(0);
    const after = box.state().oauthClients!.map((c) => c.clientId);
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
    const deleted = rotated.calls.filter((c) => c.tool === 'tenants' && c.argv[0] === 'oauth-client-delete');
    expect(deleted.map((c) => c.argv[c.argv.indexOf('--client') + 1])).toEqual(before);
    expectNoSecrets(box, rotated);
  });

  it('refuses an unknown --auth value', () => {
    const bad = box.run('deploy.sh', ['--env', 'contoso', '--auth', 'basic']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--auth must be token or oauth');
  });

  it('a dry run in OAuth mode prints the commands and calls nothing', () => {
    const dry = box.run('deploy.sh', ['--env', 'fabrikam', '--auth', 'oauth', '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stderr).toContain('connectivityParameters');
    expect(dry.calls.filter((c) => c.tool === 'tenants' && c.argv[0] !== 'list')).toEqual([]);
  });
});
