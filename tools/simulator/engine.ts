// The provisioning engine: drives a SCIM endpoint the way the Microsoft Entra ID provisioning service does, from a
// Graph-shaped source directory through attribute mappings, and checks the result.
//
// Phases: test connection (query an unknown userName, expect an empty ListResponse); initial cycle (per user: query
// by the matching attribute → create, or patch what differs; managers as second PATCHes; per group: query by
// displayName with excludedAttributes=members → create empty → members added in batched PATCHes); incremental cycles
// (changed users: GET by id → PATCH the difference; new users query → create; managers; changed groups: GET with
// excludedAttributes=members → rename → member adds/removes; then hard deletes); verification (every provisioned
// object read back by id and found by its matching attribute, every deleted one gone).
//
// Like Entra, the engine keeps an "escrow" of what it last wrote per object and sends only differences.
import { randomUUID } from 'node:crypto';
import { isSoftDeleted, memberIds, type Directory, type GraphGroup, type GraphUser } from './directory.js';
import { encodeQueryValue, filterLiteral, runPool, type HttpReply, type ScimClient } from './http.js';
import type { CompiledMapping, MappedObject, MappedValue, Mappings } from './mapping.js';
import {
  addMembersOperation,
  attributeOperations,
  managerOperation,
  patchBody,
  removeMembersOperations,
  type AttributeChange,
  type PatchMode,
  type PatchOperation,
} from './patch-dialect.js';
import { CORE_GROUP, CORE_USER, ENTERPRISE_USER, getCI, readPath, writePath } from './scim-path.js';
import { PhaseStats, summarize, type LatencySummary } from './stats.js';

export const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const MAX_THROTTLE_RETRIES = 3;

export interface SimulatorOptions {
  client: ScimClient;
  mode: PatchMode;
  mappings: Mappings;
  concurrency: number;
  /** Members per group PATCH (Entra sends several per request). */
  memberBatch?: number;
  /** Send `null` for mapped attributes without a value on create, as older Entra mappings do (`"title": null`). */
  sendNulls?: boolean;
  /** Errors and mismatches kept in the report (counts are always complete). */
  maxRecorded?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** Called around every phase (the benchmark snapshots storage counters here). */
  onPhase?: (event: 'start' | 'end', phase: string) => Promise<void> | void;
}

export interface ProgressEvent {
  phase: string;
  step: string;
  done: number;
  total: number;
  requests: number;
  errors: number;
  startedAt: number;
}

export interface RequestError {
  phase: string;
  operation: string;
  method: string;
  url: string;
  status: number;
  requestBody?: unknown;
  response?: string;
  message: string;
}

export interface Mismatch {
  resourceType: 'User' | 'Group';
  /** The object's matching value (userName / displayName) for people reading the report. */
  name: string;
  id?: string;
  attribute: string;
  expected: unknown;
  actual: unknown;
  message?: string;
}

export interface PhaseSummary {
  name: string;
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  durationMs: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  operations: Record<string, LatencySummary>;
}

interface UserRecord {
  sourceId: string;
  scimId?: string;
  /** Values last written (Entra's escrow). */
  sent?: Map<string, MappedValue>;
  sentManager?: string;
  deleted?: boolean;
  skipped?: boolean;
}

interface GroupRecord {
  sourceId: string;
  scimId?: string;
  sent?: Map<string, MappedValue>;
  sentMembers: Set<string>;
  deleted?: boolean;
}

