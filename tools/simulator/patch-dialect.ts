// PATCH bodies as Microsoft Entra ID sends them, in its two dialects (see docs/entra-wire.md):
// `default` (op names capitalized, booleans as "True"/"False" strings, one op per attribute, members removed with a
// value list) and `compliant` (the `?aadOptscim062020` flag: lower-case ops, real booleans, several simple attributes
// in one path-less replace with dotted and URN keys, members removed one `members[value eq "id"]` op each).
import type { MappedValue } from './mapping.js';
import { pathlessKey, type TargetPath } from './scim-path.js';

export type PatchMode = 'default' | 'compliant';

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

export interface PatchBody {
  schemas: string[];
  Operations: PatchOperation[];
}

/** One attribute to change: `value` undefined clears it; `had` tells whether the target had a value (Add vs Replace). */
export interface AttributeChange {
  target: TargetPath;
  value?: MappedValue;
  had: boolean;
}

function opName(op: 'add' | 'replace' | 'remove', mode: PatchMode): string {
  return mode === 'default' ? op[0].toUpperCase() + op.slice(1) : op;
}

function wireValue(value: MappedValue, mode: PatchMode): unknown {
  if (mode === 'default' && typeof value === 'boolean') return value ? 'True' : 'False';
  return value;
}

export function patchBody(operations: PatchOperation[]): PatchBody {
  return { schemas: [PATCH_OP], Operations: operations };
}

export function attributeOperations(changes: AttributeChange[], mode: PatchMode): PatchOperation[] {
  const ops: PatchOperation[] = [];
  const pathless: Record<string, unknown> = {};
  const simple = mode === 'compliant' ? changes.filter((c) => c.value !== undefined && pathlessKey(c.target) !== undefined) : [];
  const grouped = simple.length >= 2 ? new Set(simple) : new Set<AttributeChange>();
  for (const change of changes) {
    if (change.value === undefined) {
      ops.push({ op: opName('remove', mode), path: change.target.text });
    } else if (grouped.has(change)) {
      pathless[pathlessKey(change.target) as string] = wireValue(change.value, mode);
    } else {
      ops.push({ op: opName(change.had ? 'replace' : 'add', mode), path: change.target.text, value: wireValue(change.value, mode) });
    }
  }
  if (grouped.size > 0) ops.unshift({ op: 'replace', value: pathless });
  return ops;
}

/** The manager as Entra sets it: the enterprise URN path and a bare id; removal without a value. */
export function managerOperation(target: TargetPath, managerId: string | undefined, had: boolean, mode: PatchMode): PatchOperation {
  if (managerId === undefined) return { op: opName('remove', mode), path: target.text };
  return { op: opName(had ? 'replace' : 'add', mode), path: target.text, value: managerId };
}

export function addMembersOperation(ids: string[], mode: PatchMode): PatchOperation {
  return { op: opName('add', mode), path: 'members', value: ids.map((value) => ({ $ref: null, value })) };
}

/** Default mode: one `Remove` with the value list; compliance mode: one `members[value eq "id"]` op per member. */
export function removeMembersOperations(ids: string[], mode: PatchMode): PatchOperation[] {
  if (mode === 'default') return [{ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }];
  return ids.map((id) => ({ op: 'remove', path: `members[value eq ${JSON.stringify(id)}]` }));
}
