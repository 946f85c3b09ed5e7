// The console's asset files (lib/activity/console/assets/), read once when the page module loads. Run from the sources
// (vitest) or from tsc's output (dist/lib/…: the bench and the simulator), they are read from the source folder. The
// deployment bundle carries them inlined instead: tools/bundle.ts swaps this module for one that imports the same
// files as text, so the package (and `npm start`, which runs the bundle) needs no files beside main.js.
import { existsSync, readFileSync } from 'node:fs';

/** The files, by the role each plays in the page. tools/bundle.ts inlines exactly these. */
export const CONSOLE_ASSET_FILES = { html: 'console.html', css: 'console.css', js: 'console.js' } as const;

export type ConsoleAssets = Record<keyof typeof CONSOLE_ASSET_FILES, string>;

// Beside this module in the sources; tsc does not copy them to dist/lib/, so from there they are read in the sources.
const FOLDERS = [new URL('./assets/', import.meta.url), new URL('../../../../lib/activity/console/assets/', import.meta.url)];

export function readConsoleAssets(): ConsoleAssets {
  const folder = FOLDERS.find((dir) => existsSync(new URL(CONSOLE_ASSET_FILES.html, dir)));
  if (folder === undefined) throw new Error(`The console's asset files (${Object.values(CONSOLE_ASSET_FILES).join(', ')}) were not found`);
  const read = (name: string): string => readFileSync(new URL(name, folder), 'utf8');
  return { html: read(CONSOLE_ASSET_FILES.html), css: read(CONSOLE_ASSET_FILES.css), js: read(CONSOLE_ASSET_FILES.js) };
}
