// Keys of the activity table. PartitionKey = the tenant id; RowKey = the inverted request time (13 digits, so that
// string order is newest first) + "_" + a random suffix (entries of the same millisecond never collide). A tenant's
// recent activity is then one range read from the start of its partition, and a time range is a RowKey range.
import { randomBytes } from 'node:crypto';

/** Larger than any millisecond timestamp until the year 2286; keeps the inverted value at 13 digits. */
const MAX_MS = 9_999_999_999_999;

export function invertedTime(ms: number): string {
  return String(MAX_MS - Math.max(0, Math.min(MAX_MS, Math.floor(ms)))).padStart(13, '0');
}

export function activityRowKey(ms: number): string {
  return `${invertedTime(ms)}_${randomBytes(6).toString('hex')}`;
}

/** The request time (ms) a RowKey was made from. */
export function timeOfRowKey(rowKey: string): number {
  return MAX_MS - Number(rowKey.slice(0, 13));
}

/**
 * The RowKey range [from, to) holding entries with `since <= time <= until` (either bound optional). Newer entries
 * have smaller keys, so `until` gives the lower key bound and `since` the upper one.
 */
export function timeRange(since?: number, until?: number): [string, string] {
  const from = until === undefined ? '' : invertedTime(until);
  const to = since === undefined ? '~' : invertedTime(since - 1);
  return [from, to];
}
