// The console's asset files (lib/activity/console/assets/), read once when the page module loads. Run from the sources
// (vitest) or from tsc's output (dist/lib/… for the bench and the simulator, a test's own build), they are read from the source folder. The
// deployment bundle carries them inlined instead: tools/bundle.ts swaps this module for one that imports the same
// files as text, so the package (and `npm start`, which runs the bundle) needs no files beside main.js.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files, by the role each plays in the page. tools/bundle.ts inlines exactly these. */
export const CONSOLE_ASSET_FILES = { html: 'console.html', css: 'console.css', js: 'console.js' } as const;

export type ConsoleAssets = Record<keyof typeof CONSOLE_ASSET_FILES, string>;

/** The folder holding the files: beside this module in the sources; from tsc's output (which does not copy them), the
 * sources' folder in the nearest folder above that holds `lib/activity/console/assets/`. */
function assetFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const holds = (dir: string): boolean => existsSync(join(dir, CONSOLE_ASSET_FILES.html));
  if (holds(join(here, 'assets'))) return join(here, 'assets');
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const candidate = join(dir, 'lib', 'activity', 'console', 'assets');
    if (holds(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`The console's asset files (${Object.values(CONSOLE_ASSET_FILES).join(', ')}) were not found above ${here}`);
  }
}

export function readConsoleAssets(): ConsoleAssets {
  const folder = assetFolder();
  const read = (name: string): string => readFileSync(join(folder, name), 'utf8');
  return { html: read(CONSOLE_ASSET_FILES.html), css: read(CONSOLE_ASSET_FILES.css), js: read(CONSOLE_ASSET_FILES.js) };
}
