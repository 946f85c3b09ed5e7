// Entra-style attribute mappings: a source expression (JSONPath into the Graph-shaped object, via jsonpath-plus) →
// a SCIM target path, with Entra's options (default value if null, apply on creation only, matching attribute) and
// a few expression-like transforms (Not, ToLower, ToUpper, Trim, Join).
import { readFile } from 'node:fs/promises';
import { JSONPath } from 'jsonpath-plus';
import { ENTERPRISE_USER, LOOOP_USER, parseTargetPath, type TargetPath } from './scim-path.js';

export type MappedValue = string | number | boolean;
export type Transform = 'not' | 'lower' | 'upper' | 'trim' | 'string';

export interface AttributeMapping {
  /** JSONPath into the source object; several are evaluated and joined with `separator` (Entra's Join). */
  source?: string | string[];
  /** A constant instead of a source (Entra's "Constant" mapping type). */
  constant?: MappedValue;
  /** SCIM target path: `userName`, `name.givenName`, `emails[type eq "work"].value`, `<urn>:department`. */
  target: string;
  separator?: string;
  transform?: Transform;
  /** Used when the source is missing, null or empty (Entra's "Default value if null"). */
  default?: MappedValue;
  /** `creation`: sent only when the object is created (Entra's "Apply this mapping: Only during object creation"). */
  apply?: 'always' | 'creation';
  /** The source values are source object ids that resolve to SCIM ids of provisioned objects (manager, members). */
  reference?: boolean;
  /** The attribute Entra matches source and target objects on (queried with `<target> eq "<value>"`). */
  matching?: boolean;
}

export interface ObjectMappingConfig {
  mappings: AttributeMapping[];
}

export interface MappingConfig {
  user: ObjectMappingConfig;
  group: ObjectMappingConfig;
}

const ext = (n: number): string => `$.onPremisesExtensionAttributes.extensionAttribute${n}`;

/** Entra's default user and group mappings for a non-gallery SCIM app, plus the Looop extension attributes. */
export const DEFAULT_MAPPING: MappingConfig = {
  user: {
    mappings: [
      { source: '$.userPrincipalName', target: 'userName', matching: true },
      // Switch([IsSoftDeleted], , "False", "True", "True", "False")
      { source: '$.IsSoftDeleted', target: 'active', transform: 'not', default: false },
      { source: '$.displayName', target: 'displayName' },
      { source: '$.jobTitle', target: 'title' },
      { source: '$.mail', target: 'emails[type eq "work"].value' },
      { source: '$.givenName', target: 'name.givenName' },
      { source: '$.surname', target: 'name.familyName' },
      { source: ['$.givenName', '$.surname'], separator: ' ', target: 'name.formatted' },
      { source: '$.mailNickname', target: 'externalId' },
      { source: '$.businessPhones[0]', target: 'phoneNumbers[type eq "work"].value' },
      { source: '$.mobilePhone', target: 'phoneNumbers[type eq "mobile"].value' },
      { source: '$.city', target: 'addresses[type eq "work"].locality' },
      { source: '$.country', target: 'addresses[type eq "work"].country' },
      { source: '$.department', target: `${ENTERPRISE_USER}:department` },
      { source: '$.employeeId', target: `${ENTERPRISE_USER}:employeeNumber` },
      { source: '$.manager.id', target: `${ENTERPRISE_USER}:manager`, reference: true },
      { source: ext(4), target: `${LOOOP_USER}:area` },
      { source: ext(1), target: `${LOOOP_USER}:custom_1` },
      { source: ext(2), target: `${LOOOP_USER}:custom_2` },
      { source: ext(3), target: `${LOOOP_USER}:custom_3` },
      { source: '$.department', target: `${LOOOP_USER}:department` },
      { source: '$.employeeId', target: `${LOOOP_USER}:employee_id` },
      { source: '$.officeLocation', target: `${LOOOP_USER}:location` },
      { source: '$.jobTitle', target: `${LOOOP_USER}:position` },
      { source: '$.employeeHireDate', target: `${LOOOP_USER}:startAt` },
    ],
  },
  group: {
    mappings: [
      { source: '$.displayName', target: 'displayName', matching: true },
      { source: '$.id', target: 'externalId' },
      { source: '$.members[*]', target: 'members', reference: true },
    ],
  },
};

export function defaultMappingConfig(): MappingConfig {
  return structuredClone(DEFAULT_MAPPING);
}

type Accessor = (json: unknown) => unknown[];

