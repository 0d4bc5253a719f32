// Layers directories pybp did not make (hostile-input rows 6–14): an existing
// folder given as --layers-dir, the app itself, `/`, a repo's config or
// committed symlinks pointing out of the app, a committed `.pybp/layers` with
// a fake interpreter, env files and a `children` file. pybp refuses with a
// coded error, and every foreign file and process survives.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_ENV_FLAGS, runPybp } from '../e2e/pybp.js';
import { POETRY_VERSION, UV_VERSION } from '../../src/engine/core/versions.js';
import { alive, makeApp, makeScratch, pybpJson, pybpRun, safetyEnv, type Scratch, snapshotTree, startSleeper, treeChanges } from './support.js';

let s: Scratch;
beforeAll(async () => {
  s = await makeScratch();
});

/** A folder of someone's files, with names a layers directory could have. */
async function photos(dir: string): Promise<string> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await mkdir(join(dir, 'python'), { recursive: true });
  await writeFile(join(dir, 'src', 'main.c'), 'int main;\n');
  await writeFile(join(dir, 'python', 'notes'), 'mine\n');
  await writeFile(join(dir, 'notes.toml'), '[types]\ncache = true\n');
  await writeFile(join(dir, 'README'), 'my photos\n');
  await writeFile(join(dir, '.keep.123.tmp'), 'keep\n');
  return dir;
}

describe('--layers-dir at a directory pybp did not make', () => {
  for (const [name, where] of [
    ['a folder of files (photos/)', (root: string) => join(root, 'photos')],
    ['a folder in HOME (~/photos)', (root: string) => join(root, 'home', 'photos')],
  ] as const) {
    it(`${name}: explain, build and --clear-cache refuse with layers-dir-not-owned; every file survives`, async () => {
      const root = join(s.root, name.replace(/\W+/g, '-'));
      const app = await makeApp(join(root, 'app'));
      const dir = await photos(where(root));
      const before = snapshotTree(dir);
      const explained = await pybpJson(s, ['explain', app, '--layers-dir', dir]);
      expect(explained.error?.code).toBe('layers-dir-not-owned');
      // Nothing in it is judged as a previous build's layer.
      expect(explained.layers.map((l) => l.action)).not.toContain('drop');
      expect(explained.layers.map((l) => l.action)).not.toContain('reuse');
      for (const extra of [[], ['--clear-cache']]) {
        const built = await pybpJson(s, ['build', app, '--layers-dir', dir, ...extra]);
        expect(built.exitCode).toBe(1);
        expect(built.error?.code).toBe('layers-dir-not-owned');
        expect(built.error?.message).toContain(dir);
        // Removing it by hand is advice only for what looks like layers.
        expect(built.error?.fix).not.toContain('rm -rf');
      }
      expect(treeChanges(before, snapshotTree(dir))).toEqual([]);
    });
  }

  it('--layers-dir . (the app itself): refused; the app is untouched', async () => {
    const app = await makeApp(join(s.root, 'dot app'));
    await mkdir(join(app, 'myapp'));
    await writeFile(join(app, 'myapp', '__init__.py'), '');
    await writeFile(join(app, 'pyproject.toml'), '[project]\nname = "x"\n');
    await mkdir(join(app, 'static'));
    const before = snapshotTree(app);
    const built = await pybpJson(s, ['build', app, '--layers-dir', app]);
    expect(built.error?.code).toBe('layers-dir-not-owned');
    expect(treeChanges(before, snapshotTree(app))).toEqual([]);
  });

  it('--layers-dir /: explain plans to drop nothing and the build refuses', async () => {
    const app = await makeApp(join(s.root, 'root app'));
    const explained = await pybpJson(s, ['explain', app, '--layers-dir', '/']);
    expect(explained.error?.code).toBe('layers-dir-not-owned');
    expect(explained.layers.map((l) => l.name).sort()).toEqual(['pip', 'pip-cache', 'python', 'venv']);
    expect(explained.error?.fix).not.toContain('rm -rf');
    const built = await pybpJson(s, ['build', app, '--layers-dir', '/']);
    expect(built.error?.code).toBe('layers-dir-not-owned');
    expect(existsSync('/.pybp')).toBe(false);
  });

  it('a layers directory of an older pybp (no ownership record): never reused; the fix says how to clear it by hand', async () => {
    const app = await makeApp(join(s.root, 'old app'));
    const layers = join(app, '.pybp', 'layers');
    await mkdir(join(layers, '.pybp'), { recursive: true });
    await mkdir(join(layers, 'python', 'bin'), { recursive: true });
    await writeFile(join(layers, '.pybp', 'state.json'), '{"version":1,"python":null,"lastBuild":null}');
    const explained = await pybpJson(s, ['explain', app]);
    expect(explained.error?.code).toBe('layers-dir-not-owned');
    expect(explained.layers.find((l) => l.name === 'python')?.action).toBe('create');
    expect(explained.error?.fix).toContain(`rm -rf '${layers}'`);
  });
});

