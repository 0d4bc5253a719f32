// End-to-end: the uv python source. pybp installs its pinned uv (from the uv
// wheel on the loopback index) and runs `uv python install 3.12.13` with a
// download list and a python-build-standalone style archive served on
// loopback, then fills the python layer from what uv installed.
//
// The archive is made from pyenv's 3.12.1 (this machine has no 3.12.13 and no
// way to download one): `python/bin/python3.12`, `python/include`,
// `python/lib/...` as in an `install_only` build, listed as 3.12.13. So the
// interpreter inside still says 3.12.1 when asked; what the tests check is
// that the layer came from the served archive (a marker module in its stdlib)
// through uv, and says 3.12.13 wherever pybp reports the version. Its RUNPATH
// is patched to $ORIGIN/../lib, as python-build-standalone's builds have, so
// the layer's interpreter loads the layer's libpython, not pyenv's.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UV_VERSION } from '../../src/engine/core/versions.js';
import { makePipApp, makeTempDir, pythonPrefixFor } from '../support/apps.js';
import { ensureCacheEntry, testCacheDir } from '../support/cache.js';
import { startPybp } from '../support/cli.js';
import { testInfra } from '../support/context.js';
import { serveFiles, serveStalling, type FileServer } from '../support/file-server.js';
import { actionsOf, BUILD_ENV_FLAGS, runPybp, type BuildJson } from './pybp.js';

const VERSION = '3.12.13';
const ARCHIVE = `cpython-${VERSION}-x86_64-unknown-linux-gnu-install_only.tar.gz`;
const MARKER = 'pybp_uv_archive_marker';

/** A python-build-standalone style install_only archive made from pyenv's 3.12, cached in .test-cache. */
async function pbsStyleArchive(): Promise<string> {
  const from = pythonPrefixFor('3.12');
  const dir = await ensureCacheEntry(join(testCacheDir, 'uv-python-archive'), { from, version: VERSION, layout: 1 }, async (out) => {
    const stage = join(out, 'stage');
    await mkdir(join(stage, 'python'), { recursive: true });
    // The parts the python layer takes; the test suite and GUI modules are left out to keep it small.
    execFileSync('sh', [
      '-c',
      'tar -C "$1" -cf - --exclude=lib/python3.12/test --exclude=lib/python3.12/idlelib --exclude=lib/python3.12/tkinter ' +
        '--exclude=lib/python3.12/site-packages --exclude=lib/python3.12/config-3.12-x86_64-linux-gnu --exclude=__pycache__ ' +
        'bin/python3.12 include lib | tar -C "$2" -xf -',
      'sh', from, join(stage, 'python'),
    ]);
    relocate(join(stage, 'python', 'bin', 'python3.12'), `${from}/lib`);
    writeFileSync(join(stage, 'python', 'lib', 'python3.12', `${MARKER}.py`), 'SOURCE = "the archive served on loopback"\n');
    execFileSync('tar', ['-czf', join(out, ARCHIVE), '-C', stage, 'python']);
    await rm(stage, { recursive: true, force: true });
  });
  return join(dir, ARCHIVE);
}

/** Replaces the absolute RUNPATH in the ELF string table with $ORIGIN/../lib (shorter, NUL-padded). */
function relocate(binary: string, runpath: string): void {
  const data = readFileSync(binary);
  const old = Buffer.from(`${runpath}\0`);
  const at = data.indexOf(old);
  const replacement = Buffer.from('$ORIGIN/../lib\0');
  if (at < 0 || replacement.length > old.length) throw new Error(`no RUNPATH ${runpath} to relocate in ${binary}`);
  data.fill(0, at, at + old.length);
  replacement.copy(data, at);
  writeFileSync(binary, data);
}

/** Command lines of running processes that contain `text` (Linux /proc). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
  }
  return found;
}

/** uv's download list format (as in its download-metadata.json), one entry. */
function downloadsJson(url: string, archive: string): string {
  return listFor(VERSION, url, createHash('sha256').update(readFileSync(archive)).digest('hex'));
}

/** A list with one CPython `version` at `url` (sha256 of nothing unless given: for URLs that never deliver). */
function listFor(version: string, url: string, sha256 = createHash('sha256').digest('hex')): string {
  const [major, minor, patch] = version.split('.').map(Number);
  return JSON.stringify({
    [`cpython-${version}-linux-x86_64-gnu`]: {
      name: 'cpython', arch: { family: 'x86_64', variant: null }, os: 'linux', libc: 'gnu',
      major, minor, patch, prerelease: '', url, sha256, variant: null, build: '20260101',
    },
  });
}

