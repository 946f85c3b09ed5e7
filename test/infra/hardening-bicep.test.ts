// Issue 15, infra: App Service Authentication in front of the admin routes (and only them), HSTS, data roles scoped
// to the tables the app uses, Node 22 in Azure while local development stays on Node 20, and a deployment package
// without the tools' code and packages. Parsed with tree-sitter-bicep like bicep.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFunctions, routePrefixFromHostJson } from '../../dev/local-host.js';
import { HSTS } from '../../lib/http/transport-security.js';
import { bicepParser, INFRA_DIR, REPO_ROOT, walk } from './helpers.js';

let adminAuth: Node;
let api: Node;
let rbac: Node;
beforeAll(async () => {
  const parser = await bicepParser();
  const parse = (file: string): Node => {
    const t = parser.parse(readFileSync(join(INFRA_DIR, file), 'utf8'));
    if (!t) throw new Error(file);
    return t.rootNode;
  };
  adminAuth = parse('app/admin-auth.bicep');
  api = parse('app/api.bicep');
  rbac = parse('app/rbac.bicep');
});

const text = (n: Node | undefined): string | undefined => n?.text.replace(/^'|'$/g, '');

function prop(obj: Node | undefined, key: string): Node | undefined {
  if (!obj || obj.type !== 'object') return undefined;
  for (const p of obj.namedChildren) {
    if (p?.type !== 'object_property') continue;
    if (p.namedChildren[0]?.text.replace(/^'|'$/g, '') === key) return p.namedChildren[p.namedChildren.length - 1] ?? undefined;
  }
  return undefined;
}
const path = (obj: Node | undefined, ...keys: string[]): Node | undefined => keys.reduce<Node | undefined>((cur, k) => prop(cur, k), obj);

/** Resource declarations: symbol, type string, body object (for-loops: the loop body). */
function resources(root: Node): { symbol: string; type: string; body: Node | undefined }[] {
  const out: { symbol: string; type: string; body: Node | undefined }[] = [];
  walk(root, (n) => {
    if (n.type !== 'resource_declaration') return;
    let body: Node | undefined;
    walk(n, (c) => {
      if (!body && c.type === 'object' && c.parent !== n.namedChildren[1]) body = c;
    });
    out.push({ symbol: n.namedChildren[0]?.text ?? '', type: text(n.namedChildren[1] ?? undefined) ?? '', body });
  });
  return out;
}

function arrayStrings(n: Node | undefined): string[] {
  return (n?.namedChildren ?? []).filter((c) => c?.type === 'string').map((c) => text(c as Node) as string);
}

function variable(root: Node, name: string): Node | undefined {
  let found: Node | undefined;
  walk(root, (n) => {
    if (n.type === 'variable_declaration' && n.namedChildren[0]?.text === name) found = n.namedChildren[n.namedChildren.length - 1] ?? undefined;
  });
  return found;
}

/** Does an App Service Authentication excluded path (exact, or ending in /*) cover this request path? */
const covers = (pattern: string, p: string): boolean => (pattern.endsWith('/*') ? p.toLowerCase().startsWith(pattern.slice(0, -1).toLowerCase()) : pattern.toLowerCase() === p.toLowerCase());

describe('App Service Authentication (Entra ID sign-in) on the admin routes', () => {
  it('authsettingsV2 requires sign-in with the admin app registration, over HTTPS only', () => {
    const auth = resources(adminAuth).find((r) => r.type.startsWith('Microsoft.Web/sites/config@'));
    expect(text(prop(auth?.body, 'name'))).toBe('authsettingsV2');
    const props = prop(auth?.body, 'properties');
    expect(path(props, 'platform', 'enabled')?.text).toBe('true');
    expect(path(props, 'globalValidation', 'requireAuthentication')?.text).toBe('true');
    expect(text(path(props, 'globalValidation', 'unauthenticatedClientAction'))).toBe('RedirectToLoginPage');
    expect(path(props, 'httpSettings', 'requireHttps')?.text).toBe('true');
    const aad = path(props, 'identityProviders', 'azureActiveDirectory');
    expect(path(aad, 'enabled')?.text).toBe('true');
    expect(path(aad, 'registration', 'clientId')?.text).toBe('adminAppClientId');
  });

  it('excludes every SCIM and automation route and none of manage/* or the console', async () => {
    const excluded = arrayStrings(variable(adminAuth, 'anonymousPaths'));
    expect(path(prop(resources(adminAuth).find((r) => r.type.startsWith('Microsoft.Web/sites/config@'))?.body, 'properties'), 'globalValidation', 'excludedPaths')?.text).toBe('anonymousPaths');
    const prefix = `/${routePrefixFromHostJson()}`;
    const registrations = await loadFunctions();
    expect(registrations.length).toBeGreaterThan(20);
    for (const r of registrations) {
      // A concrete request path for the route template: parameters filled in.
      const sample = `${prefix}/${(r.options.route ?? r.name).replace(/\{[^}]+\}/g, 'x1')}`;
      const isOperatorRoute = (r.options.route ?? '').startsWith('manage/');
      expect(excluded.some((e) => covers(e, sample)), `${r.name} ${sample}`).toBe(!isOperatorRoute);
    }
  });

  it('the admin app registration defines the operators\' app role, requires assignment, and has no secret', () => {
    const source = readFileSync(join(INFRA_DIR, 'admin-app.bicep'), 'utf8');
    expect(source).toMatch(/appRoleAssignmentRequired: true/);
    expect(source).toMatch(/value: adminRole/);
    expect(source).toMatch(/\/\.auth\/login\/aad\/callback/);
    expect(source).not.toMatch(/passwordCredentials|clientSecret/);
    expect(readFileSync(join(INFRA_DIR, 'app', 'api.bicep'), 'utf8')).toMatch(/SCIM_ADMIN_ROLE: adminRole/);
  });
});

