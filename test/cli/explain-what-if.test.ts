// `pybp explain` what-if (--python, --package-manager, --target) and
// `--since <ref>` through the real binary: same planning as a build, nothing
// written to the app or its repository, and --exit-code for CI.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePreviousBuild } from '../unit/layers/previous-build.js';
import { cliEnv, makeTempDir, runPybp, runPybpJson, snapshotTree } from './helpers.js';
import { adoptLayersDir } from '../support/owned-layers.js';

interface ExplainJson {
  packageManager: string | null;
  python: { requested: string; resolved: string; origin: string } | null;
  target: { arch: string; distro_version: string; origin: string };
  assumed: string[];
  since: { ref: string; commit: string; refBuild: { packageManager: string; python: string } | null; cacheBusted: boolean } | null;
  layers: Array<{ name: string; action: string; reasons: Array<{ field: string; from: string | null; to: string | null }>; estimatedMs: number | null; estimate: { note: string } | null }>;
  cost: { estimatedMs: number; unestimated: string[] };
  error: { code: string } | null;
}

const LOCAL = ['--python-source', 'local', '--target', 'heroku-24'];
const actions = (j: ExplainJson) => Object.fromEntries(j.layers.map((l) => [l.name, l.action]));
const reasons = (j: ExplainJson, name: string) => j.layers.find((l) => l.name === name)?.reasons.map((r) => [r.field, r.from, r.to]);

