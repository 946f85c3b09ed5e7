// App-wide hooks have one home, lib/http/app-setup.ts, run once by the first registration: no other module of the
// deployed code installs a process or Functions-host hook when it is imported or when a class is built.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../tools/bundle.js';

const root = repositoryRoot();
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

describe('the app-wide setup', () => {
  it('is the only place in lib/ and functions/ that hooks the process or the Functions host', () => {
    const hooking = [...sources('lib'), ...sources('functions')].filter((file) => /process\.on\(|app\.hook\.|app\.setup\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(hooking.map((f) => relative(root, join(root, f)).split('\\').join('/'))).toEqual(['lib/http/app-setup.ts']);
  });

  it('is run by registration, and every function file registers through lib/http/register.ts', () => {
    expect(readFileSync(join(root, 'lib', 'http', 'register.ts'), 'utf8')).toMatch(/setUpApp\(inWorker\)/);
    for (const file of sources('functions')) expect(readFileSync(join(root, file), 'utf8'), file).toMatch(/register(Http|Timer)\(/);
  });
});
