// Issue 14: the console's SCIM Integration panel offers the three ways Entra ID connects — secret token, OAuth2 client
// credentials grant, workload identity federation — with the values to copy each way, in a real browser (Chromium,
// headless) against the local host. The values it shows work: the client credentials obtain a token that SCIM accepts.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type ConsoleBrowser } from './browser.js';
import { callAs, createTenant, type CreatedTenant } from '../auth/helpers.js';
import { admin, basic, tokenRequest } from '../auth/oauth-helpers.js';
import { startStack, type Stack } from '../helpers/stack.js';


let stack: Stack;
let tenant: CreatedTenant;
let browser: ConsoleBrowser | undefined;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  tenant = await createTenant('Contoso Ltd');
  browser = await launchChromium('console-connect-', { permissions: ['clipboard-read', 'clipboard-write'] });
  page = browser.page;
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => void dialog.accept());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('SCIM Integration panel: three ways to connect', () => {
  it('creates an OAuth client and a federated client, shows the values Entra asks for, and revokes', async () => {
    await page.goto(`${stack.baseUrl}/manage/console#tenant=${tenant.tenantId}`);
    await page.getByLabel('Admin key').fill('test-admin-key');
    await page.getByLabel('Admin key').press('Enter');
    await page.getByRole('heading', { name: 'SCIM Integration' }).waitFor();
    await page.getByLabel('Tenant', { exact: true }).selectOption(tenant.tenantId);

    // Secret token is the default mode; the other two are one click away.
    expect(await page.getByRole('radio', { name: 'Secret token' }).isChecked()).toBe(true);
    expect(await page.getByRole('button', { name: 'Reset token…' }).isVisible()).toBe(true);

    await page.getByRole('radio', { name: 'OAuth2 client credentials grant' }).check();
    expect(await page.getByRole('button', { name: 'Reset token…' }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Create OAuth client' }).click();
    await page.getByLabel('Client secret (shown once)').waitFor();
    const tokenEndpoint = await page.getByLabel('Token endpoint').first().inputValue();
    const clientId = await page.getByLabel('Client identifier').inputValue();
    const clientSecret = await page.getByLabel('Client secret (shown once)').inputValue();
    expect(tokenEndpoint).toBe(`${stack.baseUrl}/oauth2/token`);
    await page.getByRole('button', { name: 'Copy' }).nth(2).click(); // Tenant URL, token endpoint, client identifier, ...
    await page.getByText('Copied the client identifier to the clipboard.').waitFor();
    // The values shown work.
    const token = await tokenRequest(stack, { grant_type: 'client_credentials' }, basic(clientId, clientSecret));
    expect(token.status).toBe(200);
    expect((await callAs(stack, token.body.access_token)('GET', '/Users')).status).toBe(200);

    await page.getByRole('radio', { name: 'Workload identity federation' }).check();
    await page.getByLabel('Issuer').fill('https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0');
    await page.getByLabel('JWKS URL').fill('https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys');
    await page.getByLabel('Subject').fill('6a2b1e4f-0000-4000-8000-000000000001');
    await page.getByLabel('Audience').fill('api://5f0c0f8e-0000-4000-8000-000000000002');
    await page.getByRole('button', { name: 'Create federated client' }).click();
    await page.getByLabel('Client ID', { exact: true }).waitFor();
    const wifClientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
    const clients = (await admin(stack, 'GET', `/${tenant.tenantId}/oauth-clients`)).body.clients as { clientId: string; type: string; federation?: { audience: string } }[];
    expect(clients.find((c) => c.clientId === wifClientId)).toMatchObject({ type: 'federated', federation: { audience: 'api://5f0c0f8e-0000-4000-8000-000000000002' } });

    // Both are listed; revoking one stops its tokens.
    await expect.poll(() => page.locator('#oauth-clients li').count(), { timeout: 15_000 }).toBe(2);
    await page.getByRole('button', { name: `Revoke client ${clientId}` }).click();
    await expect.poll(() => page.locator('#oauth-clients li').count(), { timeout: 15_000 }).toBe(1);
    expect((await callAs(stack, token.body.access_token)('GET', '/Users')).status).toBe(401);
    expect(problems).toEqual([]);
  });
});
