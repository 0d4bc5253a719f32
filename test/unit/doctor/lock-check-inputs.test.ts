// The copies doctor's lock check gets in its scratch directory: only the
// files the tool reads, laid out as in the app, read through the bounded reader.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyLockCheckInputs } from '../../../src/engine/doctor/wheels/lock-check-inputs.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tree(files: Record<string, string>): Promise<{ app: string; scratch: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'pybp lock inputs '));
  made.push(root);
  const app = path.join(root, 'app');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(app, name)), { recursive: true });
    await writeFile(path.join(app, name), text);
  }
  return { app, scratch: path.join(root, 'scratch') };
}

/** Every file under `dir`, relative to it, sorted. */
async function listing(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listing(dir, p)));
    else out.push(p);
  }
  return out.sort();
}

describe('lock check inputs', () => {
  it('uv: pyproject.toml, uv.lock, uv.toml, workspace members and path sources inside the app; nothing else', async () => {
    const { app, scratch } = await tree({
      'pyproject.toml': '[project]\nname = "root"\n[tool.uv.workspace]\nmembers = ["packages/*"]\n[tool.uv.sources]\nlib = { path = "libs/lib" }\nwhl = { path = "wheels/w-1.0-py3-none-any.whl" }\n',
      'uv.lock': 'version = 1\n',
      'uv.toml': '',
      'poetry.py': 'raise SystemExit',
      'json.py': 'raise SystemExit',
      'packages/a/pyproject.toml': '[project]\nname = "a"\n[tool.uv.sources]\nb = { workspace = true }\n',
      'packages/a/a.py': '',
      'packages/b/pyproject.toml': '[project]\nname = "b"\n',
      'libs/lib/pyproject.toml': '[project]\nname = "lib"\n',
      'libs/lib/setup.py': '',
      'wheels/w-1.0-py3-none-any.whl': 'zip',
      '.venv/bin/python': '',
    });
    expect(await copyLockCheckInputs(app, scratch, 'uv')).toEqual({ ok: true });
    expect(await listing(scratch)).toEqual([
      'libs/lib/pyproject.toml',
      'packages/a/pyproject.toml',
      'packages/b/pyproject.toml',
      'pyproject.toml',
      'uv.lock',
      'uv.toml',
      'wheels/w-1.0-py3-none-any.whl',
    ]);
  });

  it('uv: a path source leaving the app is not followed, and the check is not made', async () => {
    const { app, scratch } = await tree({ 'pyproject.toml': '[tool.uv.sources]\nlib = { path = "../lib" }\n', 'uv.lock': '' });
    expect(await copyLockCheckInputs(app, scratch, 'uv')).toEqual({ ok: false, why: 'pyproject.toml has a path source outside the app (../lib)' });
  });

  it('Poetry: pyproject.toml, poetry.lock and the readme and license files it names (a missing one stays missing)', async () => {
    const { app, scratch } = await tree({
      'pyproject.toml': '[project]\nname = "app"\nreadme = "README.md"\nlicense = { file = "LICENSE" }\n[tool.poetry]\nreadme = ["docs/extra.md", "gone.md", "../outside.md"]\n',
      'poetry.lock': '',
      'README.md': '# app',
      'LICENSE': 'MIT',
      'docs/extra.md': '',
      'poetry.py': 'raise SystemExit',
    });
    expect(await copyLockCheckInputs(app, scratch, 'poetry')).toEqual({ ok: true });
    expect(await listing(scratch)).toEqual(['LICENSE', 'README.md', 'docs/extra.md', 'poetry.lock', 'pyproject.toml']);
  });

  it('a lock file that is a FIFO or a link to /dev/zero is refused by the bounded reader', async () => {
    const { app, scratch } = await tree({ 'pyproject.toml': '' });
    await symlink('/dev/zero', path.join(app, 'poetry.lock'));
    await expect(copyLockCheckInputs(app, scratch, 'poetry')).rejects.toMatchObject({ code: 'app-file-not-regular' });
  });
});
