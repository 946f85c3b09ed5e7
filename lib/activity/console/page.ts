// The console page: one static HTML document (assets/console.html) with its stylesheet and script inlined, served
// anonymously (it holds no data; see docs/console.md for how it authenticates). The files are read once, when this
// module loads; the Content-Security-Policy is computed from what was read: exactly this script and this stylesheet
// (by SHA-256 hash), API calls to this origin only, and no framing.
import { createHash } from 'node:crypto';
import { TRANSPORT_SECURITY } from '../../http/transport-security.js';
import { readConsoleAssets, type ConsoleAssets } from './assets.js';

export type AdminAuthMode = 'key' | 'entra';

export interface ConsolePage {
  /** The page for each sign-in mode ('entra' behind App Service Authentication, 'key' otherwise). */
  html: Record<AdminAuthMode, string>;
  headers: Record<string, string>;
}

const SLOTS = { adminAuth: '{{admin-auth}}', css: '{{console.css}}', js: '{{console.js}}' } as const;

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Fills console.html's slots; a slot missing or repeated, or an asset that would end its element early, stops startup. */
export function buildConsolePage(assets: ConsoleAssets): ConsolePage {
  for (const slot of Object.values(SLOTS)) {
    if (assets.html.split(slot).length !== 2) throw new Error(`console.html must hold the slot ${slot} exactly once`);
  }
  if (/<\/style/i.test(assets.css)) throw new Error('console.css must not contain "</style"');
  if (/<\/script/i.test(assets.js)) throw new Error('console.js must not contain "</script"');
  // split/join, not String.replace: the script is full of `$`, which replace() would read as patterns.
  const fill = (mode: AdminAuthMode): string =>
    [[SLOTS.adminAuth, mode], [SLOTS.css, assets.css], [SLOTS.js, assets.js]].reduce((html, [slot, value]) => html.split(slot).join(value), assets.html);
  const csp = [
    "default-src 'none'",
    `script-src ${hash(assets.js)}`,
    `style-src ${hash(assets.css)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html: { key: fill('key'), entra: fill('entra') },
    headers: {
      ...TRANSPORT_SECURITY,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    },
  };
}

export const CONSOLE_PAGE = buildConsolePage(readConsoleAssets());