describe('a layers path from the app may not leave it', () => {
  it('config {"layersDir": ".."}: layers-dir-outside-app; the clone and its sibling survive', async () => {
    const root = join(s.root, 'dotdot');
    const app = await makeApp(join(root, 'clone'));
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ layersDir: '..' }));
    await mkdir(join(root, 'sibling'));
    await writeFile(join(root, 'sibling', 'work.txt'), 'precious\n');
    const before = snapshotTree(root);
    for (const cmd of ['explain', 'build']) {
      const r = await pybpJson(s, [cmd, app]);
      expect(r.error?.code, cmd).toBe('layers-dir-outside-app');
      expect(r.error?.message).toContain('.buildpackrc.json');
    }
    // doctor says so too (a warning: only the local build is affected).
    const doctor = await runPybp(['doctor', app, '--json'], { env: safetyEnv(s) });
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; code?: string }> }).checks;
    expect(checks.find((c) => c.id === 'layers-dir')).toMatchObject({ status: 'warn', code: 'layers-dir-outside-app' });
    expect(treeChanges(before, snapshotTree(root))).toEqual([]);
  });

  for (const [name, link] of [
    ['.pybp/layers -> ../..', async (app: string, _out: string) => {
      await mkdir(join(app, '.pybp'));
      await symlink('../..', join(app, '.pybp', 'layers'));
    }],
    ['.pybp/layers -> /abs/dir', async (app: string, out: string) => {
      await mkdir(join(app, '.pybp'));
      await symlink(out, join(app, '.pybp', 'layers'));
    }],
    ['.pybp -> dir (a committed link)', async (app: string, out: string) => {
      await symlink(out, join(app, '.pybp'));
    }],
  ] as const) {
    it(`committed ${name}: refused (layers-dir-outside-app); nothing is written through it`, async () => {
      const root = join(s.root, name.replace(/\W+/g, '-'));
      const out = join(root, 'outside');
      await mkdir(join(out, 'layers', 'data'), { recursive: true });
      await mkdir(join(out, 'music'));
      await writeFile(join(out, 'music', 'song.flac'), 'la\n');
      await writeFile(join(out, 'layers', 'data', 'x'), 'x\n');
      const app = await makeApp(join(root, 'clone'));
      await link(app, out);
      const before = snapshotTree(root);
      for (const cmd of ['explain', 'build']) {
        const r = await pybpJson(s, [cmd, app]);
        expect(r.error?.code, cmd).toBe('layers-dir-outside-app');
        expect(r.error?.fix).toContain('rm ');
      }
      const ran = await pybpRun(s, [app, '--', 'true']);
      expect(ran.code).toBe(1);
      expect(ran.stderr + ran.stdout).toContain('layers-dir-outside-app');
      expect(treeChanges(before, snapshotTree(root))).toEqual([]);
      expect(existsSync(join(out, '.gitignore'))).toBe(false);
    });
  }

  it('the same path given on the command line is the user\'s choice, but the ownership rule still holds', async () => {
    const root = join(s.root, 'flag-outside');
    const app = await makeApp(join(root, 'app'));
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ layersDir: '../elsewhere' }));
    const r = await pybpJson(s, ['explain', app, '--layers-dir', join(root, 'elsewhere')]);
    expect(r.error).toBeNull();
    const foreign = await pybpJson(s, ['explain', app, '--layers-dir', root]);
    expect(foreign.error?.code).toBe('layers-dir-not-owned');
  });
});