interface ListResult {
  total: number;
  resources: Record<string, unknown>[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameMap(a: Map<string, MappedValue> | undefined, b: Map<string, MappedValue>): boolean {
  if (!a || a.size !== b.size) return false;
  for (const [k, v] of b) if (a.get(k) !== v) return false;
  return true;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function truncate(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The POST /Users body Entra builds from mapped values (the manager comes later as a PATCH). */
export function userCreateBody(mappings: Mappings, values: Map<string, MappedValue>, sendNulls = false): Json {
  const body: Json = { schemas: [CORE_USER] };
  let enterprise = false;
  for (const m of mappings.user.attributes) {
    const v = values.get(m.target.text);
    if (v !== undefined) {
      writePath(body, m.target, v);
      if (m.target.schema === ENTERPRISE_USER) enterprise = true;
    } else if (sendNulls && !m.target.schema && !m.target.filter && !m.target.subAttribute) {
      body[m.target.attribute] = null;
    }
  }
  // Entra lists the enterprise URN in `schemas` but not custom extensions (whose data still comes under their URN).
  if (enterprise) (body.schemas as string[]).push(ENTERPRISE_USER);
  body.meta = { resourceType: 'User' };
  body.roles = [];
  return body;
}

export class Simulator {
  readonly phases: PhaseStats[] = [];
  readonly errors: RequestError[] = [];
  readonly mismatches: Mismatch[] = [];
  errorCount = 0;
  mismatchCount = 0;
  skipped = 0;

  private directory: Directory;
  private usersById = new Map<string, GraphUser>();
  private groupsById = new Map<string, GraphGroup>();
  private readonly users = new Map<string, UserRecord>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly mapped = new WeakMap<object, MappedObject>();
  private readonly protocolNotes = new Set<string>();
  private liveUserIds = new Set<string>();
  private phase: PhaseStats | undefined;
  private progress = { step: '', done: 0, total: 0 };
  private readonly memberBatch: number;
  private readonly maxRecorded: number;
  private readonly managerMapping: CompiledMapping | undefined;

  constructor(directory: Directory, private readonly options: SimulatorOptions) {
    this.directory = directory;
    this.indexUsers();
    this.memberBatch = Math.max(1, options.memberBatch ?? 10);
    this.maxRecorded = options.maxRecorded ?? 1000;
    this.managerMapping = options.mappings.user.references[0];
  }

  get ok(): boolean {
    return this.errorCount === 0 && this.mismatchCount === 0;
  }

  /** SCIM ids of the users and groups the simulator provisioned and has not deleted. */
  provisioned(): { users: string[]; groups: string[] } {
    const users = [...this.users.values()].filter((r) => r.scimId && !r.deleted).map((r) => r.scimId as string);
    const groups = [...this.groups.values()].filter((r) => r.scimId && !r.deleted).map((r) => r.scimId as string);
    return { users, groups };
  }

  // ---------------------------------------------------------------- phases

  async testConnection(): Promise<void> {
    await this.runPhase('connection', async () => {
      const probe = randomUUID();
      const userFilter = `${this.options.mappings.user.matching.target.text} eq ${filterLiteral(probe)}`;
      const users = await this.send('test-connection', 'GET', `/Users?filter=${encodeQueryValue(userFilter)}`, undefined, [200]);
      if (users) this.expectEmptyList(users, 'User', probe);
      if (this.directory.groups.length > 0) {
        const groupFilter = `${this.options.mappings.group.matching.target.text} eq ${filterLiteral(probe)}`;
        const groups = await this.send('test-connection', 'GET', `/Groups?excludedAttributes=members&filter=${encodeQueryValue(groupFilter)}`, undefined, [200]);
        if (groups) this.expectEmptyList(groups, 'Group', probe);
      }
    });
  }

  async initialCycle(): Promise<void> {
    await this.runPhase('initial', async () => {
      await this.step('users', this.directory.users, (u) => this.syncUnprovisionedUser(u));
      await this.syncManagers();
      await this.step('groups', this.directory.groups, (g) => this.syncGroup(g));
    });
  }

  async incrementalCycle(next: Directory, name = 'incremental'): Promise<void> {
    await this.runPhase(name, async () => {
      const previous = new Set(this.directory.users.map((u) => u.id));
      this.directory = next;
      this.indexUsers();
      const nextUsers = new Set(next.users.map((u) => u.id));
      const nextGroups = new Set(next.groups.map((g) => g.id));

      const userTasks = next.users.filter((u) => {
        const rec = this.users.get(u.id);
        if (!rec?.scimId || rec.deleted) return !isSoftDeleted(u) || !previous.has(u.id);
        return !sameMap(rec.sent, this.expectedValues(u, rec));
      });
      await this.step('users', userTasks, (u) => {
        const rec = this.users.get(u.id);
        return rec?.scimId && !rec.deleted ? this.updateProvisionedUser(u, rec) : this.syncUnprovisionedUser(u);
      });
      await this.syncManagers();
      const groupTasks = next.groups.filter((g) => {
        const rec = this.groups.get(g.id);
        if (!rec?.scimId || rec.deleted) return true;
        const { adds, removes } = this.memberDelta(g, rec);
        return adds.length > 0 || removes.length > 0 || !sameMap(rec.sent, this.mapGroup(g).values);
      });
      await this.step('groups', groupTasks, (g) => this.syncGroup(g));

      const userDeletes = [...this.users.values()].filter((r) => r.scimId && !r.deleted && !nextUsers.has(r.sourceId));
      await this.step('user deletes', userDeletes, async (rec) => {
        const reply = await this.send('delete-user', 'DELETE', `/Users/${rec.scimId}`, undefined, [204, 200]);
        if (reply) rec.deleted = true;
      });
      const groupDeletes = [...this.groups.values()].filter((r) => r.scimId && !r.deleted && !nextGroups.has(r.sourceId));
      await this.step('group deletes', groupDeletes, async (rec) => {
        const reply = await this.send('delete-group', 'DELETE', `/Groups/${rec.scimId}`, undefined, [204, 200]);
        if (reply) rec.deleted = true;
      });
    });
  }

  async verify(): Promise<void> {
    await this.runPhase('verify', async () => {
      this.liveUserIds = new Set(this.provisioned().users);
      await this.step('users', [...this.users.values()], (rec) => this.verifyUser(rec));
      await this.step('groups', [...this.groups.values()], (rec) => this.verifyGroup(rec));
    });
  }

  /** Deletes everything the simulator provisioned (groups first). */
  async cleanup(): Promise<void> {
    await this.runPhase('cleanup', async () => {
      const groups = [...this.groups.values()].filter((r) => r.scimId && !r.deleted);
      await this.step('groups', groups, async (rec) => {
        if (await this.send('delete-group', 'DELETE', `/Groups/${rec.scimId}`, undefined, [204, 200])) rec.deleted = true;
      });
      const users = [...this.users.values()].filter((r) => r.scimId && !r.deleted);
      await this.step('users', users, async (rec) => {
        if (await this.send('delete-user', 'DELETE', `/Users/${rec.scimId}`, undefined, [204, 200])) rec.deleted = true;
      });
    });
  }

  summaries(): PhaseSummary[] {
    return this.phases.map((p) => ({
      name: p.name,
      requests: p.requests,
      errors: p.errors,
      statuses: Object.fromEntries([...p.statuses.entries()].sort()),
      durationMs: p.durationMs,
      requestsPerSecond: p.requestsPerSecond,
      latency: summarize(p.latencies),
      operations: Object.fromEntries([...p.byOperation.entries()].map(([op, s]) => [op, summarize(s)])),
    }));
  }

  // ---------------------------------------------------------------- users

  private indexUsers(): void {
    this.usersById = new Map(this.directory.users.map((u) => [u.id, u]));
    this.groupsById = new Map(this.directory.groups.map((g) => [g.id, g]));
  }

  private mapUser(user: GraphUser): MappedObject {
    let m = this.mapped.get(user);
    if (!m) {
      m = this.options.mappings.user.map({ ...user, IsSoftDeleted: isSoftDeleted(user) });
      this.mapped.set(user, m);
    }
    return m;
  }

  private mapGroup(group: GraphGroup): MappedObject {
    let m = this.mapped.get(group);
    if (!m) {
      m = this.options.mappings.group.map(group);
      this.mapped.set(group, m);
    }
    return m;
  }

  /** What the target should hold: mapped values, with creation-only attributes as they were sent at creation. */
  private expectedValues(user: GraphUser, rec: UserRecord | undefined): Map<string, MappedValue> {
    const values = this.mapUser(user).values;
    const creationOnly = this.options.mappings.user.attributes.filter((m) => m.spec.apply === 'creation');
    if (creationOnly.length === 0 || !rec?.sent) return values;
    const out = new Map(values);
    for (const m of creationOnly) {
      const sent = rec.sent.get(m.target.text);
      if (sent === undefined) out.delete(m.target.text);
      else out.set(m.target.text, sent);
    }
    return out;
  }

  /** The SCIM id the user's manager attribute should hold (undefined when none or not provisioned). */
  private expectedManager(user: GraphUser): string | undefined {
    if (!this.managerMapping) return undefined;
    const sourceId = this.mapUser(user).references.get(this.managerMapping.target.text)?.[0];
    if (sourceId === undefined || !this.usersById.has(sourceId)) return undefined;
    const rec = this.users.get(sourceId);
    return rec?.scimId && !rec.deleted ? rec.scimId : undefined;
  }

  private record(user: GraphUser): UserRecord {
    let rec = this.users.get(user.id);
    if (!rec) {
      rec = { sourceId: user.id };
      this.users.set(user.id, rec);
    }
    return rec;
  }

  private userFilter(value: MappedValue): string {
    const filter = `${this.options.mappings.user.matching.target.text} eq ${filterLiteral(String(value))}`;
    return `/Users?filter=${encodeQueryValue(filter)}`;
  }

  private groupFilter(value: MappedValue): string {
    const filter = `${this.options.mappings.group.matching.target.text} eq ${filterLiteral(String(value))}`;
    return `/Groups?excludedAttributes=members&filter=${encodeQueryValue(filter)}`;
  }

  /** Query by the matching attribute → create when absent (unless soft-deleted), or patch the difference. */
  private async syncUnprovisionedUser(user: GraphUser): Promise<void> {
    const rec = this.record(user);
    const values = this.expectedValues(user, undefined);
    const name = this.nameOf(values, 'User');
    const matchValue = values.get(this.options.mappings.user.matching.target.text);
    if (matchValue === undefined) {
      this.sourceError(`User ${user.id} has no value for the matching attribute; skipped.`);
      return;
    }
    const query = await this.send('query-user', 'GET', this.userFilter(matchValue), undefined, [200]);
    if (!query) return;
    const found = this.parseList(query, 'User', name);
    if (!found) return;
    if (found.resources.length > 1) {
      this.mismatch({ resourceType: 'User', name, attribute: 'query', expected: 'at most 1 match', actual: found.resources.length, message: 'The matching query returned several users.' });
      return;
    }
    const existing = found.resources[0];
    if (!existing) {
      if (isSoftDeleted(user)) {
        // Entra does not create an object that is soft-deleted (disabled) in the source.
        rec.skipped = true;
        this.skipped++;
        return;
      }
      const body = this.createUserBody(values);
      const created = await this.send('create-user', 'POST', '/Users', body, [201]);
      if (!created) return;
      const id = isObject(created.json) ? created.json.id : undefined;
      if (typeof id !== 'string' || id === '') {
        this.mismatch({ resourceType: 'User', name, attribute: 'id', expected: 'a string id in the 201 body', actual: id });
        return;
      }
      Object.assign(rec, { scimId: id, sent: values, sentManager: undefined, deleted: false, skipped: false });
      return;
    }
    const id = String(existing.id ?? '');
    Object.assign(rec, { scimId: id, deleted: false, skipped: false });
    await this.patchUserDifferences(rec, values, existing);
    rec.sentManager = this.managerMapping ? this.readManager(existing) : undefined;
  }

  private async updateProvisionedUser(user: GraphUser, rec: UserRecord): Promise<void> {
    const values = this.expectedValues(user, rec);
    const got = await this.send('get-user', 'GET', `/Users/${rec.scimId}`, undefined, [200]);
    if (!got || !isObject(got.json)) return;
    await this.patchUserDifferences(rec, values, got.json);
  }

  private async patchUserDifferences(rec: UserRecord, values: Map<string, MappedValue>, actual: Json): Promise<void> {
    const changes = attributeChanges(this.options.mappings.user.attributes, values, actual);
    if (changes.length > 0) {
      const body = patchBody(attributeOperations(changes, this.options.mode));
      const reply = await this.send('patch-user', 'PATCH', `/Users/${rec.scimId}`, body, [200, 204]);
      if (!reply) return;
    }
    rec.sent = values;
  }

  /** Manager references as second PATCHes, once their targets exist (Entra's reference resolution). */
  private async syncManagers(): Promise<void> {
    if (!this.managerMapping) return;
    const target = this.managerMapping.target;
    const tasks: { rec: UserRecord; manager: string | undefined }[] = [];
    for (const user of this.directory.users) {
      const rec = this.users.get(user.id);
      if (!rec?.scimId || rec.deleted) continue;
      const manager = this.expectedManager(user);
      if (manager !== rec.sentManager) tasks.push({ rec, manager });
    }
    await this.step('managers', tasks, async ({ rec, manager }) => {
      const op = managerOperation(target, manager, rec.sentManager !== undefined, this.options.mode);
      const reply = await this.send(manager === undefined ? 'remove-manager' : 'set-manager', 'PATCH', `/Users/${rec.scimId}`, patchBody([op]), [200, 204]);
      if (reply) rec.sentManager = manager;
    });
  }

  private createUserBody(values: Map<string, MappedValue>): Json {
    return userCreateBody(this.options.mappings, values, this.options.sendNulls);
  }

  private readManager(resource: Json): string | undefined {
    if (!this.managerMapping) return undefined;
    const manager = readPath(resource, this.managerMapping.target).value;
    if (typeof manager === 'string') return manager === '' ? undefined : manager;
    if (isObject(manager)) {
      const v = getCI(manager, 'value');
      return typeof v === 'string' && v !== '' ? v : undefined;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- groups

  private expectedMembers(group: GraphGroup): Set<string> {
    const out = new Set<string>();
    const ref = this.options.mappings.group.references[0];
    const ids = ref ? (this.mapGroup(group).references.get(ref.target.text) ?? []) : memberIds(group);
    for (const sourceId of ids) {
      if (!this.usersById.has(sourceId)) continue; // nested groups and unknown objects are not provisioned by Entra
      const rec = this.users.get(sourceId);
      if (rec?.scimId && !rec.deleted) out.add(rec.scimId);
    }
    return out;
  }

  private memberDelta(group: GraphGroup, rec: GroupRecord): { adds: string[]; removes: string[] } {
    const expected = this.expectedMembers(group);
    const adds = [...expected].filter((id) => !rec.sentMembers.has(id));
    const removes = [...rec.sentMembers].filter((id) => !expected.has(id));
    return { adds, removes };
  }

  private async syncGroup(group: GraphGroup): Promise<void> {
    let rec = this.groups.get(group.id);
    if (!rec) {
      rec = { sourceId: group.id, sentMembers: new Set() };
      this.groups.set(group.id, rec);
    }
    const values = this.mapGroup(group).values;
    const name = this.nameOf(values, 'Group');
    if (!rec.scimId || rec.deleted) {
      const matchValue = values.get(this.options.mappings.group.matching.target.text);
      if (matchValue === undefined) {
        this.sourceError(`Group ${group.id} has no value for the matching attribute; skipped.`);
        return;
      }
      const query = await this.send('query-group', 'GET', this.groupFilter(matchValue), undefined, [200]);
      if (!query) return;
      const found = this.parseList(query, 'Group', name);
      if (!found) return;
      if (found.resources.length > 1) {
        this.mismatch({ resourceType: 'Group', name, attribute: 'query', expected: 'at most 1 match', actual: found.resources.length });
        return;
      }
      const existing = found.resources[0];
      if (existing) {
        this.checkNoMembers(existing, name, 'query with excludedAttributes=members');
        Object.assign(rec, { scimId: String(existing.id ?? ''), deleted: false, sentMembers: new Set<string>() });
        if (!(await this.patchGroupDifferences(rec, values, existing))) return;
      } else {
        const body: Json = { schemas: [CORE_GROUP, ADSCIM_GROUP] };
        for (const m of this.options.mappings.group.attributes) {
          const v = values.get(m.target.text);
          if (v !== undefined) writePath(body, m.target, v);
        }
        body.meta = { resourceType: 'Group' };
        const created = await this.send('create-group', 'POST', '/Groups', body, [201]);
        if (!created) return;
        const id = isObject(created.json) ? created.json.id : undefined;
        if (typeof id !== 'string' || id === '') {
          this.mismatch({ resourceType: 'Group', name, attribute: 'id', expected: 'a string id in the 201 body', actual: id });
          return;
        }
        Object.assign(rec, { scimId: id, sent: values, deleted: false, sentMembers: new Set<string>() });
      }
    } else if (!sameMap(rec.sent, values)) {
      const got = await this.send('get-group', 'GET', `/Groups/${rec.scimId}?excludedAttributes=members`, undefined, [200]);
      if (!got || !isObject(got.json)) return;
      this.checkNoMembers(got.json, name, 'GET with excludedAttributes=members');
      if (!(await this.patchGroupDifferences(rec, values, got.json))) return;
    }
    await this.syncMembers(group, rec);
  }

  private async patchGroupDifferences(rec: GroupRecord, values: Map<string, MappedValue>, actual: Json): Promise<boolean> {
    const changes = attributeChanges(this.options.mappings.group.attributes, values, actual);
    if (changes.length > 0) {
      // Entra renames a group with one op per attribute in both modes.
      const ops: PatchOperation[] = changes.map((c) =>
        attributeOperations([c], this.options.mode)[0]);
      const reply = await this.send('patch-group', 'PATCH', `/Groups/${rec.scimId}`, patchBody(ops), [204, 200]);
      if (!reply) return false;
    }
    rec.sent = values;
    return true;
  }

  private async syncMembers(group: GraphGroup, rec: GroupRecord): Promise<void> {
    const { adds, removes } = this.memberDelta(group, rec);
    for (const batch of chunk(adds, this.memberBatch)) {
      const reply = await this.send('add-members', 'PATCH', `/Groups/${rec.scimId}`, patchBody([addMembersOperation(batch, this.options.mode)]), [204, 200]);
      if (!reply) return;
      for (const id of batch) rec.sentMembers.add(id);
    }
    for (const batch of chunk(removes, this.memberBatch)) {
      const reply = await this.send('remove-members', 'PATCH', `/Groups/${rec.scimId}`, patchBody(removeMembersOperations(batch, this.options.mode)), [204, 200]);
      if (!reply) return;
      for (const id of batch) rec.sentMembers.delete(id);
    }
  }

  // ---------------------------------------------------------------- verification

  private async verifyUser(rec: UserRecord): Promise<void> {
    const user = this.usersById.get(rec.sourceId);
    const lastName = rec.sent ? this.nameOf(rec.sent, 'User') : user ? this.nameOf(this.mapUser(user).values, 'User') : rec.sourceId;
    if (rec.scimId && !rec.deleted && user) {
      const values = this.expectedValues(user, rec);
      const name = this.nameOf(values, 'User');
      const got = await this.send('verify-get-user', 'GET', `/Users/${rec.scimId}`, undefined, [200]);
      if (got && isObject(got.json)) {
        const actual = got.json;
        if (actual.id !== rec.scimId) this.mismatch({ resourceType: 'User', name, id: rec.scimId, attribute: 'id', expected: rec.scimId, actual: actual.id });
        for (const m of this.options.mappings.user.attributes) {
          const expected = values.get(m.target.text);
          const { value, matches } = readPath(actual, m.target);
          if (expected === undefined ? present(value) : value !== expected) {
            this.mismatch({ resourceType: 'User', name, id: rec.scimId, attribute: m.target.text, expected, actual: value });
          } else if (matches !== undefined && matches > 1) {
            this.mismatch({ resourceType: 'User', name, id: rec.scimId, attribute: m.target.text, expected: '1 entry', actual: `${matches} entries`, message: 'A typed multi-valued entry is duplicated.' });
          }
        }
        if (this.managerMapping) {
          const expected = this.expectedManager(user);
          const actualManager = this.readManager(actual);
          if (expected !== actualManager) this.mismatch({ resourceType: 'User', name, id: rec.scimId, attribute: this.managerMapping.target.text, expected, actual: actualManager });
        }
      }
      const matchValue = values.get(this.options.mappings.user.matching.target.text);
      if (matchValue !== undefined) {
        const query = await this.send('verify-query-user', 'GET', this.userFilter(matchValue), undefined, [200]);
        const found = query ? this.parseList(query, 'User', name) : undefined;
        if (found) {
          const ids = found.resources.map((r) => r.id);
          if (found.total !== 1 || ids.length !== 1 || ids[0] !== rec.scimId) {
            this.mismatch({ resourceType: 'User', name, id: rec.scimId, attribute: `filter ${this.options.mappings.user.matching.target.text} eq`, expected: [rec.scimId], actual: ids, message: `totalResults ${found.total}` });
          }
        }
      }
      return;
    }
    if (rec.scimId && rec.deleted) {
      const got = await this.send('verify-deleted-user', 'GET', `/Users/${rec.scimId}`, undefined, [404, 200]);
      if (got && got.status !== 404) this.mismatch({ resourceType: 'User', name: lastName, id: rec.scimId, attribute: '(resource)', expected: '404 after DELETE', actual: got.status });
    }
    // Deleted or never created (disabled in the source): the matching query must not find it.
    const matchValue = rec.sent?.get(this.options.mappings.user.matching.target.text) ?? (user ? this.mapUser(user).values.get(this.options.mappings.user.matching.target.text) : undefined);
    if (matchValue === undefined) return;
    const query = await this.send('verify-query-user', 'GET', this.userFilter(matchValue), undefined, [200]);
    const found = query ? this.parseList(query, 'User', lastName) : undefined;
    // A live user may legitimately hold the name now (a joiner can take a departed user's userName).
    if (found && found.resources.some((r) => r.id === rec.scimId || !this.liveUserIds.has(String(r.id)))) {
      this.mismatch({ resourceType: 'User', name: lastName, id: rec.scimId, attribute: `filter ${this.options.mappings.user.matching.target.text} eq`, expected: [], actual: found.resources.map((r) => r.id), message: rec.deleted ? 'A deleted user is still found.' : 'A user never created is found.' });
    }
  }

  private async verifyGroup(rec: GroupRecord): Promise<void> {
    if (!rec.scimId) return;
    const group = this.groupsById.get(rec.sourceId);
    const name = rec.sent ? this.nameOf(rec.sent, 'Group') : rec.sourceId;
    if (rec.deleted || !group) {
      const got = await this.send('verify-deleted-group', 'GET', `/Groups/${rec.scimId}?excludedAttributes=members`, undefined, [404, 200]);
      if (got && got.status !== 404) this.mismatch({ resourceType: 'Group', name, id: rec.scimId, attribute: '(resource)', expected: '404 after DELETE', actual: got.status });
      return;
    }
    const values = this.mapGroup(group).values;
    const expectedMembers = this.expectedMembers(group);
    const got = await this.send('verify-get-group', 'GET', `/Groups/${rec.scimId}`, undefined, [200]);
    if (got && isObject(got.json)) {
      this.compareGroupAttributes(got.json, values, rec, name);
      const members = getCI(got.json, 'members');
      const actual = Array.isArray(members) ? members.map((m) => (isObject(m) ? getCI(m, 'value') : m)) : [];
      const actualSet = new Set(actual.map(String));
      const missing = [...expectedMembers].filter((id) => !actualSet.has(id));
      const extra = [...actualSet].filter((id) => !expectedMembers.has(id));
      if (missing.length > 0 || extra.length > 0 || actual.length !== actualSet.size) {
        this.mismatch({
          resourceType: 'Group', name, id: rec.scimId, attribute: 'members',
          expected: `${expectedMembers.size} members`, actual: `${actual.length} members`,
          message: `missing ${JSON.stringify(missing.slice(0, 10))}${missing.length > 10 ? ` (+${missing.length - 10})` : ''}, unexpected ${JSON.stringify(extra.slice(0, 10))}${extra.length > 10 ? ` (+${extra.length - 10})` : ''}${actual.length !== actualSet.size ? ', duplicates' : ''}`,
        });
      }
    }
    const slim = await this.send('verify-get-group', 'GET', `/Groups/${rec.scimId}?excludedAttributes=members`, undefined, [200]);
    if (slim && isObject(slim.json)) {
      this.checkNoMembers(slim.json, name, 'GET with excludedAttributes=members');
      this.compareGroupAttributes(slim.json, values, rec, name);
    }
    const matchValue = values.get(this.options.mappings.group.matching.target.text);
    if (matchValue !== undefined) {
      const query = await this.send('verify-query-group', 'GET', this.groupFilter(matchValue), undefined, [200]);
      const found = query ? this.parseList(query, 'Group', name) : undefined;
      if (found) {
        const ids = found.resources.map((r) => r.id);
        if (found.total !== 1 || ids.length !== 1 || ids[0] !== rec.scimId) {
          this.mismatch({ resourceType: 'Group', name, id: rec.scimId, attribute: `filter ${this.options.mappings.group.matching.target.text} eq`, expected: [rec.scimId], actual: ids, message: `totalResults ${found.total}` });
        }
        for (const r of found.resources) this.checkNoMembers(r, name, 'query with excludedAttributes=members');
      }
    }
  }

  private compareGroupAttributes(actual: Json, values: Map<string, MappedValue>, rec: GroupRecord, name: string): void {
    if (actual.id !== rec.scimId) this.mismatch({ resourceType: 'Group', name, id: rec.scimId, attribute: 'id', expected: rec.scimId, actual: actual.id });
    for (const m of this.options.mappings.group.attributes) {
      const expected = m.spec.apply === 'creation' ? rec.sent?.get(m.target.text) : values.get(m.target.text);
      const { value } = readPath(actual, m.target);
      if (expected === undefined ? present(value) : value !== expected) {
        this.mismatch({ resourceType: 'Group', name, id: rec.scimId, attribute: m.target.text, expected, actual: value });
      }
    }
  }

  private checkNoMembers(resource: Json, name: string, where: string): void {
    const members = getCI(resource, 'members');
    if (Array.isArray(members) && members.length > 0) {
      this.mismatch({ resourceType: 'Group', name, id: String(resource.id), attribute: 'members', expected: 'absent', actual: `${members.length} members`, message: `${where} returned members.` });
    }
  }

  // ---------------------------------------------------------------- plumbing

  private nameOf(values: Map<string, MappedValue>, type: 'User' | 'Group'): string {
    const matching = type === 'User' ? this.options.mappings.user.matching : this.options.mappings.group.matching;
    return String(values.get(matching.target.text) ?? '(no matching value)');
  }

  private parseList(reply: HttpReply, type: 'User' | 'Group', name: string): ListResult | undefined {
    const body = reply.json;
    const schemas = isObject(body) ? body.schemas : undefined;
    const total = isObject(body) ? body.totalResults : undefined;
    const resources = isObject(body) ? (body.Resources ?? []) : undefined;
    if (!isObject(body) || typeof total !== 'number' || !Array.isArray(resources) || !Array.isArray(schemas) || !schemas.includes(LIST_RESPONSE)) {
      this.mismatch({ resourceType: type, name, attribute: '(ListResponse)', expected: 'a ListResponse with totalResults and Resources', actual: truncate(reply.text, 300) });
      return undefined;
    }
    return { total, resources: resources.filter(isObject) };
  }

  private expectEmptyList(reply: HttpReply, type: 'User' | 'Group', probe: string): void {
    const list = this.parseList(reply, type, probe);
    if (list && (list.total !== 0 || list.resources.length !== 0)) {
      this.mismatch({ resourceType: type, name: probe, attribute: '(test connection)', expected: 'totalResults 0', actual: list.total });
    }
  }

  private async runPhase(name: string, body: () => Promise<void>): Promise<void> {
    const stats = new PhaseStats(name);
    this.phases.push(stats);
    this.phase = stats;
    await this.options.onPhase?.('start', name);
    stats.start();
    try {
      await body();
    } finally {
      stats.end();
      await this.options.onPhase?.('end', name);
      this.phase = undefined;
    }
  }

  private async step<T>(step: string, items: T[], worker: (item: T) => Promise<void>): Promise<void> {
    this.progress = { step, done: 0, total: items.length };
    this.emitProgress();
    await runPool(items, this.options.concurrency, async (item) => {
      await worker(item);
      this.progress.done++;
      this.emitProgress();
    }, (error) => {
      this.progress.done++;
      this.sourceError(`Internal simulator error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    });
  }

  private emitProgress(): void {
    const phase = this.phase;
    if (!phase || !this.options.onProgress) return;
    this.options.onProgress({ phase: phase.name, step: this.progress.step, done: this.progress.done, total: this.progress.total, requests: phase.requests, errors: phase.errors, startedAt: phase.startedAt });
  }

  /** One request: recorded in the current phase; returns the reply when its status is expected, else records an error. */
  private async send(operation: string, method: string, path: string, body: unknown, expect: number[]): Promise<HttpReply | undefined> {
    let reply = await this.options.client.request(method, path, body);
    // Throttled: Entra waits for Retry-After and tries again (a 429 is not an error in itself).
    for (let attempt = 1; reply.status === 429 && attempt <= MAX_THROTTLE_RETRIES; attempt++) {
      this.phase?.record(operation, reply.status, reply.ms, true);
      const seconds = Number(reply.headers['retry-after']);
      await new Promise((r) => setTimeout(r, Math.min(30, Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000));
      reply = await this.options.client.request(method, path, body);
    }
    const ok = expect.includes(reply.status);
    this.phase?.record(operation, reply.status, reply.ms, ok);
    if (!ok) {
      this.errorCount++;
      if (this.errors.length < this.maxRecorded) {
        this.errors.push({
          phase: this.phase?.name ?? '',
          operation,
          method,
          url: this.options.client.url(path),
          status: reply.status,
          requestBody: body,
          response: reply.networkError ?? truncate(reply.text),
          message: reply.networkError ? `network error: ${reply.networkError}` : `expected ${expect.join(' or ')}, got ${reply.status}`,
        });
      }
      return undefined;
    }
    if (reply.bytes > 0) {
      const type = String(reply.headers['content-type'] ?? '');
      if (!/^application\/scim\+json/i.test(type) && !this.protocolNotes.has(operation)) {
        this.protocolNotes.add(operation);
        this.mismatch({ resourceType: /group/i.test(operation) ? 'Group' : 'User', name: `${method} ${path.split('?')[0]}`, attribute: 'Content-Type', expected: 'application/scim+json', actual: type, message: 'Microsoft\'s SCIM Validator rejects other content types.' });
      }
    }
    return reply;
  }

  private mismatch(m: Mismatch): void {
    this.mismatchCount++;
    if (this.mismatches.length < this.maxRecorded) this.mismatches.push(m);
  }

  private sourceError(message: string): void {
    this.errorCount++;
    if (this.errors.length < this.maxRecorded) {
      this.errors.push({ phase: this.phase?.name ?? '', operation: 'simulator', method: '', url: '', status: 0, message });
    }
  }
}

/** What differs between the values Entra would send and what the endpoint holds (creation-only mappings aside). */
function attributeChanges(attributes: readonly { spec: { apply?: string }; target: AttributeChange['target'] }[], values: Map<string, MappedValue>, actual: Json): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const m of attributes) {
    if (m.spec.apply === 'creation') continue;
    const expected = values.get(m.target.text);
    const current = readPath(actual, m.target).value;
    if (expected === undefined) {
      if (present(current)) changes.push({ target: m.target, had: true });
    } else if (current !== expected) {
      changes.push({ target: m.target, value: expected, had: present(current) });
    }
  }
  return changes;
}
