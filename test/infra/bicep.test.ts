// Static checks of infra/*.bicep and infra/*.bicepparam: the Bicep compiler and Azure can't be reached from here, so
// the files are parsed with the tree-sitter Bicep grammar (npm tree-sitter-bicep, WASM, in web-tree-sitter) and the
// syntax tree is checked for the project's contracts (identity-only storage access, Flex settings, role assignment
// names, outputs), and the README's resource list is compared with what the templates declare.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Node, Tree } from 'web-tree-sitter';
import { beforeAll, describe, expect, it } from 'vitest';
import { bicepParser, INFRA_DIR, listFiles, syntaxErrors, walk } from './helpers.js';

const bicepFiles = listFiles(INFRA_DIR, (f) => f.endsWith('.bicep'));
const paramFiles = listFiles(INFRA_DIR, (f) => f.endsWith('.bicepparam'));
const trees = new Map<string, Tree>();
const rel = (f: string) => relative(INFRA_DIR, f);

/**
 * The grammar (tree-sitter-bicep 1.1.0) predates two pieces of current syntax, so two narrowly checked allowances:
 * - `extension <alias>` (Bicep 0.30+): accepted only as a whole top-level ERROR node matching exactly that statement,
 *   and the alias must be declared in infra/bicepconfig.json.
 * - .bicepparam assignments `param <name> = <expr>`: the grammar knows `using` but not assignment without a type, so
 *   each is parsed as `var <name> = <expr>` (same expression grammar; the keyword is padded to keep columns), and
 *   every name must be a parameter main.bicep declares.
 */
const EXTENSION_STATEMENT = /^extension\s+([A-Za-z_][A-Za-z0-9_]*)$/;
const paramAssignment = /^param(\s+)([A-Za-z_][A-Za-z0-9_]*)(\s*)=/gm;

function source(file: string): string {
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.bicepparam') ? text.replace(paramAssignment, (_m, s1, name, s2) => `var  ${s1}${name}${s2}=`) : text;
}

function tree(file: string): Node {
  const t = trees.get(file);
  if (!t) throw new Error(`not parsed: ${file}`);
  return t.rootNode;
}

function nodesOfType(root: Node, type: string): Node[] {
  const out: Node[] = [];
  walk(root, (n) => {
    if (n.type === type) out.push(n);
  });
  return out;
}

function stringValue(n: Node | null | undefined): string | undefined {
  if (!n || n.type !== 'string') return undefined;
  return n.text.replace(/^'|'$/g, '');
}

/** The value node of property `key` in an object node (keys may be identifiers or strings). */
function prop(obj: Node | null | undefined, key: string): Node | undefined {
  if (!obj || obj.type !== 'object') return undefined;
  for (const p of obj.namedChildren) {
    if (p?.type !== 'object_property') continue;
    const k = p.namedChildren[0];
    const name = k?.type === 'string' ? stringValue(k) : k?.text;
    if (name === key) return p.namedChildren[p.namedChildren.length - 1] ?? undefined;
  }
  return undefined;
}

function path(obj: Node | undefined, ...keys: string[]): Node | undefined {
  let cur: Node | undefined = obj;
  for (const k of keys) cur = prop(cur, k);
  return cur;
}

/** Resource declarations with their full type (nested child resources get the parent's type prefix). */
function resources(root: Node): Array<{ node: Node; symbol: string; type: string; existing: boolean; body: Node | undefined }> {
  const out: Array<{ node: Node; symbol: string; type: string; existing: boolean; body: Node | undefined }> = [];
  const visit = (n: Node, parentType: string | undefined) => {
    if (n.type === 'resource_declaration') {
      const symbol = n.namedChildren[0]?.text ?? '';
      const spec = stringValue(n.namedChildren[1]) ?? '';
      const bare = spec.split('@')[0] ?? '';
      const type = parentType && !bare.includes('/') ? `${parentType}/${bare}` : bare;
      const existing = n.children.some((c) => c?.type === 'existing');
      const valueNode = n.namedChildren[n.namedChildren.length - 1];
      const body = valueNode?.type === 'object' ? valueNode : valueNode?.namedChildren.find((c) => c?.type === 'object') ?? undefined;
      out.push({ node: n, symbol, type, existing, body });
      for (const c of n.namedChildren) if (c) visit(c, type);
      return;
    }
    for (const c of n.namedChildren) if (c) visit(c, parentType);
  };
  visit(root, undefined);
  return out;
}

