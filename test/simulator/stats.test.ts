// Percentiles and request statistics.
import { describe, expect, it } from 'vitest';
import { formatMs, percentile, PhaseStats, Samples, summarize } from '../../tools/simulator/stats.js';
import { renderTable } from '../../tools/simulator/table.js';

describe('percentile (nearest rank)', () => {
  it('matches the textbook examples', () => {
    const sorted = [15, 20, 35, 40, 50];
    expect(percentile(sorted, 5)).toBe(15);
    expect(percentile(sorted, 30)).toBe(20);
    expect(percentile(sorted, 40)).toBe(20);
    expect(percentile(sorted, 50)).toBe(35);
    expect(percentile(sorted, 100)).toBe(50);
    expect(percentile(sorted, 0)).toBe(15);
  });

  it('1..100: p50 = 50, p95 = 95, p99 = 99; one sample is every percentile; none is NaN', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 95, 99].map((p) => percentile(values, p))).toEqual([50, 95, 99]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('Samples', () => {
  it('grows past its initial capacity and sorts numerically', () => {
    const s = new Samples();
    for (let i = 5000; i >= 1; i--) s.add(i / 10); // descending, and 10 sorts after 9 numerically
    expect(s.count).toBe(5000);
    expect(s.sorted()[0]).toBe(0.1);
    expect(s.percentile(50)).toBe(250);
    expect(s.max()).toBe(500);
    expect(s.mean()).toBeCloseTo(250.05, 5);
    s.add(1000);
    expect(s.max()).toBe(1000); // the sorted cache is refreshed
    expect(summarize(new Samples()).p50).toBeNaN();
  });
});

describe('PhaseStats', () => {
  it('counts requests, errors, statuses and per-operation latencies', () => {
    const p = new PhaseStats('initial');
    p.start();
    p.record('query-user', 200, 3, true);
    p.record('create-user', 201, 5, true);
    p.record('create-user', 409, 4, false);
    p.record('patch-user', 0, 1, false);
    p.end();
    expect(p.requests).toBe(4);
    expect(p.errors).toBe(2);
    expect(Object.fromEntries(p.statuses)).toEqual({ 200: 1, 201: 1, 409: 1, network: 1 });
    expect(p.byOperation.get('create-user')?.count).toBe(2);
    expect(p.latencies.percentile(50)).toBe(3);
    expect(p.requestsPerSecond).toBeGreaterThan(0);
  });
});

describe('formatting', () => {
  it('formats milliseconds and tables', () => {
    expect([0.123, 3.14, 27.4, 1234.5, Number.NaN].map(formatMs)).toEqual(['0.12', '3.1', '27', '1,235', '–']);
    expect(renderTable(['A', 'Bee'], [['x', '1'], ['yy', '22']])).toBe('A   Bee\n──  ───\nx     1\nyy   22');
    expect(renderTable(['A', 'B'], [['x|y', '1']], { markdown: true })).toBe('| A    | B |\n|------|--:|\n| x\\|y | 1 |');
  });
});
