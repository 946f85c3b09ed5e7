// Issue 10, "what it must show" 1: the console in a real browser (playwright-core driving Debian's Chromium, headless)
// against the local host: sign in with the admin key, pick a tenant, copy the SCIM endpoint, reset the token through
// the confirmation dialog (keyboard only) and see the old token fail and the new one work, see a new SCIM request
// appear in the activity table, filter the table, and save a screenshot (test-results/console.png).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type ConsoleBrowser } from './browser.js';
import { runSimulation } from '../../tools/simulator/index.js';
import { callAs, createTenant, type CreatedTenant } from '../auth/helpers.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';

const ADMIN_KEY = 'test-admin-key';
const root = join(import.meta.dirname, '..', '..');
const SCREENSHOT = join(root, 'test-results', 'console.png');

let stack: Stack;
let tenant: CreatedTenant;
let browser: ConsoleBrowser | undefined;
let page: Page;
const problems: string[] = [];
const duplicateName = `Duplicate.${randomUUID().slice(0, 8)}@contoso.com`;

beforeAll(async () => {
  stack = await startStack();
  tenant = await createTenant('Contoso Ltd');
  await createTenant('Fabrikam Inc');
  // Some real Entra-style traffic for the tenant, and one failure: a duplicate userName.
  const report = await runSimulation({
    url: stack.baseUrl, token: tenant.token, mode: 'default',
    source: { kind: 'synthetic', users: 60, groups: 4, members: 12, seed: 7, tag: 'console' },
    concurrency: 4, cycles: 1, verify: false,
  });
  expect(report.errors).toEqual([]);
  const as = callAs(stack, tenant.token);
  expect((await as('POST', '/Users', entraUser(duplicateName))).status).toBe(201);
  expect((await as('POST', '/Users', entraUser(duplicateName.toLowerCase(), { externalId: 'other' }))).status).toBe(409);
  browser = await launchChromium('console-chromium-', { viewport: { width: 1440, height: 1000 }, permissions: ['clipboard-read', 'clipboard-write'] });
  page = browser.page;
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

// Page-side expressions are strings: this project's TypeScript has no DOM library.
const readClipboard = () => page.evaluate<string>('navigator.clipboard.readText()');
const focusedId = () => page.evaluate<string | undefined>('document.activeElement?.id');
const activityRows = () => page.locator('#activity-rows tr');

describe('the console in Chromium', () => {
  it('signs in with the admin key, copies the endpoint, resets the token, shows and filters the activity', async () => {
    const response = await page.goto(`${stack.baseUrl}/manage/console`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'sha256-/);
    await expect.poll(() => page.title()).toMatch(/SCIM Integration/);
    // Signed out: the top bar claims no session (issue 13 item 5: a display rule used to override [hidden]).
    await page.getByLabel('Admin key').waitFor();
    expect(await page.getByText('Signed in with the admin key').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);

    // A wrong key is refused and nothing is shown.
    await page.getByLabel('Admin key').fill('wrong-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That admin key was not accepted').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await page.locator('#session').isVisible()).toBe(false);

    // The right key, entered with the keyboard.
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByLabel('Admin key').press('Enter');
    await page.getByRole('heading', { name: 'SCIM Integration' }).waitFor();
    expect(await page.getByText('Signed in with the admin key').isVisible()).toBe(true);
    const tenantSelect = page.getByLabel('Tenant', { exact: true });
    expect(await tenantSelect.locator('option').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Contoso Ltd'), expect.stringContaining('Fabrikam Inc'), expect.stringContaining('Default tenant')]));
    await tenantSelect.selectOption(tenant.tenantId);
    await expect.poll(() => page.url()).toContain(`#tenant=${tenant.tenantId}`);
    await expect.poll(() => activityRows().count()).toBe(50);

    // The endpoint, copied with the Copy button.
    const endpoint = page.getByLabel('Tenant URL (SCIM endpoint)');
    expect(await endpoint.inputValue()).toBe(stack.baseUrl);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied the Tenant URL to the clipboard.').waitFor();
    expect(await readClipboard()).toBe(stack.baseUrl);

    // The last-sync summary shows the run and its failure.
    const stats = page.locator('#summary-stats');
    await expect.poll(() => stats.locator('div').count()).toBe(8);
    expect(await stats.innerText()).toMatch(/Failed\s*1\b/);
    expect(await page.locator('#top-errors').innerText()).toContain('409 uniqueness');
    expect(await page.locator('#chart rect').count()).toBeGreaterThan(0);

    // Reset token, keyboard only: the dialog opens on Cancel, Escape closes it and focus returns to the button.
    const reset = page.getByRole('button', { name: 'Reset token…' });
    await reset.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Reset the secret token?' });
    await dialog.waitFor();
    expect(await focusedId()).toBe('confirm-cancel');
    expect(await dialog.innerText()).toContain('Contoso Ltd');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focusedId()).toBe('reset-token');
    // Again, and confirm with Tab + Enter.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('confirm-ok');
    await page.keyboard.press('Enter');
    const tokenField = page.getByLabel('New token value');
    await tokenField.waitFor();
    const newToken = await tokenField.inputValue();
    expect(newToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken).not.toBe(tenant.token);
    expect(await focusedId()).toBe('new-token-value');
    await page.getByText('The previous token no longer works.').waitFor();

    // The old token now gets 401, the new one works.
    const oldReply = await callAs(stack, tenant.token)('GET', '/Users');
    expect(oldReply.status).toBe(401);
    expect((await callAs(stack, newToken)('GET', '/Users?count=1')).status).toBe(200);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await page.getByText('Copied the new token to the clipboard.').waitFor();
    expect(await readClipboard()).toBe(newToken);
    await page.getByRole('button', { name: 'Done, hide the token' }).click();
    expect(await page.locator('#new-token').isHidden()).toBe(true);
    expect(await page.locator('#new-token-value').inputValue()).toBe('');
    expect(await page.content()).not.toContain(newToken);

    // A SCIM request made with the new token appears at the top of the activity table.
    const newUser = `Browser.Test.${randomUUID().slice(0, 8)}@contoso.com`;
    expect((await callAs(stack, newToken)('POST', '/Users', entraUser(newUser))).status).toBe(201);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => activityRows().first().innerText()).toContain(newUser);
    expect(await activityRows().first().innerText()).toMatch(/POST \/Users\/.*201 Created.*created/s);

    // Filters: failures only — the 409 with its scimType and detail, and the old token's 401 is not a tenant request.
    await page.getByLabel('Outcome', { exact: true }).selectOption('failure');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => activityRows().count()).toBe(1);
    const failure = await activityRows().first().innerText();
    expect(failure).toContain('409 Conflict');
    expect(failure).toContain('uniqueness');
    expect(failure).toContain(duplicateName.toLowerCase());
    // Groups, any outcome: only group requests.
    await page.getByLabel('Outcome', { exact: true }).selectOption('all');
    await page.getByLabel('Resource', { exact: true }).selectOption('Group');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(async () => (await page.locator('#activity-rows td.req').allInnerTexts()).every((t) => t.includes('/Groups'))).toBe(true);
    expect(await activityRows().count()).toBeGreaterThan(3);
    // By name (any case): both of the duplicate's requests.
    await page.getByLabel('Resource', { exact: true }).selectOption('all');
    await page.getByLabel('userName or group name').fill(duplicateName.toUpperCase());
    await page.getByLabel('userName or group name').press('Enter');
    await expect.poll(() => activityRows().count()).toBe(2);
    expect((await page.locator('#activity-rows td:nth-child(4)').allInnerTexts()).map((t) => t.trim())).toEqual(['409 Conflict', '201 Created']);
    // Clear, and page back through older entries.
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => activityRows().count()).toBe(50);
    await page.getByRole('button', { name: 'Load older entries' }).click();
    await expect.poll(() => activityRows().count()).toBe(100);

    await page.evaluate('window.scrollTo(0, 0)');
    await page.getByLabel('Tenant', { exact: true }).focus();
    mkdirSync(join(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(problems).toEqual([]);
  }, 120_000);

  it('sign-out forgets the key; the default tenant cannot reset its token from the console', async () => {
    await page.getByLabel('Tenant', { exact: true }).selectOption('default');
    await expect.poll(() => page.getByRole('button', { name: 'Reset token…' }).isDisabled()).toBe(true);
    expect(await page.locator('#token-info').innerText()).toContain('SCIM_TOKEN');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin key').waitFor();
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    expect(await page.locator('#session').isVisible()).toBe(false);
    await page.reload();
    await page.getByLabel('Admin key').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });

  it('in Azure (App Service Authentication) signs the operator in with Entra ID: no key asked or sent, the operator named', async () => {
    process.env.SCIM_ADMIN_ROLE = 'Scim.Operator';
    process.env.WEBSITE_AUTH_ENABLED = 'True';
    const entra = await (browser as ConsoleBrowser).context.newPage();
    const sent: string[] = [];
    try {
      // What the platform does for a signed-in operator: inject the principal into every request, answer /.auth/me.
      const principal = Buffer.from(JSON.stringify({ auth_typ: 'aad', role_typ: 'roles', claims: [{ typ: 'roles', val: 'Scim.Operator' }] })).toString('base64');
      await entra.setExtraHTTPHeaders({ 'x-ms-client-principal': principal, 'x-ms-client-principal-name': 'op@contoso.com' });
      await entra.route('**/.auth/me', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify([{ user_id: 'op@contoso.com', provider_name: 'aad' }]) }));
      entra.on('request', (r) => {
        if (r.url().includes('/manage/') && !r.url().endsWith('/console')) sent.push(r.headers()['x-functions-key'] ?? '');
      });
      await entra.goto(`${stack.baseUrl}/manage/console`);
      await entra.getByRole('heading', { name: 'SCIM Integration' }).waitFor();
      expect(await entra.getByLabel('Admin key').isVisible()).toBe(false);
      await expect.poll(() => entra.locator('#session-label').innerText()).toBe('Signed in with Microsoft Entra ID as op@contoso.com');
      expect(await entra.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.every((key) => key === '')).toBe(true);
    } finally {
      delete process.env.SCIM_ADMIN_ROLE;
      delete process.env.WEBSITE_AUTH_ENABLED;
      await entra.close();
    }
  });
});
