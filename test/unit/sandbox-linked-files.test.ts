// What a sandboxed tool sees of the host: an app file linked to where the
// view shows nothing (the host's /tmp, out of the app) is shown to the tool
// read-only; and the sandbox probe without a temp dir it can write.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linkedFileBinds, pathView } from '../../src/engine/io/sandbox.js';
import { runProcess } from '../../src/engine/io/process.js';
import { sandboxAvailability } from '../../src/engine/io/sandbox-probe.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An app with layers: python/bin/python3.12 (a file), venv/bin/python -> /layers/heroku_python/python/bin/python3.12. */
function layers(): { app: string; layersDir: string } {
  const app = mkdtempSync(join(os.tmpdir(), 'pybp-linked-files-'));
  made.push(app);
  const layersDir = join(app, '.pybp', 'layers');
  mkdirSync(join(layersDir, 'python', 'bin'), { recursive: true });
  mkdirSync(join(layersDir, 'venv', 'bin'), { recursive: true });
  writeFileSync(join(layersDir, 'python', 'bin', 'python3.12'), '#!/bin/sh\n', { mode: 0o755 });
  symlinkSync('python3.12', join(layersDir, 'python', 'bin', 'python'));
  symlinkSync('/layers/heroku_python/python/bin/python3.12', join(layersDir, 'venv', 'bin', 'python'));
  return { app, layersDir };
}

describe('the sandbox probe', () => {
  it('without a temp dir it can make one in, says so (the default then falls back to host), never throws', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'pybp-probe-tmp-'));
    made.push(dir);
    // A TMPDIR that is a file: no directory can be made in it, even by root.
    const notADir = join(dir, 'a file');
    writeFileSync(notADir, '');
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = notADir;
    try {
      // Another PATH than any other test's: the probe is memoised per PATH.
      const available = await sandboxAvailability({ PATH: `${process.env.PATH}:${dir}` });
      expect(available.usable).toBe(false);
      if (!available.usable) expect(available.why).toContain(`ENOTDIR in ${notADir}`);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe('app files linked out of the view', () => {
  it('a link into /tmp and a relative link out of the app are shown read-only where the tool resolves them; links the view resolves are not', async () => {
    const { app, layersDir } = layers();
    const elsewhere = mkdtempSync(join(os.tmpdir(), 'pybp-linked-'));
    made.push(elsewhere);
    writeFileSync(join(elsewhere, 'reqs.txt'), 'tinyweb\n');
    symlinkSync(join(elsewhere, 'reqs.txt'), join(app, 'requirements.txt'));
    // A sibling of the app, as in a monorepo (named after the app: unique).
    const sibling = `${basename(app)}-common`;
    const common = join(dirname(app), sibling);
    mkdirSync(common);
    made.push(common);
    writeFileSync(join(common, 'pyproject.toml'), '[project]\n');
    symlinkSync(`../${sibling}/pyproject.toml`, join(app, 'pyproject.toml'));
    writeFileSync(join(app, 'real.lock'), '');
    symlinkSync('real.lock', join(app, 'uv.lock'));
    symlinkSync('/usr/bin/env', join(app, 'manage.py'));
    const view = pathView('heroku', app, layersDir);
    const names = ['requirements.txt', 'pyproject.toml', 'uv.lock', 'manage.py', 'poetry.lock'];
    const binds = linkedFileBinds(view, names);
    expect(binds).toEqual([
      { host: join(elsewhere, 'reqs.txt'), view: join(elsewhere, 'reqs.txt') },
      { host: join(common, 'pyproject.toml'), view: `/${sibling}/pyproject.toml` },
    ]);
    expect(linkedFileBinds(pathView('host', app, layersDir), names)).toEqual([]);

    // And the sandbox shows them: the tool reads what pybp read.
    const { sandboxAvailability } = await import('../../src/engine/io/sandbox-probe.js');
    const available = await sandboxAvailability();
    if (!available.usable) throw new Error(available.why);
    const end = await runProcess({
      argv: ['sh', '-c', 'cat requirements.txt pyproject.toml; (echo x >> requirements.txt) 2>/dev/null && echo wrote || echo read-only'],
      env: { PATH: '/usr/bin:/bin' },
      sandbox: { tools: available.tools, view, readOnly: binds },
      signal: null,
    });
    expect(end.kind === 'ended' && end.stdout.toString()).toBe('tinyweb\n[project]\nread-only\n');
  });
});
