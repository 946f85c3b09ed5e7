// The SCIM filter language (RFC 7644 §3.4.2.2): parsing (filter-parse.ts) and schema-aware evaluation
// (filter-evaluate.ts). Import from here.
export {
  COMPARE_OPS,
  DEFAULT_MAX_FILTER_DEPTH,
  DEFAULT_MAX_FILTER_LENGTH,
  isCompareOp,
  parseFilter,
  type CompareOp,
  type FilterLimits,
  type FilterNode,
  type FilterValue,
} from './filter-parse.js';
export {
  compareValues,
  matchesFilter,
  matchesValueFilter,
  validateFilter,
  valuesAtPath,
} from './filter-evaluate.js';
