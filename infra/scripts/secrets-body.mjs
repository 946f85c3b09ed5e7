#!/usr/bin/env node
// Builds the Graph request bodies that carry the tenant token, reading the token from stdin (the JSON the tenants CLI
// prints: {"tenantId":"...","token":"..."}), so the token never appears in a command line, an environment
// variable, a file or the terminal. infra/deploy.sh pipes: tenants CLI → this script → az rest --body @/dev/stdin.
//
//   secrets-body.mjs validate --base-url <url>                   → validateCredentials body
//   secrets-body.mjs secrets  --base-url <url> [--notify-email <address>]  → PUT synchronization/secrets body
//
// With --auth oauth, stdin is instead the OAuth client the CLI created ({"clientId","clientSecret","tokenEndpoint"}):
//   secrets-body.mjs validate-oauth --base-url <url>             → validateCredentials body (inline OAuth keys)
//   secrets-body.mjs secrets-oauth --base-url <url> [--notify-email <address>]
//                                                                → PUT synchronization/secrets body (no credential)
//   secrets-body.mjs connectivity-oauth --base-url <url>         → PATCH (beta) synchronization/connectivityParameters
//
// Graph docs:
//   validateCredentials: https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-validatecredentials
//   PUT secrets:         https://learn.microsoft.com/graph/api/synchronization-serviceprincipal-put-synchronization
//   secret keys:         https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationsecretkeystringvaluepair
//     BaseAddress = the portal's "Tenant URL"; SecretToken = "Secret Token"; SyncAll "false" = sync only assigned
//     users and groups; SyncNotificationSettings = quarantine e-mails.
//   OAuth keys (the synchronizationSecret enum of the same page): AuthenticationType = "OAuth2ClientCredentialsGrant",
//     Oauth2ClientId, Oauth2ClientSecret, Oauth2TokenExchangeUri. Microsoft's gallery-validation guide
//     (AzureAD/SCIMReferenceCode, Microsoft.SCIM.LogicAppValidationTemplate/StandardLogicApp/scim-onboarding.agent.md)
//     validates them inline with validateCredentials and saves them with PATCH
//     beta/servicePrincipals/{id}/synchronization/connectivityParameters using the portal's lower-case key names
//     (authenticationType, baseAddress, oauth2ClientId, oauth2ClientSecret, oauth2TokenExchangeUri,
//     credentialLocationInRequest), because PUT .../secrets with the OAuth keys can fail with "NotInAllowList"; and
//     CredentialLocationInRequest must not be sent inline (Graph answers "Requested value ... was not found").
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function credentials(baseUrl, token) {
  return [
    { key: 'BaseAddress', value: baseUrl },
    { key: 'SecretToken', value: token },
  ];
}

export function validateBody(baseUrl, token) {
  return { useSavedCredentials: false, credentials: credentials(baseUrl, token) };
}

export function secretsBody(baseUrl, token, notifyEmail) {
  const value = [...credentials(baseUrl, token), { key: 'SyncAll', value: 'false' }];
  if (notifyEmail) {
    value.push({
      key: 'SyncNotificationSettings',
      value: JSON.stringify({ Enabled: true, Recipients: notifyEmail, DeleteThresholdEnabled: false }),
    });
  }
  return { value };
}

export const OAUTH_AUTHENTICATION_TYPE = 'OAuth2ClientCredentialsGrant';

export function oauthCredentials(baseUrl, client) {
  return [
    { key: 'BaseAddress', value: baseUrl },
    { key: 'AuthenticationType', value: OAUTH_AUTHENTICATION_TYPE },
    { key: 'Oauth2ClientId', value: client.clientId },
    { key: 'Oauth2ClientSecret', value: client.clientSecret },
    { key: 'Oauth2TokenExchangeUri', value: client.tokenEndpoint },
  ];
}

export function validateOAuthBody(baseUrl, client) {
  return { useSavedCredentials: false, credentials: oauthCredentials(baseUrl, client) };
}

/** The job's other settings (scope, notifications): PUT .../secrets, carrying no credential in OAuth mode. */
export function oauthSecretsBody(baseUrl, notifyEmail) {
  const value = [{ key: 'BaseAddress', value: baseUrl }, { key: 'SyncAll', value: 'false' }];
  if (notifyEmail) value.push({ key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: true, Recipients: notifyEmail, DeleteThresholdEnabled: false }) });
  return { value };
}

export function connectivityBody(baseUrl, client) {
  return {
    value: [
      { key: 'authenticationType', value: OAUTH_AUTHENTICATION_TYPE },
      { key: 'baseAddress', value: baseUrl },
      { key: 'oauth2ClientId', value: client.clientId },
      { key: 'oauth2ClientSecret', value: client.clientSecret },
      { key: 'oauth2TokenExchangeUri', value: client.tokenEndpoint },
      { key: 'credentialLocationInRequest', value: 'Header' },
    ],
  };
}

function option(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function fail(message) {
  process.stderr.write(`secrets-body: ${message}\n`);
  process.exit(2);
}

function main(argv) {
  const [mode, ...args] = argv;
  const baseUrl = option(args, '--base-url');
  if (!baseUrl || !/^https:\/\//.test(baseUrl)) fail('--base-url https://... is required');
  let input;
  try {
    input = JSON.parse(readFileSync(0, 'utf8'));
  } catch {
    fail('expected the tenants CLI JSON on stdin'); // never echo the input: it holds the token or client secret
  }
  const oauth = typeof mode === 'string' && mode.endsWith('-oauth');
  if (oauth) {
    const ok = (v) => typeof v === 'string' && v.length > 0;
    if (!ok(input?.clientId) || !ok(input?.clientSecret) || !ok(input?.tokenEndpoint)) fail('no "clientId", "clientSecret" and "tokenEndpoint" in the tenants CLI output');
  } else if (typeof input?.token !== 'string' || input.token.length === 0) fail('no "token" in the tenants CLI output');
  let body;
  if (mode === 'validate') body = validateBody(baseUrl, input.token);
  else if (mode === 'secrets') body = secretsBody(baseUrl, input.token, option(args, '--notify-email'));
  else if (mode === 'validate-oauth') body = validateOAuthBody(baseUrl, input);
  else if (mode === 'secrets-oauth') body = oauthSecretsBody(baseUrl, option(args, '--notify-email'));
  else if (mode === 'connectivity-oauth') body = connectivityBody(baseUrl, input);
  else fail(`unknown mode "${mode ?? ''}" (validate | secrets | validate-oauth | secrets-oauth | connectivity-oauth)`);
  process.stdout.write(JSON.stringify(body));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
