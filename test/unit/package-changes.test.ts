// Package changes of a venv: the dist-info reader, what a sync installs from
// the lock, the kept-venv forecast, the installed set before and after a
// build, and how they are summarised.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffInstalled, forecastChanges, installedPackages, metadataHeaders, readInstalled, summarizeChanges } from '../../src/engine/plan/package-changes.js';
import { localMarkerEnv, syncTarget } from '../../src/engine/plan/sync-target.js';

async function writeDistInfo(site: string, dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(join(site, dir), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(site, dir, name), text);
}

describe('the dist-info reader', () => {
  it("takes METADATA's Name and Version, direct_url.json's editable flag, and the directory name when METADATA is unreadable", async () => {
    const venv = await mkdtemp(join(tmpdir(), 'pybp-venv-'));
    try {
      const site = join(venv, 'lib', 'python3.12', 'site-packages');
      await writeDistInfo(site, 'markupsafe-3.0.2.dist-info', {
        METADATA: 'Metadata-Version: 2.1\nName: MarkupSafe\nVersion: 3.0.2\nSummary: x\n\nName: not-a-header\nVersion: 9\n',
      });
      await writeDistInfo(site, 'app-0.1.0.dist-info', {
        METADATA: 'Metadata-Version: 2.4\r\nName: app\r\nVersion: 0.1.0\r\n',
        'direct_url.json': JSON.stringify({ url: 'file:///srv/app', dir_info: { editable: true } }),
      });
      await writeDistInfo(site, 'wheel_only-1.0.dist-info', { 'direct_url.json': '{"url": "https://x/y.whl", "archive_info": {}}' });
      // A METADATA that is not a regular file is not read (bounded reader), the directory name stands in.
      await mkdir(join(site, 'fifo_pkg-2.0.dist-info', 'METADATA'), { recursive: true });
      await mkdir(join(site, 'tinyweb'), { recursive: true });
      const installed = await readInstalled(venv);
      expect(Object.fromEntries(installed)).toEqual({
        app: { name: 'app', version: '0.1.0', editable: true },
        'fifo-pkg': { name: 'fifo_pkg', version: '2.0', editable: false },
        markupsafe: { name: 'MarkupSafe', version: '3.0.2', editable: false },
        'wheel-only': { name: 'wheel_only', version: '1.0', editable: false },
      });
      expect(Object.fromEntries(await installedPackages(venv))).toEqual({ app: '0.1.0', 'fifo-pkg': '2.0', markupsafe: '3.0.2', 'wheel-only': '1.0' });
    } finally {
      await rm(venv, { recursive: true, force: true });
    }
  });

  it('reads only the header block of METADATA', () => {
    expect(metadataHeaders('Name: a\nVersion: 1\n\nVersion: 2')).toEqual({ name: 'a', version: '1' });
    expect(metadataHeaders('Summary: none\n')).toEqual({ name: null, version: null });
  });
});

describe('the kept-venv forecast', () => {
  const installed = new Map([
    ['tinyweb', { version: '1.0.0' }],
    ['tinydep', { version: '0.1' }],
    ['gone', { version: '2.0' }],
    ['app', { version: '0.0.0' }],
    ['pip', { version: '25.0' }],
  ]);

  it('adds, removes and changes what the lock and the venv disagree on; PEP 440-equal versions are no change; kept packages stay', () => {
    const target = {
      packages: new Map([
        ['tinyweb', { version: '1.1.0' }],
        ['tinydep', { version: '0.1.0' }],
        ['tinydev', { version: '0.1.0' }],
        ['app', { version: '0.0.0' }],
      ]),
      kept: new Set(['pip']),
    };
    expect(forecastChanges(installed, target)).toEqual({
      add: [{ name: 'tinydev', version: '0.1.0' }],
      remove: [{ name: 'gone', version: '2.0' }],
      change: [{ name: 'tinyweb', from: '1.0.0', to: '1.1.0' }],
    });
  });
});

