// Type and required-attribute checks on a normalized resource, with ajv validators generated from the SCIM schema
// documents (one compiled validator per resource type, built on first use).
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { newAjv } from './ajv-loader.js';
import { isXsdDateTime } from './attribute-types.js';
import { badRequest } from './errors.js';
import type { ScimResource } from './normalize.js';
import { resourceSchema, type ResourceSchema, type ResourceTypeName, type ScimAttribute } from './schema.js';

// Created on first use: a new Ajv compiles its meta-schema (tens of milliseconds), which loading the app should not pay.
let ajv: Ajv | undefined;

type JsonSchema = Record<string, unknown>;

function attributeJsonSchema(attribute: ScimAttribute): JsonSchema {
  const single = singleJsonSchema(attribute);
  return attribute.multiValued ? { type: 'array', items: single } : single;
}

function singleJsonSchema(attribute: ScimAttribute): JsonSchema {
  switch (attribute.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer' };
    case 'decimal':
      return { type: 'number' };
    case 'dateTime':
      return { type: 'string', format: 'scim-dateTime' };
    case 'complex': {
      const properties: Record<string, JsonSchema> = {};
      for (const sub of attribute.subAttributes ?? []) properties[sub.name] = attributeJsonSchema(sub);
      return { type: 'object', properties };
    }
    default:
      return { type: 'string' };
  }
}

function objectSchema(attributes: readonly ScimAttribute[], requireRequired: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const a of attributes) {
    properties[a.name] = attributeJsonSchema(a);
    if (a.required && requireRequired && a.mutability !== 'readOnly') required.push(a.name);
  }
  return { type: 'object', properties, required };
}

export function resourceJsonSchema(schema: ResourceSchema): JsonSchema {
  const root = objectSchema(schema.topLevel, true);
  const properties = root.properties as Record<string, JsonSchema>;
  for (const ext of schema.extensions) properties[ext.id] = objectSchema(ext.attributes, true);
  return root;
}

const validators = new Map<ResourceTypeName, ValidateFunction>();

function validatorFor(type: ResourceTypeName): ValidateFunction {
  const existing = validators.get(type);
  if (existing) return existing;
  if (!ajv) {
    ajv = newAjv({ allErrors: false, strict: false });
    // dateTime validity is the attribute-type module's rule, not a second regex here.
    ajv.addFormat('scim-dateTime', { type: 'string', validate: isXsdDateTime });
  }
  const compiled = ajv.compile(resourceJsonSchema(resourceSchema(type)));
  validators.set(type, compiled);
  return compiled;
}

/** Throws 400 invalidValue naming the first attribute that has the wrong type or a required attribute that is missing. */
export function validateResource(type: ResourceTypeName, resource: ScimResource): void {
  const validate = validatorFor(type);
  if (validate(resource)) {
    const required = resourceSchema(type).coreSchema.attributes.filter((a) => a.required && a.type === 'string');
    for (const a of required) {
      if (typeof resource[a.name] === 'string' && (resource[a.name] as string).trim() === '') {
        throw badRequest('invalidValue', `Attribute "${a.name}" is required and must not be empty.`);
      }
    }
    return;
  }
  throw badRequest('invalidValue', describe(validate.errors?.[0]));
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'The resource is not valid.';
  if (error.keyword === 'required') return `Attribute "${String(error.params.missingProperty)}" is required.`;
  const where = error.instancePath.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.') || 'resource';
  if (error.keyword === 'format') return `Attribute "${where}" must be an xsd:dateTime such as 2026-01-31T12:00:00Z.`;
  return `Attribute "${where}" ${error.message ?? 'is not valid'}.`;
}
