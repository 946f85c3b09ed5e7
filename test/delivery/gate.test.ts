// The delivery engine's storage gate (lib/delivery/gate.ts): however many streams call at once, at most `slots` storage
// calls are in flight, callers go in arrival order, and a failing call frees its slot.
import { describe, expect, it } from 'vitest';
import { StorageGate } from '../../lib/delivery/gate.js';

describe('StorageGate', () => {
  it('keeps at most 2 calls in flight, in arrival order, and a failure frees its slot', async () => {
    const gate = new StorageGate(2, 0.2, 50);
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const call = (i: number) => gate.run(async () => {
      started.push(i);
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      if (i === 3) throw new Error('storage said no');
      return i;
    });
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => call(i)));
    expect(most).toBe(2);
    expect(started).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : -1))).toEqual([0, 1, 2, -1, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('rests after each call in proportion to its duration, so slow storage slows the engine down', async () => {
    const gate = new StorageGate(1, 1, 1000);
    const t0 = performance.now();
    await Promise.all([0, 1, 2].map(() => gate.run(() => new Promise((r) => setTimeout(r, 40)))));
    // Three calls of 40 ms through one slot, each but the last followed by a 40 ms rest before the next may start.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
  });
});