describe('HSTS', () => {
  it('the app is HTTPS only and every response the code builds carries Strict-Transport-Security for a year', () => {
    const site = resources(api).find((r) => r.type.startsWith('Microsoft.Web/sites@'));
    expect(path(site?.body, 'properties', 'httpsOnly')?.text).toBe('true');
    expect(HSTS).toMatch(/^max-age=31536000; includeSubDomains$/);
  });
});

describe('role assignments scoped to what the app uses', () => {
  it('table data roles are on the tables and queue data roles on the queue service, never on the storage account', () => {
    const assignments = resources(rbac).filter((r) => r.type.startsWith('Microsoft.Authorization/roleAssignments@'));
    const byRole = (role: string) => assignments.filter((a) => path(a.body, 'properties', 'roleDefinitionId')?.text.includes(role));
    const tableRoles = byRole('storageTableDataContributor');
    expect(tableRoles.length).toBe(2); // the app's (one per table) and the deployer's (temporary)
    for (const a of tableRoles) expect(prop(a.body, 'scope')?.text).toMatch(/^tables\[(i|0)\]$/);
    // Queues are created by name when a queue subscription is made, so the queue role is on the queue service.
    for (const a of byRole('storageQueueDataContributor')) expect(prop(a.body, 'scope')?.text).toBe('queueService');
    // Only the host's blob role stays on the account (it creates its own containers).
    const onAccount = assignments.filter((a) => prop(a.body, 'scope')?.text === 'storageAccount');
    expect(onAccount.map((a) => a.symbol)).toEqual(['appBlobRoleAssignment']);
    const main = readFileSync(join(INFRA_DIR, 'main.bicep'), 'utf8');
    expect(main).toMatch(/tableNames: \[\s*scimTableName\s*'\$\{scimTableName\}activity'\s*'\$\{scimTableName\}delivery'\s*\]/);
  });
});

describe('Node.js versions', () => {
  it('Azure runs Node 22; local development and CI keep working on Node 20', () => {
    expect(readFileSync(join(INFRA_DIR, 'app', 'api.bicep'), 'utf8')).toMatch(/param nodeVersion string = '22'/);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
    expect(pkg.engines.node).toBe('>=20');
    expect(pkg.devDependencies['@types/node']).toMatch(/^\^20\./); // no API newer than Node 20 in the code
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
  });
});

describe('the deployment package', () => {
  it('no deployed module reaches tools/ (the simulator), dev/ (the local host) or jsonpath-plus, which is a dev dependency', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        const spec = m[1] as string;
        if (spec.startsWith('.')) visit(join(file, '..', spec.replace(/\.js$/, '.ts')));
        else bare.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
      }
    };
    const functionsDir = join(REPO_ROOT, 'functions');
    for (const f of readdirSync(functionsDir).filter((n) => n.endsWith('.ts'))) visit(join(functionsDir, f));
    const reached = [...seen].map((f) => f.slice(REPO_ROOT.length + 1));
    expect(reached.filter((f) => !f.startsWith('lib/') && !f.startsWith('functions/'))).toEqual([]);
    expect(bare.has('jsonpath-plus')).toBe(false);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('jsonpath-plus');
    expect(Object.keys(pkg.devDependencies)).toContain('jsonpath-plus');
    for (const dep of [...bare].filter((d) => !d.startsWith('node:'))) expect(Object.keys(pkg.dependencies), dep).toContain(dep);
    // deploy.sh ships the bundle of functions/ (dist/app) without npm start's local host.
    const deploy = readFileSync(join(INFRA_DIR, 'deploy.sh'), 'utf8');
    expect(deploy).toMatch(/cp -R "\$SCIM_REPO_ROOT\/dist\/app" "\$staging\/dist\/"/);
    expect(deploy).toMatch(/rm -f "\$staging\/dist\/app\/start\.js"/);
  });
});