export interface CompiledMapping {
  spec: AttributeMapping;
  target: TargetPath;
  accessors: Accessor[];
}

export interface MappedObject {
  /** Target path text → value; absent targets (null/empty source, no default) are not in the map. */
  values: Map<string, MappedValue>;
  /** Reference targets → source object ids. */
  references: Map<string, string[]>;
}

export class ObjectMapping {
  readonly mappings: CompiledMapping[];
  readonly matching: CompiledMapping;
  /** Non-reference mappings (the attributes compared and patched). */
  readonly attributes: CompiledMapping[];
  readonly references: CompiledMapping[];

  constructor(config: ObjectMappingConfig, kind: 'user' | 'group') {
    if (!config || !Array.isArray(config.mappings) || config.mappings.length === 0) {
      throw new Error(`Mapping config: "${kind}.mappings" must be a non-empty array.`);
    }
    this.mappings = config.mappings.map((spec, i) => compileMapping(spec, `${kind}.mappings[${i}]`));
    const seen = new Set<string>();
    for (const m of this.mappings) {
      const key = m.target.text.toLowerCase();
      if (seen.has(key)) throw new Error(`Mapping config: target "${m.target.text}" is mapped twice in ${kind}.mappings.`);
      seen.add(key);
    }
    const matching = this.mappings.filter((m) => m.spec.matching);
    if (matching.length !== 1) throw new Error(`Mapping config: ${kind}.mappings needs exactly one mapping with "matching": true.`);
    this.matching = matching[0];
    if (this.matching.spec.reference || this.matching.spec.apply === 'creation') {
      throw new Error(`Mapping config: the matching attribute of ${kind}.mappings cannot be a reference or creation-only.`);
    }
    this.attributes = this.mappings.filter((m) => !m.spec.reference);
    this.references = this.mappings.filter((m) => m.spec.reference);
  }

  map(source: unknown): MappedObject {
    const values = new Map<string, MappedValue>();
    const references = new Map<string, string[]>();
    for (const m of this.mappings) {
      if (m.spec.reference) {
        references.set(m.target.text, referenceIds(m, source));
        continue;
      }
      const v = evaluate(m, source);
      if (v !== undefined) values.set(m.target.text, v);
    }
    return { values, references };
  }
}

export class Mappings {
  readonly user: ObjectMapping;
  readonly group: ObjectMapping;

  constructor(config: MappingConfig) {
    if (!config || typeof config !== 'object') throw new Error('Mapping config must be an object with "user" and "group".');
    this.user = new ObjectMapping(config.user ?? DEFAULT_MAPPING.user, 'user');
    this.group = new ObjectMapping(config.group ?? DEFAULT_MAPPING.group, 'group');
    for (const r of this.user.references) {
      if (r.target.attribute.toLowerCase() !== 'manager' || r.target.filter || r.target.subAttribute) {
        throw new Error(`Mapping config: user reference targets must be the manager attribute (got "${r.target.text}").`);
      }
    }
    for (const r of this.group.references) {
      if (r.target.text.toLowerCase() !== 'members') throw new Error(`Mapping config: group reference targets must be "members" (got "${r.target.text}").`);
    }
  }
}

/** Reads a mapping config file: `{ "user": { "mappings": [...] }, "group": { "mappings": [...] } }`; a missing section keeps the defaults. */
export async function loadMappingConfig(file: string): Promise<MappingConfig> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<MappingConfig>;
  const config: MappingConfig = {
    user: parsed.user ?? defaultMappingConfig().user,
    group: parsed.group ?? defaultMappingConfig().group,
  };
  new Mappings(config); // validate now, with the file's messages
  return config;
}

const TRANSFORMS: readonly Transform[] = ['not', 'lower', 'upper', 'trim', 'string'];

function compileMapping(spec: AttributeMapping, where: string): CompiledMapping {
  if (!spec || typeof spec !== 'object') throw new Error(`Mapping config: ${where} must be an object.`);
  if (typeof spec.target !== 'string') throw new Error(`Mapping config: ${where}.target must be a SCIM path.`);
  let target: TargetPath;
  try {
    target = parseTargetPath(spec.target);
  } catch (error) {
    throw new Error(`Mapping config: ${where}: ${(error as Error).message}`);
  }
  const hasSource = spec.source !== undefined;
  if (hasSource === (spec.constant !== undefined)) throw new Error(`Mapping config: ${where} needs exactly one of "source" or "constant".`);
  if (spec.transform !== undefined && !TRANSFORMS.includes(spec.transform)) {
    throw new Error(`Mapping config: ${where}.transform must be one of ${TRANSFORMS.join(', ')}.`);
  }
  const sources = spec.source === undefined ? [] : Array.isArray(spec.source) ? spec.source : [spec.source];
  if (hasSource && (sources.length === 0 || sources.some((s) => typeof s !== 'string' || !s.startsWith('$')))) {
    throw new Error(`Mapping config: ${where}.source must be a JSONPath starting with "$" (or a list of them).`);
  }
  if (spec.reference && sources.length !== 1) throw new Error(`Mapping config: ${where} is a reference and needs one source.`);
  return { spec, target, accessors: sources.map((s) => compileJsonPath(s, where)) };
}