describe('a committed .pybp/layers is never trusted', () => {
  let app: string;
  let layers: string;
  const marker = () => join(s.root, 'committed', 'fake-python-ran');

  beforeAll(async () => {
    app = await makeApp(join(s.root, 'committed', 'app'));
    layers = join(app, '.pybp', 'layers');
    // A python layer whose toml matches what this app would build, with a fake interpreter.
    await mkdir(join(layers, 'python', 'bin'), { recursive: true });
    await writeFile(join(layers, 'python', 'bin', 'python'), `#!/bin/sh\ntouch '${marker()}'\n`);
    await writeFile(join(layers, 'python', 'bin', 'python3'), `#!/bin/sh\ntouch '${marker()}'\n`);
    await chmod(join(layers, 'python', 'bin', 'python'), 0o755);
    await chmod(join(layers, 'python', 'bin', 'python3'), 0o755);
    const target = 'arch = "amd64"\ndistro_name = "ubuntu"\ndistro_version = "24.04"\n';
    await writeFile(join(layers, 'python.toml'), `[types]\nbuild = true\nlaunch = true\ncache = true\n\n[metadata]\npython_version = "3.12.13"\npython_major_minor_version = "3.12"\n${target}`);
    // A launch layer with env files, and an unknown layer.
    await mkdir(join(layers, 'venv', 'env'), { recursive: true });
    await writeFile(join(layers, 'venv.toml'), '[types]\nlaunch = true\n');
    await writeFile(join(layers, 'venv', 'env', 'LD_PRELOAD.override'), '/tmp/evil.so');
    await writeFile(join(layers, 'venv', 'env', 'INJECTED.override'), 'yes');
    await mkdir(join(layers, 'evil', 'env'), { recursive: true });
    await writeFile(join(layers, 'evil.toml'), '[types]\nlaunch = true\n');
    await writeFile(join(layers, 'evil', 'env', 'EVIL.override'), 'yes');
    await mkdir(join(layers, '.pybp'));
  });

  it('explain: nothing is reused; the build refuses and never runs the fake python', async () => {
    const explained = await pybpJson(s, ['explain', app, '--target', 'heroku-24']);
    expect(explained.error?.code).toBe('layers-dir-not-owned');
    expect(explained.layers.find((l) => l.name === 'python')?.action).toBe('create');
    const before = snapshotTree(layers);
    const built = await pybpJson(s, ['build', app, '--target', 'heroku-24']);
    expect(built.error?.code).toBe('layers-dir-not-owned');
    expect(existsSync(marker())).toBe(false);
    expect(treeChanges(before, snapshotTree(layers))).toEqual([]);
  });

  it('run refuses: the committed env files never reach a command', async () => {
    const out = join(s.root, 'committed', 'env-dump');
    const r = await pybpRun(s, [app, '--', 'sh', '-c', `env > '${out}'`]);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain('layers-dir-not-owned');
    expect(r.stderr + r.stdout).toContain('pybp build');
    expect(existsSync(out)).toBe(false);
  });

  it('a committed children file: no process is signalled (a stranger\'s sleep, and PID 1 → kill(-1))', async () => {
    const sleeper = startSleeper();
    const stamp = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    await writeFile(join(layers, '.pybp', 'children'), `${sleeper}\n1\n${sleeper} 1 ${stamp}\n`);
    const built = await pybpJson(s, ['build', app]);
    expect(built.error?.code).toBe('layers-dir-not-owned');
    expect(alive(sleeper)).toBe(true);
  });
});

