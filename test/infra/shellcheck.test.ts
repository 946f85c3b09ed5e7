// The deploy scripts pass shellcheck (Debian package: apt-get install -y shellcheck).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_BIN, INFRA_DIR, listFiles, REPO_ROOT } from './helpers.js';

describe('shell scripts', () => {
  it('pass shellcheck', () => {
    const version = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    if (version.error) throw new Error('shellcheck is not installed: apt-get update && apt-get install -y shellcheck');
    const scripts = [
      ...listFiles(INFRA_DIR, (f) => f.endsWith('.sh')),
      join(FAKE_BIN, 'az'),
      join(FAKE_BIN, 'npm'),
      join(FAKE_BIN, 'tenants'),
    ];
    expect(scripts.length).toBeGreaterThanOrEqual(5);
    const result = spawnSync('shellcheck', ['--external-sources', '--severity=style', ...scripts], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
