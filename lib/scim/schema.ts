// The SCIM schema documents (JSON data) and the lookups every other SCIM module uses to resolve attribute names.
import commonSchema from './schemas/common.json' with { type: 'json' };
import enterpriseUserSchema from './schemas/enterprise-user.json' with { type: 'json' };
import groupSchema from './schemas/group.json' with { type: 'json' };
import looopUserSchema from './schemas/looop-user.json' with { type: 'json' };
import resourceTypeDocuments from './schemas/resource-types.json' with { type: 'json' };
import userSchema from './schemas/user.json' with { type: 'json' };

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';

export interface ScimAttribute {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: ScimAttribute[];
}

export interface ScimSchema {
  id: string;
  name: string;
  description: string;
  attributes: ScimAttribute[];
}

export interface ResourceTypeDocument {
  schemas: string[];
  id: string;
  name: string;
  endpoint: string;
  description: string;
  schema: string;
  schemaExtensions: { schema: string; required: boolean }[];
}

export type ResourceTypeName = 'User' | 'Group';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Schemas published under /Schemas (the common attributes are not a schema of their own per RFC 7643 §3.1). */
export const publishedSchemas: readonly ScimSchema[] = [
  userSchema,
  enterpriseUserSchema,
  looopUserSchema,
  groupSchema,
] as ScimSchema[];
const common = commonSchema as ScimSchema;

/** A common attribute (RFC 7643 §3.1: id, externalId, meta) as defined in common.json. */
export function commonAttribute(name: string): ScimAttribute {
  const attribute = common.attributes.find((a) => a.name === name);
  if (!attribute) throw new Error(`No common attribute ${name}`);
  return attribute;
}
export const resourceTypes = resourceTypeDocuments as ResourceTypeDocument[];

/** The schema data a ResourceSchema is built from; tests build one from an edited copy. */
export interface SchemaCatalog {
  common: ScimSchema;
  schemas: readonly ScimSchema[];
  resourceTypes: readonly ResourceTypeDocument[];
}

export const defaultCatalog: SchemaCatalog = { common, schemas: publishedSchemas, resourceTypes };

/** Where an attribute lives: `schema` is the URN of its schema; `extension` is true when it sits under the URN key. */
export interface ResolvedAttribute {
  schema: string;
  extension: boolean;
  attribute: ScimAttribute;
  /** Set when the path named a sub-attribute (`name.givenName`, `emails.value`). */
  subAttribute?: ScimAttribute;
}

/** One resource type's schemas, with case-insensitive lookup by attribute name, dotted path or URN-qualified path. */
export class ResourceSchema {
  readonly type: ResourceTypeName;
  readonly document: ResourceTypeDocument;
  readonly coreSchema: ScimSchema;
  readonly extensions: readonly ScimSchema[];
  /** Common attributes (id, externalId, meta) followed by the core schema's attributes. */
  readonly topLevel: readonly ScimAttribute[];
  private readonly byUrn = new Map<string, ScimSchema>();

  constructor(type: ResourceTypeName, catalog: SchemaCatalog = defaultCatalog) {
    const document = catalog.resourceTypes.find((r) => r.id === type);
    if (!document) throw new Error(`unknown resource type ${type}`);
    this.type = type;
    this.document = document;
    this.coreSchema = schemaById(catalog, document.schema);
    this.extensions = document.schemaExtensions.map((e) => schemaById(catalog, e.schema));
    this.topLevel = [...catalog.common.attributes, ...this.coreSchema.attributes];
    this.byUrn.set(this.coreSchema.id.toLowerCase(), this.coreSchema);
    for (const e of this.extensions) this.byUrn.set(e.id.toLowerCase(), e);
  }

  /** The schema whose URN equals `urn` (case-insensitive), core or extension. */
  schemaByUrn(urn: string): ScimSchema | undefined {
    return this.byUrn.get(urn.toLowerCase());
  }

  isExtensionUrn(urn: string): boolean {
    const s = this.schemaByUrn(urn);
    return s !== undefined && s !== this.coreSchema;
  }

  /** The canonical spelling of an extension URN, or undefined when `key` is not one of this type's extensions. */
  extensionUrn(key: string): string | undefined {
    const s = this.schemaByUrn(key);
    return s && s !== this.coreSchema ? s.id : undefined;
  }

  /** Splits a URN-qualified path (`urn:...:User:name.givenName`) into the schema and the rest, else schema undefined. */
  splitUrn(path: string): { schema?: ScimSchema; rest: string } {
    const lower = path.toLowerCase();
    // Longest matching URN prefix wins (the core User URN is a prefix of nothing else, but be safe).
    let best: ScimSchema | undefined;
    for (const [urn, schema] of this.byUrn) {
      if ((lower === urn || lower.startsWith(urn + ':')) && (!best || urn.length > best.id.length)) best = schema;
    }
    if (!best) return { rest: path };
    return { schema: best, rest: path.length > best.id.length ? path.slice(best.id.length + 1) : '' };
  }

  /**
   * Resolves `attr`, `attr.sub`, `urn:...:attr` or `urn:...:attr.sub` (names case-insensitive).
   * Returns undefined when no such attribute exists in this resource type.
   */
  resolve(path: string): ResolvedAttribute | undefined {
    const { schema, rest } = this.splitUrn(path);
    if (schema && rest === '') return undefined;
    const [name, sub, ...more] = rest.split('.');
    if (more.length > 0 || name === undefined || name === '') return undefined;
    const pool = schema ? schema.attributes : this.topLevel;
    const attribute = findAttribute(pool, name);
    if (!attribute) return undefined;
    const extension = schema !== undefined && schema !== this.coreSchema;
    const schemaId = schema ? schema.id : this.coreSchema.id;
    if (sub === undefined) return { schema: schemaId, extension, attribute };
    const subAttribute = findAttribute(attribute.subAttributes ?? [], sub);
    if (!subAttribute) return undefined;
    return { schema: schemaId, extension, attribute, subAttribute };
  }

  /** Attributes of `schemaUrn` (core: common + core attributes). */
  attributesOf(schemaUrn: string): readonly ScimAttribute[] {
    const s = this.schemaByUrn(schemaUrn);
    if (!s) return [];
    return s === this.coreSchema ? this.topLevel : s.attributes;
  }
}

export function findAttribute(pool: readonly ScimAttribute[], name: string): ScimAttribute | undefined {
  const lower = name.toLowerCase();
  return pool.find((a) => a.name.toLowerCase() === lower);
}

function schemaById(catalog: SchemaCatalog, id: string): ScimSchema {
  const s = catalog.schemas.find((x) => x.id === id);
  if (!s) throw new Error(`schema ${id} is referenced by a resource type but not defined`);
  return s;
}

export const userSchemaInfo = new ResourceSchema('User');
export const groupSchemaInfo = new ResourceSchema('Group');

export function resourceSchema(type: ResourceTypeName): ResourceSchema {
  return type === 'User' ? userSchemaInfo : groupSchemaInfo;
}
