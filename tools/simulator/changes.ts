// Change sets for incremental cycles: what happens in a directory between two Entra cycles. Renames, attribute edits
// and clears, manager changes, disables, re-enables, joiners, deletes, and group renames/membership changes/creates/
// deletes, drawn deterministically from the seed. The input directory is not modified: changed objects are copies.
import { memberIds, type Directory, type GraphGroup, type GraphUser } from './directory.js';
import { Random } from './random.js';
import { asciiSlug, DEPARTMENTS, FAMILY_NAMES, GIVEN_NAMES, OFFICES, syntheticUser } from './synthetic.js';

export interface ChangeOptions {
  /** Fraction of users touched by each kind of change (each kind at least once when possible). */
  rate: number;
  seed: number | string;
  /** Cycle number (1, 2, ...), part of the random stream. */
  cycle: number;
  /** Domain for joiners' userPrincipalNames; defaults to the first user's domain. */
  domain?: string;
  groupSuffix?: string;
}

export interface ChangeSummary {
  renames: number;
  edits: number;
  clears: number;
  managerChanges: number;
  disables: number;
  reenables: number;
  joiners: number;
  deletes: number;
  groupRenames: number;
  groupCreates: number;
  groupDeletes: number;
  memberAdds: number;
  memberRemoves: number;
}

export interface ChangeSet {
  directory: Directory;
  summary: ChangeSummary;
}

function localPart(upn: string): string {
  const at = upn.lastIndexOf('@');
  return at === -1 ? upn : upn.slice(0, at);
}

function domainOf(upn: string): string {
  const at = upn.lastIndexOf('@');
  return at === -1 ? 'example.com' : upn.slice(at + 1);
}