let root = '';
let count = 0;
beforeAll(async () => {
  root = await makeTempDir('pybp what-if ');
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A uv app on Python 3.12 with the layers a build of it left. */
async function builtUvApp(): Promise<{ dir: string; layers: string }> {
  const dir = path.join(root, `app ${++count}`);
  await mkdir(dir);
  await writeFile(path.join(dir, 'uv.lock'), '');
  await writeFile(path.join(dir, 'pyproject.toml'), '[project]\nname = "x"\n');
  await writeFile(path.join(dir, '.python-version'), '3.12\n');
  const layers = path.join(dir, '.pybp', 'layers');
  await writePreviousBuild(layers, { packageManager: 'uv', pythonVersion: '3.12.13' });
  // They stand for what a pybp build left: pybp's own.
  await adoptLayersDir(layers, cliEnv());
  return { dir, layers };
}

describe('explain what-if', () => {
  it('--python 3.13: python and venv would be discarded with the version change, uv kept; no file changes', async () => {
    const { dir } = await builtUvApp();
    const before = await snapshotTree(dir);
    const r = await runPybpJson<ExplainJson>(['explain', dir, '--json', ...LOCAL, '--python', '3.13']);
    expect(r.code).toBe(0);
    expect(r.json.python).toEqual({ requested: '3.13', resolved: '3.13.15', origin: '.python-version' });
    expect(r.json.assumed).toContain('.python-version says 3.13');
    expect(actions(r.json)).toEqual({ python: 'discard', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'discard' });
    expect(reasons(r.json, 'python')).toContainEqual(['python_version', '3.12.13', '3.13.15']);
    // No history here: each layer to make says it has no estimate.
    expect(r.json.layers.find((l) => l.name === 'venv')).toMatchObject({ estimatedMs: null, estimate: { note: 'no estimate: there is no build history here yet' } });
    expect(r.json.cost.unestimated).toEqual(['python', 'uv-cache', 'venv']);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('--package-manager poetry: the uv venv does not parse, uv is dropped, poetry is new', async () => {
    const { dir } = await builtUvApp();
    const r = await runPybpJson<ExplainJson>(['explain', dir, '--json', ...LOCAL, '--package-manager', 'poetry']);
    expect(r.code).toBe(0);
    expect(r.json.packageManager).toBe('poetry');
    expect(actions(r.json)).toEqual({ python: 'reuse', poetry: 'create', venv: 'discard', uv: 'drop' });
    expect(reasons(r.json, 'venv')).toContainEqual(['metadata', 'a uv build', null]);
  });

  it('--package-manager uv on a pip app without .python-version: the buildpack\'s own error', async () => {
    const dir = path.join(root, `pip app ${++count}`);
    await mkdir(dir);
    await writeFile(path.join(dir, 'requirements.txt'), '');
    const r = await runPybpJson<ExplainJson>(['explain', dir, '--json', ...LOCAL, '--package-manager', 'uv']);
    expect(r.code).toBe(1);
    expect(r.json.error?.code).toBe('python-version-required-with-uv');
    // With a Python version assumed as well, the same question has an answer.
    const both = await runPybpJson<ExplainJson>(['explain', dir, '--json', ...LOCAL, '--package-manager', 'uv', '--python', '3.13']);
    expect(both.code).toBe(0);
    expect(actions(both.json)).toEqual({ python: 'create', uv: 'create', 'uv-cache': 'rebuild-always', venv: 'create' });
  });

  it('--target heroku-24/arm64: every cached layer is for another CPU', async () => {
    const { dir } = await builtUvApp();
    const r = await runPybpJson<ExplainJson>(['explain', dir, '--json', '--python-source', 'local', '--target', 'heroku-24/arm64']);
    expect(r.json.target).toMatchObject({ arch: 'arm64', distro_version: '24.04', origin: 'flag' });
    expect(r.json.assumed).toContain('the target is heroku-24/arm64');
    expect(actions(r.json)).toMatchObject({ python: 'discard', uv: 'discard', venv: 'discard' });
    expect(reasons(r.json, 'uv')).toContainEqual(['arch', 'amd64', 'arm64']);
  });

  it('bad values are usage errors (exit 2)', async () => {
    const { dir } = await builtUvApp();
    expect((await runPybp(['explain', dir, '--package-manager', 'pipenv'])).code).toBe(2);
    expect((await runPybp(['explain', dir, '--python', ''])).code).toBe(2);
    expect((await runPybp(['explain', dir, '--exit-code'])).code).toBe(2);
    expect((await runPybp(['explain', dir, '--last', '--python', '3.13'])).code).toBe(2);
  });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
}

describe('explain --since <ref>', () => {
  let repo = '';
  let app = '';

  beforeAll(async () => {
    repo = path.join(root, 'repo');
    app = path.join(repo, 'services', 'web app');
    await mkdir(app, { recursive: true });
    git(repo, 'init', '-q');
    await writeFile(path.join(app, 'uv.lock'), '');
    await writeFile(path.join(app, 'pyproject.toml'), '[project]\nname = "x"\n');
    await writeFile(path.join(app, '.python-version'), '3.12\n');
    await writeFile(path.join(app, 'main.py'), 'print("v1")\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'v1');
  });

  it('a commit that changes only app code busts nothing: exit 0 with --exit-code', async () => {
    await writeFile(path.join(app, 'main.py'), 'print("v2")\n');
    git(repo, 'commit', '-qam', 'v2: app code only');
    const r = await runPybpJson<ExplainJson>(['explain', app, '--json', ...LOCAL, '--since', 'HEAD~1', '--exit-code']);
    expect(r.code).toBe(0);
    expect(r.json.since).toMatchObject({ ref: 'HEAD~1', refBuild: { packageManager: 'uv', python: '3.12.13' }, cacheBusted: false });
    expect(r.json.since?.commit).toBe(git(repo, 'rev-parse', 'HEAD~1').trim());
    expect(actions(r.json)).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    // The local layers do not matter: there are none.
    expect(r.json.error).toBeNull();
  });

  it('a commit that changes .python-version busts python and venv: exit 1 with --exit-code, 0 without', async () => {
    await writeFile(path.join(app, '.python-version'), '3.13\n');
    git(repo, 'commit', '-qam', 'v3: Python 3.13');
    const before = await snapshotTree(repo);
    const r = await runPybpJson<ExplainJson>(['explain', app, '--json', ...LOCAL, '--since', 'HEAD~1', '--exit-code']);
    expect(r.code).toBe(1);
    expect(r.json.error).toBeNull();
    expect(r.json.since?.cacheBusted).toBe(true);
    expect(actions(r.json)).toEqual({ python: 'discard', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'discard' });
    expect(reasons(r.json, 'venv')).toContainEqual(['python_version', '3.12.13', '3.13.15']);
    expect((await runPybp(['explain', app, ...LOCAL, '--since', 'HEAD~1'])).code).toBe(0);
    // Nothing in the work tree or the repository changed (git's index and refs included).
    expect(await snapshotTree(repo)).toEqual(before);
  });

  it('plain output says what it compared with and the verdict', async () => {
    const r = await runPybp(['explain', app, ...LOCAL, '--since', 'HEAD~1']);
    expect(r.stdout).toContain("since HEAD~1 (");
    expect(r.stdout).toContain('decided against the layers a build of HEAD~1 would have left (uv, Python 3.12.13)');
    expect(r.stdout).toContain('Cache busted: python, venv from a build of HEAD~1 would not be reused.');
  });

  it("runs nothing and follows no link from the ref: its JS config and a .python-version linking out of the app", async () => {
    const other = path.join(root, 'hostile repo');
    await mkdir(other);
    git(other, 'init', '-q');
    const marker = path.join(root, 'config ran');
    await writeFile(path.join(other, 'uv.lock'), '');
    await writeFile(path.join(other, 'pyproject.toml'), '[project]\nname = "x"\n');
    await symlink('/etc/hostname', path.join(other, '.python-version'));
    await writeFile(path.join(other, 'buildpack.config.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = {};\n`);
    git(other, 'add', '-A');
    git(other, 'commit', '-qm', 'hostile');
    await rm(path.join(other, '.python-version'));
    await writeFile(path.join(other, '.python-version'), '3.12\n');
    await rm(path.join(other, 'buildpack.config.js'));
    git(other, 'add', '-A');
    git(other, 'commit', '-qm', 'clean');
    const r = await runPybpJson<ExplainJson & { notes: string[] }>(['explain', other, '--json', ...LOCAL, '--since', 'HEAD~1', '--exit-code']);
    expect(existsSync(marker)).toBe(false);
    expect(r.json.notes.join('\n')).toContain('.python-version at HEAD~1 is a symlink to /etc/hostname, outside the app; it is left out');
    // Without its .python-version the ref's uv build stops, so it leaves nothing to reuse: exit 1, and said so.
    expect(r.json.since).toMatchObject({ refBuild: null, cacheBusted: true });
    expect(r.json.notes.join('\n')).toContain('python-version-required-with-uv');
    expect(r.code).toBe(1);
  });

  it('an unknown ref, or an app outside git, is an error with a code', async () => {
    const unknown = await runPybpJson<{ error: { code: string } }>(['explain', app, '--json', ...LOCAL, '--since', 'no-such-branch']);
    expect(unknown.code).toBe(1);
    expect(unknown.json.error.code).toBe('git-ref-unknown');
    const outside = await builtUvApp();
    const r = await runPybpJson<{ error: { code: string } }>(['explain', outside.dir, '--json', ...LOCAL, '--since', 'HEAD'], { cwd: outside.dir, env: { GIT_CEILING_DIRECTORIES: root } });
    expect(r.code).toBe(1);
    expect(r.json.error.code).toBe('git-ref-unknown');
    const dash = await runPybp(['explain', app, '--since=--output=/tmp/x']);
    expect(dash.code).toBe(2);
  });
});
