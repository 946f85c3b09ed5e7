#!/usr/bin/env node
// Turns the provisioning job's synchronization schema (GET .../synchronization/jobs/{id}/schema) into the schema that
// matches infra/scim-mappings.json: the User and Group object mappings carry exactly the listed attribute mappings,
// and the Looop extension attributes exist on the SCIM side so they can be mapped.
//
// CLI (used by infra/deploy.sh): current schema on stdin; prints the schema to PUT and exits 0 when something must
// change, prints nothing and exits 3 when the schema already matches (a PUT makes Entra reprocess every account, so
// an unchanged schema is never written back). Warnings go to stderr.
//
// Graph docs:
//   GET/PUT schema (PUT replaces the whole schema):
//     https://learn.microsoft.com/graph/api/synchronization-synchronizationschema-get
//     https://learn.microsoft.com/graph/api/synchronization-synchronizationschema-update
//   Custom target attributes: https://learn.microsoft.com/graph/synchronization-configure-with-custom-target-attributes
//   attributeMapping:         https://learn.microsoft.com/graph/api/resources/synchronization-attributemapping
//   attributeMappingSource:   https://learn.microsoft.com/graph/api/resources/synchronization-attributemappingsource
//   attributeDefinition:      https://learn.microsoft.com/graph/api/resources/synchronization-attributedefinition
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MAPPINGS_FILE = fileURLToPath(new URL('../scim-mappings.json', import.meta.url));

export function loadMappingSpec(file = MAPPINGS_FILE) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Parses the expressions the spec uses: "[attr]", "Fn([attr])" and "Fn([attr], [attr2], ...)" (function arguments
 * are attribute references; the first is passed as "source", later ones as "source2", ...).
 */
export function parseSource(expression) {
  const text = expression.trim();
  const attribute = /^\[([^\]]+)\]$/.exec(text);
  if (attribute) return { expression: text, name: attribute[1], type: 'Attribute', parameters: [] };
  const call = /^([A-Za-z]+)\((.*)\)$/.exec(text);
  if (call) {
    const args = call[2].trim() === '' ? [] : call[2].split(',').map((a) => parseSource(a));
    return {
      expression: text,
      name: call[1],
      type: 'Function',
      parameters: args.map((value, i) => ({ key: i === 0 ? 'source' : `source${i + 1}`, value })),
    };
  }
  throw new Error(`unsupported mapping expression: ${expression}`);
}

