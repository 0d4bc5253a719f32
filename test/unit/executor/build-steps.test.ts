// The executor with a fake command runner: the order of the steps, the
// environment each tool is given, the records of time and size, and the
// rollback when a tool fails or the build is interrupted. The python layer is
// a fake interpreter tree; every tool is the fake runner below, which does
// just enough on disk (a venv's bin/, a tool's script) for the next step.
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/engine/core/events.js';
import { type BuildReport, runBuild } from '../../../src/engine/executor/build.js';
import type { CommandResult, CommandRunner, RunOptions } from '../../../src/engine/io/run-command.js';
import { layerSizeBytes } from '../../../src/engine/python-source/tree.js';
import { journalPath, sidecarPath } from '../../../src/engine/store/control-dir.js';
import type { Sidecar } from '../../../src/engine/store/sidecar.js';
import { PIP_VERSION, UV_VERSION } from '../../../src/engine/core/versions.js';
import { makeFakePython, tempDir } from '../python-source/fake-python.js';
import { testInfra } from '../../support/context.js';
import { UV_REQUIREMENTS } from '../../../src/engine/tools/pinned-hashes.js';

interface Call {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

interface Box {
  app: string;
  layers: string;
  hostEnv: NodeJS.ProcessEnv;
}

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

/** An app, an empty layers directory, and a host whose only Python 3.12 is a fake 3.12.13 under a private pyenv root. */
async function sandbox(files: Record<string, string>): Promise<Box> {
  const root = tempDir('executor');
  roots.push(root);
  const app = path.join(root, 'my app');
  await mkdir(app);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(app, name), text);
  makeFakePython(path.join(root, 'pyenv', 'versions', '3.12.13'), '3.12.13');
  await mkdir(path.join(root, 'home'));
  return {
    app,
    layers: path.join(root, 'the layers'),
    hostEnv: { PATH: '/nonexistent', HOME: path.join(root, 'home'), PYENV_ROOT: path.join(root, 'pyenv') },
  };
}

const ok = (): CommandResult => ({ code: 0, signal: null, stdout: '', stderr: '', status: 'exit status: 0', tail: [] });
const failed = (): CommandResult => ({ code: 1, signal: null, stdout: '', stderr: '', status: 'exit status: 1', tail: ['ERROR: boom'] });

/**
 * Plays pip, `python -m venv`, the bundled-pip bootstraps and `uv sync`:
 * records every call and leaves what the next step needs. `label` goes into
 * what it writes, so a test can tell which build wrote a file.
 */
function fakeTools(label: string, opts: { fail?: (argv: string[]) => boolean; onCall?: (argv: string[]) => void } = {}) {
  const calls: Call[] = [];
  const runner: CommandRunner = async (argv: string[], run: RunOptions) => {
    calls.push({ argv, env: { ...run.env }, cwd: run.cwd });
    opts.onCall?.(argv);
    if (opts.fail?.(argv)) return failed();
    const script = async (file: string) => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `#!/bin/sh\n# ${label}\n`, { mode: 0o755 });
    };
    if (argv[1] === '-I' && argv[2] === '-m' && argv[3] === 'venv') {
      await script(path.join(argv[argv.length - 1], 'bin', 'python'));
      await writeFile(path.join(argv[argv.length - 1], 'pyvenv.cfg'), `version = 3.12.13\n`);
    } else if (argv.includes('--user')) {
      // bundled pip: `python <wheel>/pip install ... --user <tool>==<version>` (or, hash-checked,
      // `--require-hashes --requirement <dir>/<tool>-requirements.txt`) into PYTHONUSERBASE
      const last = argv[argv.length - 1];
      const tool = argv.includes('--require-hashes') ? path.basename(last).replace(/-requirements\.txt$/, '') : last.split('==')[0];
      await script(path.join(run.env.PYTHONUSERBASE, 'bin', tool));
    } else if (argv.includes('--target')) {
      const target = argv[argv.indexOf('--target') + 1];
      // The uv layer's binary is checked against uv's own hashes: the real uv 0.11.33 of the tests.
      await mkdir(path.join(target, 'bin'), { recursive: true });
      await copyFile(testInfra().uvPath, path.join(target, 'bin', 'uv'));
      await script(path.join(target, 'bin', 'uvx'));
    } else if (argv.includes('--requirement') || argv[1] === 'sync') {
      await writeFile(path.join(run.env.VIRTUAL_ENV, 'installed.txt'), `${label}\n`);
      // Poetry's cache is not a layer: only pip and uv get one.
      const cache = run.env.PIP_CACHE_DIR ?? run.env.UV_CACHE_DIR;
      if (cache) {
        await mkdir(path.join(cache, 'wheels'), { recursive: true });
        await writeFile(path.join(cache, 'wheels', `${label}.whl`), 'x'.repeat(100));
      }
    }
    run.onLine?.(`${label}: ${path.basename(argv[0])} done`);
    return ok();
  };
  return { calls, runner };
}

