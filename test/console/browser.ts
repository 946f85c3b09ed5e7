// The browser the console tests drive: Debian's Chromium (installed by `npm test` through tools/ensure-test-tools.sh
// when missing), headless, through playwright-core, with a fresh profile per test file.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
// No network on this machine: without these, Chromium's background services try to connect out and fail.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (tools/ensure-test-tools.sh does).`);

export interface ConsoleBrowser {
  context: BrowserContext;
  /** The profile's first page. */
  page: Page;
  close(): Promise<void>;
}

type LaunchOptions = Omit<NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>, 'executablePath' | 'headless' | 'args'>;

/** Chromium with a throw-away profile (`prefix` names its folder), English, UTC, plus `options`. */
export async function launchChromium(prefix: string, options: LaunchOptions = {}): Promise<ConsoleBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), prefix));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, locale: 'en-US', timezoneId: 'UTC', ...options });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
