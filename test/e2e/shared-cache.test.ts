// End-to-end: the shared build cache, through a real registry on loopback
// (Debian's docker-registry, started and stopped by this file) and through a
// cache dir. CI to CI (same checkout path) reuses uv and venv. CI to laptop
// (another path): with Heroku's paths (the default) the venv is reused too,
// as are pip and Poetry; with the host's paths (`--paths host`) uv is reused
// and the venv rebuilt with the layers-path reason, and so is a cache of the
// other mode. A cache image shaped like pack's (no pybp label, lifecycle's
// paths and owner ids, pushed with skopeo) restores whole with Heroku's paths.
// A damaged blob and a dead registry still give a successful build, with the
// reason shown; skopeo and umoci read what pybp wrote.
import { execFileSync } from 'node:child_process';
import { cp, lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parse as parseToml } from 'smol-toml';
import tar from 'tar-stream';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makePoetryApp, makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { type LoopbackRegistry, startRegistry } from '../support/registry.js';
import { actionsOf, build, reasonsOf, runPybp, writeToolsConfig } from './pybp.js';

/** The mode is said wherever the behaviour differs; the rest runs in the default mode (heroku where bubblewrap works). */
const HEROKU = ['--paths', 'heroku'];
const HOST = ['--paths', 'host'];
const HEROKU_LAYERS = '/layers/heroku_python';

interface CacheJson {
  cache: string;
  restore: { restored: Array<{ name: string; bytes: number }>; skipped: Array<{ name: string; reasons: string[] }>; problem: string | null } | null;
  save: { saved: string[]; notSaved: Array<{ name: string; reason: string }>; stats: { bytesMoved: number; blobsSkipped: number } | null; problem: string | null } | null;
}