const SIMPLE_STEP = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\['([^'\\]*)'\]|\["([^"\\]*)"\]/y;

/**
 * Compiles a JSONPath. Plain member/index chains (`$.a.b`, `$.businessPhones[0]`, `$['odd name']`) get a direct
 * accessor with the same result as JSONPath (the simulator evaluates mappings for every object on every cycle);
 * anything else (wildcards, filters, recursive descent) is evaluated by jsonpath-plus with its safe evaluator (filter
 * expressions such as `[?(@.type=='work')]` work; no JavaScript from the mapping file is run).
 */
export function compileJsonPath(path: string, where = 'JSONPath'): Accessor {
  const steps: (string | number)[] = [];
  SIMPLE_STEP.lastIndex = 1;
  let simple = path.startsWith('$');
  while (simple && SIMPLE_STEP.lastIndex < path.length) {
    const at = SIMPLE_STEP.lastIndex;
    const m = SIMPLE_STEP.exec(path);
    if (!m || m.index !== at) {
      simple = false;
      break;
    }
    steps.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3] ?? m[4]));
  }
  if (simple) {
    return (json) => {
      let cur: unknown = json;
      for (const step of steps) {
        if (cur === null || typeof cur !== 'object') return [];
        cur = (cur as Record<string | number, unknown>)[step];
        if (cur === undefined) return [];
      }
      return [cur];
    };
  }
  try {
    JSONPath({ path, json: {}, wrap: true, eval: 'safe' });
  } catch (error) {
    throw new Error(`Mapping config: ${where}: invalid JSONPath "${path}": ${(error as Error).message}`);
  }
  return (json) => {
    if (json === null || typeof json !== 'object') return [];
    // jsonpath-plus types its results as any[]; each element is a JSON value from `json`.
    const found = JSONPath({ path, json, wrap: true, eval: 'safe' }) as unknown[];
    return Array.isArray(found) ? found : [];
  };
}

function scalar(value: unknown): MappedValue | undefined {
  let v = value;
  if (Array.isArray(v)) v = v[0]; // a multi-valued source mapped to a single-valued target: Entra takes the first
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return undefined;
}

function applyTransform(value: MappedValue, transform: Transform | undefined): MappedValue {
  switch (transform) {
    case undefined:
      return value;
    case 'not':
      if (typeof value === 'boolean') return !value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() !== 'true';
      return !value;
    case 'lower':
      return String(value).toLowerCase();
    case 'upper':
      return String(value).toUpperCase();
    case 'trim':
      return String(value).trim();
    case 'string':
      return String(value);
  }
}

/** The value a mapping gives for `source`, or undefined when the target should be absent. */
export function evaluate(m: CompiledMapping, source: unknown): MappedValue | undefined {
  let value: MappedValue | undefined;
  if (m.spec.constant !== undefined) value = m.spec.constant;
  else if (m.accessors.length === 1) value = scalar(m.accessors[0](source)[0]);
  else {
    const parts = m.accessors.map((a) => scalar(a(source)[0])).filter((v): v is MappedValue => v !== undefined);
    value = parts.length > 0 ? parts.join(m.spec.separator ?? ' ') : undefined;
  }
  if (value === undefined) value = m.spec.default;
  if (value === undefined) return undefined;
  const out = applyTransform(value, m.spec.transform);
  return out === '' ? undefined : out;
}

function referenceIds(m: CompiledMapping, source: unknown): string[] {
  const out: string[] = [];
  for (const found of m.accessors[0](source)) {
    const items = Array.isArray(found) ? found : [found];
    for (const item of items) {
      if (typeof item === 'string' && item !== '') out.push(item);
      else if (item && typeof item === 'object') {
        const id = (item as Record<string, unknown>).id ?? (item as Record<string, unknown>).value;
        if (typeof id === 'string' && id !== '') out.push(id);
      }
    }
  }
  return out;
}
