// End-to-end: Heroku's paths (`--paths heroku`, the default where bubblewrap
// works; .ci/run installs it). The build's tools see the layers at
// /layers/heroku_python and the app at /workspace, so the venv names those
// paths, `pybp run` runs in the same view, and a moved app keeps its layers.
// Without bwrap (PATH without it) the default falls back to the host's paths
// with a note; asking for heroku then is a coded error. Stopping a sandboxed
// pip install rolls the build back and leaves no process of it.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makePoetryApp, makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { startPybp } from '../support/cli.js';
import { actionsOf, build, BUILD_ENV_FLAGS, explain, explainThenBuild, reasonsOf, runPybp, writeToolsConfig } from './pybp.js';

const VIEW = '/layers/heroku_python';

/** A PATH with every program of this one except bwrap: a machine without bubblewrap. */
function pathWithoutBwrap(root: string): string {
  const dir = join(root, 'no-bwrap-bin');
  if (existsSync(dir)) return dir;
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

/**
 * Issue 20's "Heroku's paths inside", for an app just built with the default
 * paths: pyvenv.cfg names the python layer at Heroku's path, the venv's
 * scripts start with its interpreter there, and `pybp run` sees the venv and
 * the app where a dyno has them.
 */
async function expectHerokuPathsInside(app: string, script: string): Promise<void> {
  const layers = join(app, '.pybp', 'layers');
  expect(readFileSync(join(layers, 'venv', 'pyvenv.cfg'), 'utf8')).toMatch(/^home = \/layers\/heroku_python\/python\/bin$/m);
  // pip and Poetry write `python`, uv `python3`: both the venv's interpreter at Heroku's path.
  expect(readFileSync(join(layers, 'venv', 'bin', script), 'utf8').split('\n')[0]).toMatch(/^#!\/layers\/heroku_python\/venv\/bin\/python3?$/);
  const r = await runPybp(['run', app, '--', 'python', '-c', 'import sys, os; print(sys.prefix, os.getcwd())']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim()).toBe('/layers/heroku_python/venv /workspace');
}

/** A fake bwrap that fails as bubblewrap does where a container forbids user namespaces. */
function bwrapWithoutNamespaces(root: string): string {
  const dir = join(root, 'bwrap-no-userns');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bwrap'), "#!/bin/sh\necho 'bwrap: Creating new namespace failed: Operation not permitted' >&2\nexit 1\n", { mode: 0o755 });
  return dir;
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
    await expectHerokuPathsInside(before, 'tinyweb');

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
    await expectHerokuPathsInside(before, 'tinyweb');

    const after = join(root, 'uv after');
    await rename(before, after);
    const moved = await explainThenBuild(after);
    expect(moved.status, JSON.stringify(moved.error)).toBe('succeeded');
    expect(actionsOf(moved)).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    expect(reasonsOf(moved, 'venv').filter(([field]) => field === 'layers path')).toEqual([]);
    expect((await runPybp(['run', after, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');

    // Its venv names Heroku's paths: without bwrap, run refuses with the coded error rather than run it broken.
    const noBwrap = await runPybp(['run', after, '--', 'tinyweb'], { env: { PATH: pathWithoutBwrap(root) } });
    expect(noBwrap.code).not.toBe(0);
    expect(noBwrap.stderr).toContain('paths-heroku-unavailable');
    expect(noBwrap.stdout).not.toContain('hello from tinyweb');
  });

  it('Poetry: the venv names /layers/heroku_python, and a moved app keeps poetry and the venv (no path reason)', async () => {
    const { indexUrl } = testInfra();
    const before = join(root, 'poetry before');
    await makePoetryApp(before, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(before, indexUrl);
    const first = await build(before);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.paths).toMatchObject({ mode: 'heroku', origin: 'default', layers: VIEW, app: '/workspace' });
    await expectHerokuPathsInside(before, 'tinyweb');

    const after = join(root, 'poetry after');
    await rename(before, after);
    const moved = await explainThenBuild(after);
    expect(moved.status, JSON.stringify(moved.error)).toBe('succeeded');
    expect(actionsOf(moved)).toEqual({ python: 'reuse', poetry: 'reuse', venv: 'reuse' });
    for (const layer of ['poetry', 'venv']) expect(reasonsOf(moved, layer).filter(([field]) => field === 'layers path')).toEqual([]);
    expect((await runPybp(['run', after, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');
  });

  it('without bwrap on PATH: the default is host with the note, once and naming the package; explain and doctor say so first; --paths heroku is paths-heroku-unavailable', async () => {
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
    expect(existsSync(join(app, '.pybp', 'layers', 'python'))).toBe(false);

    // Before the build: explain and doctor name the mode it will use, and why (they need no bwrap).
    const predicted = await runPybp(['explain', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env });
    const plan = JSON.parse(predicted.stdout) as { paths: { mode: string; note: string }; warnings: Array<{ code: string }> };
    expect(plan.paths.mode).toBe('host');
    expect(plan.paths.note).toContain('install the bubblewrap package');
    expect(plan.warnings.filter((w) => w.code === 'paths-host-fallback')).toHaveLength(1);
    const doctor = await runPybp(['doctor', app, '--json', ...BUILD_ENV_FLAGS], { env });
    const check = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; message: string; fix?: string }> }).checks.find((c) => c.id === 'paths');
    expect(check).toMatchObject({ status: 'warn' });
    expect(check?.message).toContain("this machine's paths, not Heroku's");
    expect(check?.fix).toContain('bubblewrap');

    const r = await runPybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env });
    const report = JSON.parse(r.stdout) as { status: string; paths: { mode: string; origin: string; note: string }; warnings: Array<{ code: string; message: string }> };
    expect(report.status, r.stderr).toBe('succeeded');
    expect(report.paths).toMatchObject({ mode: 'host', origin: 'default' });
    expect(report.paths.note).toContain('bubblewrap');
    const notes = report.warnings.filter((w) => w.code === 'paths-host-fallback');
    expect(notes).toHaveLength(1);
    expect(notes[0].message).toContain('install the bubblewrap package');
    expect(readFileSync(join(app, '.pybp', 'layers', 'venv', 'pyvenv.cfg'), 'utf8')).toContain(`home = ${join(app, '.pybp', 'layers', 'python', 'bin')}`);
    // The terminal's build output says it once too.
    const plain = await runPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS], { env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(`${plain.stdout}${plain.stderr}`.split('install the bubblewrap package')).toHaveLength(2);

    // bwrap back: doctor says the next build sees Heroku's paths, and what that rebuilds.
    const back = await runPybp(['doctor', app, '--json', ...BUILD_ENV_FLAGS]);
    const backCheck = (JSON.parse(back.stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks.find((c) => c.id === 'paths');
    expect(backCheck?.status).toBe('pass');
    expect(backCheck?.message).toContain(`layers path: ${join(app, '.pybp', 'layers')} → ${VIEW}`);
  });

  it("bwrap that can't create a namespace (a container that forbids them): the default falls back to host with the note; --paths heroku is paths-heroku-unavailable", async () => {
    const { indexUrl } = testInfra();
    const app = join(root, 'no userns');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    const env = { PATH: `${bwrapWithoutNamespaces(root)}:${process.env.PATH ?? '/usr/bin:/bin'}` };

    const asked = await runPybp(['build', app, '--json', '--python-source', 'local', '--paths', 'heroku', ...BUILD_ENV_FLAGS], { env });
    expect(asked.code).not.toBe(0);
    const failed = JSON.parse(asked.stdout) as { error: { code: string; message: string } };
    expect(failed.error.code).toBe('paths-heroku-unavailable');
    expect(failed.error.message).toContain('Operation not permitted');

    const r = await runPybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env });
    const report = JSON.parse(r.stdout) as { status: string; paths: { mode: string; note: string }; warnings: Array<{ code: string; message: string }> };
    expect(report.status, r.stderr).toBe('succeeded');
    expect(report.paths.mode).toBe('host');
    const notes = report.warnings.filter((w) => w.code === 'paths-host-fallback');
    expect(notes).toHaveLength(1);
    expect(notes[0].message).toMatch(/\(bubblewrap\) cannot create a sandbox on this machine \(bwrap: Creating new namespace failed: Operation not permitted/);
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