describe('a shared build cache', () => {
  let root: string;
  let registry: LoopbackRegistry;
  /** The app's sources, as a fresh checkout has them (no .pybp). */
  let sources: string;

  beforeAll(async () => {
    root = await makeTempDir('pybp cache-');
    registry = await startRegistry(join(root, 'registry'));
    const { indexUrl } = testInfra();
    sources = join(root, 'sources');
    await makeUvApp(sources, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(sources, indexUrl);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  /** A fresh checkout of the app at `dir` (whatever was there is gone). */
  async function checkout(dir: string): Promise<string> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, '..'), { recursive: true });
    await cp(sources, dir, { recursive: true });
    return dir;
  }

  const cacheOf = (report: unknown) => (report as { cache?: CacheJson }).cache!;
  /** explain --json's cache section, by layer name. */
  const cacheLayersOf = (stdout: string) => {
    const ex = JSON.parse(stdout) as { cache: { layers: Array<{ name: string; take: string; bytes?: number; reasons?: string[] }> } };
    return Object.fromEntries(ex.cache.layers.map((l) => [l.name, l]));
  };

  it('CI to CI through the registry: uv and venv are restored and reused; skopeo and umoci read the image', async () => {
    const image = `${registry.host}/ci-cache:latest`;
    const app = await checkout(join(root, 'ci', 'app'));
    const first = await build(app, ['--cache-image', image]);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const saved = cacheOf(first).save!;
    expect(saved.saved).toEqual(['uv', 'venv']);
    // The python layer of a local stand-in interpreter is never shared.
    expect(saved.notSaved.map((n) => n.name)).toEqual(['python']);
    expect(saved.notSaved[0]!.reason).toContain('local stand-in');

    await checkout(app);
    const second = await build(app, ['--cache-image', image]);
    expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
    expect(actionsOf(second)).toEqual({ python: 'create', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    expect(cacheOf(second).restore!.restored.map((r) => r.name)).toEqual(['uv', 'venv']);
    // A second save uploads no layer blob again.
    expect(cacheOf(second).save!.stats!.blobsSkipped).toBeGreaterThanOrEqual(2);
    expect(cacheOf(second).save!.stats!.bytesMoved).toBeLessThan(64 * 1024);
    const r = await runPybp(['run', app, '--', 'tinyweb']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');

    // Independent readers accept the image.
    const inspect = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${image}`], { encoding: 'utf8' })) as { Labels: Record<string, string>; Layers: string[] };
    const label = JSON.parse(inspect.Labels['io.buildpacks.lifecycle.cache.metadata']!) as { buildpacks: Array<{ key: string; layers: Record<string, { sha: string; cache: boolean }> }> };
    expect(label.buildpacks[0]!.key).toBe('heroku/python');
    expect(Object.keys(label.buildpacks[0]!.layers).sort()).toEqual(['uv', 'venv']);
    expect(inspect.Layers).toHaveLength(2);
    const layout = join(root, 'layout');
    execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${image}`, `oci:${layout}:latest`], { stdio: 'ignore' });
    const bundle = join(root, 'bundle');
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${layout}:latest`, bundle], { stdio: 'ignore' });
    const unpacked = join(bundle, 'rootfs', 'layers', 'heroku_python');
    expect(readdirSync(unpacked).sort()).toEqual(['uv', 'venv']);
    expect(existsSync(join(unpacked, 'uv', 'bin', 'uv'))).toBe(true);
    // The venv as the build's tools made it: with Heroku's paths, it names /layers/heroku_python as pack's does.
    const seen = second.paths!.layers;
    expect(readlinkSync(join(unpacked, 'venv', 'bin', 'python'))).toBe(`${seen}/python/bin/python`);
    expect(await readFile(join(unpacked, 'venv', 'pyvenv.cfg'), 'utf8')).toContain(`home = ${seen}/python/bin`);
  });

  it("CI to laptop with the host's paths: uv is reused, venv is rebuilt with the layers path as the reason, in explain and build; so it is when the laptop uses Heroku's paths", async () => {
    const image = `${registry.host}/laptop-cache:latest`;
    const ci = await checkout(join(root, 'runner', 'app'));
    expect((await build(ci, ['--cache-image', image, ...HOST])).status).toBe('succeeded');

    const laptop = await checkout(join(root, 'home', 'dev', 'app'));
    const explained = await runPybp(['explain', laptop, '--json', '--python-source', 'local', '--cache-image', image, ...HOST]);
    const byName = cacheLayersOf(explained.stdout);
    expect(byName.uv!.take).toBe('restore');
    expect(byName.uv!.bytes).toBeGreaterThan(0);
    expect(byName.venv!.take).toBe('no');
    expect(byName.venv!.reasons).toEqual([`layers path: ${join(ci, '.pybp', 'layers')} → ${join(laptop, '.pybp', 'layers')}`]);

    const report = await build(laptop, ['--cache-image', image, ...HOST]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'create' });
    expect(reasonsOf(report, 'venv')).toEqual([['layers path', join(ci, '.pybp', 'layers'), join(laptop, '.pybp', 'layers')]]);
    expect(cacheOf(report).restore!.skipped).toEqual([{ name: 'venv', reasons: [`layers path: ${join(ci, '.pybp', 'layers')} → ${join(laptop, '.pybp', 'layers')}`] }]);
    const r = await runPybp(['run', laptop, '--', 'tinyweb']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');

    // Another laptop with Heroku's paths: the cached venv (saved last by the host-mode laptop build) names the laptop's path, so it is not taken either.
    const other = await checkout(join(root, 'home', 'other', 'app'));
    const fromHost = `layers path: ${join(laptop, '.pybp', 'layers')} → ${HEROKU_LAYERS}`;
    const explainedHeroku = cacheLayersOf((await runPybp(['explain', other, '--json', '--python-source', 'local', '--cache-image', image, ...HEROKU])).stdout);
    expect(explainedHeroku.uv!.take).toBe('restore');
    expect(explainedHeroku.venv!.reasons).toEqual([fromHost]);
    const switched = await build(other, ['--cache-image', image, ...HEROKU]);
    expect(switched.status, JSON.stringify(switched.error)).toBe('succeeded');
    expect(actionsOf(switched)).toEqual({ python: 'create', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'create' });
    expect(cacheOf(switched).restore!.skipped).toEqual([{ name: 'venv', reasons: [fromHost] }]);
  });

  it("CI to laptop with Heroku's paths: uv and venv are both reused (the venv names /layers/heroku_python, wherever the checkout is)", async () => {
    const image = `${registry.host}/heroku-laptop-cache:latest`;
    const ci = await checkout(join(root, 'hrunner', 'app'));
    const first = await build(ci, ['--cache-image', image, ...HEROKU]);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(cacheOf(first).save!.saved).toEqual(['uv', 'venv']);

    const laptop = await checkout(join(root, 'home', 'hdev', 'app'));
    const byName = cacheLayersOf((await runPybp(['explain', laptop, '--json', '--python-source', 'local', '--cache-image', image, ...HEROKU])).stdout);
    expect(byName.uv!.take).toBe('restore');
    expect(byName.venv!.take).toBe('restore');
    expect(byName.venv!.bytes).toBeGreaterThan(0);

    const report = await build(laptop, ['--cache-image', image, ...HEROKU]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    expect(cacheOf(report).restore!.restored.map((r) => r.name)).toEqual(['uv', 'venv']);
    expect(report.layers.find((l) => l.name === 'venv')!.reasons.map((r) => r.field)).not.toContain('layers path');
    const r = await runPybp(['run', laptop, '--', 'python', '-c', 'import sys, os, tinyweb; print(sys.prefix, os.getcwd(), tinyweb.hello())']);
    expect(r.stdout.trim()).toMatch(/^\/layers\/heroku_python\/venv \/workspace hello from tinyweb 1\.0\.0/);
  });

  it('a damaged blob is never extracted: the layer is rebuilt, the build succeeds and says why', async () => {
    const image = `${registry.host}/damaged-cache:latest`;
    const app = await checkout(join(root, 'damaged', 'app'));
    expect((await build(app, ['--cache-image', image])).status).toBe('succeeded');
    const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${image}`], { encoding: 'utf8' })) as { layers: Array<{ digest: string; size: number }> };
    // The venv's blob (the second layer), same size, other bytes.
    const blob = registry.blobFile(manifest.layers[1]!.digest);
    const bytes = await readFile(blob);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(blob, bytes);

    await checkout(app);
    const report = await build(app, ['--cache-image', image]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'create' });
    const refused = report.warnings.find((w) => w.code === 'cache-layer-refused');
    expect(refused?.message).toMatch(/The cached venv layer .* refused: its (blob's digest is sha256:\w+, not|blob is damaged \(gzip: .*\), so it cannot be) sha256:/);
    expect(existsSync(join(app, '.pybp', 'layers', '.pybp', 'restore'))).toBe(false);
    expect((await runPybp(['run', app, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');
  });

  it('a dead registry: a cold build that succeeds, with the registry named in both warnings', async () => {
    const dead = await startRegistry(join(root, 'dead'));
    const host = dead.host;
    await dead.stop();
    const app = await checkout(join(root, 'dead', 'app'));
    const report = await build(app, ['--cache-image', `${host}/x:latest`]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', uv: 'create', 'uv-cache': 'rebuild-always', venv: 'create' });
    const codes = report.warnings.map((w) => w.code);
    expect(codes).toContain('cache-restore-failed');
    expect(codes).toContain('cache-save-failed');
    for (const w of report.warnings.filter((w) => w.code.startsWith('cache-'))) expect(w.message).toContain(host);
  });

  it("--cache-dir round trips: into another checkout path with Heroku's paths the venv is reused; with the host's paths only at the same path", async () => {
    const dir = join(root, 'ci-cache');
    const app = await checkout(join(root, 'dirci', 'app'));
    const first = await build(app, ['--cache-dir', dir, ...HEROKU]);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const committed = readdirSync(join(dir, 'committed')).sort();
    expect(committed.filter((f) => /^sha256:[0-9a-f]{64}\.tar$/.test(f))).toHaveLength(2);
    expect(committed).toContain('io.buildpacks.lifecycle.cache.metadata');
    expect(existsSync(join(dir, 'staging'))).toBe(false);
    const tarList = execFileSync('tar', ['tvf', join(dir, 'committed', committed.find((f) => f.endsWith('.tar'))!)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
    expect(tarList[0]).toMatch(/^d.* 0\/0 .* 1980-01-01 00:00 \/layers$/);
    expect(tarList[2]).toMatch(/ 1002\/1000 .* 1980-01-01 00:00 \/layers\/heroku_python\/(uv|venv)$/);

    // Another checkout path (a laptop, another runner): Heroku's paths make the venv the same there.
    const elsewhere = await checkout(join(root, 'dirlaptop', 'app'));
    const second = await build(elsewhere, ['--cache-dir', dir, ...HEROKU]);
    expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
    expect(actionsOf(second)).toEqual({ python: 'create', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    expect(cacheOf(second).restore!.restored.map((r) => r.name)).toEqual(['uv', 'venv']);
    // uv was left as restored: its committed tar is kept (linked), not packed again.
    expect(cacheOf(second).save!.stats!.blobsSkipped).toBeGreaterThanOrEqual(1);
    expect((await runPybp(['run', elsewhere, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');

    // The host's paths: the cached venv names /layers/heroku_python, so it is rebuilt (uv is not path-bound) ...
    await checkout(app);
    const third = await build(app, ['--cache-dir', dir, ...HOST]);
    expect(third.status, JSON.stringify(third.error)).toBe('succeeded');
    expect(actionsOf(third)).toEqual({ python: 'create', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'create' });
    expect(cacheOf(third).restore!.skipped).toEqual([{ name: 'venv', reasons: [`layers path: ${HEROKU_LAYERS} → ${join(app, '.pybp', 'layers')}`] }]);
    // ... and the one it saves is reused at that same path.
    await checkout(app);
    const fourth = await build(app, ['--cache-dir', dir, ...HOST]);
    expect(fourth.status, JSON.stringify(fourth.error)).toBe('succeeded');
    expect(actionsOf(fourth)).toEqual({ python: 'create', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    expect((await runPybp(['run', app, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');
  });

  /** A fresh checkout at `dir` of the sources at `from`. */
  const copyOf = async (from: string, dir: string) => {
    await rm(dir, { recursive: true, force: true });
    await cp(from, dir, { recursive: true });
    return dir;
  };

  it("pip with Heroku's paths: another checkout reuses the pip layer (its scripts name /layers/heroku_python); the host's paths make it again", async () => {
    const { indexUrl } = testInfra();
    const pipSources = join(root, 'pip-sources');
    await makePipApp(pipSources, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(pipSources, indexUrl);
    const dir = join(root, 'pip-cache-dir');
    const ci = await build(await copyOf(pipSources, join(root, 'pipci', 'app')), ['--cache-dir', dir, ...HEROKU]);
    expect(ci.status, JSON.stringify(ci.error)).toBe('succeeded');
    expect(cacheOf(ci).save!.saved).toEqual(['pip', 'pip-cache']);

    const laptop = await copyOf(pipSources, join(root, 'piplaptop', 'app'));
    const report = await build(laptop, ['--cache-dir', dir, ...HEROKU]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', pip: 'reuse', 'pip-cache': 'reuse', venv: 'rebuild-always' });
    expect((await runPybp(['run', laptop, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');

    // The host's paths: pip's scripts start with #!/layers/heroku_python/..., which the host has not; pip-cache is not path-bound.
    const host = await copyOf(pipSources, join(root, 'piphost', 'app'));
    const hostReport = await build(host, ['--cache-dir', dir, ...HOST]);
    expect(hostReport.status, JSON.stringify(hostReport.error)).toBe('succeeded');
    expect(actionsOf(hostReport)).toEqual({ python: 'create', pip: 'create', 'pip-cache': 'reuse', venv: 'rebuild-always' });
    expect(reasonsOf(hostReport, 'pip')).toEqual([['layers path', HEROKU_LAYERS, join(host, '.pybp', 'layers')]]);
    expect(cacheOf(hostReport).restore!.skipped).toEqual([{ name: 'pip', reasons: [`layers path: ${HEROKU_LAYERS} → ${join(host, '.pybp', 'layers')}`] }]);
  });

  it("Poetry with Heroku's paths: another checkout reuses the poetry layer and the venv", async () => {
    const { indexUrl } = testInfra();
    const poetrySources = join(root, 'poetry-sources');
    await makePoetryApp(poetrySources, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(poetrySources, indexUrl);
    const dir = join(root, 'poetry-cache-dir');
    const ci = await build(await copyOf(poetrySources, join(root, 'poetryci', 'app')), ['--cache-dir', dir, ...HEROKU]);
    expect(ci.status, JSON.stringify(ci.error)).toBe('succeeded');
    expect(cacheOf(ci).save!.saved).toEqual(['poetry', 'venv']);

    const laptop = await copyOf(poetrySources, join(root, 'poetrylaptop', 'app'));
    const report = await build(laptop, ['--cache-dir', dir, ...HEROKU]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', poetry: 'reuse', venv: 'reuse' });
    expect((await runPybp(['run', laptop, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');
  });

  it("a cache image shaped like pack's restores whole with Heroku's paths; with the host's, its venv is rebuilt with the reason and the rest reused", async () => {
    // The layers of one build with Heroku's paths, as pack's builder would leave them (its python layer is the local
    // stand-in here, under the Heroku version its metadata names; a pack build's is Heroku's own archive).
    const made = await checkout(join(root, 'packmade', 'app'));
    expect((await build(made, HEROKU)).status).toBe('succeeded');
    const image = await pushPackShapedImage(join(made, '.pybp', 'layers'), ['python', 'uv', 'venv'], join(root, 'pack-layout'), [
      `${registry.host}/pack-cache:heroku`,
      `${registry.host}/pack-cache:host`,
    ]);
    // What pybp adds is absent: lifecycle's label only.
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${image[0]}`], { encoding: 'utf8' })) as { Labels: Record<string, string> };
    expect(Object.keys(inspected.Labels)).toEqual(['io.buildpacks.lifecycle.cache.metadata']);

    const app = await checkout(join(root, 'packuser', 'app'));
    const byName = cacheLayersOf((await runPybp(['explain', app, '--json', '--python-source', 'local', '--cache-image', image[0]!, ...HEROKU])).stdout);
    expect(Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, v.take]))).toEqual({ python: 'restore', uv: 'restore', venv: 'restore' });
    const report = await build(app, ['--cache-image', image[0]!, ...HEROKU]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    expect(cacheOf(report).restore!.restored.map((r) => r.name)).toEqual(['python', 'uv', 'venv']);
    expect(cacheOf(report).restore!.skipped).toEqual([]);
    // Its save does not share that python layer again: pybp has no record of its interpreter (and says so, not "a local stand-in").
    expect(cacheOf(report).save!.notSaved.map((n) => [n.name, n.reason.includes('no record of where its interpreter came from')])).toEqual([['python', true]]);
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import sys, tinyweb; print(sys.prefix, tinyweb.hello())']);
    expect(r.stdout.trim()).toMatch(/^\/layers\/heroku_python\/venv hello from tinyweb 1\.0\.0/);

    // The host's paths: the venv was made at /layers/heroku_python, so it is rebuilt with that reason; python and uv are reused.
    const hostApp = await checkout(join(root, 'packhost', 'app'));
    const reason = `layers path: ${HEROKU_LAYERS} → ${join(hostApp, '.pybp', 'layers')}`;
    const hostExplained = cacheLayersOf((await runPybp(['explain', hostApp, '--json', '--python-source', 'local', '--cache-image', image[1]!, ...HOST])).stdout);
    expect(hostExplained.python!.take).toBe('restore');
    expect(hostExplained.uv!.take).toBe('restore');
    expect(hostExplained.venv!.take).toBe('no');
    expect(hostExplained.venv!.reasons).toEqual([reason]);
    const hostReport = await build(hostApp, ['--cache-image', image[1]!, ...HOST]);
    expect(hostReport.status, JSON.stringify(hostReport.error)).toBe('succeeded');
    expect(actionsOf(hostReport)).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'create' });
    expect(reasonsOf(hostReport, 'venv')).toEqual([['layers path', HEROKU_LAYERS, join(hostApp, '.pybp', 'layers')]]);
    expect(cacheOf(hostReport).restore!.skipped).toEqual([{ name: 'venv', reasons: [reason] }]);
    expect((await runPybp(['run', hostApp, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');
  });
});

/**
 * Writes a cache image as lifecycle writes one (not with pybp's code): each layer dir as a tar with absolute
 * names under /layers/heroku_python (the parents first, root's), walked in lexical order, every entry of the layer
 * 1002:1000 with the 1980 mtime and hard links as files, gzipped; a config with no base, rootfs.diff_ids in layer
 * order and only lifecycle's label; an OCI manifest. Laid out as an OCI image layout and pushed with skopeo to each
 * of `refs`, which are returned.
 */
async function pushPackShapedImage(layersDir: string, names: string[], layout: string, refs: string[]): Promise<string[]> {
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const putBlob = async (bytes: Buffer) => {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(join(blobs, digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const layers: Array<{ digest: string; size: number }> = [];
  const diffIds: string[] = [];
  const metadata: Record<string, { sha: string; data: Record<string, unknown>; build: boolean; launch: boolean; cache: boolean }> = {};
  for (const name of names) {
    const plain = join(layout, `${name}.tar`);
    await writeLifecycleTar(join(layersDir, name), name, plain);
    const diffId = `sha256:${createHash('sha256').update(await readFile(plain)).digest('hex')}`;
    const zipped = join(layout, `${name}.tar.gz`);
    await pipeline(createReadStream(plain), createGzip({ level: 1 }), createWriteStream(zipped));
    layers.push(await putBlob(await readFile(zipped)));
    await rm(plain);
    await rm(zipped);
    diffIds.push(diffId);
    const toml = parseToml(await readFile(join(layersDir, `${name}.toml`), 'utf8')) as { metadata: Record<string, unknown>; types: { build?: boolean; launch?: boolean } };
    metadata[name] = { sha: diffId, data: toml.metadata, build: toml.types.build === true, launch: toml.types.launch === true, cache: true };
  }
  const label = { sbom: { sha: '' }, buildpacks: [{ key: 'heroku/python', version: '6.5.6', layers: metadata }] };
  const config = await putBlob(
    Buffer.from(
      JSON.stringify({
        architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
        os: 'linux',
        created: '1980-01-01T00:00:01Z',
        config: { Labels: { 'io.buildpacks.lifecycle.cache.metadata': JSON.stringify(label) } },
        rootfs: { type: 'layers', diff_ids: diffIds },
        history: diffIds.map(() => ({ created: '1980-01-01T00:00:01Z' })),
      }),
    ),
  );
  const manifest = await putBlob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
      }),
    ),
  );
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }),
  );
  for (const ref of refs) execFileSync('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${ref}`], { stdio: 'ignore' });
  return refs;
}

/** lifecycle's tar of one layer (layers/dir.go): see pushPackShapedImage. */
async function writeLifecycleTar(dir: string, name: string, file: string): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack as unknown as NodeJS.ReadableStream, createWriteStream(file));
  const mtime = new Date(315532801 * 1000);
  const entry = (header: tar.Headers, body?: NodeJS.ReadableStream) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      if (body) body.pipe(sink as unknown as NodeJS.WritableStream);
      else sink.end();
    });
  await entry({ name: '/layers', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime });
  await entry({ name: HEROKU_LAYERS, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime });
  const own = { uid: 1002, gid: 1000, uname: '', gname: '', mtime };
  const walk = async (at: string, entryName: string): Promise<void> => {
    const st = await lstat(at);
    await entry({ ...own, name: entryName, type: 'directory', mode: st.mode & 0o777 });
    const children = (await readdir(at)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const child of children) {
      const p = join(at, child);
      const cst = await lstat(p);
      if (cst.isDirectory()) {
        if (name === 'python' && child === 'test' && /\/lib\/python3\.\d+$/.test(entryName)) continue;
        await walk(p, `${entryName}/${child}`);
      }
      else if (cst.isSymbolicLink()) await entry({ ...own, name: `${entryName}/${child}`, type: 'symlink', mode: cst.mode & 0o777, linkname: await readlink(p) });
      // Heroku's archives leave out the test suite and the static library; so does this layer (and the image stays small).
      else if (cst.isFile() && !child.endsWith('.a')) await entry({ ...own, name: `${entryName}/${child}`, type: 'file', mode: cst.mode & 0o777, size: cst.size }, createReadStream(p));
    }
  };
  await walk(dir, `${HEROKU_LAYERS}/${name}`);
  pack.finalize();
  await written;
}