describe('doctor runs no tool from a committed .pybp/layers', () => {
  // Layers whose tomls name the pinned uv and Poetry, so doctor's lock-file
  // check would take their tools if it trusted them; each tool only marks that it ran.
  async function committedTools(app: string, marker: string): Promise<void> {
    const layers = join(app, '.pybp', 'layers');
    for (const [dir, file] of [['uv/bin', 'uv'], ['python/bin', 'python3']]) {
      await mkdir(join(layers, dir), { recursive: true });
      await writeFile(join(layers, dir, file), `#!/bin/sh\necho "$0 $*" >> '${marker}'\necho 'uv ${UV_VERSION}'\n`);
      await chmod(join(layers, dir, file), 0o755);
    }
    await writeFile(join(layers, 'uv.toml'), `[types]\nbuild = true\ncache = true\n\n[metadata]\narch = "amd64"\nuv_version = "${UV_VERSION}"\n`);
    await writeFile(
      join(layers, 'poetry.toml'),
      `[types]\nbuild = true\ncache = true\n\n[metadata]\narch = "amd64"\ndistro_name = "ubuntu"\ndistro_version = "24.04"\npython_version = "3.12.13"\npoetry_version = "${POETRY_VERSION}"\n`,
    );
  }

  for (const pm of ['uv', 'poetry'] as const) {
    it(`${pm}: the lock-file check says it could not check, and the committed tool never runs`, async () => {
      const app = join(s.root, `committed-tools-${pm}`, 'app');
      const marker = join(s.root, `committed-tools-${pm}`, 'tool-ran');
      await mkdir(app, { recursive: true });
      await writeFile(join(app, '.python-version'), '3.12\n');
      const lock = pm === 'uv' ? 'uv.lock' : 'poetry.lock';
      const tool = pm === 'uv' ? '' : '\n[tool.poetry]\npackage-mode = false\n';
      await writeFile(join(app, 'pyproject.toml'), `[project]\nname = "app"\nversion = "1.0"\nrequires-python = ">=3.12"\ndependencies = []\n${tool}`);
      await writeFile(join(app, lock), 'version = 1\n');
      await committedTools(app, marker);
      // No pinned tool on PATH either, and --offline (doctor installs none of its own): only the committed ones could answer.
      const r = await runPybp(['doctor', app, '--json', '--offline'], { env: safetyEnv(s, { PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(s.root, 'empty-cache') }) });
      const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; message: string }> };
      const check = report.checks.find((c) => c.id === 'lockfile-out-of-date');
      expect(check?.status).toBe('warn');
      expect(check?.message).toContain('Could not check');
      expect(existsSync(marker)).toBe(false);
    });
  }

  it('pip: the wheel check of requirements.txt says it could not check, and the committed uv never runs', async () => {
    const app = join(s.root, 'committed-tools-pip', 'app');
    const marker = join(s.root, 'committed-tools-pip', 'tool-ran');
    await mkdir(app, { recursive: true });
    await writeFile(join(app, '.python-version'), '3.12\n');
    await writeFile(join(app, 'requirements.txt'), 'tinyweb==1.0.0\n');
    await committedTools(app, marker);
    const r = await runPybp(['doctor', app, '--json', '--offline'], { env: safetyEnv(s, { PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(s.root, 'empty-cache') }) });
    const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; message: string }> };
    const check = report.checks.find((c) => c.id === 'no-linux-wheel');
    expect(check?.status).toBe('warn');
    expect(check?.message).toContain('Could not check whether requirements.txt has wheels');
    expect(check?.message).toContain(`the pinned uv ${UV_VERSION} is not available`);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('.pybp/.gitignore', () => {
  it('is written only in a .pybp this build made: a committed .pybp/ (no layers) gets layers but no .gitignore', async () => {
    const app = await makeApp(join(s.root, 'committed dot-pybp'));
    await mkdir(join(app, '.pybp'));
    await writeFile(join(app, '.pybp', 'README'), 'our notes\n');
    // Stopped (SIGKILL) right after the layers directory is claimed, before the lock.
    const r = await runPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS], { env: safetyEnv(s, { PYBP_FAULT_AT: 'lock:before' }) });
    expect(r.signal).toBe('SIGKILL');
    expect(existsSync(join(app, '.pybp', 'layers', '.pybp', 'owner'))).toBe(true);
    expect(existsSync(join(app, '.pybp', '.gitignore'))).toBe(false);
    expect(readFileSync(join(app, '.pybp', 'README'), 'utf8')).toBe('our notes\n');

    const fresh = await makeApp(join(s.root, 'fresh dot-pybp'));
    const r2 = await runPybp(['build', fresh, '--python-source', 'local', ...BUILD_ENV_FLAGS], { env: safetyEnv(s, { PYBP_FAULT_AT: 'lock:before' }) });
    expect(r2.signal).toBe('SIGKILL');
    expect(readFileSync(join(fresh, '.pybp', '.gitignore'), 'utf8')).toBe('*\n');
  });
});