export function generateChanges(source: Directory, options: ChangeOptions): ChangeSet {
  const rng = new Random(`changes:${String(options.seed)}:${options.cycle}`);
  const summary: ChangeSummary = {
    renames: 0, edits: 0, clears: 0, managerChanges: 0, disables: 0, reenables: 0, joiners: 0, deletes: 0,
    groupRenames: 0, groupCreates: 0, groupDeletes: 0, memberAdds: 0, memberRemoves: 0,
  };
  const users = source.users.slice();
  const groups = source.groups.slice();
  const n = users.length;
  const count = (fraction: number): number => (n === 0 ? 0 : Math.max(1, Math.round(n * options.rate * fraction)));
  const taken = new Set(users.map((u) => localPart(u.userPrincipalName).toLowerCase()));
  const domain = options.domain ?? (users[0] ? domainOf(users[0].userPrincipalName) : 'example.com');
  const index = new Map(users.map((u, i) => [u.id, i]));

  // Each user gets at most one kind of change per cycle, so every change is visible on its own.
  const pool = rng.sample(users.map((_, i) => i), n);
  let cursor = 0;
  const take = (k: number, eligible: (u: GraphUser) => boolean): number[] => {
    const out: number[] = [];
    for (let j = cursor; j < pool.length && out.length < k; j++) {
      if (pool[j] < 0 || !eligible(users[pool[j]])) continue;
      out.push(pool[j]);
      pool[j] = -1;
    }
    while (cursor < pool.length && pool[cursor] < 0) cursor++;
    return out;
  };
  const update = (i: number, patch: Partial<GraphUser>): void => {
    users[i] = { ...users[i], ...patch };
  };
  const enabled = (u: GraphUser): boolean => u.accountEnabled !== false;

  // Renames: a family-name change moves userPrincipalName, mail, mailNickname and displayName.
  for (const i of take(count(0.5), enabled)) {
    const u = users[i];
    const surname = rng.pick(FAMILY_NAMES.filter((s) => s !== u.surname));
    const base = `${asciiSlug(String(u.givenName ?? 'user'))}.${asciiSlug(surname)}`;
    let local = base;
    for (let k = 2; taken.has(local); k++) local = `${base}${k}`;
    taken.add(local);
    const d = domainOf(u.userPrincipalName);
    update(i, { surname, displayName: `${u.givenName ?? ''} ${surname}`.trim(), userPrincipalName: `${local}@${d}`, mail: `${local}@${d}`, mailNickname: local });
    summary.renames++;
  }

  // Attribute edits: one to three attributes each.
  const edits: ((u: GraphUser) => Partial<GraphUser>)[] = [
    (u) => {
      const dept = rng.pick(Object.keys(DEPARTMENTS).filter((d) => d !== u.department));
      return { department: dept, jobTitle: rng.pick(DEPARTMENTS[dept]) };
    },
    (u) => ({ jobTitle: `Senior ${String(u.jobTitle ?? 'Associate').replace(/^Senior /, '')}` }),
    () => {
      const office = rng.pick(OFFICES);
      return { city: office.city, country: office.country, officeLocation: `${office.office}, Floor ${rng.int(1, 12)}` };
    },
    (u) => ({ onPremisesExtensionAttributes: { ...u.onPremisesExtensionAttributes, extensionAttribute1: `CC-${rng.int(1000, 9999)}` } }),
    (u) => ({ onPremisesExtensionAttributes: { ...u.onPremisesExtensionAttributes, extensionAttribute2: `G${rng.int(1, 9)}` } }),
    () => ({ businessPhones: [`+1 555 ${rng.int(100, 999)} ${rng.int(1000, 9999)}`] }),
    () => ({ mobilePhone: `+44 7700 ${rng.int(100000, 999999)}` }),
    (u) => {
      const givenName = rng.pick(GIVEN_NAMES.filter((g) => g !== u.givenName));
      return { givenName, displayName: `${givenName} ${u.surname ?? ''}`.trim() };
    },
  ];
  for (const i of take(count(1), enabled)) {
    let patch: Partial<GraphUser> = {};
    for (const edit of rng.sample(edits, rng.int(1, 3))) patch = { ...patch, ...edit({ ...users[i], ...patch }) };
    update(i, patch);
    summary.edits++;
  }

  // Clears: an attribute that had a value loses it (Entra sends a remove).
  const clearable = (u: GraphUser): boolean => enabled(u) && (u.mobilePhone !== undefined || !!u.onPremisesExtensionAttributes?.extensionAttribute3 || u.jobTitle !== undefined);
  for (const i of take(count(0.25), clearable)) {
    const u = users[i];
    if (u.mobilePhone !== undefined) {
      const { mobilePhone: _dropped, ...rest } = u;
      users[i] = rest as GraphUser;
    } else if (u.onPremisesExtensionAttributes?.extensionAttribute3) {
      update(i, { onPremisesExtensionAttributes: { ...u.onPremisesExtensionAttributes, extensionAttribute3: null } });
    } else {
      const { jobTitle: _dropped, ...rest } = u;
      users[i] = rest as GraphUser;
    }
    summary.clears++;
  }

  // Manager changes: a new manager earlier in the list (no cycles), and one manager removed.
  const managerTargets = take(count(0.5), (u) => enabled(u) && (index.get(u.id) ?? 0) > 0);
  managerTargets.forEach((i, k) => {
    const u = users[i];
    if (k === 0 && u.manager) update(i, { manager: null });
    else {
      const at = index.get(u.id) ?? 0;
      const candidate = users[rng.int(0, Math.max(0, at - 1))];
      if (candidate.id === u.id || candidate.id === u.manager?.id) return;
      update(i, { manager: { id: candidate.id } });
    }
    summary.managerChanges++;
  });

  // Disables (soft delete: PATCH active false) and re-enables of disabled users.
  for (const i of take(count(0.5), enabled)) {
    update(i, { accountEnabled: false });
    summary.disables++;
  }
  for (const i of take(count(0.5), (u) => !enabled(u))) {
    update(i, { accountEnabled: true });
    summary.reenables++;
  }

  // Hard deletes: the user disappears from the directory, its memberships and its reports' manager.
  const deleted = new Set<string>();
  for (const i of take(count(0.25), () => true)) {
    deleted.add(users[i].id);
    summary.deletes++;
  }

  // Joiners.
  const joiners: GraphUser[] = [];
  const living = users.filter((u) => !deleted.has(u.id) && enabled(u));
  for (let k = 0; k < count(0.5); k++) {
    const joiner = syntheticUser(rng, n + k + options.cycle * 1_000_000, domain, taken);
    if (living.length > 0) joiner.manager = { id: rng.pick(living).id };
    joiners.push(joiner);
    summary.joiners++;
  }

  let nextUsers = users.filter((u) => !deleted.has(u.id));
  if (deleted.size > 0) {
    nextUsers = nextUsers.map((u) => (u.manager && deleted.has(u.manager.id) ? { ...u, manager: null } : u));
  }
  nextUsers.push(...joiners);

  // Groups: renames, membership adds/removes, one create, one delete.
  let nextGroups: GraphGroup[] = groups.map((g) => {
    const ids = memberIds(g);
    return ids.some((id) => deleted.has(id)) ? { ...g, members: ids.filter((id) => !deleted.has(id)).map((id) => ({ id })) } : g;
  });
  const memberPool = nextUsers.filter((u) => enabled(u));
  const suffix = options.groupSuffix ? ` (${options.groupSuffix})` : '';
  const names = new Set(nextGroups.map((g) => g.displayName.toLowerCase()));
  if (nextGroups.length > 0) {
    const groupCount = (fraction: number): number => Math.max(1, Math.round(nextGroups.length * fraction));
    for (const gi of rng.sample(nextGroups.map((_, i) => i), groupCount(0.1))) {
      const g = nextGroups[gi];
      let name: string;
      do name = `${g.displayName.replace(suffix, '').replace(/ \(renamed \d+\)$/, '')} (renamed ${rng.int(1, 9999)})${suffix}`;
      while (names.has(name.toLowerCase()));
      names.add(name.toLowerCase());
      nextGroups[gi] = { ...g, displayName: name };
      summary.groupRenames++;
    }
    for (const gi of rng.sample(nextGroups.map((_, i) => i), groupCount(0.3))) {
      const g = nextGroups[gi];
      const current = memberIds(g);
      const present = new Set(current);
      const change = Math.max(1, Math.round(current.length * 0.1));
      const removed = new Set(rng.sample(current, Math.min(change, current.length)));
      const added = rng.sample(memberPool, change * 2).map((u) => u.id).filter((id) => !present.has(id)).slice(0, change);
      summary.memberRemoves += removed.size;
      summary.memberAdds += added.length;
      nextGroups[gi] = { ...g, members: [...current.filter((id) => !removed.has(id)), ...added].map((id) => ({ id })) };
    }
    // Joiners join a group or two.
    for (const joiner of joiners) {
      for (const gi of rng.sample(nextGroups.map((_, i) => i), Math.min(2, nextGroups.length))) {
        const g = nextGroups[gi];
        nextGroups[gi] = { ...g, members: [...memberIds(g), joiner.id].map((id) => ({ id })) };
        summary.memberAdds++;
      }
    }
    if (nextGroups.length >= 3) {
      const gone = rng.int(0, nextGroups.length - 1);
      nextGroups = nextGroups.filter((_, i) => i !== gone);
      summary.groupDeletes++;
    }
    let name: string;
    do name = `New Initiative ${rng.int(1, 99999)}${suffix}`;
    while (names.has(name.toLowerCase()));
    const members = rng.sample(memberPool, Math.min(memberPool.length, Math.max(1, Math.round(memberIds(groups[0]).length / 2)))).map((u) => ({ id: u.id }));
    nextGroups.push({ id: rng.uuid(), displayName: name, mailNickname: asciiSlug(name.replace(/\s+/g, '-')), members });
    summary.groupCreates++;
    summary.memberAdds += members.length;
  }
  return { directory: { users: nextUsers, groups: nextGroups }, summary };
}
