// What each SCIM attribute type (RFC 7643 §2.3) means for a value, in one place: how a client's value is coerced
// (Entra sends booleans as "True"/"False" and numbers as strings), whether a value has the type, and how two values
// compare. Normalization, validation, the PATCH engine, filters and sorting all ask this module.
import { findAttribute, type AttributeType, type ScimAttribute } from './schema.js';

/** A value in the comparable form of its type: booleans, numbers (dateTime as epoch milliseconds) or strings. */
export type Comparable = boolean | number | string;

/** Client input → the attribute's JSON type where the text says so unambiguously; anything else is returned as is. */
export function coerce(type: AttributeType, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'boolean') return toBoolean(value) ?? value;
  if ((type === 'integer' || type === 'decimal') && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  return value;
}

/** What a single (non-array) value of the attribute must be, or undefined when it is one. Complex: the shape only. */
export function typeProblem(attribute: ScimAttribute, value: unknown): string | undefined {
  switch (attribute.type) {
    case 'complex':
      return isPlainObject(value) ? undefined : `an object of ${attribute.name} sub-attributes`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'a boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : 'an integer';
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a number';
    case 'dateTime':
      return typeof value === 'string' && isXsdDateTime(value) ? undefined : 'an xsd:dateTime such as 2026-01-31T12:00:00Z';
    default:
      return typeof value === 'string' ? undefined : 'a string';
  }
}

/** The sub-attribute a complex attribute is compared by (`value`), or the attribute itself when simple. */
export function comparedAttribute(attribute: ScimAttribute): ScimAttribute | undefined {
  return attribute.type === 'complex' ? findAttribute(attribute.subAttributes ?? [], 'value') : attribute;
}

/** A stored value or a filter literal read as the type's comparable form; undefined when it is not one. */
export function readAs(attribute: ScimAttribute, value: unknown): Comparable | undefined {
  switch (attribute.type) {
    case 'boolean':
      return toBoolean(value);
    case 'integer':
    case 'decimal':
      return toNumber(value);
    case 'dateTime':
      return toTime(value);
    case 'complex':
      return undefined;
    default:
      if (typeof value === 'string') return attribute.caseExact ? value : value.toLowerCase();
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  }
}

/** Sign of a − b for two comparable values of one type (false before true; strings by UTF-16 code unit). */
export function compareComparable(a: Comparable, b: Comparable): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Which filter operators a type admits beyond eq/ne/pr (RFC 7644 §3.4.2.2: no ordering on boolean or binary). */
export function admits(type: AttributeType): { ordering: boolean; substring: boolean } {
  switch (type) {
    case 'boolean':
      return { ordering: false, substring: false };
    case 'binary':
      return { ordering: false, substring: true };
    case 'integer':
    case 'decimal':
      return { ordering: true, substring: false };
    default:
      return { ordering: true, substring: true };
  }
}

export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function toTime(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  return typeof value === 'string' ? parseDateTime(value) : undefined;
}

/** xsd:dateTime as stored values must be: a full date and time, optional fraction and offset, a real calendar date. */
const XSD_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

export function isXsdDateTime(text: string): boolean {
  return XSD_DATETIME.test(text) && parseDateTime(text) !== undefined;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Milliseconds since the epoch for an ISO 8601 / RFC 3339 dateTime (`2024-01-31`, `2024-01-31T10:00:00.1234567Z`,
 * `2024-01-31T10:00:00+01:00`), as filter literals may be written. Without an offset the time is taken as UTC, so
 * results never depend on the host's time zone. Anything else is not a date (Date.parse reads "1" as the year 2001).
 */
export function parseDateTime(text: string): number | undefined {
  if (text.length > 40) return undefined;
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  if (date.getUTCDate() !== day && hour !== 24) return undefined; // 2024-02-31
  let offsetMinutes = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  return date.getTime() - offsetMinutes * 60_000;
}

/** RFC 7643 §2.5 "unassigned": null, "" (Entra clears with it), [] and {} all mean no value. */
export function isUnassigned(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural JSON equality: object key order does not matter, array order does. Used wherever a change is detected. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** JSON text with object keys sorted (undefined members left out): a key for values deepEqual calls equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
