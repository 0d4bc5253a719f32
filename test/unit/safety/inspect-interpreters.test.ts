// explain and doctor run no interpreter that sits inside the app or that the
// app's config names: discovery in inspectOnly mode. The fake interpreters
// here leave a marker file when run, so "not run" is checked, not assumed.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchLocalInterpreters } from '../../../src/engine/python-source/index.js';
import { makeFakePython, tempDir } from '../python-source/fake-python.js';

const py312 = { major: 3, minor: 12 };

/** A headerless fake 3.12 whose binary writes `marker` when run. */
function makeMarkingPython(prefix: string, marker: string): string {
  makeFakePython(prefix, '3.12.7', { headers: false });
  fs.writeFileSync(path.join(prefix, 'bin', 'python3.12'), `#!/bin/sh\necho ran >> '${marker}'\necho 3.12.7\n`, { mode: 0o755 });
  return prefix;
}

describe('discovery for explain and doctor (inspectOnly)', () => {
  let root: string;
  let app: string;
  let marker: string;
  beforeAll(() => {
    root = tempDir('inspect');
    app = path.join(root, 'app');
    marker = path.join(root, 'MARKER');
    fs.mkdirSync(app);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const base = () => ({ pyenvRoot: path.join(root, 'no-pyenv'), home: path.join(root, 'nohome') });

  it('an interpreter inside the app named by python.interpreters is not run, and is reported as not inspected', async () => {
    const prefix = makeMarkingPython(path.join(app, 'tools', 'py'), marker);
    const search = await searchLocalInterpreters(py312, {
      ...base(),
      extraInterpreters: [prefix],
      env: { PATH: '' },
      inspectOnly: { appDir: app },
    });
    expect(search.found).toEqual([]);
    expect(search.searched[0]).toContain('not inspected');
    expect(search.searched[0]).toContain('inside the app directory');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a PATH entry inside the app is not run either', async () => {
    const prefix = makeMarkingPython(path.join(app, 'venvish'), marker);
    const search = await searchLocalInterpreters(py312, {
      ...base(),
      env: { PATH: path.join(prefix, 'bin') },
      inspectOnly: { appDir: app },
    });
    expect(search.found).toEqual([]);
    expect(search.searched.some((line) => line.includes('not inspected') && line.includes(prefix))).toBe(true);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a config-named interpreter outside the app, and a config pyenvRoot, are not run', async () => {
    const outside = makeMarkingPython(path.join(root, 'elsewhere', 'py'), marker);
    const pyenvRoot = path.join(root, 'fake-pyenv');
    makeMarkingPython(path.join(pyenvRoot, 'versions', '3.12.7'), marker);
    const search = await searchLocalInterpreters(py312, {
      home: path.join(root, 'nohome'),
      pyenvRoot,
      extraInterpreters: [outside],
      env: { PATH: '' },
      inspectOnly: { appDir: app },
    });
    expect(search.found).toEqual([]);
    expect(search.searched.filter((line) => line.includes("the app's config names it"))).toHaveLength(2);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('one with a patchlevel.h is still found inside the app (reading a header runs nothing)', async () => {
    const prefix = path.join(app, 'with-headers');
    makeFakePython(prefix, '3.12.5');
    fs.writeFileSync(path.join(prefix, 'bin', 'python3.12'), `#!/bin/sh\necho ran >> '${marker}'\n`, { mode: 0o755 });
    const search = await searchLocalInterpreters(py312, {
      ...base(),
      extraInterpreters: [prefix],
      env: { PATH: '' },
      inspectOnly: { appDir: app },
    });
    expect(search.found.map((i) => i.version)).toEqual(['3.12.5']);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a patchlevel.h that is a FIFO is not read (no hang) and the interpreter is not run', async () => {
    const prefix = makeMarkingPython(path.join(app, 'fifo-header'), marker);
    const header = path.join(prefix, 'include', 'python3.12', 'patchlevel.h');
    fs.mkdirSync(path.dirname(header), { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [header]);
    const search = await searchLocalInterpreters(py312, {
      ...base(),
      extraInterpreters: [prefix],
      env: { PATH: '' },
      inspectOnly: { appDir: app },
    });
    expect(search.found).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a build (no inspectOnly) does ask a headerless interpreter', async () => {
    const prefix = makeMarkingPython(path.join(root, 'build-py'), marker);
    const search = await searchLocalInterpreters(py312, { ...base(), extraInterpreters: [prefix], env: { PATH: '' } });
    expect(search.found.map((i) => i.version)).toEqual(['3.12.7']);
    expect(fs.readFileSync(marker, 'utf8')).toBe('ran\n');
    fs.rmSync(marker);
  });
});
