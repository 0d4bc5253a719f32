// `pybp explain` through the real binary: its JSON report, its exit codes, and
// that it is read-only and stays off the Ink/React import path.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, makeTempDir, runPybp, runPybpJson, snapshotTree } from './helpers.js';
import { startModuleLog, UI_MODULE } from '../support/module-log.js';
import { adoptLayersDir } from '../support/owned-layers.js';

interface ExplainJson {
  app: string;
  layersDir: string;
  packageManager: string | null;
  python: { requested: string; resolved: string; origin: string } | null;
  target: { arch: string; distro_name: string; distro_version: string; origin: string };
  layers: Array<{ name: string; action: string; reasons: Array<{ field: string; from: string | null; to: string | null; message: string }> }>;
  warnings: Array<{ code: string; message: string }>;
  notes: string[];
  error: { code: string; title: string; message: string; fix: string } | null;
}

const LOCAL = ['--python-source', 'local', '--target', 'heroku-24'];

let root = '';
let count = 0;
beforeAll(async () => {
  root = await makeTempDir('pybp explain ');
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A new app dir with these files (name → content). */
async function app(files: Record<string, string>): Promise<string> {
  const dir = path.join(root, `my app ${++count}`);
  await mkdir(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

function explain(dir: string, extra: string[] = []) {
  return runPybpJson<ExplainJson>(['explain', dir, '--json', ...LOCAL, ...extra]);
}

describe('pybp explain --json', () => {
  it('a fresh pip app: every layer new or always rebuilt, no error, exit 0, one JSON document', async () => {
    const dir = await app({ 'requirements.txt': '', '.python-version': '3.12\n' });
    const r = await explain(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(JSON.stringify(r.json, null, 2) + '\n');
    expect(r.json.error).toBeNull();
    expect(r.json.app).toBe(dir);
    expect(r.json.layersDir).toBe(path.join(dir, '.pybp', 'layers'));
    expect(r.json.packageManager).toBe('pip');
    expect(r.json.python).toEqual({ requested: '3.12', resolved: '3.12.13', origin: '.python-version' });
    expect(r.json.target).toEqual({ arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', origin: 'flag' });
    expect(r.json.layers.map((l) => [l.name, l.action])).toEqual([
      ['python', 'create'],
      ['pip', 'create'],
      ['pip-cache', 'create'],
      ['venv', 'rebuild-always'],
    ]);
    // No local 3.12.13 here: a local 3.12 stands in, and says so.
    expect(r.json.warnings.map((w) => w.code)).toEqual(['python-patch-substituted']);
  });

  it('a hand-written python.toml for 3.12.12 next to .python-version 3.12: discarded, python_version 3.12.12 → 3.12.13', async () => {
    const dir = await app({
      'requirements.txt': '',
      '.python-version': '3.12\n',
      '.pybp/layers/python.toml':
        '[types]\nlaunch = true\nbuild = true\ncache = true\n\n[metadata]\narch = "amd64"\ndistro_name = "ubuntu"\ndistro_version = "24.04"\npython_version = "3.12.12"\n',
      '.pybp/layers/python/bin/python3': '',
    });
    // Hand-written layers stand for what a pybp build left: pybp's own.
    await adoptLayersDir(path.join(dir, '.pybp', 'layers'), cliEnv());
    const r = await explain(dir);
    expect(r.code).toBe(0);
    expect(r.json.error).toBeNull();
    const python = r.json.layers[0];
    expect(python.name).toBe('python');
    expect(python.action).toBe('discard');
    expect(python.reasons.map(({ field, from, to }) => ({ field, from, to }))).toEqual([
      { field: 'python_version', from: '3.12.12', to: '3.12.13' },
    ]);
    expect(python.reasons[0].message).toBe('Python version changed from 3.12.12 to 3.12.13');
  });

  // Every project error the buildpack reports before building, and pybp's plan knows.
  const projectErrors: Array<[string, Record<string, string>, string[], string]> = [
    ['not a Python app', { 'README.md': 'hi' }, [], 'not-a-python-app'],
    ['more than one package manager', { 'requirements.txt': '', 'uv.lock': '', '.python-version': '3.12\n' }, [], 'multiple-package-managers'],
    ['no package manager', { '.python-version': '3.12\n' }, [], 'no-package-manager'],
    ['an invalid .python-version', { 'requirements.txt': '', '.python-version': 'python-3.12\n' }, [], 'python-version-invalid'],
    ['two versions in .python-version', { 'requirements.txt': '', '.python-version': '3.12\n3.13\n' }, [], 'python-version-multiple'],
    ['no version in .python-version', { 'requirements.txt': '', '.python-version': '# 3.12\n' }, [], 'python-version-empty'],
    ['a runtime.txt', { 'requirements.txt': '', 'runtime.txt': 'python-3.12.1\n' }, [], 'runtime-txt-not-supported'],
    ['an end-of-life Python', { 'requirements.txt': '', '.python-version': '3.8\n' }, [], 'python-version-eol'],
    ['an unknown Python', { 'requirements.txt': '', '.python-version': '3.15\n' }, [], 'python-version-unknown'],
    ['uv without .python-version', { 'uv.lock': '' }, [], 'python-version-required-with-uv'],
    ['a forbidden config var', { 'requirements.txt': '', '.python-version': '3.12\n' }, ['--env', 'VIRTUAL_ENV=x'], 'forbidden-env-vars'],
  ];
  for (const [what, files, extra, code] of projectErrors) {
    it.concurrent(`${what}: exit 1 with error ${code}`, async () => {
      const dir = await app(files);
      const r = await explain(dir, extra);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(JSON.stringify(r.json, null, 2) + '\n');
      expect(r.json.error?.code).toBe(code);
      expect(r.json.error?.title).toBeTruthy();
      expect(r.json.error?.fix).toBeTruthy();
      expect(r.json.layers).toEqual([]);
    });
  }

  it('a missing app dir: exit 1 with error app-dir-not-found', async () => {
    const r = await explain(path.join(root, 'no such app'));
    expect(r.code).toBe(1);
    expect(r.json.error?.code).toBe('app-dir-not-found');
  });

  it('no interpreter for the default Python (3.14) when the python layer must be made: exit 1, decisions still listed', async () => {
    const dir = await app({ 'requirements.txt': '' });
    const r = await explain(dir);
    expect(r.code).toBe(1);
    expect(r.json.error?.code).toBe('python-interpreter-not-found');
    expect(r.json.python?.resolved).toBe('3.14.7');
    expect(r.json.layers.map((l) => l.action)).toEqual(['create', 'create', 'create', 'rebuild-always']);
  });
});

describe('pybp explain is read-only', () => {
  it('changes nothing in a fresh app dir, with --json or plain output', async () => {
    const dir = await app({ 'requirements.txt': 'flask\n', '.python-version': '3.12\n' });
    const before = await snapshotTree(dir);
    expect((await explain(dir)).code).toBe(0);
    const plain = await runPybp(['explain', dir, ...LOCAL]);
    expect(plain.code).toBe(0);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('changes nothing in an app whose layers an interrupted build left behind (it only predicts the roll-back)', async () => {
    const oldPython =
      '[types]\nlaunch = true\nbuild = true\ncache = true\n\n[metadata]\narch = "amd64"\ndistro_name = "ubuntu"\ndistro_version = "24.04"\npython_version = "3.12.13"\n';
    const dir = await app({
      'uv.lock': '',
      '.python-version': '3.12\n',
      // The interrupted build had set the old python layer aside and started a new one.
      '.pybp/layers/.pybp/journal.json': JSON.stringify({
        version: 1,
        pid: 999999,
        startedAt: '2026-01-01T00:00:00.000Z',
        state: 'running',
        entries: [{ name: 'python', hadDir: true, hadToml: true }],
        removing: [],
      }),
      '.pybp/layers/.pybp/backup/python.toml': oldPython,
      '.pybp/layers/.pybp/backup/python/bin/python3': 'old',
      '.pybp/layers/.pybp/backup/python/bin/python3.12': 'old',
      '.pybp/layers/.pybp/backup/python/bin/python': 'old',
      '.pybp/layers/python.toml': '[types]\nlaunch = true\nbuild = true\ncache = true\n',
      '.pybp/layers/python/bin/python3': 'half-made',
    });
    await adoptLayersDir(path.join(dir, '.pybp', 'layers'), cliEnv());
    const before = await snapshotTree(dir);
    const r = await explain(dir);
    expect(r.code).toBe(0);
    expect(r.json.layers[0]).toMatchObject({ name: 'python', action: 'reuse' });
    expect(r.json.notes.some((n) => n.includes('interrupted'))).toBe(true);
    expect(await snapshotTree(dir)).toEqual(before);
    expect(await readFile(path.join(dir, '.pybp/layers/python/bin/python3'), 'utf8')).toBe('half-made');
  });
});

describe('pybp explain: usage', () => {
  const usage: Array<[string, string[]]> = [
    ['--target nonsense', ['--target', 'nonsense']],
    ['--env without "="', ['--env', 'NOEQUALS']],
    ['--python-source nonsense', ['--python-source', 'nonsense']],
    ['an unknown option', ['--frobnicate']],
  ];
  for (const [what, args] of usage) {
    it.concurrent(`${what}: exit 2`, async () => {
      const dir = await app({ 'requirements.txt': '', '.python-version': '3.12\n' });
      const r = await runPybp(['explain', dir, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.length + r.stdout.length).toBeGreaterThan(0);
    });
  }

  it('with --json, bad usage is reported as JSON (code usage) and exits 2', async () => {
    const dir = await app({ 'requirements.txt': '', '.python-version': '3.12\n' });
    const r = await runPybpJson<{ error: { code: string; message: string } }>(['explain', dir, '--json', '--target', 'nonsense']);
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe('usage');
    expect(r.json.error.message).toContain('nonsense');
  });

  it('--help exits 0 and lists explain; explain --help exits 0 and lists its options', async () => {
    const top = await runPybp(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('explain');
    const sub = await runPybp(['explain', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--json');
    expect(sub.stdout).toContain('--python-source');
  });
});

describe('pybp explain --json stays off the UI path', () => {
  it('loads neither ink nor react', async () => {
    const modules = await startModuleLog();
    try {
      const dir = await app({ 'requirements.txt': '', '.python-version': '3.12\n' });
      const r = await runPybp(['explain', dir, '--json', ...LOCAL], { env: modules.env });
      expect(r.code).toBe(0);
      const urls = await modules.resolved();
      // The hook saw the bin, which (stdout is not a terminal) runs the
      // CommonJS bundle (scripts/bundle.mjs, src/launcher.ts) that carries what
      // tsc emitted as dist/engine, dist/commands... and no Ink views; it
      // never loads the ES module program meant for a terminal.
      expect(urls.some((u) => u.endsWith('/dist/cli.js'))).toBe(true);
      expect(urls.filter((u) => /\/dist\/(engine|commands|ui)\//.test(u) || /\/dist\/chunks\/.*\.js$/.test(u))).toEqual([]);
      expect(JSON.parse(r.stdout).layers.length).toBeGreaterThan(0);
      // ...and nothing of the terminal UI, as an ES module or a require.
      expect(urls.filter((u) => UI_MODULE.test(u))).toEqual([]);
      const requires = await modules.required();
      expect(requires).toContain('node:child_process');
      expect(requires.filter((id) => UI_MODULE.test(id))).toEqual([]);
    } finally {
      await modules.remove();
    }
  });
});

describe('runPybp (test/support/cli.ts)', () => {
  it('runs with CI=true, no colours, an empty HOME, and none of the shell\'s Python or Node settings', () => {
    const saved = { ...process.env };
    Object.assign(process.env, { VIRTUAL_ENV: '/venv', PIP_INDEX_URL: 'http://x', UV_PYTHON: '3.12', PYTHONPATH: '/x', NODE_OPTIONS: '--inspect', CI: '' });
    try {
      const env = cliEnv({ EXTRA: '1', PATH: undefined });
      for (const name of ['VIRTUAL_ENV', 'PIP_INDEX_URL', 'UV_PYTHON', 'PYTHONPATH', 'NODE_OPTIONS', 'PATH']) expect(env[name]).toBeUndefined();
      expect(env).toMatchObject({ CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', EXTRA: '1' });
      expect(env.HOME).not.toBe(saved.HOME);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});