describe('Python from uv (python.source uv, and auto off the target)', () => {
  let app: string;
  let cacheHome: string;
  let served: FileServer;
  let scratch: string;
  // Each run gets its own pybp cache (pinned uv, uv's Pythons, interpreter copies) and uv may download.
  const env = () => ({ XDG_CACHE_HOME: cacheHome, UV_PYTHON_DOWNLOADS: undefined });
  const writeConfig = (python: Record<string, unknown>) =>
    writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ python: { uvDownloadsJsonUrl: `${served.url}/downloads.json`, ...python }, tools: { indexUrl: testInfra().indexUrl } }));
  const buildJson = async (args: string[] = []) => {
    const r = await runPybp(['build', app, '--json', ...BUILD_ENV_FLAGS, ...args], { env: env() });
    return { ...(JSON.parse(r.stdout) as BuildJson), exitCode: r.code };
  };

  beforeAll(async () => {
    const archive = await pbsStyleArchive();
    scratch = await makeTempDir('pybp uv-python-');
    cacheHome = join(scratch, 'cache');
    const list = join(scratch, 'downloads.json');
    served = await serveFiles({ '/downloads.json': list, [`/pbs/${ARCHIVE}`]: archive });
    writeFileSync(list, downloadsJson(`${served.url}/pbs/${ARCHIVE}`, archive));
    app = join(scratch, 'uv python app');
    await makePipApp(app, { indexUrl: testInfra().indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => served.server.close(() => resolve()));
    await rm(scratch, { recursive: true, force: true });
  });

  it('auto, off the target: explain says uv would install exactly 3.12.13, and installs nothing', async () => {
    await writeConfig({});
    const r = await runPybp(['explain', app, '--json', ...BUILD_ENV_FLAGS], { env: env() });
    const plan = JSON.parse(r.stdout) as { source: { kind: string; interpreter: string; reason: string }; warnings: Array<{ code: string }> };
    expect(r.code).toBe(0);
    expect(plan.source.kind).toBe('uv');
    expect(plan.source.interpreter).toBe(`${VERSION} installed with uv ${UV_VERSION}`);
    expect(plan.source.reason).toContain(`: pybp's uv installs exactly ${VERSION}`);
    expect(plan.warnings.map((w) => w.code)).not.toContain('python-patch-substituted');
    expect(existsSync(join(cacheHome, 'pybp', 'tools'))).toBe(false);
    expect(existsSync(join(cacheHome, 'pybp', 'uv-python'))).toBe(false);
    expect(served.hits).toEqual([]);
  });

  it("python.source uv: installs pybp's uv, then 3.12.13 with it, and builds on that layer", async () => {
    await writeConfig({ source: 'uv' });
    const report = await buildJson();
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(report.python).toMatchObject({ resolved: VERSION, source: 'uv' });
    expect(report.warnings.map((w) => w.code)).not.toContain('python-patch-substituted');
    expect(served.hits).toEqual(['/downloads.json', `/pbs/${ARCHIVE}`]);

    // pybp's own uv, and uv's Python in pybp's directory; nothing of it in HOME.
    expect(existsSync(join(cacheHome, 'pybp', 'tools', `uv-${UV_VERSION}`, 'bin', 'uv'))).toBe(true);
    expect(readdirSync(join(cacheHome, 'pybp', 'uv-python', 'installs'))).toContain(`cpython-${VERSION}-linux-x86_64-gnu`);
    const script = [
      `import sys, ${MARKER}, tinyweb`,
      'print(sys.base_prefix)',
      // The libpython this process loaded: the layer's own (RUNPATH $ORIGIN/../lib), not pyenv's.
      "print([line[line.index('/'):].strip() for line in open('/proc/self/maps') if 'libpython' in line][0])",
      `print(${MARKER}.SOURCE)`,
      'print(tinyweb.hello())',
    ].join('\n');
    const run = await runPybp(['run', app, '--', 'python', '-c', script], { env: env() });
    const [basePrefix, libpython, ...rest] = run.stdout.trim().split('\n');
    // Where `pybp run` sees the layers: /layers/heroku_python with Heroku's paths, the host path in host mode.
    const layers = report.paths?.layers ?? join(app, '.pybp', 'layers');
    expect(basePrefix).toBe(join(layers, 'python'));
    expect(libpython).toBe(join(layers, 'python', 'lib', 'libpython3.12.so.1.0'));
    expect(rest).toEqual(['the archive served on loopback', 'hello from tinyweb 1.0.0 (tinydep 0.1.0)']);
  });

  it('the next build reuses the layer; auto then agrees with it (same interpreter record)', async () => {
    await writeConfig({});
    const report = await buildJson();
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toMatchObject({ python: 'reuse' });
    expect(report.python.source).toBe('uv');
  });

  it('a patch uv has no download for is python-uv-version-not-available, and the previous layers stay', async () => {
    await writeConfig({ source: 'uv' });
    await writeFile(join(app, '.python-version'), '3.12.12\n');
    try {
      const report = await buildJson();
      expect(report.exitCode).toBe(1);
      expect(report.error?.code).toBe('python-uv-version-not-available');
      expect(report.error?.message).toContain('3.12.12');
      expect(report.error?.fix).toContain('pyenv install 3.12.12');
    } finally {
      await writeFile(join(app, '.python-version'), '3.12\n');
    }
    const again = await buildJson();
    expect(actionsOf(again)).toMatchObject({ python: 'reuse' });
  });

  it('a download that cannot connect is python-uv-install-failed with uv\'s cause, and the previous layers stay', async () => {
    // A port nobody listens on: a server closed again at once.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const stallDir = await mkdtemp(join(tmpdir(), 'pybp uv-refused-'));
    try {
      const list = join(stallDir, 'refused.json');
      writeFileSync(list, listFor('3.12.10', `http://127.0.0.1:${port}/${ARCHIVE}`));
      await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ python: { source: 'uv', uvDownloadsJsonUrl: list }, tools: { indexUrl: testInfra().indexUrl } }));
      await writeFile(join(app, '.python-version'), '3.12.10\n');
      const report = await buildJson();
      expect(report.exitCode).toBe(1);
      expect(report.error?.code).toBe('python-uv-install-failed');
      expect(report.error?.message).toContain('uv python install 3.12.10');
      expect(report.error?.fix).toContain('pyenv install 3.12.10');
      expect((report.error as { output?: string[] } | null)?.output?.join('\n')).toContain('Connection refused');
    } finally {
      await writeFile(join(app, '.python-version'), '3.12\n');
      await rm(stallDir, { recursive: true, force: true });
    }
    await writeConfig({ source: 'uv' });
    expect(actionsOf(await buildJson())).toMatchObject({ python: 'reuse' });
  });

  it('Ctrl-C while uv downloads: interrupted, exit 130, rolled back', async () => {
    // A list whose archive URL answers with headers and a few bytes, then nothing.
    const stalling = await serveStalling();
    const stallDir = await mkdtemp(join(tmpdir(), 'pybp uv-stall-'));
    try {
      const list = join(stallDir, 'stalling.json');
      writeFileSync(list, listFor('3.12.11', `${stalling.url}/${ARCHIVE}`));
      await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ python: { source: 'uv', uvDownloadsJsonUrl: list }, tools: { indexUrl: testInfra().indexUrl } }));
      await writeFile(join(app, '.python-version'), '3.12.11\n');
      const build = startPybp(['build', app, '--json', ...BUILD_ENV_FLAGS], { env: env() });
      await stalling.requested;
      build.signal('SIGINT');
      const { code, stdout } = await build.done;
      const report = JSON.parse(stdout) as BuildJson;
      expect(code).toBe(130);
      expect(report.status).toBe('interrupted');
      expect(report.error?.code).toBe('interrupted');
      // pybp stopped uv (its process group) before it exited: no uv of this test's cache is left running.
      expect(processesMentioning(join(cacheHome, 'pybp', 'tools'))).toEqual([]);
      await writeFile(join(app, '.python-version'), '3.12\n');
      await writeConfig({ source: 'uv' });
      expect(actionsOf(await buildJson())).toMatchObject({ python: 'reuse' });
    } finally {
      await stalling.close();
      await rm(stallDir, { recursive: true, force: true });
    }
  });

  it("auto, when uv's download host can't be resolved (offline): explain and build agree that a local patch stands in, and uv never runs", async () => {
    // .invalid never resolves (RFC 2606): a machine without a route to uv's downloads.
    const other = join(scratch, 'offline app');
    await makePipApp(other, { indexUrl: testInfra().indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    // The user's own config (--config), not the app's: explain looks up only hosts the user named.
    const userConfig = join(scratch, 'offline-user-config.json');
    await writeFile(userConfig, JSON.stringify({ python: { uvMirror: 'https://pbs.pybp-test.invalid/releases' }, tools: { indexUrl: testInfra().indexUrl } }));
    const offlineCache = join(scratch, 'offline cache');
    const offlineEnv = { XDG_CACHE_HOME: offlineCache, UV_PYTHON_DOWNLOADS: undefined };
    const explained = await runPybp(['explain', other, '--json', '--config', userConfig, ...BUILD_ENV_FLAGS], { env: offlineEnv });
    const plan = JSON.parse(explained.stdout) as { source: { kind: string; substituted: boolean; reason: string } };
    expect(plan.source).toMatchObject({ kind: 'local', substituted: true });
    expect(plan.source.reason).toContain("uv can't download it (its download host pbs.pybp-test.invalid can't be resolved from this machine");
    const r = await runPybp(['build', other, '--json', '--config', userConfig, ...BUILD_ENV_FLAGS], { env: offlineEnv });
    const report = JSON.parse(r.stdout) as BuildJson;
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(report.python).toMatchObject({ resolved: VERSION, source: 'local' });
    expect(report.warnings.map((w) => w.code)).toContain('python-patch-substituted');
    // Neither pybp's uv nor a uv Python was installed.
    expect(existsSync(join(offlineCache, 'pybp', 'tools'))).toBe(false);
    expect(existsSync(join(offlineCache, 'pybp', 'uv-python'))).toBe(false);
  });
});
