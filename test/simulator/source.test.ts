// Source directories: the synthetic generator, Graph-shaped file input, and change sets.
import { describe, expect, it } from 'vitest';
import { generateChanges } from '../../tools/simulator/changes.js';
import { isSoftDeleted, memberIds, parseDirectory } from '../../tools/simulator/directory.js';
import { generateDirectory } from '../../tools/simulator/synthetic.js';

const options = { users: 60, groups: 6, members: 12, seed: 7, domain: 't.example.com', groupSuffix: 't' };

describe('synthetic directory', () => {
  it('is deterministic for a seed and different for another', () => {
    expect(generateDirectory(options)).toEqual(generateDirectory(options));
    expect(generateDirectory({ ...options, seed: 8 }).users[5].userPrincipalName).not.toBe(generateDirectory(options).users[5].userPrincipalName);
  });

  it('has unique userPrincipalNames and group names, managers before their reports, members from the users', () => {
    const d = generateDirectory({ ...options, users: 500 });
    const upns = d.users.map((u) => u.userPrincipalName.toLowerCase());
    expect(new Set(upns).size).toBe(upns.length);
    expect(upns.every((u) => u.endsWith('@t.example.com') && /^[a-z0-9'.-]+@/.test(u))).toBe(true);
    const index = new Map(d.users.map((u, i) => [u.id, i]));
    for (const [i, u] of d.users.entries()) if (u.manager) expect(index.get(u.manager.id)).toBeLessThan(i);
    expect(d.users.filter((u) => u.manager).length).toBeGreaterThan(450);
    expect(new Set(d.groups.map((g) => g.displayName.toLowerCase())).size).toBe(d.groups.length);
    for (const g of d.groups) {
      expect(memberIds(g)).toHaveLength(12);
      expect(g.displayName.endsWith(' (t)')).toBe(true);
      for (const id of memberIds(g)) expect(index.has(id)).toBe(true);
    }
    expect(d.users.some((u) => isSoftDeleted(u))).toBe(true);
    expect(d.users[0].onPremisesExtensionAttributes?.extensionAttribute4).toMatch(/^(EMEA|AMER|APAC)$/);
  });
});

describe('Graph-shaped file input', () => {
  it('accepts objectId, Graph collections and member objects; rejects duplicates and missing ids', () => {
    const d = parseDirectory({
      users: { value: [{ objectId: 'u1', userPrincipalName: 'a@b.c' }, { id: 'u2', userPrincipalName: 'b@b.c', accountEnabled: false }] },
      groups: [{ id: 'g1', displayName: 'G', members: ['u1', { id: 'u2' }] }],
    });
    expect(d.users.map((u) => u.id)).toEqual(['u1', 'u2']);
    expect(isSoftDeleted(d.users[1])).toBe(true);
    expect(memberIds(d.groups[0])).toEqual(['u1', 'u2']);
    expect(() => parseDirectory({ users: [{ id: 'x' }, { id: 'x' }] })).toThrow(/appears twice/);
    expect(() => parseDirectory({ users: [{ userPrincipalName: 'a' }] })).toThrow(/no "id"/);
    expect(() => parseDirectory({ groups: [{ id: 'g' }] })).toThrow(/displayName/);
    expect(() => parseDirectory([])).toThrow();
  });
});

describe('change sets', () => {
  it('make every kind of change, deterministically, without modifying the input', () => {
    const d = generateDirectory(options);
    const before = JSON.stringify(d);
    const a = generateChanges(d, { rate: 0.05, seed: 7, cycle: 1, groupSuffix: 't' });
    expect(JSON.stringify(d)).toBe(before);
    expect(generateChanges(d, { rate: 0.05, seed: 7, cycle: 1, groupSuffix: 't' })).toEqual(a);
    for (const [kind, n] of Object.entries(a.summary)) expect(n, kind).toBeGreaterThan(0);
    const next = a.directory;
    const ids = new Set(next.users.map((u) => u.id));
    // Deleted users leave no memberships and no manager references behind.
    for (const g of next.groups) for (const id of memberIds(g)) expect(ids.has(id)).toBe(true);
    for (const u of next.users) if (u.manager) expect(ids.has(u.manager.id)).toBe(true);
    expect(new Set(next.users.map((u) => u.userPrincipalName.toLowerCase())).size).toBe(next.users.length);
    expect(new Set(next.groups.map((g) => g.displayName.toLowerCase())).size).toBe(next.groups.length);
    // A second cycle re-enables users the first one disabled.
    const b = generateChanges(next, { rate: 0.05, seed: 7, cycle: 2, groupSuffix: 't' });
    const disabledInA = new Set(next.users.filter((u) => u.accountEnabled === false).map((u) => u.id));
    expect(b.directory.users.some((u) => disabledInA.has(u.id) && u.accountEnabled === true)).toBe(true);
  });
});
