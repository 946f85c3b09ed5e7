// Issue 17, console: in Chromium, the Event delivery panel creates a webhook subscription for the tenant (the secret
// shown once), lists its deliveries after a SCIM change (status, attempts), redelivers one, and deletes it.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type ConsoleBrowser } from './browser.js';
import { entraUser, startStack, type Stack } from '../helpers/stack.js';
import { ADMIN_KEY, startReceiver, type Receiver } from '../delivery/helpers.js';


let stack: Stack;
let receiver: Receiver;
let browser: ConsoleBrowser | undefined;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  stack = await startStack({ SCIM_WEBHOOKS_ALLOW_LOOPBACK: 'true' });
  receiver = await startReceiver();
  browser = await launchChromium('subscriptions-chromium-');
  page = browser.page;
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => void dialog.accept());
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await receiver?.close();
});

describe('the Event delivery panel', () => {
  it('creates a webhook subscription, shows its secret once, lists deliveries, redelivers and deletes', async () => {
    await page.goto(`${stack.baseUrl}/manage/console`);
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByLabel('Admin key').press('Enter');
    await page.getByRole('heading', { name: 'Event delivery' }).waitFor();

    // Bad input is shown, not swallowed.
    await page.getByLabel('Webhook URL or queue name').fill('https://10.0.0.1/hooks');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    await page.getByText('public address').waitFor();

    await page.getByLabel('Webhook URL or queue name').fill(receiver.url);
    await page.getByRole('button', { name: 'Create subscription' }).click();
    const secret = page.getByLabel('Signing secret value');
    await secret.waitFor();
    expect(await secret.inputValue()).toMatch(/^whsec_/);
    await page.locator('#subscriptions-rows tr').filter({ hasText: receiver.url }).waitFor();
    expect(await page.locator('#subscriptions-rows').innerText()).toContain('this tenant');
    await page.getByRole('button', { name: 'Done, hide the secret' }).click();
    expect(await page.locator('#subscription-secret').isHidden()).toBe(true);

    expect((await stack.call('POST', '/Users', entraUser('panel.user@contoso.com'))).status).toBe(201);
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(1);
    await page.getByRole('button', { name: 'Deliveries' }).click();
    const row = page.locator('#deliveries-rows tr').first();
    await row.waitFor();
    expect(await row.innerText()).toMatch(/user\.created[\s\S]*delivered[\s\S]*\b1\b[\s\S]*204/);

    await row.getByRole('button', { name: 'Redeliver' }).click();
    await expect.poll(() => receiver.received.length).toBe(2);
    await expect.poll(() => row.innerText()).toMatch(/delivered\s+2\b/);
    expect(receiver.received[1].id).toBe(receiver.received[0].id);

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No subscriptions receive this tenant').waitFor();
    expect(problems).toEqual([]);
  });
});