function modules(root: Node): Array<{ symbol: string; ref: string; body: Node | undefined }> {
  return nodesOfType(root, 'module_declaration').map((n) => {
    const valueNode = n.namedChildren[n.namedChildren.length - 1];
    return {
      symbol: n.namedChildren[0]?.text ?? '',
      ref: stringValue(n.namedChildren[1]) ?? '',
      body: valueNode?.type === 'object' ? valueNode : undefined,
    };
  });
}

function declaredParams(root: Node): string[] {
  return nodesOfType(root, 'parameter_declaration').map((n) => n.namedChildren[0]?.text ?? '');
}

beforeAll(async () => {
  const parser = await bicepParser();
  for (const file of [...bicepFiles, ...paramFiles]) {
    const t = parser.parse(source(file));
    if (!t) throw new Error(`tree-sitter returned no tree for ${file}`);
    trees.set(file, t);
  }
});

describe('every Bicep file parses', () => {
  it('finds the templates and the parameter file', () => {
    expect(bicepFiles.map(rel)).toEqual(['admin-app.bicep', 'app/admin-auth.bicep', 'app/api.bicep', 'app/rbac.bicep', 'entra.bicep', 'main.bicep']);
    expect(paramFiles.map(rel)).toEqual(['main.bicepparam']);
  });

  it.each([...bicepFiles, ...paramFiles].map(rel))('%s has no syntax error', (name) => {
    const root = tree(join(INFRA_DIR, name));
    const config = JSON.parse(readFileSync(join(INFRA_DIR, 'bicepconfig.json'), 'utf8')) as { extensions: Record<string, string> };
    const errors = syntaxErrors(root).filter(({ node }) => {
      const m = EXTENSION_STATEMENT.exec(node.text.trim());
      const topLevel = node.parent?.type === 'infrastructure';
      return !(m && topLevel && node.type === 'ERROR' && m[1] !== undefined && m[1] in config.extensions);
    });
    expect(errors.map((e) => e.where)).toEqual([]);
    expect(root.namedChildren.length).toBeGreaterThan(0);
  });

  it('main.bicepparam only sets parameters that main.bicep declares', () => {
    const text = readFileSync(paramFiles[0]!, 'utf8');
    expect(text).toMatch(/^using '\.\/main\.bicep'$/m);
    const assigned = [...text.matchAll(paramAssignment)].map((m) => m[2]);
    const declared = declaredParams(tree(join(INFRA_DIR, 'main.bicep')));
    expect(assigned.length).toBeGreaterThan(0);
    for (const name of assigned) expect(declared).toContain(name);
  });

  it('entra.bicep uses the Microsoft Graph extension alias configured in bicepconfig.json', () => {
    const config = JSON.parse(readFileSync(join(INFRA_DIR, 'bicepconfig.json'), 'utf8')) as { extensions: Record<string, string> };
    expect(config.extensions.microsoftGraphV1).toMatch(/^br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\/v1\.0:\d+\.\d+\.\d+$/);
    for (const file of ['entra.bicep', 'admin-app.bicep']) expect(readFileSync(join(INFRA_DIR, file), 'utf8')).toMatch(/^extension microsoftGraphV1$/m);
  });
});

