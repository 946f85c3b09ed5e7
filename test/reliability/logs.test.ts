// Logs and error responses: one structured JSON line per request through the Functions context logger (what
// Application Insights ingests), never the bearer token or request body content; 5xx logged with their cause; and
// responses that never carry a stack trace or storage error text, whatever fails underneath.
import { randomBytes, randomUUID } from 'node:crypto';
import { RestError } from '@azure/data-tables';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { startLocalHost, type LocalHost } from '../../dev/local-host.js';
import { getServices } from '../../lib/services.js';
import { ConcurrencyError } from '../../lib/store/repository.js';
import { expectInvariants } from '../helpers/invariants.js';
import type { ScimReply } from '../helpers/stack.js';
import { scimClient, send } from './http.js';
import { ERROR_SCHEMA, expectNoLeak, expectWellFormed } from './scim-assert.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SECRET_TOKEN = `SECRETTOKEN${randomBytes(24).toString('hex')}`;
const SECRET_BODY = `SECRETBODY${randomBytes(8).toString('hex')}`;
const tableName = `l${randomBytes(6).toString('hex')}`;

let host: LocalHost;
let call: ReturnType<typeof scimClient>;
const lines: { level: string; message: string }[] = [];

beforeAll(async () => {
  Object.assign(process.env, { SCIM_STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'), SCIM_TABLE_NAME: tableName, SCIM_TOKEN: SECRET_TOKEN });
  delete process.env.SCIM_TABLE_ENDPOINT;
  host = await startLocalHost({ log: (level, message) => lines.push({ level, message }) });
  call = scimClient(host.baseUrl, SECRET_TOKEN);
});
afterAll(() => host.close());
afterEach(() => vi.restoreAllMocks());

interface LogLine {
  event: string;
  invocationId: string;
  tenant?: string;
  method: string;
  resourceType: string;
  resourceId?: string;
  status: number;
  latencyMs: number;
  storageCalls: number;
  error?: string;
}

/** Runs one request and returns its reply and the log lines it produced. */
async function logged(request: () => Promise<ScimReply>): Promise<{ reply: ScimReply; logs: { level: string; entry: LogLine }[] }> {
  const before = lines.length;
  const reply = await request();
  const produced = lines.slice(before);
  return { reply, logs: produced.map((l) => ({ level: l.level, entry: JSON.parse(l.message) as LogLine })) };
}

describe('one structured line per request', () => {
  it('logs invocation id, tenant, method, resource type and id, status, latency and storage calls', async () => {
    const seen = new Set<string>();
    const created = await logged(() => call('POST', '/Users', { userName: `log-${randomUUID()}@x.com` }));
    const id = created.reply.body.id as string;
    const cases: [string, () => Promise<ScimReply>, Partial<LogLine>][] = [
      ['create', async () => created.reply, { method: 'POST', resourceType: 'User', status: 201, tenant: 'default' }],
      ['get', () => call('GET', `/Users/${id}`), { method: 'GET', resourceType: 'User', resourceId: id, status: 200 }],
      ['patch', () => call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }), { method: 'PATCH', resourceId: id, status: 200 }],
      ['list', () => call('GET', '/Users?filter=userName%20eq%20%22nobody%22'), { method: 'GET', resourceType: 'User', status: 200 }],
      ['group', () => call('POST', '/Groups', { schemas: [GROUP], displayName: `Log ${randomUUID()}` }), { method: 'POST', resourceType: 'Group', status: 201 }],
      ['not found', () => call('GET', `/Groups/${randomUUID()}`), { resourceType: 'Group', status: 404 }],
      ['bad filter', () => call('GET', '/Users?filter=userName%20zz%20%22a%22'), { status: 400 }],
      ['unauthenticated', () => send('GET', `${host.baseUrl}/Users/${id}`), { status: 401, resourceId: id }],
      ['delete', () => call('DELETE', `/Users/${id}`), { method: 'DELETE', resourceId: id, status: 204 }],
    ];
    for (const [name, request, expected] of cases) {
      const { reply, logs } = name === 'create' ? created : await logged(request);
      expect(logs, name).toHaveLength(1);
      const [{ level, entry }] = logs;
      expect(level, name).toBe('information');
      expect(entry, name).toMatchObject({ event: 'scim.request', ...expected, status: reply.status });
      expect(entry.invocationId, name).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen.has(entry.invocationId), name).toBe(false);
      seen.add(entry.invocationId);
      expect(entry.latencyMs, name).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(entry.storageCalls), name).toBe(true);
      if (expected.status === 401) expect(entry.tenant, name).toBeUndefined();
      else expect(entry.tenant, name).toBe('default');
      if (name === 'get' || name === 'create') expect(entry.storageCalls, name).toBeGreaterThan(0);
    }
  });

  it('never logs the bearer token or request body content, whatever the outcome', async () => {
    const start = lines.length;
    const u = await call('POST', '/Users', { userName: `${SECRET_BODY}@x.com`, title: SECRET_BODY, password: SECRET_BODY });
    expect(u.status).toBe(201);
    const id = u.body.id as string;
    await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'nickName', value: SECRET_BODY }] });
    await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: SECRET_BODY, value: SECRET_BODY }] }); // 400 quoting the path
    await call('POST', '/Users', `{"userName": "${SECRET_BODY}`); // invalid JSON
    await call('POST', '/Users', { userName: `${SECRET_BODY}@x.com` }); // 409
    await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${SECRET_BODY}"`)}`);
    await send('GET', `${host.baseUrl}/Users/${id}`, { headers: { Authorization: `Bearer ${SECRET_TOKEN}x` } }); // wrong token
    await send('GET', `${host.baseUrl}/Users/${id}`, { headers: { Authorization: `Basic ${SECRET_TOKEN}` } });
    vi.spyOn((await getServices()).repository, 'update').mockRejectedValueOnce(new TypeError(`failure while writing`));
    const failed = await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: `${SECRET_BODY}-2` }] });
    expect(failed.status).toBe(500);
    const captured = lines.slice(start);
    expect(captured.length).toBeGreaterThanOrEqual(9);
    for (const line of captured) {
      expect(line.message).not.toContain('SECRETTOKEN');
      expect(line.message).not.toContain(SECRET_TOKEN.slice(12, 30));
      expect(line.message).not.toContain('SECRETBODY');
    }
  });
});

