// End-to-end: Heroku's paths (`--paths heroku`, the default where bubblewrap
// works; .ci/run installs it). The build's tools see the layers at
// /layers/heroku_python and the app at /workspace, so the venv names those
// paths, `pybp run` runs in the same view, and a moved app keeps its layers.
// Without bwrap (PATH without it) the default falls back to the host's paths
// with a note; asking for heroku then is a coded error. Stopping a sandboxed
// pip install rolls the build back and leaves no process of it.
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { startPybp } from '../support/cli.js';
import { actionsOf, build, BUILD_ENV_FLAGS, explain, explainThenBuild, reasonsOf, runPybp, writeToolsConfig } from './pybp.js';

const VIEW = '/layers/heroku_python';

/** A PATH with every program of this one except bwrap: a machine without bubblewrap. */
function pathWithoutBwrap(root: string): string {
  const dir = join(root, 'no-bwrap-bin');
  mkdirSync(dir, { recursive: true });
  const taken = new Set<string>();
  for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name === 'bwrap' || taken.has(name)) continue;
      taken.add(name);
      symlinkSync(join(d, name), join(dir, name));
    }
  }
  return dir;
}

/** PIDs whose command line names `text` (bwrap's names the app's host path it binds). */
async function processesNaming(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found.filter((pid) => pid !== process.pid);
}

describe("Heroku's paths", () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir();
  });

  it('pip: the venv names /layers/heroku_python, run sees /workspace, and the moved app keeps pip (no path reason)', async () => {
    const { indexUrl } = testInfra();
    const before = join(root, 'pip before');
    await makePipApp(before, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(before, indexUrl);
    const first = await explainThenBuild(before);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.paths).toMatchObject({ mode: 'heroku', origin: 'default', note: null, layers: VIEW, app: '/workspace' });
    expect(first.predicted.paths).toMatchObject({ mode: 'heroku', layers: VIEW });
    const layers = join(before, '.pybp', 'layers');
    expect(readFileSync(join(layers, 'venv', 'pyvenv.cfg'), 'utf8')).toMatch(/^home = \/layers\/heroku_python\/python\/bin$/m);
    // pip writes `python`, uv `python3`: both the venv's interpreter at Heroku's path.
    expect(readFileSync(join(layers, 'venv', 'bin', 'tinyweb'), 'utf8').split('\n')[0]).toMatch(/^#!\/layers\/heroku_python\/venv\/bin\/python3?$/);
    const r = await runPybp(['run', before, '--', 'python', '-c', 'import sys, os; print(sys.prefix, os.getcwd())']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('/layers/heroku_python/venv /workspace');

    const after = join(root, 'pip after');
    await rename(before, after);
    const moved = await explainThenBuild(after);
    expect(moved.status, JSON.stringify(moved.error)).toBe('succeeded');
    expect(actionsOf(moved)).toEqual({ python: 'reuse', pip: 'reuse', 'pip-cache': 'reuse', venv: 'rebuild-always' });
    expect(reasonsOf(moved, 'pip').filter(([field]) => field === 'layers path')).toEqual([]);
    const ran = await runPybp(['run', after, '--', 'tinyweb']);
    expect(ran.stdout).toContain('hello from tinyweb 1.0.0');

    // Switching to the host's paths discards what names the layers path, and says so.
    const host = await explainThenBuild(after, ['--paths', 'host']);
    expect(host.status, JSON.stringify(host.error)).toBe('succeeded');
    expect(reasonsOf(host, 'pip')).toEqual([['layers path', VIEW, join(after, '.pybp', 'layers')]]);
    const back = await explainThenBuild(after);
    expect(reasonsOf(back, 'pip')).toEqual([['layers path', join(after, '.pybp', 'layers'), VIEW]]);
  });

  it('uv: the venv names /layers/heroku_python, and a moved app reuses it', async () => {
    const { indexUrl } = testInfra();
    const before = join(root, 'uv before');
    await makeUvApp(before, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(before, indexUrl);
    const first = await build(before);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const layers = join(before, '.pybp', 'layers');
    expect(readFileSync(join(layers, 'venv', 'pyvenv.cfg'), 'utf8')).toMatch(/^home = \/layers\/heroku_python\/python\/bin$/m);
    // pip writes `python`, uv `python3`: both the venv's interpreter at Heroku's path.
    expect(readFileSync(join(layers, 'venv', 'bin', 'tinyweb'), 'utf8').split('\n')[0]).toMatch(/^#!\/layers\/heroku_python\/venv\/bin\/python3?$/);
    const r = await runPybp(['run', before, '--', 'python', '-c', 'import sys, os; print(sys.prefix, os.getcwd())']);
    expect(r.stdout.trim()).toBe('/layers/heroku_python/venv /workspace');

    const after = join(root, 'uv after');
    await rename(before, after);
    const moved = await explainThenBuild(after);
    expect(moved.status, JSON.stringify(moved.error)).toBe('succeeded');
    expect(actionsOf(moved)).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    expect(reasonsOf(moved, 'venv').filter(([field]) => field === 'layers path')).toEqual([]);
    expect((await runPybp(['run', after, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');
  });

  it('without bwrap on PATH: the default is host with a note naming the package; --paths heroku is paths-heroku-unavailable', async () => {
    const { indexUrl } = testInfra();
    const app = join(root, 'no bwrap');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    const env = { PATH: pathWithoutBwrap(root) };

    const asked = await runPybp(['build', app, '--json', '--python-source', 'local', '--paths', 'heroku', ...BUILD_ENV_FLAGS], { env });
    expect(asked.code).not.toBe(0);
    const failed = JSON.parse(asked.stdout) as { status: string; error: { code: string; fix: string } };
    expect(failed.error.code).toBe('paths-heroku-unavailable');
    expect(failed.error.fix).toContain('bubblewrap');

    const r = await runPybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env });
    const report = JSON.parse(r.stdout) as { status: string; paths: { mode: string; note: string }; warnings: Array<{ code: string; message: string }> };
    expect(report.status, r.stderr).toBe('succeeded');
    expect(report.paths.mode).toBe('host');
    expect(report.paths.note).toContain('bubblewrap');
    expect(report.warnings.find((w) => w.code === 'paths-host-fallback')?.message).toContain('bubblewrap');
    expect(readFileSync(join(app, '.pybp', 'layers', 'venv', 'pyvenv.cfg'), 'utf8')).toContain(`home = ${join(app, '.pybp', 'layers', 'python', 'bin')}`);
    // explain decides the same without bwrap, and says why.
    const predicted = await runPybp(['explain', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env });
    expect((JSON.parse(predicted.stdout) as { paths: { mode: string } }).paths.mode).toBe('host');
  });

  it('SIGTERM during a sandboxed pip install rolls the build back and leaves no process', async () => {
    const { indexUrl } = testInfra();
    const app = join(root, 'stopped pip');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    const running = startPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    await new Promise<void>((resolve) => running.onLine((line) => line.includes("Running 'pip install") && resolve()));
    await new Promise((r) => setTimeout(r, 150));
    running.signal('SIGTERM');
    const end = await running.done;
    expect(end.code).not.toBe(0);
    expect(await processesNaming(app)).toEqual([]);
    // Rolled back: the next explain decides as if the stopped build never ran.
    const next = await explain(app);
    expect(actionsOf(next)).toEqual({ python: 'create', pip: 'create', 'pip-cache': 'create', venv: 'rebuild-always' });
  });
});