/** Attribute names an expression reads, e.g. Not([IsSoftDeleted]) -> ["IsSoftDeleted"]. */
export function sourceAttributes(expression) {
  return [...expression.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
}

function attributeNames(directory, objectName) {
  const object = (directory?.objects ?? []).find((o) => o.name?.toLowerCase() === objectName.toLowerCase());
  return new Set((object?.attributes ?? []).map((a) => a.name?.toLowerCase()));
}

/** Picks the source expression: a string as is, a list → first whose attributes the source directory has. */
function chooseSource(source, available) {
  if (typeof source === 'string') return source;
  if (available.size === 0) return source[0];
  return source.find((candidate) => sourceAttributes(candidate).every((a) => available.has(a.toLowerCase())));
}

function newMapping(target, expression, matchingPriority) {
  return {
    defaultValue: null,
    exportMissingReferences: false,
    flowBehavior: 'FlowWhenChanged',
    flowType: 'Always',
    matchingPriority,
    source: parseSource(expression),
    targetAttributeName: target,
  };
}

function sameMapping(existing, target, expression, matchingPriority) {
  return (
    existing.targetAttributeName?.toLowerCase() === target.toLowerCase() &&
    (existing.source?.expression ?? '').replace(/\s+/g, '') === expression.replace(/\s+/g, '') &&
    (existing.matchingPriority ?? 0) === matchingPriority &&
    (existing.flowType ?? 'Always') === 'Always'
  );
}

function newTargetAttribute(name) {
  return {
    anchor: false,
    apiExpressions: [],
    caseExact: false,
    defaultValue: null,
    flowNullValues: false,
    metadata: [],
    multivalued: false,
    mutability: 'ReadWrite',
    name,
    referencedObjects: [],
    required: false,
    type: 'String',
  };
}

/**
 * Returns { schema, changed, warnings }. The input is not modified. Object mappings other than User and Group, the
 * scoping filters an admin may have set, and everything else in the schema are left as they are.
 */
export function applyMappings(current, spec = loadMappingSpec()) {
  const schema = structuredClone(current);
  for (const key of Object.keys(schema)) if (key.startsWith('@odata.')) delete schema[key];
  const warnings = [];
  let changed = false;

  const rules = schema.synchronizationRules ?? [];
  if (rules.length === 0) throw new Error('the schema has no synchronizationRules; is this a job made from the "scim" template?');
  const directories = schema.directories ?? [];

  for (const [kind, objectSpec] of [
    ['user', spec.user],
    ['group', spec.group],
  ]) {
    const rule = rules.find((r) => (r.objectMappings ?? []).some((m) => m.sourceObjectName === objectSpec.sourceObjectName));
    if (!rule) throw new Error(`no object mapping with sourceObjectName ${objectSpec.sourceObjectName}`);
    const objectMapping = rule.objectMappings.find((m) => m.sourceObjectName === objectSpec.sourceObjectName);
    const sourceDirectory = directories.find((d) => d.name === rule.sourceDirectoryName);
    const available = attributeNames(sourceDirectory, objectSpec.sourceObjectName);

    const existing = objectMapping.attributeMappings ?? [];
    const desired = [];
    for (const m of objectSpec.mappings) {
      const expression = chooseSource(m.source, available);
      if (!expression) {
        warnings.push(`${kind}: no source attribute for ${m.target} in this tenant (tried ${[m.source].flat().join(', ')}); left unmapped`);
        continue;
      }
      const priority = m.matchingPriority ?? 0;
      const keep = existing.find((e) => sameMapping(e, m.target, expression, priority));
      desired.push(keep ?? newMapping(m.target, expression, priority));
    }
    const sameSet =
      existing.length === desired.length && desired.every((d) => existing.includes(d));
    if (!sameSet) {
      objectMapping.attributeMappings = desired;
      changed = true;
    }
    if (objectMapping.enabled !== true) {
      objectMapping.enabled = true;
      changed = true;
    }

    if (kind === 'user') {
      const targetDirectory = directories.find((d) => d.name === rule.targetDirectoryName);
      const targetObject = (targetDirectory?.objects ?? []).find((o) => o.name === objectMapping.targetObjectName);
      if (!targetObject) {
        throw new Error(`target object ${objectMapping.targetObjectName} not found in directory ${rule.targetDirectoryName}`);
      }
      targetObject.attributes ??= [];
      const have = new Set(targetObject.attributes.map((a) => a.name?.toLowerCase()));
      for (const name of spec.userTargetAttributes ?? []) {
        if (!have.has(name.toLowerCase())) {
          targetObject.attributes.push(newTargetAttribute(name));
          changed = true;
        }
      }
      const missingTargets = objectSpec.mappings
        .map((m) => m.target)
        .filter((t) => !targetObject.attributes.some((a) => a.name?.toLowerCase() === t.toLowerCase()));
      for (const t of missingTargets) warnings.push(`user: target attribute ${t} is not in the SCIM directory schema`);
    }
  }
  return { schema, changed, warnings };
}

function main() {
  const input = readFileSync(0, 'utf8');
  let result;
  try {
    result = applyMappings(JSON.parse(input));
  } catch (error) {
    process.stderr.write(`provisioning-schema: ${error.message}\n`);
    process.exit(1);
  }
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!result.changed) process.exit(3);
  process.stdout.write(JSON.stringify(result.schema));
  process.stdout.write('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
