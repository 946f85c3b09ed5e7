// The change feed's rows, in the tenant's own partition of the SCIM table (so an event can share the entity-group
// transaction of its change), and the feed's cursors.
//   EP:<time>:<resource id>:<version>  pending event, written by the transaction that commits the change
//   EC                                 the feed head: last sequence number handed out, and the feed's epoch
//   E:<sequence>                       sequenced event, readable by the feed (sequence numbers are dense: 1, 2, 3 …)
// See feed.ts for how pending events get their sequence numbers and why readers can trust them.
import { randomBytes } from 'node:crypto';
import type { TableEntity, TransactionAction } from '@azure/data-tables';
import type { ChangeEvent } from './event.js';

type Entity = TableEntity<Record<string, unknown>>;

const CHUNK_CHARS = 30_000; // under the 64 KiB (32,768 UTF-16 characters) property limit
/** Events stay well under the 1 MiB entity limit; a resource too large to fit is left out of its event. */
export const MAX_EVENT_CHARS = 12 * CHUNK_CHARS;

export const HEAD_KEY = 'EC';
export const PENDING_FROM = 'EP:';
export const PENDING_TO = 'EP;';
export const SEQUENCED_FROM = 'E:';
export const SEQUENCED_TO = 'E;';

export const pendingKey = (timeMs: number, resourceId: string, version: number): string =>
  `EP:${String(timeMs).padStart(13, '0')}:${resourceId}:${String(version).padStart(10, '0')}`;

/** Pending rows with an event time before `timeMs` sort before this key. */
export const pendingKeyBefore = (timeMs: number): string => `EP:${String(Math.max(0, timeMs)).padStart(13, '0')}`;

export const sequencedKey = (sequence: number): string => `E:${String(sequence).padStart(15, '0')}`;

export function sequenceOf(rowKey: string): number {
  return Number(rowKey.slice(2));
}

/** The event's JSON split over string properties d0..dN, plus its time (epoch ms, for retention). */
export function eventProperties(event: ChangeEvent): Record<string, unknown> {
  let json = JSON.stringify(event);
  if (json.length > MAX_EVENT_CHARS) {
    const { resource: _omitted, ...data } = event.data;
    json = JSON.stringify({ ...event, data });
  }
  const properties: Record<string, unknown> = { t: Date.parse(event.time), chunks: Math.max(1, Math.ceil(json.length / CHUNK_CHARS)) };
  for (let i = 0; i * CHUNK_CHARS < json.length || i === 0; i++) properties[`d${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  return properties;
}

export function eventFromRow(row: Record<string, unknown>): ChangeEvent {
  const chunks = Number(row.chunks ?? 1);
  let json = '';
  for (let i = 0; i < chunks; i++) json += String(row[`d${i}`] ?? '');
  return JSON.parse(json) as ChangeEvent;
}

/** Characters an event row carries (to keep a sequencing transaction under the 4 MiB payload limit). */
export function rowChars(row: Record<string, unknown>): number {
  let n = 0;
  for (let i = 0; i < Number(row.chunks ?? 1); i++) n += String(row[`d${i}`] ?? '').length;
  return n;
}

/** The action a change's transaction appends: create the pending event row (no extra storage call). */
export function pendingEventAction(tenant: string, event: ChangeEvent): TransactionAction {
  const entity: Entity = { partitionKey: tenant, rowKey: pendingKey(Date.parse(event.time), event.data.id, event.data.version), ...eventProperties(event) };
  return ['create', entity];
}

// ---- cursors ----

/** A position in one tenant's feed: the feed's epoch (a new one after the feed was purged) and a sequence number. */
export interface Cursor {
  epoch: string;
  sequence: number;
}

/** The epoch of a feed that has never had an event: its cursor means "from the oldest event". */
export const NO_EPOCH = '00000000';
export const START: Cursor = { epoch: NO_EPOCH, sequence: 0 };

export function newEpoch(): string {
  let epoch = NO_EPOCH;
  while (epoch === NO_EPOCH) epoch = randomBytes(4).toString('hex');
  return epoch;
}

const CURSOR = /^([0-9a-f]{8})-(0|[1-9][0-9]{0,14})$/;

export function formatCursor(cursor: Cursor): string {
  return `${cursor.epoch}-${cursor.sequence}`;
}

/** undefined when the text is not a cursor this feed hands out. */
export function parseCursor(text: string): Cursor | undefined {
  const match = CURSOR.exec(text);
  return match ? { epoch: match[1], sequence: Number(match[2]) } : undefined;
}