/** A uv.lock of `[[package]]` rows. */
function uvLock(rows: Array<{ name: string; version: string; source: string; deps: string[]; markers?: Record<string, string> }>): string {
  return [
    'version = 1',
    'requires-python = ">=3.12"',
    ...rows.flatMap((r) => [
      '',
      '[[package]]',
      `name = "${r.name}"`,
      `version = "${r.version}"`,
      `source = ${r.source}`,
      `dependencies = [${r.deps.map((d) => `{ name = "${d}"${r.markers?.[d] ? `, marker = ${JSON.stringify(r.markers[d])}` : ''} }`).join(', ')}]`,
    ]),
    '',
  ].join('\n');
}

describe('what the sync installs, from the lock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pybp-sync-target-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const targetOf = async (pm: 'uv' | 'poetry', files: Record<string, string>, python = '3.12.1') => {
    const app = await mkdtemp(join(dir, 'app-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(app, name), text);
    return syncTarget(app, pm, localMarkerEnv(python, 'linux', 'x64'));
  };
  it('uv: the project (editable), its dependencies whose markers hold on this interpreter, no dev group', async () => {
    const lock =
      uvLock([
        { name: 'app', version: '0.1.0', source: '{ editable = "." }', deps: ['tinyweb', 'winonly', 'newpy'], markers: { winonly: "sys_platform == 'win32'", newpy: "python_full_version >= '3.13'" } },
        { name: 'tinyweb', version: '1.1.0', source: '{ registry = "http://127.0.0.1/simple/" }', deps: [] },
        { name: 'winonly', version: '1.0', source: '{ registry = "http://127.0.0.1/simple/" }', deps: [] },
        { name: 'newpy', version: '1.0', source: '{ registry = "http://127.0.0.1/simple/" }', deps: [] },
        { name: 'devtool', version: '1.0', source: '{ registry = "http://127.0.0.1/simple/" }', deps: [] },
      ]) + '\n[package.dev-dependencies]\ndev = [{ name = "devtool" }]\n';
    const r = await targetOf('uv', { 'uv.lock': lock.replace('[package.dev-dependencies]', '') });
    expect(r.ok && Object.fromEntries([...r.target.packages].map(([k, v]) => [k, v.version]))).toEqual({ app: '0.1.0', tinyweb: '1.1.0' });
    const on313 = await targetOf('uv', { 'uv.lock': lock }, '3.13.0');
    expect(on313.ok && [...on313.target.packages.keys()].sort()).toEqual(['app', 'newpy', 'tinyweb']);
  });

  it('an editable project the sync installs again is no change (the dry run with --no-install-project said −1)', async () => {
    const lock = uvLock([
      { name: 'app', version: '0.0.0', source: '{ editable = "." }', deps: ['tinyweb'] },
      { name: 'tinyweb', version: '1.0.0', source: '{ registry = "http://127.0.0.1/simple/" }', deps: [] },
    ]);
    const venv = new Map([
      ['app', { version: '0.0.0' }],
      ['tinyweb', { version: '1.0.0' }],
    ]);
    const target = await targetOf('uv', { 'uv.lock': lock });
    if (!target.ok) throw new Error(target.why);
    expect(forecastChanges(venv, target.target)).toEqual({ add: [], remove: [], change: [] });
    // A virtual project is not installed: an installed one is removed.
    const virtual = await targetOf('uv', { 'uv.lock': lock.replace('{ editable = "." }', '{ virtual = "." }') });
    if (!virtual.ok) throw new Error(virtual.why);
    expect(forecastChanges(venv, virtual.target)).toEqual({ add: [], remove: [{ name: 'app', version: '0.0.0' }], change: [] });
  });
  it('uv: a marker pybp cannot evaluate, a missing or broken lock: no forecast, and why', async () => {
    const lock = uvLock([
      { name: 'app', version: '0.1.0', source: '{ virtual = "." }', deps: ['odd'], markers: { odd: "platform_release ~= '6.1'" } },
      { name: 'odd', version: '1.0', source: '{ registry = "http://127.0.0.1/simple/" }', deps: [] },
    ]);
    const r = await targetOf('uv', { 'uv.lock': lock });
    expect(r).toEqual({ ok: false, why: "pybp cannot evaluate the marker `platform_release ~= '6.1'` in uv.lock" });
    expect(await targetOf('uv', {})).toEqual({ ok: false, why: 'there is no uv.lock' });
    const broken = await targetOf('uv', { 'uv.lock': '[[package]\n' });
    expect(broken.ok).toBe(false);
  });

  it('Poetry: the main group without optional packages, the root project in package mode (version from pyproject.toml), pip kept', async () => {
    const lock = [
      '[[package]]', 'name = "tinyweb"', 'version = "1.1.0"', 'optional = false', 'groups = ["main"]', 'files = []', '',
      '[[package]]', 'name = "extra-only"', 'version = "1.0"', 'optional = true', 'groups = ["main"]', 'files = []', '',
      '[[package]]', 'name = "pytest"', 'version = "8.0"', 'optional = false', 'groups = ["dev"]', 'files = []', '',
      '[[package]]', 'name = "colorama"', 'version = "0.4"', 'optional = false', 'groups = ["main"]', 'markers = "sys_platform == \\"win32\\""', 'files = []', '',
      '[metadata]', 'lock-version = "2.1"', 'python-versions = ">=3.12"', 'content-hash = "x"', '',
    ].join('\n');
    const packaged = await targetOf('poetry', { 'poetry.lock': lock, 'pyproject.toml': '[project]\nname = "My_App"\nversion = "0.2.0"\n' });
    expect(packaged.ok && Object.fromEntries([...packaged.target.packages].map(([k, v]) => [k, v.version]))).toEqual({ 'my-app': '0.2.0', tinyweb: '1.1.0' });
    expect(packaged.ok && [...packaged.target.kept].sort()).toEqual(['my-app', 'pip']);
    const app = await targetOf('poetry', { 'poetry.lock': lock, 'pyproject.toml': '[project]\nname = "app"\nversion = "0.0.0"\n[tool.poetry]\npackage-mode = false\n' });
    expect(app.ok && [...app.target.packages.keys()]).toEqual(['tinyweb']);
    const dynamic = await targetOf('poetry', { 'poetry.lock': lock, 'pyproject.toml': '[project]\nname = "app"\ndynamic = ["version"]\n' });
    expect(dynamic).toEqual({ ok: false, why: 'pyproject.toml gives no version of the project app, so what Poetry installs of it is not known' });
  });
});