describe('failures: logged with their cause, never leaked in the response', () => {
  async function induced(setup: () => Promise<void>, request: () => Promise<ScimReply>, status: number) {
    await setup();
    const { reply, logs } = await logged(request);
    expectWellFormed({ ...reply, status: 200 }, 'shape'); // every shape check but the status range
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status) });
    expectNoLeak(reply.text, `induced ${status}`);
    expect(logs).toHaveLength(1);
    return { reply, log: logs[0] };
  }

  it('an unexpected exception: 500 with a generic detail; the log carries the error and its stack', async () => {
    const { repository } = await getServices();
    const { reply, log } = await induced(
      async () => void vi.spyOn(repository, 'get').mockRejectedValueOnce(new TypeError("Cannot read properties of undefined (reading 'chunks')")),
      () => call('GET', `/Users/${randomUUID()}`),
      500,
    );
    expect(reply.body.detail).toBe('An internal error occurred.');
    expect(reply.text).not.toContain('chunks');
    expect(log.level).toBe('error');
    expect(log.entry.status).toBe(500);
    expect(log.entry.error).toContain("TypeError: Cannot read properties of undefined (reading 'chunks')");
    expect(log.entry.error).toMatch(/\n\s+at /);
  });

  it('a storage server error: 503 + Retry-After, no storage text; the log carries the storage error', async () => {
    const { repository } = await getServices();
    const storageText = 'InternalError: The server encountered an internal error. RequestId:0f3c PartitionKey=default RowKey=U:x';
    const { reply, log } = await induced(
      async () => void vi.spyOn(repository, 'getByUniqueName').mockImplementationOnce(async () => {
        const { toScimStorageError } = await import('../../lib/store/storage-errors.js');
        throw toScimStorageError(new RestError(storageText, { statusCode: 500, code: 'InternalError' }));
      }),
      () => call('GET', `/Users?filter=${encodeURIComponent('userName eq "a"')}`),
      503,
    );
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.text).not.toContain('RequestId');
    expect(log.level).toBe('error');
    expect(log.entry.error).toContain('503 The storage service is temporarily unavailable');
    expect(log.entry.error).toContain(storageText);
    expect(log.entry.error).toContain('[InternalError]');
  });

  it('a storage request the service rejects (a bug of ours): 500, generic, no storage text', async () => {
    const { repository } = await getServices();
    const { reply, log } = await induced(
      async () => void vi.spyOn(repository, 'create').mockImplementationOnce(async () => {
        const { toScimStorageError } = await import('../../lib/store/storage-errors.js');
        throw toScimStorageError(new RestError("OutOfRangeInput: The 'PartitionKey' parameter of value 'x/y' is out of range.", { statusCode: 400, code: 'OutOfRangeInput' }));
      }),
      () => call('POST', '/Users', { userName: `bug-${randomUUID()}` }),
      500,
    );
    expect(reply.text).not.toMatch(/OutOfRange|PartitionKey/);
    expect(log.entry.error).toContain('OutOfRangeInput');
  });

  it('endless lost races: 409 with a retry hint, no internals', async () => {
    const { repository } = await getServices();
    const created = await call('POST', '/Users', { userName: `race-${randomUUID()}` });
    const { reply } = await induced(
      async () => void vi.spyOn(repository, 'update').mockRejectedValue(new ConcurrencyError()),
      () => call('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }),
      409,
    );
    expect(reply.body.detail).toMatch(/retry/);
  });

  it('security headers on every answer: success, client error, server error', async () => {
    const { repository } = await getServices();
    vi.spyOn(repository, 'get').mockRejectedValueOnce(new Error('x'));
    const replies = [await call('GET', `/Users/${randomUUID()}`), await call('GET', '/ServiceProviderConfig'), await send('GET', `${host.baseUrl}/Users`), await call('POST', '/Users', '{')];
    expect(replies.map((r) => r.status)).toEqual([500, 200, 401, 400]);
    for (const r of replies) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('content-type')).toBe('application/scim+json');
    }
  });

  it('leaves the stored data consistent after all of the above', async () => {
    await expectInvariants(inject('azuriteConnectionString'), tableName);
  });
});
