// What a build may write: its layers directory (and `<app>/.pybp/.gitignore`
// when the layers are in the app), plus what the app's own collectstatic
// writes. The app tree (paths, sizes, mtimes) is compared before and after.
// Also: --clear-cache starts from nothing, and a full disk.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir, writeDjangoProject } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { runPybpJson } from '../support/cli.js';
import { build, BUILD_ENV_FLAGS, type BuildJson, runPybp, writeToolsConfig } from '../e2e/pybp.js';
import { type Decisions, decisionsOf, describeRun, expectAppRuns, snapshotTree, treeChanges, buildRun } from './harness.js';

async function explainAt(app: string, layers: string): Promise<Decisions> {
  const r = await runPybp(['explain', app, '--json', '--python-source', 'local', '--layers-dir', layers, ...BUILD_ENV_FLAGS]);
  const report = JSON.parse(r.stdout) as { layers: Decisions; error: unknown };
  expect(report.error, r.stdout).toBeNull();
  return decisionsOf(report);
}

async function runAt(app: string, layers: string, minor: string): Promise<void> {
  const r = await runPybp(['run', app, '--layers-dir', layers, '--', 'python', '-c', 'import sys, tinyweb; print(tinyweb.hello(), "%d.%d" % sys.version_info[:2])']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`hello from tinyweb`);
  expect(r.stdout).toContain(minor);
}

describe('a build writes only its layers', () => {
  let scratch: string;
  let app: string;
  let layers: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    scratch = await makeTempDir();
    app = join(scratch, 'tree app');
    layers = join(scratch, 'layers elsewhere');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    await mkdir(join(app, 'src'));
    await writeFile(join(app, 'src', 'main.py'), 'print("hi")\n');
  });

  it('layers outside the app: the app tree does not change at all, first build or rebuild', async () => {
    for (const round of ['first build', 'rebuild']) {
      const before = snapshotTree(app);
      const report = await build(app, ['--layers-dir', layers]);
      expect(report.status, `${round}: ${JSON.stringify(report.error)}`).toBe('succeeded');
      expect(treeChanges(before, snapshotTree(app)), round).toEqual([]);
    }
    await runAt(app, layers, '3.12');
  });

  it('--clear-cache starts from nothing: every layer new, no discard lines, and the app untouched', async () => {
    const before = snapshotTree(app);
    const report = await build(app, ['--layers-dir', layers, '--clear-cache']);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(report.layers.map((l) => [l.name, l.action])).toEqual([
      ['python', 'create'],
      ['pip', 'create'],
      ['pip-cache', 'create'],
      ['venv', 'rebuild-always'],
    ]);
    // The only reason left is the pip venv's "uncached" (it is remade on every build).
    expect(report.layers.flatMap((l) => l.reasons.map((r) => r.field))).toEqual(['cache']);
    expect(treeChanges(before, snapshotTree(app))).toEqual([]);
    await runAt(app, layers, '3.12');
  });

  it('default layers in the app: only <app>/.pybp changes', async () => {
    const inApp = (rel: string) => rel.startsWith('.pybp/layers');
    const before = snapshotTree(app, inApp);
    const report = await build(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(treeChanges(before, snapshotTree(app, inApp))).toEqual(['added .pybp', 'added .pybp/.gitignore', 'changed .']);
    const again = snapshotTree(app, inApp);
    expect((await build(app)).status).toBe('succeeded');
    expect(treeChanges(again, snapshotTree(app, inApp))).toEqual([]);
    await expectAppRuns(app, '3.12');
  });

  it("a Django app: only collectstatic's output (and Python's bytecode of the app it imports) is added", async () => {
    const { indexUrl } = testInfra();
    const django = join(scratch, 'django app');
    await makePipApp(django, { indexUrl, python: '3.12', requirements: ['fakedjango==5.0'] });
    await writeToolsConfig(django, indexUrl);
    await writeDjangoProject(django);
    const before = snapshotTree(django);
    const report = await build(django, ['--layers-dir', join(scratch, 'django layers')]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    // manage.py imports the settings package, and Python caches its bytecode next to it (as on Heroku).
    expect(treeChanges(before, snapshotTree(django))).toEqual([
      'added mysite/__pycache__',
      'added mysite/__pycache__/__init__.cpython-312.pyc',
      'added mysite/__pycache__/settings.cpython-312.pyc',
      'added staticfiles',
      'added staticfiles/site.css',
      'changed .',
      'changed mysite',
    ]);
  });
});

// A full disk, reached without root: the write that runs out of room gets
// ENOSPC injected (PYBP_FAULT_ERRNO at the fault point where the python layer's
// files are written, the first and biggest write of a build), partway through
// the tree. Two cases: a first build that can't finish, and a disk that fills
// up between builds.
describe('a full disk under --layers-dir (ENOSPC at the python layer\'s writes)', () => {
  // The 200th file: some of the layer is written when the disk runs out.
  const fullDisk = { PYBP_FAULT_AT: 'python-layer:file#200', PYBP_FAULT_ERRNO: 'ENOSPC' };

  let app: string;
  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'full disk app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
  });

  it('a first build: disk-full, exit 1, nothing left but pybp\'s control dir', async () => {
    const layers = join(await makeTempDir('pybp full-disk-'), 'layers');
    const before = snapshotTree(app);
    const r = await runPybpJson<BuildJson>(['build', app, '--json', '--python-source', 'local', '--layers-dir', layers, ...BUILD_ENV_FLAGS], { env: fullDisk });
    expect(r.code).toBe(1);
    expect(r.json.error?.code, JSON.stringify(r.json.error)).toBe('disk-full');
    expect(r.json.error?.message).toContain('ENOSPC');
    expect(r.json.error?.fix).toMatch(/space/);
    // pybp's control dir keeps its record of the failed build (history); no layer is left.
    expect([...snapshotTree(layers, (rel) => rel.startsWith('.pybp/')).keys()].sort()).toEqual(['.', '.pybp']);
    expect(treeChanges(before, snapshotTree(app))).toEqual([]);
  });

  it('the disk fills up between builds: disk-full, exit 1, the previous layers kept', async () => {
    const layers = join(await makeTempDir('pybp full-disk-'), 'layers');
    const first = await build(app, ['--layers-dir', layers]);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const AA = await explainAt(app, layers);

    await writeFile(join(app, '.python-version'), '3.13\n');
    const predicted = await explainAt(app, layers);
    const before = snapshotTree(app);
    const run = await buildRun(app, { extra: ['--layers-dir', layers], env: fullDisk });
    expect(run.code, describeRun(run)).toBe(1);
    // The Python copy is the first write, and the one that runs out of room.
    expect(run.stderr).toContain('(disk-full)');
    expect(treeChanges(before, snapshotTree(app))).toEqual([]);
    // The failed build changed nothing: the next one would decide as before it.
    expect(await explainAt(app, layers)).toEqual(predicted);

    // Room again, and back to 3.12: the first build's layers are all still there.
    await writeFile(join(app, '.python-version'), '3.12\n');
    expect(await explainAt(app, layers)).toEqual(AA);
    const again = await build(app, ['--layers-dir', layers]);
    expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
    expect(decisionsOf(again)).toEqual(AA);
    await runAt(app, layers, '3.12');
  });
});
