// Reads a test table directly (not through the repository) and checks the storage invariants the SCIM layer relies on
// (layout in lib/store/table-repository.ts):
//   - every live U:/G: row has its UN:/GN: name row (pointing back at it, carrying the same version and data) and,
//     when externalId is set, its UX:/GX: row; and every index row has its live resource;
//   - no two live resources share a userName / displayName (case-insensitively);
//   - every M:g:m row has its R:m:g row and vice versa, and both ends exist and are not `deleting`;
//   - change feed (lib/events): every resource has exactly one event per version, 1..its version (plus its deleted
//     event once marked deleting), a resource without rows has a complete history ending in its delete, and the
//     sequenced events E:1..E:n are dense with the head at n: no change without its event, no event without its change;
//   - resource counters (lib/store/counters.ts): where a type's baseline row C:<P>:base exists, base + Σ of its shard
//     rows C:<P>:00..63 equals the tenant's live (not `deleting`) resources of that type.
// A `deleting` resource is a delete that stopped half-way (crash, outage). It is repaired by the next DELETE of its id
// or create/rename onto its name; `tombstones` lists them, and only strict checks count them as violations.
import { TableClient } from '@azure/data-tables';
import { expect } from 'vitest';
import { eventFromRow, HEAD_KEY } from '../../lib/events/keys.js';
import { COUNTER_SHARDS } from '../../lib/store/counters.js';
import { keys } from '../../lib/store/keys.js';
import { TENANT_PARTITION } from '../../lib/store/tenant-store.js';

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };
type Kind = 'User' | 'Group';

export interface InvariantReport {
  violations: string[];
  /** Resources marked `deleting` (half-done deletes awaiting repair): "<tenant> <type> <id>". */
  tombstones: { tenant: string; type: Kind; id: string }[];
  counts: { users: number; groups: number; memberships: number; rows: number };
}

export interface InvariantOptions {
  /** Accept `deleting` tombstones (and memberships that touch one) as repairable rather than violations. */
  allowTombstones?: boolean;
  /** Skip the change-feed checks (for tables whose events were expired by retention on purpose). */
  skipEvents?: boolean;
}

export function tableClient(connectionString: string, tableName: string): TableClient {
  return TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
}

const PREFIX_KIND: Record<string, Kind> = { U: 'User', G: 'Group' };