describe('installed packages', () => {
  it('reads dist-info names and diffs two sets', async () => {
    const venv = await mkdtemp(join(tmpdir(), 'pybp-venv-'));
    try {
      for (const d of ['tiny_web-1.0.0.dist-info', 'tinydep-0.1.0.dist-info', 'tinyweb', '__pycache__']) {
        await mkdir(join(venv, 'lib', 'python3.12', 'site-packages', d), { recursive: true });
      }
      const before = await installedPackages(venv);
      expect([...before]).toEqual([
        ['tiny-web', '1.0.0'],
        ['tinydep', '0.1.0'],
      ]);
      const after = new Map([
        ['tiny-web', '1.1.0'],
        ['requests', '2.32.3'],
      ]);
      expect(diffInstalled(before, after)).toEqual({
        add: [{ name: 'requests', version: '2.32.3' }],
        remove: [{ name: 'tinydep', version: '0.1.0' }],
        change: [{ name: 'tiny-web', from: '1.0.0', to: '1.1.0' }],
      });
      expect(await installedPackages(join(venv, 'missing'))).toEqual(new Map());
    } finally {
      await rm(venv, { recursive: true, force: true });
    }
  });

  it('summarises for the UI', () => {
    const add = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, version: '1.0' }));
    expect(summarizeChanges({ add, remove: [], change: [] })).toBe('+5 packages (a 1.0, b 1.0, c 1.0, …)');
    expect(summarizeChanges({ add: [], remove: [{ name: 'x', version: '2' }], change: [{ name: 'y', from: '1', to: '2' }] })).toBe(
      '−1 package (x 2), ~1 package (y 1 → 2)',
    );
    expect(summarizeChanges({ add: [], remove: [], change: [] })).toBe('no package changes');
  });
});
