// Issue 18, cold start: the deployment package is an esbuild bundle (tools/bundle.ts). It must build, keep source
// maps, and register exactly the functions the unbundled code registers (the local host and the tests load the
// TypeScript sources; `npm start` and the Functions worker load the bundle).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFunctions } from '../../dev/local-host.js';
import { CONSOLE_PAGE } from '../../lib/activity/console/page.js';
import { bundle, repositoryRoot, type BundleResult } from '../../tools/bundle.js';

const root = repositoryRoot();
const out = mkdtempSync(join(tmpdir(), 'scim-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Shape {
  name: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
}

const byName = (a: Shape, b: Shape) => a.name.localeCompare(b.name);

describe('the deployment bundle', () => {
  let built: BundleResult;

  it('builds main.js (package.json main) and start.js, each with its source map', async () => {
    built = await bundle(root, join(out, 'app'));
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).main).toBe('dist/app/main.js');
    expect(built.files).toEqual(expect.arrayContaining(['main.js', 'main.js.map', 'start.js', 'start.js.map']));
    for (const file of built.files.filter((f) => f.endsWith('.js'))) expect(built.files, file).toContain(`${file}.map`);
    expect(built.functionFiles).toEqual(readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts')).sort());
  }, 60_000);

  it('registers the same functions, routes, methods and auth levels as the unbundled code, in a fresh process', async () => {
    const main = pathToFileURL(join(built.outdir, 'main.js')).href;
    const script = `const m = await import(${JSON.stringify(main)}); process.stdout.write(JSON.stringify(m.registrations.map((r) => ({ name: r.name, route: r.options.route, methods: r.options.methods, authLevel: r.options.authLevel }))));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const bundled = (JSON.parse(run.stdout) as Shape[]).sort(byName);
    const unbundled = (await loadFunctions()).map((r): Shape => ({ name: r.name, route: r.options.route, methods: r.options.methods, authLevel: r.options.authLevel })).sort(byName);
    expect(bundled.length).toBeGreaterThanOrEqual(built.functionFiles.length);
    expect(bundled).toEqual(JSON.parse(JSON.stringify(unbundled)));
  }, 60_000);

  it('serves the console page from the assets inlined in the bundle (no asset file beside it), the same page as the sources', () => {
    expect(built.files.filter((f) => !/\.js(\.map)?$/.test(f))).toEqual([]);
    const main = pathToFileURL(join(built.outdir, 'main.js')).href;
    const script = `const m = await import(${JSON.stringify(main)}); const r = m.registrations.find((x) => x.name === 'console'); process.stdout.write(JSON.stringify(await r.options.handler()));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(run.stderr).toBe('');
    const served = JSON.parse(run.stdout) as { status: number; headers: Record<string, string>; body: string };
    expect(served.status).toBe(200);
    expect(served.body).toBe(CONSOLE_PAGE.html.key);
    expect(served.headers).toEqual(CONSOLE_PAGE.headers);
    const css = readFileSync(join(root, 'lib', 'activity', 'console', 'assets', 'console.css'), 'utf8');
    expect(served.body).toContain(`<style>${css}</style>`);
    expect(served.headers['Content-Security-Policy']).toContain(`style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'`);
  });

  it('start.js shares main.js\'s modules (one copy in an `npm start` process), and main.js holds no development-only code', () => {
    const outputs = built.metafile.outputs;
    const key = (name: string) => Object.keys(outputs).find((k) => k.endsWith(`/app/${name}`)) as string;
    const imported = (name: string) => outputs[key(name)].imports.map((i) => i.path);
    const closure = (name: string): string[] => {
      const seen = new Set<string>([key(name)]);
      for (const file of seen) for (const i of outputs[file]?.imports ?? []) if (outputs[i.path]) seen.add(i.path);
      return [...seen].flatMap((file) => Object.keys(outputs[file].inputs));
    };
    const mainChunks = imported('main.js').filter((p) => outputs[p]);
    expect(mainChunks.length).toBeGreaterThan(0);
    for (const chunk of mainChunks) expect(imported('start.js')).toContain(chunk);
    expect(closure('main.js').filter((input) => input.startsWith('dev/') || input.startsWith('tools/'))).toEqual([]);
    expect(closure('start.js').some((input) => input.startsWith('dev/start.ts'))).toBe(true);
  });
});