describe('templates', () => {
  const all = () => bicepFiles.map((f) => ({ file: f, root: tree(f) }));

  it('module references resolve: local files exist, registry modules are Azure Verified Modules pinned to a version', () => {
    for (const { file, root } of all()) {
      for (const m of modules(root)) {
        if (m.ref.startsWith('br/public:')) expect(m.ref).toMatch(/^br\/public:avm\/res\/[a-z-]+\/[a-z-]+:\d+\.\d+\.\d+$/);
        else expect(existsSync(join(dirname(file), m.ref)), `${rel(file)}: ${m.ref}`).toBe(true);
      }
    }
  });

  it('names every role assignment guid(scope, principal, role) and sets its scope', () => {
    const assignments = all().flatMap(({ root }) => resources(root).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments'));
    expect(assignments.length).toBe(6);
    for (const a of assignments) {
      const name = prop(a.body, 'name');
      expect(name?.type).toBe('call_expression');
      expect(name?.namedChildren[0]?.text).toBe('guid');
      expect(name?.namedChildren[1]?.namedChildren.length).toBe(3);
      expect(prop(a.body, 'scope')).toBeDefined();
      expect(path(a.body, 'properties', 'principalType')).toBeDefined();
    }
  });

  it('grants the app identity blob, queue and table data roles and the deployer the table role', () => {
    const rbac = readFileSync(join(INFRA_DIR, 'app', 'rbac.bicep'), 'utf8');
    for (const roleId of [
      'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', // Storage Blob Data Owner
      '974c5e8b-45b9-4653-ba55-5f855dd0fb88', // Storage Queue Data Contributor
      '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', // Storage Table Data Contributor
      '3913510d-42f4-4e42-8a64-420c390055eb', // Monitoring Metrics Publisher
    ]) {
      expect(rbac).toContain(roleId);
    }
    expect(rbac).toMatch(/guid\(tables\[0\]\.id, deployerPrincipalId, roleIds\.storageTableDataContributor\)/);
  });

  it('scopes the operator\'s queue role (creating queue subscriptions) to the queue service, not the account', () => {
    const assignments = resources(tree(join(INFRA_DIR, 'app', 'rbac.bicep'))).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    const queue = assignments.filter((a) => prop(a.body, 'properties')?.text.includes('roleIds.storageQueueDataContributor') && prop(a.body, 'properties')?.text.includes('deployerPrincipalId'));
    expect(queue).toHaveLength(1);
    expect(prop(queue[0].body, 'scope')?.text).toBe('queueService');
    // Loopback webhook targets are for local development only: never allowed in Azure.
    for (const file of bicepFiles) expect(readFileSync(file, 'utf8'), rel(file)).not.toContain('SCIM_WEBHOOKS_ALLOW_LOOPBACK');
    expect(readFileSync(join(INFRA_DIR, 'app', 'rbac.bicep'), 'utf8')).toMatch(/resource queueService 'Microsoft\.Storage\/storageAccounts\/queueServices@[\d-]+' existing = \{\s*parent: storageAccount\s*name: 'default'/);
  });

  it('keeps storage identity-only: shared keys off, TLS 1.2, HTTPS, no public blobs, the scim table and deploy container', () => {
    const storage = modules(tree(join(INFRA_DIR, 'main.bicep'))).find((m) => m.ref.includes('storage-account'));
    const params = prop(storage?.body, 'params');
    expect(prop(params, 'allowSharedKeyAccess')?.text).toBe('false');
    expect(prop(params, 'allowBlobPublicAccess')?.text).toBe('false');
    expect(prop(params, 'supportsHttpsTrafficOnly')?.text).toBe('true');
    expect(stringValue(prop(params, 'minimumTlsVersion'))).toBe('TLS1_2');
    expect(path(params, 'tableServices', 'tables')?.text).toContain('scimTableName');
    expect(path(params, 'blobServices', 'containers')?.text).toContain('deploymentStorageContainerName');
  });

  it('has no account key, SAS or keyed connection string anywhere', () => {
    for (const file of [...bicepFiles, ...paramFiles]) {
      const text = readFileSync(file, 'utf8');
      for (const forbidden of [/listKeys\s*\(/i, /listAccountSas/i, /AccountKey=/i, /SharedAccessSignature/i, /DefaultEndpointsProtocol/i, /primaryKey/i]) {
        expect(text, `${rel(file)} ${forbidden}`).not.toMatch(forbidden);
      }
    }
  });

  it('defines a Flex Consumption Node 22 app deployed from a blob container with the managed identity, HTTPS only, TLS 1.2', () => {
    const res = resources(tree(join(INFRA_DIR, 'app', 'api.bicep')));
    const plan = res.find((r) => r.type === 'Microsoft.Web/serverfarms');
    expect(stringValue(path(plan?.body, 'sku', 'tier'))).toBe('FlexConsumption');
    expect(stringValue(path(plan?.body, 'sku', 'name'))).toBe('FC1');
    const site = res.find((r) => r.type === 'Microsoft.Web/sites' && !r.existing);
    expect(stringValue(prop(site?.body, 'kind'))).toBe('functionapp,linux');
    expect(stringValue(path(site?.body, 'identity', 'type'))).toBe('UserAssigned');
    const props = prop(site?.body, 'properties');
    expect(prop(props, 'httpsOnly')?.text).toBe('true');
    expect(stringValue(path(props, 'siteConfig', 'minTlsVersion'))).toBe('1.2');
    expect(stringValue(path(props, 'siteConfig', 'ftpsState'))).toBe('Disabled');
    const config = prop(props, 'functionAppConfig');
    expect(stringValue(path(config, 'runtime', 'name'))).toBe('node');
    expect(path(config, 'runtime', 'version')?.text).toBe('nodeVersion');
    expect(readFileSync(join(INFRA_DIR, 'app', 'api.bicep'), 'utf8')).toMatch(/param nodeVersion string = '22'/);
    expect(stringValue(path(config, 'deployment', 'storage', 'type'))).toBe('blobContainer');
    expect(stringValue(path(config, 'deployment', 'storage', 'authentication', 'type'))).toBe('UserAssignedIdentity');
    const publishing = res.filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(publishing.map((r) => stringValue(prop(r.body, 'name'))).sort()).toEqual(['ftp', 'scm']);
    for (const p of publishing) expect(path(p.body, 'properties', 'allow')?.text).toBe('false');
  });

  it('sets exactly the identity-based app settings the code reads, and none Flex rejects', () => {
    const settings = resources(tree(join(INFRA_DIR, 'app', 'api.bicep'))).find((r) => r.type === 'Microsoft.Web/sites/config');
    expect(stringValue(prop(settings?.body, 'name'))).toBe('appsettings');
    const values = prop(settings?.body, 'properties');
    const keys = (values?.namedChildren ?? []).filter((p) => p?.type === 'object_property').map((p) => p?.namedChildren[0]?.text);
    expect(keys.sort()).toEqual(
      [
        'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        'AZURE_CLIENT_ID',
        'AzureWebJobsStorage__accountName',
        'AzureWebJobsStorage__clientId',
        'AzureWebJobsStorage__credential',
        'SCIM_ADMIN_ROLE',
        'SCIM_QUEUE_ENDPOINT',
        'SCIM_TABLE_ENDPOINT',
        'SCIM_TABLE_NAME',
        'SCIM_TENANT_REQUESTS_PER_MINUTE',
      ].sort(),
    );
    expect(stringValue(prop(values, 'AzureWebJobsStorage__credential'))).toBe('managedidentity');
    expect(prop(values, 'AZURE_CLIENT_ID')?.text).toBe('identityClientId');
    expect(prop(values, 'AzureWebJobsStorage__clientId')?.text).toBe('identityClientId');
    expect(prop(values, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING')?.text).toBe("'ClientId=${identityClientId};Authorization=AAD'");
    expect(readFileSync(join(INFRA_DIR, 'app', 'api.bicep'), 'utf8')).toMatch(/var queueEndpoint = 'https:\/\/\$\{storageAccount\.name\}\.queue\./);
    expect(readFileSync(join(INFRA_DIR, 'app', 'api.bicep'), 'utf8')).toMatch(
      /var tableEndpoint = 'https:\/\/\$\{storageAccount\.name\}\.table\.\$\{environment\(\)\.suffixes\.storage\}'/,
    );
  });

  it('sends the function app\'s telemetry to Application Insights on Log Analytics without local auth', () => {
    const main = modules(tree(join(INFRA_DIR, 'main.bicep')));
    const appInsights = main.find((m) => m.ref.includes('insights/component'));
    expect(path(appInsights?.body, 'params', 'workspaceResourceId')?.text).toBe('logAnalytics.id');
    expect(path(appInsights?.body, 'params', 'disableLocalAuth')?.text).toBe('true');
    const workspace = resources(tree(join(INFRA_DIR, 'main.bicep'))).find((r) => r.type === 'Microsoft.OperationalInsights/workspaces');
    expect(path(workspace?.body, 'properties', 'features', 'disableLocalAuth')?.text).toBe('true');
  });

  it('outputs the SCIM base URL and the values deploy.sh reads', () => {
    const outputs = new Map(
      nodesOfType(tree(join(INFRA_DIR, 'main.bicep')), 'output_declaration').map((n) => [
        n.namedChildren[0]?.text ?? '',
        n.namedChildren[n.namedChildren.length - 1]?.text ?? '',
      ]),
    );
    expect(outputs.get('SCIM_BASE_URL')).toBe("'https://${api.outputs.defaultHostName}/scim/v2'");
    for (const name of ['AZURE_FUNCTION_APP_NAME', 'SCIM_TABLE_ENDPOINT', 'SCIM_TABLE_NAME']) expect(outputs.has(name)).toBe(true);
    const deploy = readFileSync(join(INFRA_DIR, 'deploy.sh'), 'utf8');
    for (const name of ['AZURE_FUNCTION_APP_NAME', 'SCIM_BASE_URL', 'SCIM_TABLE_ENDPOINT']) expect(deploy).toContain(`.${name}.value`);
  });

  it('assigns groups with the Graph Bicep extension (appRoleAssignedTo on the existing service principal)', () => {
    const res = resources(tree(join(INFRA_DIR, 'entra.bicep')));
    expect(res.map((r) => `${r.type}${r.existing ? ' (existing)' : ''}`)).toEqual([
      'Microsoft.Graph/servicePrincipals (existing)',
      'Microsoft.Graph/appRoleAssignedTo',
    ]);
    const assignment = res[1]!;
    expect(prop(assignment.body, 'resourceId')?.text).toBe('scimServicePrincipal.id');
    expect(prop(assignment.body, 'principalId')?.text).toBe('groupId');
  });
});

describe('infra/README.md', () => {
  // Azure Verified Modules used by main.bicep, and what each creates.
  const AVM_TYPES: Record<string, string[]> = {
    'managed-identity/user-assigned-identity': ['Microsoft.ManagedIdentity/userAssignedIdentities'],
    'storage/storage-account': ['Microsoft.Storage/storageAccounts'],
    'insights/component': ['Microsoft.Insights/components'],
  };

  it('lists exactly the resource types the templates create', () => {
    const created = new Set<string>();
    for (const file of bicepFiles) {
      const root = tree(file);
      for (const r of resources(root)) if (!r.existing) created.add(r.type);
      for (const m of modules(root)) {
        const avm = /^br\/public:avm\/res\/([a-z-]+\/[a-z-]+):/.exec(m.ref)?.[1];
        if (!avm) continue;
        expect(Object.keys(AVM_TYPES), `unknown AVM module ${avm}`).toContain(avm);
        for (const t of AVM_TYPES[avm] ?? []) created.add(t);
        if (path(m.body, 'params', 'blobServices', 'containers')) created.add('Microsoft.Storage/storageAccounts/blobServices/containers');
        if (path(m.body, 'params', 'tableServices', 'tables')) created.add('Microsoft.Storage/storageAccounts/tableServices/tables');
      }
    }
    const readme = readFileSync(join(INFRA_DIR, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## What it creates'), readme.indexOf('\n## ', readme.indexOf('## What it creates') + 5));
    const listed = new Set([...section.matchAll(/`(Microsoft\.[A-Za-z]+\/[A-Za-z/]+)`/g)].map((m) => m[1]));
    expect([...listed].sort()).toEqual([...created].sort());
  });

  it('has the deploy, what-if, rotation, teardown and idle-cost sections', () => {
    const readme = readFileSync(join(INFRA_DIR, 'README.md'), 'utf8');
    expect(readme).toContain('infra/deploy.sh --env contoso');
    expect(readme).toContain('az deployment group what-if -g rg-contoso --parameters infra/main.bicepparam');
    expect(readme).toContain('infra/rotate-token.sh --env contoso');
    expect(readme).toContain('infra/teardown.sh --env contoso');
    expect(readme).toMatch(/## Cost at idle\s+Near zero/);
    expect(readme).toMatch(/## Prerequisites/);
  });
});
