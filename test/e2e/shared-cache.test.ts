// End-to-end: the shared build cache, through a real registry on loopback
// (Debian's docker-registry, started and stopped by this file) and through a
// cache dir. CI to CI (same checkout path) reuses uv and venv. CI to laptop
// (another path): with Heroku's paths (the default) the venv is reused too;
// with the host's paths (`--paths host`) uv is reused and the venv rebuilt
// with the layers-path reason, and so is a cache of the other mode. A damaged
// blob and a dead registry still give a successful build, with the reason
// shown; skopeo and umoci read what pybp wrote. (pip, Poetry and a cache image
// shaped like pack's: portable-cache.test.ts.)
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRegistry } from '../support/registry.js';
import { actionsOf, build, reasonsOf, runPybp } from './pybp.js';
import { copyOf, registryAndUvApp } from './shared-cache-fixture.js';
import { cacheLayersOf, cacheOf, HEROKU, HEROKU_LAYERS, HOST } from './shared-cache-json.js';


describe('a shared build cache', () => {
  const fixture = registryAndUvApp('pybp cache-');

  const checkout = (dir: string) => copyOf(fixture.sources, dir);

  it('CI to CI through the registry: uv and venv are restored and reused; skopeo and umoci read the image', async () => {
    const image = `${fixture.registry.host}/ci-cache:latest`;
    const app = await checkout(join(fixture.root, 'ci', 'app'));
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
    const layout = join(fixture.root, 'layout');
    execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${image}`, `oci:${layout}:latest`], { stdio: 'ignore' });
    const bundle = join(fixture.root, 'bundle');
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
    const image = `${fixture.registry.host}/laptop-cache:latest`;
    const ci = await checkout(join(fixture.root, 'runner', 'app'));
    expect((await build(ci, ['--cache-image', image, ...HOST])).status).toBe('succeeded');

    const laptop = await checkout(join(fixture.root, 'home', 'dev', 'app'));
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
    const other = await checkout(join(fixture.root, 'home', 'other', 'app'));
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
    const image = `${fixture.registry.host}/heroku-laptop-cache:latest`;
    const ci = await checkout(join(fixture.root, 'hrunner', 'app'));
    const first = await build(ci, ['--cache-image', image, ...HEROKU]);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(cacheOf(first).save!.saved).toEqual(['uv', 'venv']);

    const laptop = await checkout(join(fixture.root, 'home', 'hdev', 'app'));
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
    const image = `${fixture.registry.host}/damaged-cache:latest`;
    const app = await checkout(join(fixture.root, 'damaged', 'app'));
    expect((await build(app, ['--cache-image', image])).status).toBe('succeeded');
    const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${image}`], { encoding: 'utf8' })) as { layers: Array<{ digest: string; size: number }> };
    // The venv's blob (the second layer), same size, other bytes.
    const blob = fixture.registry.blobFile(manifest.layers[1]!.digest);
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
    const dead = await startRegistry(join(fixture.root, 'dead'));
    const host = dead.host;
    await dead.stop();
    const app = await checkout(join(fixture.root, 'dead', 'app'));
    const report = await build(app, ['--cache-image', `${host}/x:latest`]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', uv: 'create', 'uv-cache': 'rebuild-always', venv: 'create' });
    const codes = report.warnings.map((w) => w.code);
    expect(codes).toContain('cache-restore-failed');
    expect(codes).toContain('cache-save-failed');
    for (const w of report.warnings.filter((w) => w.code.startsWith('cache-'))) expect(w.message).toContain(host);
  });

  it("--cache-dir round trips: into another checkout path with Heroku's paths the venv is reused; with the host's paths only at the same path", async () => {
    const dir = join(fixture.root, 'ci-cache');
    const app = await checkout(join(fixture.root, 'dirci', 'app'));
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
    const elsewhere = await checkout(join(fixture.root, 'dirlaptop', 'app'));
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
});