function dataOf(row: Row): Record<string, unknown> | undefined {
  const chunks = Number(row.chunks ?? 1);
  let json = '';
  for (let i = 0; i < chunks; i++) json += String(row[`d${i}`] ?? '');
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function chunkText(row: Row): string {
  const chunks = Number(row.chunks ?? 1);
  let text = '';
  for (let i = 0; i < chunks; i++) text += String(row[`d${i}`] ?? '');
  return text;
}

const uniqueAttribute: Record<Kind, string> = { User: 'userName', Group: 'displayName' };

export async function checkInvariants(connectionString: string, tableName: string, options: InvariantOptions = {}): Promise<InvariantReport> {
  const client = tableClient(connectionString, tableName);
  const partitions = new Map<string, Map<string, Row>>();
  let rows = 0;
  for await (const entity of client.listEntities<Record<string, unknown>>()) {
    const row = entity as Row;
    if (row.partitionKey === TENANT_PARTITION) continue;
    rows++;
    let p = partitions.get(row.partitionKey);
    if (!p) partitions.set(row.partitionKey, (p = new Map()));
    p.set(row.rowKey, row);
  }
  const violations: string[] = [];
  const tombstones: InvariantReport['tombstones'] = [];
  const counts = { users: 0, groups: 0, memberships: 0, rows };
  for (const [tenant, byKey] of partitions) {
    const v = (message: string) => violations.push(`[${tenant}] ${message}`);
    const resourceRow = (type: Kind, id: string) => byKey.get(keys.resource(type, id));
    const names = new Map<string, string>(); // "<type>:<lower name>" -> id
    const isGone = (row: Row | undefined) => row === undefined || row.deleting === true;

    const events = new Map<string, { version: number; type: string }[]>();
    const sequences: number[] = [];
    for (const [rowKey, row] of byKey) {
      if (rowKey === HEAD_KEY || rowKey.startsWith('E:') || rowKey.startsWith('EP:')) {
        if (rowKey === HEAD_KEY) continue;
        if (rowKey.startsWith('E:')) sequences.push(Number(rowKey.slice(2)));
        const event = eventFromRow(row);
        events.set(event.data.id, [...(events.get(event.data.id) ?? []), { version: event.data.version, type: event.type }]);
        continue;
      }
      if (rowKey.startsWith('C:')) continue; // counters: checkCounters below
      const m = /^(U|G|UN|GN|UX|GX|M|R):(.*)$/.exec(rowKey);
      if (!m) {
        v(`unexpected row ${rowKey}`);
        continue;
      }
      const [, prefix, rest] = m;
      if (prefix === 'U' || prefix === 'G') {
        const type = PREFIX_KIND[prefix];
        const id = rest;
        if (row.id !== id) v(`${rowKey}: id property ${String(row.id)} does not match its key`);
        const data = dataOf(row);
        if (!data) {
          v(`${rowKey}: stored JSON does not parse`);
          continue;
        }
        const name = String(data[uniqueAttribute[type]] ?? '');
        if (name === '') v(`${rowKey}: no ${uniqueAttribute[type]}`);
        if (row.deleting === true) tombstones.push({ tenant, type, id });
        else {
          if (type === 'User') counts.users++;
          else counts.groups++;
          const dupKey = `${type}:${name.toLowerCase()}`;
          const other = names.get(dupKey);
          if (other !== undefined) v(`duplicate ${uniqueAttribute[type]} ${JSON.stringify(name)}: ${other} and ${id}`);
          names.set(dupKey, id);
        }
        const nameRow = byKey.get(keys.uniqueName(type, name.toLowerCase()));
        if (!nameRow) v(`${rowKey}: missing name row for ${JSON.stringify(name)}`);
        else {
          if (nameRow.id !== id) v(`${rowKey}: name row for ${JSON.stringify(name)} belongs to ${String(nameRow.id)}`);
          if (Number(nameRow.version) !== Number(row.version)) v(`${rowKey}: name row at version ${String(nameRow.version)}, resource at ${String(row.version)}`);
          if (chunkText(nameRow) !== chunkText(row)) v(`${rowKey}: name row data differs from the resource row`);
          if ((nameRow.deleting === true) !== (row.deleting === true)) v(`${rowKey}: deleting mark differs between resource and name row`);
        }
        const externalId = typeof data.externalId === 'string' && data.externalId !== '' ? data.externalId : undefined;
        if (externalId !== undefined && !byKey.has(keys.externalId(type, externalId, id))) v(`${rowKey}: missing externalId row`);
      } else if (prefix === 'UN' || prefix === 'GN') {
        const type = PREFIX_KIND[prefix[0]];
        const id = String(row.id);
        const resource = resourceRow(type, id);
        if (!resource) v(`${rowKey}: name row without its resource ${id}`);
        else {
          const data = dataOf(resource);
          const name = String(data?.[uniqueAttribute[type]] ?? '');
          if (keys.uniqueName(type, name.toLowerCase()) !== rowKey) v(`${rowKey}: name row of ${id}, whose ${uniqueAttribute[type]} is now ${JSON.stringify(name)}`);
        }
      } else if (prefix === 'UX' || prefix === 'GX') {
        const type = PREFIX_KIND[prefix[0]];
        const id = String(row.id);
        const resource = resourceRow(type, id);
        if (!resource) v(`${rowKey}: externalId row without its resource ${id}`);
        else {
          const data = dataOf(resource);
          const externalId = typeof data?.externalId === 'string' ? data.externalId : undefined;
          if (externalId === undefined || keys.externalId(type, externalId, id) !== rowKey) v(`${rowKey}: externalId row does not match ${id}'s externalId`);
        }
      } else if (prefix === 'M') {
        counts.memberships++;
        const [groupId, memberId] = rest.split(':');
        const memberType: Kind = row.type === 'Group' ? 'Group' : 'User';
        if (!byKey.has(keys.memberOf(memberId, groupId))) v(`${rowKey}: member row without its reverse row`);
        const group = resourceRow('Group', groupId);
        const member = resourceRow(memberType, memberId);
        const allowed = (r: Row | undefined) => r !== undefined && r.deleting === true && options.allowTombstones === true;
        if (isGone(group) && !allowed(group)) v(`${rowKey}: membership of a ${group ? 'deleting' : 'missing'} group`);
        if (isGone(member) && !allowed(member)) v(`${rowKey}: membership of a ${member ? 'deleting' : 'missing'} ${memberType.toLowerCase()}`);
      } else if (prefix === 'R') {
        const [memberId, groupId] = rest.split(':');
        if (!byKey.has(keys.member(groupId, memberId))) v(`${rowKey}: reverse row without its member row`);
        // A resource row saying it is in no group lets reads skip its reverse rows: it must be true.
        for (const type of ['User', 'Group'] as const) if (resourceRow(type, memberId)?.memberOfNone === true) v(`${rowKey}: member ${memberId} whose row says it is in no group`);
      }
    }
    if (!options.skipEvents) checkEvents(byKey, events, sequences, v);
    checkCounters(byKey, v);
  }
  if (!options.allowTombstones) for (const t of tombstones) violations.push(`[${t.tenant}] ${t.type} ${t.id} is marked deleting (a delete stopped half-way)`);
  return { violations, tombstones, counts };
}

function checkCounters(byKey: Map<string, Row>, v: (message: string) => void): void {
  for (const [prefix, type] of Object.entries(PREFIX_KIND)) {
    let live = 0;
    let sum = 0;
    let base: number | undefined;
    for (const [rowKey, row] of byKey) {
      if (rowKey.startsWith(`${prefix}:`) && row.deleting !== true) live++;
      if (!rowKey.startsWith(`C:${prefix}:`)) continue;
      const shard = rowKey.slice(prefix.length + 3);
      if (shard === 'base') base = Number(row.base);
      else if (/^\d\d$/.test(shard) && Number(shard) < COUNTER_SHARDS) sum += Number(row.count);
      else v(`unexpected counter row ${rowKey}`);
    }
    if (base !== undefined && base + sum !== live) v(`${type} counter says ${base + sum} (base ${base}, shards ${sum}), ${live} live ${type.toLowerCase()}s`);
  }
}

function checkEvents(byKey: Map<string, Row>, events: Map<string, { version: number; type: string }[]>, sequences: number[], v: (message: string) => void): void {
  sequences.sort((a, b) => a - b);
  sequences.forEach((n, i) => {
    if (n !== i + 1) v(`event sequence has a hole or a duplicate at E:${n} (position ${i + 1})`);
  });
  const head = byKey.get(HEAD_KEY);
  if (sequences.length > 0 && Number(head?.sequence) !== sequences.length) v(`feed head at ${String(head?.sequence)}, last event ${sequences.length}`);
  const versions = (id: string) => (events.get(id) ?? []).sort((a, b) => a.version - b.version);
  const contiguous = (list: { version: number }[], last: number) => list.length === last && list.every((e, i) => e.version === i + 1);
  const resources = new Set<string>();
  for (const [rowKey, row] of byKey) {
    const m = /^(U|G):(.*)$/.exec(rowKey);
    if (!m) continue;
    const id = m[2];
    resources.add(id);
    const list = versions(id);
    const last = Number(row.version) + (row.deleting === true ? 1 : 0);
    if (!contiguous(list, last)) v(`${rowKey} at version ${last}${row.deleting === true ? ' (deleting)' : ''} has events for versions [${list.map((e) => e.version).join(',')}]`);
    if (row.deleting === true && !list.at(-1)?.type.endsWith('.deleted')) v(`${rowKey} is marked deleting without its deleted event`);
  }
  for (const [id, list] of events) {
    if (resources.has(id)) continue;
    const sorted = versions(id);
    if (!contiguous(sorted, sorted.length) || !sorted.at(-1)?.type.endsWith('.deleted')) v(`events of ${id}, which has no rows, are not a complete history ending in its delete: [${sorted.map((e) => `${e.version}:${e.type}`).join(',')}]`);
    void list;
  }
}

/** Fails the test with every violation listed. */
export async function expectInvariants(connectionString: string, tableName: string, options: InvariantOptions = {}): Promise<InvariantReport> {
  const report = await checkInvariants(connectionString, tableName, options);
  expect(report.violations, report.violations.slice(0, 50).join('\n')).toEqual([]);
  return report;
}
