// The console page: one static HTML document with its stylesheet and script inlined, served anonymously (it holds no
// data; see README-console.md for how it authenticates). A strict Content-Security-Policy allows exactly this script
// and this stylesheet (by hash), API calls to this origin only, and no framing.
import { createHash } from 'node:crypto';
import { TRANSPORT_SECURITY } from '../../http/transport-security.js';
import { EVENTS_PANEL_BODY, EVENTS_PANEL_SCRIPT } from './events-panel.js';
import { CONSOLE_BODY } from './markup.js';
import { CONSOLE_SCRIPT } from './script.js';
import { SUBSCRIPTIONS_PANEL_BODY, SUBSCRIPTIONS_PANEL_SCRIPT } from './subscriptions-panel.js';
import { CONSOLE_CSS } from './styles.js';

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page; `adminAuth` tells the script how the operator signs in ('entra' behind App Service Authentication). */
export const consoleHtml = (adminAuth: 'key' | 'entra'): string => `<!doctype html>
<html lang="en" data-admin-auth="${adminAuth}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SCIM Integration — console</title>
<link rel="icon" href="data:,">
<style>${CONSOLE_CSS}</style>
</head>
<body>
${CONSOLE_BODY}
${EVENTS_PANEL_BODY}
${SUBSCRIPTIONS_PANEL_BODY}
<script>${CONSOLE_SCRIPT}</script>
<script>${EVENTS_PANEL_SCRIPT}</script>
<script>${SUBSCRIPTIONS_PANEL_SCRIPT}</script>
</body>
</html>
`;

export const CONSOLE_HTML = consoleHtml('key');

export const CONSOLE_CSP = [
  "default-src 'none'",
  `script-src ${hash(CONSOLE_SCRIPT)} ${hash(EVENTS_PANEL_SCRIPT)} ${hash(SUBSCRIPTIONS_PANEL_SCRIPT)}`,
  `style-src ${hash(CONSOLE_CSS)}`,
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_HEADERS: Record<string, string> = {
  ...TRANSPORT_SECURITY,
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': CONSOLE_CSP,
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};
