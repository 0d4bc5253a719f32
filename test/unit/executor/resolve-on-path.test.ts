// A PATH search in Heroku's paths mode: PATH holds the tools' paths, and a
// venv made in the sandbox links bin/python to the python layer at its view
// path (/layers/heroku_python/python/bin/...), which is nowhere on the host.
// The search must follow that link as the tool would, or it skips the venv's
// python for the python layer's (no app packages: Django's manage.py found no
// django).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveOnPath } from '../../../src/engine/executor/bundled-pip.js';
import { hostTarget, pathView } from '../../../src/engine/io/sandbox.js';

describe('resolveOnPath with a view', () => {
  const root = mkdtempSync(join(os.tmpdir(), 'pybp-resolve-test-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const app = join(root, 'app');
  const layers = join(app, '.pybp', 'layers');
  mkdirSync(join(layers, 'python', 'bin'), { recursive: true });
  mkdirSync(join(layers, 'venv', 'bin'), { recursive: true });
  const real = join(layers, 'python', 'bin', 'python3.12');
  writeFileSync(real, '#!/bin/sh\n');
  chmodSync(real, 0o755);
  symlinkSync('python3.12', join(layers, 'python', 'bin', 'python'));
  // As `python -m venv` makes it in the sandbox: an absolute link to the view path.
  symlinkSync('/layers/heroku_python/python/bin/python', join(layers, 'venv', 'bin', 'python'));
  const view = pathView('heroku', app, layers);
  const PATH = '/layers/heroku_python/venv/bin:/layers/heroku_python/python/bin:/usr/bin';

  it("finds the venv's python through its view-path link (not the python layer's next on PATH)", () => {
    expect(resolveOnPath('python', { PATH }, view)).toBe('/layers/heroku_python/venv/bin/python');
  });

  it('maps each link of the chain to the host, relative links resolved where the tool sees them', () => {
    expect(hostTarget(view, '/layers/heroku_python/venv/bin/python')).toBe(real);
    expect(hostTarget(view, '/workspace/manage.py')).toBe(join(app, 'manage.py'));
  });

  it('a dangling link is skipped, as execvp would; a link loop ends', () => {
    symlinkSync('/layers/heroku_python/nowhere', join(layers, 'venv', 'bin', 'gone'));
    symlinkSync('loop', join(layers, 'venv', 'bin', 'loop'));
    expect(resolveOnPath('gone', { PATH }, view)).toBe('gone');
    expect(resolveOnPath('loop', { PATH }, view)).toBe('loop');
  });
});
