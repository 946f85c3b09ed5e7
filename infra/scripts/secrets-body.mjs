#!/usr/bin/env node
// Builds the Graph request bodies that carry the tenant token, reading the token from stdin (the JSON the tenants CLI
// prints: {"tenantId":"...","token":"..."}), so the token never appears in a command line, an environment
// variable, a file or the terminal. infra/deploy.sh pipes: tenants CLI → this script → az rest --body @/dev/stdin.
//
//   secrets-body.mjs validate --base-url <url>                   → validateCredentials body
//   secrets-body.mjs secrets  --base-url <url> [--notify-email <address>]  → PUT synchronization/secrets body
//
// Graph docs:
//   validateCredentials: https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-validatecredentials
//   PUT secrets:         https://learn.microsoft.com/graph/api/synchronization-serviceprincipal-put-synchronization
//   secret keys:         https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationsecretkeystringvaluepair
//     BaseAddress = the portal's "Tenant URL"; SecretToken = "Secret Token"; SyncAll "false" = sync only assigned
//     users and groups; SyncNotificationSettings = quarantine e-mails.
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
  let token;
  try {
    token = JSON.parse(readFileSync(0, 'utf8')).token;
  } catch {
    fail('expected the tenants CLI JSON ({"token": ...}) on stdin'); // never echo the input: it holds the token
  }
  if (typeof token !== 'string' || token.length === 0) fail('no "token" in the tenants CLI output');
  let body;
  if (mode === 'validate') body = validateBody(baseUrl, token);
  else if (mode === 'secrets') body = secretsBody(baseUrl, token, option(args, '--notify-email'));
  else fail(`unknown mode "${mode ?? ''}" (validate | secrets)`);
  process.stdout.write(JSON.stringify(body));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
