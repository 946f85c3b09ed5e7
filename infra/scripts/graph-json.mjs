#!/usr/bin/env node
// Small JSON helpers for the infra shell scripts, so they need no jq: node is already a prerequisite (the build).
// Each subcommand reads JSON on stdin (where it takes input) and prints a plain value on stdout.
//
//   get <path> [default]      value at a path such as .properties.outputs.SCIM_BASE_URL.value or .value[0].id;
//                             strings print raw, other values as JSON, a missing value prints the default (or nothing)
//   fields <path>...          one line per path (empty line when missing), for `read` in the shell
//   find-sp <templateId>      from GET /servicePrincipals?$filter=...: "<id> <appId>" of the one service principal
//                             instantiated from that application template; exit 3 when several match
//   scim-job                  from GET .../synchronization/jobs: the id of the job made from the "scim" template
//   app-role                  from a service principal: the id of its "User" app role, else "msiam_access",
//                             else the default-access id (all zeros)
//   has-assignment <id>       from GET .../appRoleAssignedTo: exit 0 when principal <id> is assigned, 1 otherwise
//   tenant-id <name>          from `tenants list --json`: the tenantId of the tenant with that name
//   oauth-clients <name>      from `tenants oauth-client-list --json`: the clientIds of the clients with that name
//   job-code                  from GET .../jobs/{id}: status.code
//   odata-eq <prop> <value>   (no stdin) URL-encoded OData filter "<prop> eq '<value>'"
//   json-body <key> <value>   (no stdin) {"<key>":"<value>"} as JSON
//   json-string <value>       (no stdin) the value as a JSON string literal
//   urlencode <text>          (no stdin) the text percent-encoded for a query parameter
//   days-ago <n>              (no stdin) UTC timestamp n days back, for OData date filters
//
// Sources: servicePrincipal and its appRoles, https://learn.microsoft.com/graph/api/resources/serviceprincipal
// synchronizationJob, https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationjob
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

/** Value at a jq-like path (.a.b[0].c); undefined when any step is missing. */
export function getPath(value, path) {
  const steps = [...path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  let current = value;
  for (const step of steps) {
    if (current === null || current === undefined) return undefined;
    current = current[step];
  }
  return current;
}

/** Service principals from a Graph list that were instantiated from the given application template. */
export function findServicePrincipals(list, templateId) {
  const items = Array.isArray(list?.value) ? list.value : [];
  return items.filter((sp) => !sp.applicationTemplateId || sp.applicationTemplateId.toLowerCase() === templateId.toLowerCase());
}

/** The synchronization job created from the "scim" template (its id begins "scim."). */
export function findScimJob(list) {
  const items = Array.isArray(list?.value) ? list.value : [];
  return items.find((job) => job.templateId === 'scim' || String(job.id ?? '').startsWith('scim.'));
}

/** The app role to assign: "User", else "msiam_access", else default access. Matched by displayName (value is null). */
export function pickAppRoleId(servicePrincipal) {
  const roles = Array.isArray(servicePrincipal?.appRoles) ? servicePrincipal.appRoles.filter((r) => r.isEnabled !== false) : [];
  for (const wanted of ['User', 'msiam_access']) {
    const role = roles.find((r) => r.displayName === wanted || r.value === wanted);
    if (role) return role.id;
  }
  return DEFAULT_ACCESS_ROLE_ID;
}

/** Tenants as printed by the tenants CLI: an array, or an object with a "tenants" or "value" array. */
export function findTenantId(list, name) {
  const items = Array.isArray(list) ? list : Array.isArray(list?.tenants) ? list.tenants : Array.isArray(list?.value) ? list.value : [];
  const tenant = items.find((t) => t.name === name);
  return tenant ? String(tenant.tenantId ?? tenant.id ?? '') : '';
}

/** The ids of a tenant's OAuth clients named `name` (from `tenants oauth-client-list --json`). */
export function oauthClientIds(list, name) {
  const items = Array.isArray(list?.clients) ? list.clients : [];
  return items.filter((c) => c.name === name && typeof c.clientId === 'string').map((c) => c.clientId);
}

/** OData string literal comparison, URL-encoded for a $filter query parameter. */
export function odataEq(property, value) {
  return encodeURIComponent(`${property} eq '${String(value).replaceAll("'", "''")}'`);
}

function readStdinJson() {
  const text = readFileSync(0, 'utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    fail(`expected JSON on stdin, got: ${text.slice(0, 120)}`);
  }
}

function print(value) {
  if (value === undefined || value === null) return;
  process.stdout.write(typeof value === 'string' ? value : JSON.stringify(value));
  process.stdout.write('\n');
}

function fail(message, code = 2) {
  process.stderr.write(`graph-json: ${message}\n`);
  process.exit(code);
}

function main(argv) {
  const [command, ...args] = argv;
  switch (command) {
    case 'get': {
      const value = getPath(readStdinJson(), args[0] ?? '.');
      print(value === undefined || value === null ? args[1] : value);
      return;
    }
    case 'fields': {
      const input = readStdinJson();
      for (const p of args) {
        const v = getPath(input, p);
        process.stdout.write(`${v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v)}\n`);
      }
      return;
    }
    case 'find-sp': {
      const matches = findServicePrincipals(readStdinJson(), args[0] ?? '');
      if (matches.length > 1) fail(`${matches.length} enterprise applications share this name; pass a unique --app-name`, 3);
      if (matches.length === 1) print(`${matches[0].id} ${matches[0].appId}`);
      return;
    }
    case 'scim-job':
      print(findScimJob(readStdinJson())?.id);
      return;
    case 'app-role':
      print(pickAppRoleId(readStdinJson()));
      return;
    case 'has-assignment': {
      const items = readStdinJson()?.value ?? [];
      process.exit(items.some((a) => String(a.principalId).toLowerCase() === String(args[0]).toLowerCase()) ? 0 : 1);
      return;
    }
    case 'tenant-id':
      print(findTenantId(readStdinJson(), args[0] ?? '') || undefined);
      return;
    case 'oauth-clients':
      for (const id of oauthClientIds(readStdinJson(), args[0] ?? '')) process.stdout.write(`${id}\n`);
      return;
    case 'job-code':
      print(readStdinJson()?.status?.code);
      return;
    case 'odata-eq':
      print(odataEq(args[0], args[1] ?? ''));
      return;
    case 'json-body':
      print({ [args[0]]: args[1] ?? '' });
      return;
    case 'json-string':
      print(JSON.stringify(args[0] ?? ''));
      return;
    case 'urlencode':
      print(encodeURIComponent(args[0] ?? ''));
      return;
    case 'days-ago':
      print(new Date(Date.now() - Number(args[0] ?? 0) * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'));
      return;
    default:
      fail(`unknown command "${command ?? ''}"`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
