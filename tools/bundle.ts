// The deployment form of the function app: an esbuild bundle (issue 18, cold start). Importing 29 function files and
// their dependency tree module by module takes ~300 ms in a fresh process; one bundle takes about a third of that.
//
//   dist/app/main.js    every functions/*.ts, which register themselves; the Functions worker loads it (package.json
//                       `main`). It also exports the registrations, so a test can compare them with the unbundled code.
//   dist/app/start.js   `npm start`: the local host and Azurite launcher (dev/start.ts) on top of main.js. Built
//                       with code splitting, so both entries share one copy of every module: `npm start` serves the
//                       very modules the worker loads, and its dev-only code stays in start.js (not deployed).
//   *.map               source maps (run node with --enable-source-maps to see TypeScript positions in stack traces).
//
// The console's asset files (lib/activity/console/assets/) are inlined as text (see inlineConsoleAssets below).
//
// Kept out of the bundle: `@azure/functions-core` (provided by the worker at runtime), `@azure/identity` (imported
// lazily, only in Azure) and `azurite` (resolved at run time by the dev launcher); they load from node_modules.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { CONSOLE_ASSET_FILES } from '../lib/activity/console/assets.js';

export interface BundleResult {
  outdir: string;
  /** The function files bundled, in load order. */
  functionFiles: string[];
  /** Files written, relative to outdir. */
  files: string[];
  metafile: Metafile;
}

/** The project root (the folder holding host.json), from this file's place in tools/ or dist/tools/. */
export function repositoryRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.endsWith(join('dist', 'tools')) ? join(here, '..', '..') : join(here, '..');
}

const EXTERNAL = ['@azure/functions-core', '@azure/identity', 'azurite'];

// ES-module output has no `require`; the CommonJS packages bundled (@azure/functions, the Azure SDK's dependencies)
// call it for Node built-ins and for the externals above.
const BANNER = "import { createRequire as __bundleCreateRequire } from 'node:module';\nconst require = __bundleCreateRequire(import.meta.url);";

/**
 * Swaps lib/activity/console/assets.ts (which reads the files from disk) for a module importing them with esbuild's
 * text loader: the same readConsoleAssets(), with the files' contents in the bundle.
 */
function inlineConsoleAssets(root: string): Plugin {
  const reader = join(root, 'lib', 'activity', 'console', 'assets.ts');
  const folder = join(root, 'lib', 'activity', 'console', 'assets');
  return {
    name: 'inline-console-assets',
    setup(b) {
      b.onLoad({ filter: /[\\/]lib[\\/]activity[\\/]console[\\/]assets\.ts$/ }, (args) => {
        if (args.path !== reader) return undefined;
        const roles = Object.entries(CONSOLE_ASSET_FILES);
        const contents = [
          ...roles.map(([role, file]) => `import ${role} from ${JSON.stringify(`./assets/${file}`)};`),
          `export const CONSOLE_ASSET_FILES = ${JSON.stringify(CONSOLE_ASSET_FILES)};`,
          `export function readConsoleAssets() { return { ${roles.map(([role]) => role).join(', ')} }; }`,
        ].join('\n');
        return { contents, loader: 'js', resolveDir: dirname(reader) };
      });
      b.onLoad({ filter: /[\\/]assets[\\/][^\\/]+$/ }, async (args) => {
        if (dirname(args.path) !== folder) return undefined;
        return { contents: readFileSync(args.path, 'utf8'), loader: 'text' };
      });
    },
  };
}

export async function bundle(root = repositoryRoot(), outdir = join(root, 'dist', 'app')): Promise<BundleResult> {
  const functionFiles = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  // The entries are generated from the folder listing, so a new function file is bundled without touching a list.
  const entries = `${outdir}.entries`;
  rmSync(entries, { recursive: true, force: true });
  mkdirSync(entries, { recursive: true });
  const spec = (file: string): string => JSON.stringify(relative(entries, file).split('\\').join('/').replace(/^(?!\.)/, './'));
  writeFileSync(
    join(entries, 'main.ts'),
    [
      ...functionFiles.map((f) => `import ${spec(join(root, 'functions', f))};`),
      `export { registrations } from ${spec(join(root, 'lib', 'http', 'register.ts'))};`,
      // What the first storage client and the first validation load, so `npm run bench` can time them after the import.
      `export { loadTablesSdk } from ${spec(join(root, 'lib', 'store', 'tables-sdk.ts'))};`,
      `export { loadAjv } from ${spec(join(root, 'lib', 'scim', 'ajv-loader.ts'))};`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(entries, 'start.ts'), `import './main.js';\nimport ${spec(join(root, 'dev', 'start.ts'))};\n`);
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(entries, 'main.ts'), join(entries, 'start.ts')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    external: EXTERNAL,
    banner: { js: BANNER },
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    // Whitespace and syntax only: identifiers keep their names, so stack traces stay readable without source maps.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    absWorkingDir: root,
    plugins: [inlineConsoleAssets(root)],
  });
  const files = Object.keys(result.metafile.outputs).map((f) => relative(outdir, join(root, f)).split('\\').join('/')).sort();
  return { outdir, functionFiles, files, metafile: result.metafile };
}

// `node dist/tools/bundle.js` (npm run build).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  bundle().then(
    (r) => process.stdout.write(`bundled ${r.functionFiles.length} functions into ${relative(process.cwd(), r.outdir) || '.'}: ${r.files.filter((f) => !f.endsWith('.map')).join(', ')}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
