// Test populations for the query, PATCH, PUT and cost tests: Entra-shaped user bodies created through the HTTP surface,
// a plain-data model of what was sent (the oracle the tests compare against), and a fast seeder that writes straight
// through the repository for the large populations of the storage-cost tests.
import { getServices } from '../../lib/services.js';
import type { Stack, ScimReply } from './stack.js';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LOOOP = 'urn:ietf:params:scim:schemas:extension:Looop:2.0:User';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** What the test sent for one person (the oracle); absent optional fields were sent as null, as older Entra mappings do. */
export interface Person {
  index: number;
  userName: string;
  externalId: string;
  givenName: string;
  familyName: string;
  displayName: string;
  title?: string;
  active: boolean;
  emails: { type: 'work' | 'home'; value: string; primary?: boolean }[];
  phone?: string;
  department: string;
  employeeNumber: string;
  looop: { area: string; department: string; location: string; position: string; startAt: string; employee_id: string };
}

/** A person as stored: the oracle plus what the server assigned. */
export interface Member extends Person {
  id: string;
  created: string;
  lastModified: string;
  /** Index of the manager in the population, set by a PATCH after creation (as Entra sends reference attributes). */
  managerIndex?: number;
}

// [given, family, userName, externalId, active]; everything else is derived from the index below.
const PEOPLE: [string, string, string, string, boolean][] = [
  ['Ada', 'Lovelace', 'Ada.Lovelace@Contoso.com', 'alovelace', true],
  ['Jo', 'Young', 'jo.young@contoso.com', 'jyoung', true],
  ['Joanna', 'Young', 'Joanna.Young@fabrikam.com', 'JYoung', false],
  ['Grace', 'Hopper', 'grace.hopper@contoso.com', 'ghopper', true],
  ['Alan', 'Turing', 'alan.turing@contoso.com', 'aturing', true],
  ['Edsger', 'Dijkstra', 'edsger.dijkstra@fabrikam.com', 'edijkstra', false],
  ['Barbara', 'Liskov', 'barbara.liskov@contoso.com', 'bliskov', true],
  ['Donald', 'Knuth', 'don.knuth@contoso.com', 'dknuth', true],
  ['Margaret', 'Hamilton', 'margaret.hamilton@contoso.com', 'mhamilton', true],
  ['Linus', 'Torvalds', 'linus.torvalds@fabrikam.com', 'ltorvalds', false],
  ['Ken', 'Thompson', 'ken.thompson@contoso.com', 'kthompson', true],
  ['Dennis', 'Ritchie', 'dennis.ritchie@contoso.com', 'dritchie', true],
  ['Frances', 'Allen', 'Frances.Allen@Fabrikam.com', 'fallen', true],
  ['John', 'McCarthy', 'john.mccarthy@contoso.com', 'jmccarthy', false],
  ['Radia', 'Perlman', 'radia.perlman@contoso.com', 'rperlman', true],
  ['Tim', 'Berners-Lee', 'tim.berners-lee@contoso.com', 'tbernerslee', true],
  ['Katherine', 'Johnson', 'katherine.johnson@fabrikam.com', 'kjohnson', true],
  ['Niklaus', 'Wirth', 'niklaus.wirth@contoso.com', 'nwirth', false],
  ['Sophie', 'Wilson', 'sophie.wilson@contoso.com', 'swilson', true],
  ['Adele', 'Goldberg', 'adele.goldberg@contoso.com', 'agoldberg', true],
  ['Bjarne', 'Stroustrup', 'bjarne.stroustrup@fabrikam.com', 'bstroustrup', true],
  ['Hedy', 'Lamarr', 'hedy.lamarr@contoso.com', 'hlamarr', false],
  ['Guido', 'van Rossum', 'guido.vanrossum@contoso.com', 'gvanrossum', true],
  ['Jean', 'Sammet', 'jean.sammet@contoso.com', 'jsammet', true],
  ['Anders', 'Hejlsberg', 'anders.hejlsberg@fabrikam.com', 'ahejlsberg', true],
];

const DEPARTMENTS = ['Engineering', 'Sales', 'Research', 'Finance', 'Marketing'];
const LOOOP_DEPARTMENTS = ['R&D', 'Field', 'Labs', 'Back Office', 'Brand'];
const AREAS = ['EMEA', 'AMER', 'APAC'];
const LOCATIONS = ['London', 'Seattle', 'Singapore', 'Berlin'];
const TITLES = ['Engineer', 'Account Executive', 'Researcher', 'Senior Engineer'];

