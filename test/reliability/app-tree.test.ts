// What a build may write: its layers directory (and `<app>/.pybp/.gitignore`
// when the layers are in the app), plus what the app's own collectstatic
// writes. The app tree (paths, sizes, mtimes) is compared before and after.
// Also: --clear-cache starts from nothing, and a full disk.
import { execFileSync } from 'node:child_process';
import { rmSync, statfsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir, writeDjangoProject } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { build, BUILD_ENV_FLAGS, runPybp, writeToolsConfig } from '../e2e/pybp.js';
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

// Needs root (mount). Two cases: a 2 MB tmpfs that can't hold a first build,
// and a tmpfs that held a build and is then filled up before the next one.
describe.runIf(process.getuid?.() === 0)('a full disk under --layers-dir (tmpfs)', () => {
  const mounts: string[] = [];
  const mount = async (size: string): Promise<string> => {
    const dir = await makeTempDir('pybp tmpfs-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of mounts) {
      try {
        execFileSync('umount', [dir]);
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // left for the OS
      }
    }
  });

  let app: string;
  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'full disk app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
  });

  it('a first build on 2 MB: disk-full, exit 1, nothing left but pybp\'s control dir', async () => {
    const layers = join(await mount('2m'), 'layers');
    const before = snapshotTree(app);
    const report = await build(app, ['--layers-dir', layers]);
    expect(report.exitCode).toBe(1);
    expect(report.error?.code, JSON.stringify(report.error)).toBe('disk-full');
    expect(report.error?.fix).toMatch(/space/);
    expect([...snapshotTree(layers).keys()].sort()).toEqual(['.', '.pybp']);
    expect(treeChanges(before, snapshotTree(app))).toEqual([]);
  });

  it('the disk fills up between builds: disk-full, exit 1, the previous layers kept', async () => {
    const mnt = await mount('420m');
    const layers = join(mnt, 'layers');
    const first = await build(app, ['--layers-dir', layers]);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const AA = await explainAt(app, layers);

    await writeFile(join(app, '.python-version'), '3.13\n');
    const predicted = await explainAt(app, layers);
    const { bavail, bsize } = statfsSync(mnt);
    execFileSync('fallocate', ['-l', String(bavail * bsize - 1024 * 1024), join(mnt, 'filler')]);
    const before = snapshotTree(app);
    const run = await buildRun(app, { extra: ['--layers-dir', layers] });
    expect(run.code, describeRun(run)).toBe(1);
    // The Python copy is the first write, and the one that runs out of room.
    expect(run.stderr).toContain('(disk-full)');
    expect(treeChanges(before, snapshotTree(app))).toEqual([]);
    // The failed build changed nothing: the next one would decide as before it.
    expect(await explainAt(app, layers)).toEqual(predicted);

    rmSync(join(mnt, 'filler'));
    await writeFile(join(app, '.python-version'), '3.12\n');
    expect(await explainAt(app, layers)).toEqual(AA);
    const again = await build(app, ['--layers-dir', layers]);
    expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
    expect(decisionsOf(again)).toEqual(AA);
    await runAt(app, layers, '3.12');
  });
});