/** `venv` for `python -m venv ...`, `install` for `pip install ...`. */
function commandName(call: Call): string {
  return call.argv[2] === '-m' ? call.argv[3] : call.argv[1];
}

async function build(box: Box, runner: CommandRunner, signal = new AbortController().signal): Promise<{ report: BuildReport; events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  const report = await runBuild(
    { appDir: box.app, layersDir: box.layers, target: 'heroku-24', pythonSource: 'local', hostEnv: box.hostEnv },
    (e) => events.push(e),
    signal,
    { runCommand: runner },
  );
  return { report, events };
}

async function sidecar(box: Box): Promise<Sidecar> {
  return JSON.parse(await readFile(sidecarPath(box.layers), 'utf8')) as Sidecar;
}

/** Every file and directory under the layers directory with its content, except the build history (it grows with every build). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === '.pybp/history.json') continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        out[`${r}/`] = '';
        await walk(full, r);
      } else if (e.isFile()) {
        out[r] = await readFile(full, 'utf8');
      } else {
        out[r] = `(${e.isSymbolicLink() ? 'symlink' : 'other'})`;
      }
    }
  };
  await walk(dir, '');
  return out;
}

const PIP_APP = { 'requirements.txt': 'flask\n', '.python-version': '3.12\n' };
const UV_APP = { 'uv.lock': '', 'pyproject.toml': '[project]\nname = "app"\nversion = "0"\n', '.python-version': '3.12\n' };

describe('a pip build', () => {
  it('runs the steps in order, each tool with the environment the layers before it set', async () => {
    const box = await sandbox(PIP_APP);
    const tools = fakeTools('first');
    const { report, events } = await build(box, tools.runner);
    expect(report.error).toBeNull();
    expect(report.status).toBe('succeeded');

    const steps = events.flatMap((e) => (e.type === 'step-started' ? [e.step] : []));
    expect(steps).toEqual(['python-version', 'python', 'pip', 'pip-deps']);
    const decided = events.flatMap((e) => (e.type === 'layer-decision' ? [String(e.decision.name)] : []));
    expect(decided).toEqual(['python', 'pip', 'pip-cache', 'venv']);
    const finished = events.flatMap((e) => (e.type === 'layer-finished' ? [e.layer] : []));
    expect(finished).toEqual(['python', 'pip', 'venv', 'pip-cache']);

    const layer = (name: string) => path.join(box.layers, name);
    expect(tools.calls.map((c) => c.argv.slice(0, 3))).toEqual([
      [path.join(layer('python'), 'bin', 'python'), expect.stringMatching(/ensurepip\/_bundled\/pip-.*\.whl\/pip$/), 'install'],
      [path.join(layer('python'), 'bin', 'python'), '-I', '-m'],
      [path.join(layer('pip'), 'bin', 'pip'), 'install', '--no-input'],
    ]);
    const [bootstrap, venv, install] = tools.calls;

    // pip is installed into its layer with the layer's env applied in memory.
    expect(bootstrap.argv).toContain('--user');
    expect(bootstrap.argv.at(-1)).toBe(`pip==${PIP_VERSION}`);
    expect(bootstrap.env).toMatchObject({ PYTHONUSERBASE: layer('pip'), PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONUNBUFFERED: '1' });
    expect(bootstrap.env.PATH.split(':')[0]).toBe(path.join(layer('python'), 'bin'));
    expect(bootstrap.env.CPATH).toBe(`${layer('python')}/include/python3.12:${layer('python')}/include`);
    // The host's environment does not leak in: only its base variables.
    expect(bootstrap.env.PYENV_ROOT).toBeUndefined();

    // -I: an app-root venv.py can't stand in for the stdlib's (the cwd is the app).
    expect(venv.argv.slice(3)).toEqual(['venv', '--without-pip', layer('venv')]);
    expect(venv.env.PIP_CACHE_DIR).toBe(layer('pip-cache'));

    expect(install.argv).toEqual([path.join(layer('pip'), 'bin', 'pip'), 'install', '--no-input', '--progress-bar', 'off', '--requirement', 'requirements.txt']);
    expect(install.cwd).toBe(box.app);
    expect(install.env).toMatchObject({ VIRTUAL_ENV: layer('venv'), PIP_PYTHON: layer('venv'), PIP_CACHE_DIR: layer('pip-cache'), PYTHONUSERBASE: layer('pip') });
    expect(install.env.PATH.split(':').slice(0, 3)).toEqual([path.join(layer('venv'), 'bin'), path.join(layer('pip'), 'bin'), path.join(layer('python'), 'bin')]);

    // The tools' output reaches the events of their step.
    expect(events).toContainEqual({ type: 'output', step: 'pip-deps', line: 'first: pip done' });
    expect(await stat(journalPath(box.layers)).catch(() => null)).toBeNull();
  });

  it('records each layer\'s time and size; a reused layer keeps its size and the time it took to make', async () => {
    const box = await sandbox(PIP_APP);
    const first = await build(box, fakeTools('first').runner);
    expect(first.report.status).toBe('succeeded');
    const made = (await sidecar(box)).lastBuild!.layers;
    expect(Object.keys(made).sort()).toEqual(['pip', 'pip-cache', 'python', 'venv']);
    for (const [name, record] of Object.entries(made)) {
      expect(record.durationMs, name).toBeGreaterThanOrEqual(0);
      expect(record.madeMs, name).toBe(record.durationMs);
    }
    // Sizes measured once the tools had written into the layers.
    expect(made.venv.sizeBytes).toBe(await layerSizeBytes(path.join(box.layers, 'venv')));
    expect(made['pip-cache'].sizeBytes).toBe(await layerSizeBytes(path.join(box.layers, 'pip-cache')));
    expect(made['pip-cache'].sizeBytes).toBeGreaterThanOrEqual(100);
    expect(made.python.sizeBytes).toBeGreaterThan(0);
    // The report says what the records say.
    expect(first.report.layers.map((l) => [l.name, l.action, l.sizeBytes])).toEqual(
      ['python', 'pip', 'pip-cache', 'venv'].map((n) => [n, n === 'venv' ? 'rebuild-always' : 'create', made[n].sizeBytes]),
    );

    const again = fakeTools('second');
    const second = await build(box, again.runner);
    expect(second.report.status).toBe('succeeded');
    // Reused layers are not filled again: no pip bootstrap this time.
    expect(again.calls.map(commandName)).toEqual(['venv', 'install']);
    const kept = (await sidecar(box)).lastBuild!.layers;
    expect(kept.python).toMatchObject({ action: 'reuse', sizeBytes: made.python.sizeBytes, madeMs: made.python.madeMs });
    expect(kept.pip).toMatchObject({ action: 'reuse', sizeBytes: made.pip.sizeBytes, madeMs: made.pip.madeMs });
    // pip adds to a reused cache: measured again.
    expect(kept['pip-cache']).toMatchObject({ action: 'reuse', sizeBytes: await layerSizeBytes(path.join(box.layers, 'pip-cache')) });
    expect(kept['pip-cache'].sizeBytes).toBeGreaterThan(made['pip-cache'].sizeBytes!);
    expect(kept.venv.action).toBe('rebuild-always');
  });

  it('a tool that fails rolls the build back: the layers are exactly what the last successful build left', async () => {
    const box = await sandbox(PIP_APP);
    expect((await build(box, fakeTools('first').runner)).report.status).toBe('succeeded');
    const before = await snapshot(box.layers);

    const tools = fakeTools('broken', { fail: (argv) => argv.includes('--requirement') });
    const { report, events } = await build(box, tools.runner);
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe('pip-dependencies-failed');
    // The venv was made again before pip failed, so there was something to undo.
    expect(tools.calls.map(commandName)).toEqual(['venv', 'install']);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
    expect(await snapshot(box.layers)).toEqual(before);
    expect(await readFile(path.join(box.layers, 'venv', 'installed.txt'), 'utf8')).toBe('first\n');
  });

  it('an interrupt between steps stops before the next one and rolls back', async () => {
    const box = await sandbox(PIP_APP);
    expect((await build(box, fakeTools('first').runner)).report.status).toBe('succeeded');
    // Without its pip layer, the next build makes one (and the interrupt comes during that).
    await rm(path.join(box.layers, 'pip.toml'));
    await rm(path.join(box.layers, 'pip'), { recursive: true });
    const withoutPip = await snapshot(box.layers);

    const controller = new AbortController();
    const tools = fakeTools('interrupted', { onCall: (argv) => argv.includes('--user') && controller.abort() });
    const { report } = await build(box, tools.runner, controller.signal);
    expect(report.status).toBe('interrupted');
    expect(report.error?.code).toBe('interrupted');
    // The bootstrap ran; the dependencies step never started.
    expect(tools.calls).toHaveLength(1);
    expect(await snapshot(box.layers)).toEqual(withoutPip);
  });
});

describe('a uv build', () => {
  it('makes the uv, uv-cache and venv layers in order and runs uv sync with their environment', async () => {
    const box = await sandbox(UV_APP);
    const tools = fakeTools('uv');
    const { report, events } = await build(box, tools.runner);
    expect(report.error).toBeNull();
    const layer = (name: string) => path.join(box.layers, name);
    expect(events.flatMap((e) => (e.type === 'layer-decision' ? [String(e.decision.name)] : []))).toEqual(['python', 'uv', 'uv-cache', 'venv']);

    const [wheel, venv, sync] = tools.calls;
    // uv's wheel is installed hash-checked, from the requirements pybp ships (pinned-hashes.ts).
    expect(wheel.argv.slice(-5)).toEqual(['--require-hashes', '--only-binary', ':all:', '--requirement', expect.stringMatching(/uv-requirements\.txt$/)]);
    // Written for the install, removed after it.
    expect(await readFile(wheel.argv.at(-1)!, 'utf8').catch(() => 'removed')).toBe('removed');
    expect(UV_REQUIREMENTS.startsWith(`uv==${UV_VERSION} \\\n    --hash=sha256:`)).toBe(true);
    expect(wheel.argv).toContain('--target');
    expect(venv.argv.slice(1, 6)).toEqual(['-I', '-m', 'venv', '--without-pip', layer('venv')]);
    expect(sync.argv.slice(0, 3)).toEqual([path.join(layer('uv'), 'bin', 'uv'), 'sync', '--locked']);
    expect(sync.env).toMatchObject({
      UV_CACHE_DIR: layer('uv-cache'),
      UV_PROJECT_ENVIRONMENT: layer('venv'),
      VIRTUAL_ENV: layer('venv'),
      UV_NO_MANAGED_PYTHON: '1',
      UV_PYTHON_DOWNLOADS: 'never',
      UV_LINK_MODE: 'hardlink',
    });
    // .python-version says 3.12, served exactly by the local 3.12.13: no UV_PYTHON override.
    expect(sync.env.UV_PYTHON).toBeUndefined();
    expect(sync.env.PATH.split(':').slice(0, 3)).toEqual([path.join(layer('venv'), 'bin'), path.join(layer('uv'), 'bin'), path.join(layer('python'), 'bin')]);

    // The uv venv is cached: its toml carries the metadata, written after the env files.
    const toml = await readFile(path.join(box.layers, 'venv.toml'), 'utf8');
    expect(toml).toContain(`uv_version = "${UV_VERSION}"`);
    expect(await readFile(path.join(layer('venv'), 'env', 'VIRTUAL_ENV.override'), 'utf8')).toBe(layer('venv'));
  });

  it("runs uv by name on the build PATH: a reused venv's own uv (the app depends on uv) runs uv sync, and the output says so", async () => {
    const box = await sandbox(UV_APP);
    const layer = (name: string) => path.join(box.layers, name);
    // The first sync installs the app's dependencies, uv among them, into the venv.
    const first = fakeTools('one');
    const one = await build(box, first.runner);
    expect(one.report.error).toBeNull();
    expect(first.calls.find((c) => c.argv[1] === 'sync')?.argv[0]).toBe(path.join(layer('uv'), 'bin', 'uv'));
    expect(one.events.some((e) => e.type === 'info' && e.message.includes('has its own uv'))).toBe(false);
    await mkdir(path.join(layer('venv'), 'bin'), { recursive: true });
    await writeFile(path.join(layer('venv'), 'bin', 'uv'), '#!/bin/sh\n# the app\'s uv\n', { mode: 0o755 });

    const second = fakeTools('two');
    const two = await build(box, second.runner);
    expect(two.report.error).toBeNull();
    expect(two.report.layers.find((l) => l.name === 'venv')?.action).toBe('reuse');
    const sync = second.calls.find((c) => c.argv[1] === 'sync')!;
    expect(sync.argv[0]).toBe(path.join(layer('venv'), 'bin', 'uv'));
    const said = two.events.filter((e) => e.type === 'info' && e.step === 'uv-deps').map((e) => (e.type === 'info' ? e.message : ''));
    expect(said).toContain(
      `The venv has its own uv (${path.join(layer('venv'), 'bin', 'uv')}, installed as one of the app's dependencies): it comes first on the build PATH, so it runs instead of the uv layer's, as it would on Heroku`,
    );
    // The command line shown is the one that ran.
    expect(two.events.some((e) => e.type === 'command' && e.argv[0] === path.join(layer('venv'), 'bin', 'uv'))).toBe(true);
  });

  it('a venv file named uv that is not executable is passed over, as execvp does', async () => {
    const box = await sandbox(UV_APP);
    const layer = (name: string) => path.join(box.layers, name);
    expect((await build(box, fakeTools('one').runner)).report.error).toBeNull();
    await mkdir(path.join(layer('venv'), 'bin'), { recursive: true });
    await writeFile(path.join(layer('venv'), 'bin', 'uv'), 'not a program\n', { mode: 0o644 });
    const second = fakeTools('two');
    expect((await build(box, second.runner)).report.error).toBeNull();
    expect(second.calls.find((c) => c.argv[1] === 'sync')?.argv[0]).toBe(path.join(layer('uv'), 'bin', 'uv'));
  });
});

describe('a Poetry build', () => {
  const POETRY_APP = {
    'poetry.lock': '',
    'pyproject.toml': '[project]\nname = "app"\nversion = "0"\n',
    '.python-version': '3.12\n',
  };

  it("runs poetry by name on the build PATH: the poetry layer's, then a kept venv's own poetry (the app depends on it), said in the output", async () => {
    const box = await sandbox(POETRY_APP);
    const layer = (name: string) => path.join(box.layers, name);
    const first = fakeTools('one');
    const one = await build(box, first.runner);
    expect(one.report.error).toBeNull();
    expect(first.calls.find((c) => c.argv[1] === 'sync')?.argv[0]).toBe(path.join(layer('poetry'), 'bin', 'poetry'));
    await writeFile(path.join(layer('venv'), 'bin', 'poetry'), '#!/bin/sh\n', { mode: 0o755 });

    const second = fakeTools('two');
    const two = await build(box, second.runner);
    expect(two.report.error).toBeNull();
    expect(second.calls.find((c) => c.argv[1] === 'sync')?.argv[0]).toBe(path.join(layer('venv'), 'bin', 'poetry'));
    expect(two.events.some((e) => e.type === 'info' && e.step === 'poetry-deps' && e.message.startsWith('The venv has its own poetry'))).toBe(true);
  });
});