/** The 25-person population, deterministic. */
export function population(): Person[] {
  return PEOPLE.map(([givenName, familyName, userName, externalId, active], index) => {
    // Work email is the lower-cased userName, except Alan Turing, whose work mailbox is on the other domain.
    const work = index === 4 ? 'alan.turing@fabrikam.com' : userName.toLowerCase();
    const emails: Person['emails'] = [{ primary: true, type: 'work', value: work }];
    if (index % 4 === 0) emails.push({ type: 'home', value: `${index === 24 ? 'zz.' : ''}${givenName.toLowerCase()}@home.example` });
    // Anders lists his home address first and the primary work address second (sortBy=emails.value must use the
    // primary one: RFC 7644 §3.4.2.3).
    if (index === 24) emails.reverse();
    return {
      index,
      userName,
      externalId,
      givenName,
      familyName,
      displayName: `${givenName} ${familyName}`,
      title: index % 3 === 0 ? undefined : TITLES[index % 4],
      active,
      emails,
      phone: index % 5 === 0 ? `+44 7700 900${String(index).padStart(3, '0')}` : undefined,
      department: DEPARTMENTS[index % 5],
      employeeNumber: String(1001 + index),
      looop: {
        area: AREAS[index % 3],
        department: LOOOP_DEPARTMENTS[index % 5],
        location: LOCATIONS[index % 4],
        position: index % 2 === 0 ? 'Individual Contributor' : 'Manager',
        startAt: `20${String(10 + (index % 15)).padStart(2, '0')}-0${1 + (index % 9)}-01`,
        employee_id: `E-${1001 + index}`,
      },
    };
  });
}

/** The POST body Entra ID sends for this person (default mapping plus the Looop extension, URN not in `schemas`). */
export function entraBody(p: Person, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [CORE_USER, ENTERPRISE],
    externalId: p.externalId,
    userName: p.userName,
    active: p.active,
    displayName: p.displayName,
    emails: p.emails,
    meta: { resourceType: 'User' },
    name: { formatted: p.displayName, familyName: p.familyName, givenName: p.givenName },
    phoneNumbers: p.phone ? [{ type: 'mobile', value: p.phone }] : null,
    title: p.title ?? null,
    roles: [],
    [ENTERPRISE]: { department: p.department, employeeNumber: p.employeeNumber },
    [LOOOP]: { ...p.looop },
    ...extra,
  };
}

/** Creates each person by POST, one after another (so meta.created follows the population order). */
export async function createPeople(stack: Stack, people: Person[]): Promise<Member[]> {
  const out: Member[] = [];
  for (const p of people) {
    const reply = await stack.call('POST', '/Users', entraBody(p));
    if (reply.status !== 201) throw new Error(`POST ${p.userName} → ${reply.status} ${reply.text}`);
    out.push({ ...p, id: reply.body.id, created: reply.body.meta.created, lastModified: reply.body.meta.lastModified });
  }
  return out;
}

export const enc = encodeURIComponent;

/** GET /Users with a filter (URL-encoded here) and any extra query text; count large enough for a whole population. */
export function listUsers(stack: Stack, filter: string | undefined, extra = ''): Promise<ScimReply> {
  const params = [filter !== undefined ? `filter=${enc(filter)}` : '', 'count=1000', extra].filter((s) => s !== '').join('&');
  return stack.call('GET', `/Users?${params}`);
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** A user in stored (canonical) form, for seeding through the repository. */
export function seedUser(prefix: string, i: number, withExternalId = true): Record<string, unknown> {
  const n = String(i).padStart(6, '0');
  return {
    ...(withExternalId ? { externalId: `${prefix}-ext-${n}` } : {}),
    userName: `${prefix}.${n}@seed.example`,
    active: i % 7 !== 0,
    displayName: `Seed ${n}`,
    name: { givenName: 'Seed', familyName: `User${n}` },
    emails: [{ primary: true, type: 'work', value: `${prefix}.${n}@seed.example` }],
    [ENTERPRISE]: { department: DEPARTMENTS[i % 5], employeeNumber: n },
  };
}

export interface SeedOptions {
  concurrency?: number;
  /** Give every k-th user an externalId (each one is one more index row to write); default every user. */
  externalIdEvery?: number;
}

/**
 * Seeds users `from..to-1` straight through the repository (one entity-group transaction each, as a POST would write
 * them), `concurrency` at a time, into the default tenant of the table the stack is configured with. Returns the
 * created ids in order.
 */
export async function seedUsersDirect(prefix: string, from: number, to: number, options: SeedOptions = {}): Promise<string[]> {
  const { repository } = await getServices();
  const every = options.externalIdEvery ?? 1;
  const indexes = Array.from({ length: to - from }, (_, k) => from + k);
  const created = await mapLimit(indexes, options.concurrency ?? 32, (i) => repository.create('default', 'User', seedUser(prefix, i, i % every === 0)));
  return created.map((r) => r.id);
}

/** The body of a PatchOp request. */
export function patchOp(operations: unknown[]): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** A reply's body without the server-assigned parts (id, meta), for comparing stored data with an expectation. */
export function stored(body: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, meta: _meta, ...rest } = body;
  return rest;
}
