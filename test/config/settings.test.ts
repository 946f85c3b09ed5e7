// One configuration module: every setting is read and checked at startup, a malformed one stops startup naming it,
// and the README's configuration table lists exactly the settings the code reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startLocalHost } from '../../dev/local-host.js';
import { loadSettings } from '../../lib/config.js';
import { settingNamesRead } from '../../lib/settings-reader.js';

const ROOT = join(import.meta.dirname, '..', '..');
const STORAGE = { SCIM_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
/** Read by `npm start` (dev/start.ts) only, not by the app. */
const LOCAL_START_ONLY = ['SCIM_DATA_DIR', 'SCIM_LOG_REQUESTS'];

function readmeSettings(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const firstCell = line.split('|')[1] ?? '';
    for (const m of firstCell.matchAll(/`(SCIM_[A-Z0-9_]+)`/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

describe('settings', () => {
  it('load with every default from an environment that only says where storage is', () => {
    const settings = loadSettings(STORAGE);
    expect(settings.service.maxPageSize).toBe(1000);
    expect(settings.events.retentionDays).toBe(7);
    expect(settings.oauth.tokenLifetimeSeconds).toBe(3600);
    expect(settings.storageTimeoutMs).toBe(8000);
  });

  it.each([
    ['SCIM_MAX_PAGE_SIZE', 'lots'],
    ['SCIM_STORAGE_TIMEOUT_MS', '-5'],
    ['SCIM_STRICT_SCHEMA', 'maybe'],
    ['SCIM_AUTH_CACHE_SECONDS', 'soon'],
    ['SCIM_TENANT_REQUESTS_PER_MINUTE', '1.5'],
    ['SCIM_EVENTS_RETENTION_DAYS', 'a week'],
    ['SCIM_OAUTH_TOKEN_LIFETIME_SECONDS', '60'],
    ['SCIM_DELIVERY_RETRY_SCHEDULE', '5,x'],
    ['SCIM_ACTIVITY_TABLE_NAME', 'no-dashes'],
    ['SCIM_TABLE_NAME', '1table'],
  ])('refuse a malformed %s with a message naming it', (name, value) => {
    expect(() => loadSettings({ ...STORAGE, [name]: value })).toThrow(new RegExp(name));
  });

  it('stop the local host from starting when a setting is malformed, naming it', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { SCIM_STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'), SCIM_MAX_BODY_BYTES: 'one megabyte' });
      await expect(startLocalHost()).rejects.toThrow(/SCIM_MAX_BODY_BYTES must be a whole number/);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('are exactly the ones the README configuration table lists', () => {
    loadSettings(STORAGE);
    const read = settingNamesRead();
    const documented = readmeSettings();
    expect(documented.filter((n) => !read.includes(n) && !LOCAL_START_ONLY.includes(n)), 'documented but never read').toEqual([]);
    expect(read.filter((n) => !documented.includes(n)), 'read but not documented').toEqual([]);
    const start = readFileSync(join(ROOT, 'dev', 'start.ts'), 'utf8');
    for (const n of LOCAL_START_ONLY) expect(start).toContain(n);
  });
});
