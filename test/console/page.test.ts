// The console page is built from its asset files when it loads: the CSP hashes are those of the files' contents, and
// a console.html whose slots are wrong stops startup instead of serving a page the browser would refuse.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readConsoleAssets } from '../../lib/activity/console/assets.js';
import { buildConsolePage, CONSOLE_PAGE } from '../../lib/activity/console/page.js';

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('the console page from its asset files', () => {
  it('inlines console.css and console.js and allows exactly them by hash', () => {
    const assets = readConsoleAssets();
    const csp = CONSOLE_PAGE.headers['Content-Security-Policy'];
    expect(csp).toContain(`script-src ${sha256(assets.js)};`);
    expect(csp).toContain(`style-src ${sha256(assets.css)};`);
    expect(csp).toMatch(/^default-src 'none'; .*connect-src 'self'; .*frame-ancestors 'none'$/);
    for (const mode of ['key', 'entra'] as const) {
      const html = CONSOLE_PAGE.html[mode];
      expect(html).toContain(`data-admin-auth="${mode}"`);
      expect(html).toContain(`<style>${assets.css}</style>`);
      expect(html).toContain(`<script>${assets.js}</script>`);
      expect(html).not.toMatch(/\{\{[a-z.-]+\}\}/);
    }
  });

  it('refuses an HTML file with a slot missing or twice, and assets that would close their element early', () => {
    const assets = readConsoleAssets();
    expect(() => buildConsolePage({ ...assets, html: assets.html.replace('{{console.js}}', '') })).toThrow(/\{\{console\.js\}\}/);
    expect(() => buildConsolePage({ ...assets, html: `${assets.html}{{console.css}}` })).toThrow(/\{\{console\.css\}\}/);
    expect(() => buildConsolePage({ ...assets, js: `${assets.js}</script>` })).toThrow(/console\.js/);
    expect(() => buildConsolePage({ ...assets, css: `${assets.css}</STYLE>` })).toThrow(/console\.css/);
  });
});
