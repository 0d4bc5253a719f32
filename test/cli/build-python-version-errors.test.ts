// `pybp build` on an app whose Python version cannot be determined: the
// buildpack prints its `[Determining Python version]` heading before reading
// the version, so its errors come under that heading; errors found before it
// (package manager, forbidden config vars) come without it.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runPybp } from './helpers.js';

async function app(files: Record<string, string>): Promise<string> {
  const dir = path.join(await makeTempDir(), 'app');
  await mkdir(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('build: the Python-version errors come under [Determining Python version]', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['a runtime.txt', { 'requirements.txt': '', 'runtime.txt': 'python-3.12.1\n' }, 'runtime-txt-not-supported'],
    ['an invalid .python-version', { 'requirements.txt': '', '.python-version': 'python-3.12\n' }, 'python-version-invalid'],
    ['an end-of-life Python', { 'requirements.txt': '', '.python-version': '3.8\n' }, 'python-version-eol'],
    ['an unknown Python', { 'requirements.txt': '', '.python-version': '3.15\n' }, 'python-version-unknown'],
    ['uv without .python-version', { 'uv.lock': '', 'pyproject.toml': '' }, 'python-version-required-with-uv'],
  ];
  for (const [what, files, code] of cases) {
    it.concurrent(`${what}: the heading, then ${code} (plain), exit 1`, async () => {
      const r = await runPybp(['build', await app(files)]);
      expect(r.code).toBe(1);
      expect(r.stdout.trimStart().startsWith('[Determining Python version]\n')).toBe(true);
      expect(r.stderr).toContain(`(${code})`);
    });
  }

  it.concurrent('the JSON report carries the same error and no heading text', async () => {
    const r = await runPybp(['build', await app({ 'requirements.txt': '', '.python-version': '3.8\n' }), '--json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { error: { code: string } };
    expect(json.error.code).toBe('python-version-eol');
  });

  it.concurrent('an error the buildpack finds before the heading (a forbidden config var) comes without it', async () => {
    const r = await runPybp(['build', await app({ 'requirements.txt': '', '.python-version': '3.12\n' }), '--env', 'VIRTUAL_ENV=x']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('[Determining Python version]');
    expect(r.stderr).toContain('(forbidden-env-vars)');
  });
});
