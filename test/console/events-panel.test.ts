// Issue 16, console: the Events panel in a real browser (playwright-core driving Debian's Chromium, headless). After
// sign-in and picking a tenant it lists the tenant's change events newest first — time, type, subject, name,
// changed attributes — pages to older events by cursor, follows the tenant picker, and runs under the page's CSP.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type ConsoleBrowser } from './browser.js';
import { callAs, createTenant, type CreatedTenant } from '../auth/helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

const ADMIN_KEY = 'test-admin-key';

let stack: Stack;
let tenant: CreatedTenant;
let browser: ConsoleBrowser | undefined;
let page: Page;
let lastUser: string;
const problems: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  tenant = await createTenant('Events Ltd');
  const as = callAs(stack, tenant.token);
  for (let i = 0; i < 29; i++) expect((await as('POST', '/Users', entraUser(`ev${i}.${randomUUID().slice(0, 6)}@contoso.com`))).status).toBe(201);
  lastUser = `last.${randomUUID().slice(0, 6)}@contoso.com`;
  const created = await as('POST', '/Users', entraUser(lastUser));
  const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }, { op: 'Replace', path: 'title', value: 'Gone' }] };
  expect((await as('PATCH', `/Users/${created.body.id}`, patch)).status).toBe(200);
  browser = await launchChromium('events-chromium-', { viewport: { width: 1440, height: 1000 } });
  page = browser.page;
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const rows = () => page.locator('#events-rows tr');

describe('the Events panel in Chromium', () => {
  it("shows the tenant's events newest first, pages to older ones, and follows the tenant picker", async () => {
    await page.goto(`${stack.baseUrl}/manage/console`);
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByLabel('Admin key').press('Enter');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await page.getByLabel('Tenant', { exact: true }).selectOption(tenant.tenantId);
    await expect.poll(() => rows().count()).toBe(25);
    const cells = (i: number) => rows().nth(i).locator('td').allInnerTexts();
    const [, type, subject, name, changed, sequence] = await cells(0);
    expect([type, name, changed, sequence]).toEqual(['user.deactivated', lastUser, 'active, title', '31']);
    expect(subject).toMatch(/^Users\/[0-9a-f-]{36}$/);
    expect((await cells(1)).slice(1, 2)).toEqual(['user.created']);
    await page.getByRole('button', { name: 'Load older events' }).click();
    await expect.poll(() => rows().count()).toBe(31);
    expect((await cells(30))[5]).toBe('1');
    expect(await page.getByRole('button', { name: 'Load older events' }).isHidden()).toBe(true);

    // The default tenant has no events: the panel says so.
    await page.getByLabel('Tenant', { exact: true }).selectOption('default');
    await page.getByText('No events yet.').waitFor();
    expect(await rows().count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);
});
