// End-to-end: layers that hold the layers path (pip, Poetry, the venv) in a
// shared cache. With Heroku's paths every checkout and machine sees
// /layers/heroku_python, so they reach another checkout through --cache-dir;
// with the host's paths pip is made again, with the layers path as the
// reason. A cache image shaped like pack's (lifecycle's label only, layer
// tars with lifecycle's paths and owner ids, written here and pushed with
// skopeo to a real registry on loopback) restores whole with Heroku's paths,
// and with the host's gives everything but the venv.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parse as parseToml } from 'smol-toml';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { makePipApp, makePoetryApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { actionsOf, build, reasonsOf, runPybp, writeToolsConfig } from './pybp.js';
import { copyOf, registryAndUvApp } from './shared-cache-fixture.js';
import { cacheLayersOf, cacheOf, HEROKU, HEROKU_LAYERS, HOST } from './shared-cache-json.js';

describe('path-bound layers in a shared cache', () => {
  const fixture = registryAndUvApp('pybp portable-cache-');

  /** A fresh checkout of the uv app at `dir`. */
  const checkout = (dir: string) => copyOf(fixture.sources, dir);

  it("pip with Heroku's paths: another checkout reuses the pip layer (its scripts name /layers/heroku_python); the host's paths make it again", async () => {
    const { indexUrl } = testInfra();
    const pipSources = join(fixture.root, 'pip-sources');
    await makePipApp(pipSources, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(pipSources, indexUrl);
    const dir = join(fixture.root, 'pip-cache-dir');
    const ci = await build(await copyOf(pipSources, join(fixture.root, 'pipci', 'app')), ['--cache-dir', dir, ...HEROKU]);
    expect(ci.status, JSON.stringify(ci.error)).toBe('succeeded');
    expect(cacheOf(ci).save!.saved).toEqual(['pip', 'pip-cache']);

    const laptop = await copyOf(pipSources, join(fixture.root, 'piplaptop', 'app'));
    const report = await build(laptop, ['--cache-dir', dir, ...HEROKU]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', pip: 'reuse', 'pip-cache': 'reuse', venv: 'rebuild-always' });
    expect((await runPybp(['run', laptop, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');

    // The host's paths: pip's scripts start with #!/layers/heroku_python/..., which the host has not; pip-cache is not path-bound.
    const host = await copyOf(pipSources, join(fixture.root, 'piphost', 'app'));
    const hostReport = await build(host, ['--cache-dir', dir, ...HOST]);
    expect(hostReport.status, JSON.stringify(hostReport.error)).toBe('succeeded');
    expect(actionsOf(hostReport)).toEqual({ python: 'create', pip: 'create', 'pip-cache': 'reuse', venv: 'rebuild-always' });
    expect(reasonsOf(hostReport, 'pip')).toEqual([['layers path', HEROKU_LAYERS, join(host, '.pybp', 'layers')]]);
    expect(cacheOf(hostReport).restore!.skipped).toEqual([{ name: 'pip', reasons: [`layers path: ${HEROKU_LAYERS} → ${join(host, '.pybp', 'layers')}`] }]);
  });

  it("Poetry with Heroku's paths: another checkout reuses the poetry layer and the venv", async () => {
    const { indexUrl } = testInfra();
    const poetrySources = join(fixture.root, 'poetry-sources');
    await makePoetryApp(poetrySources, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(poetrySources, indexUrl);
    const dir = join(fixture.root, 'poetry-cache-dir');
    const ci = await build(await copyOf(poetrySources, join(fixture.root, 'poetryci', 'app')), ['--cache-dir', dir, ...HEROKU]);
    expect(ci.status, JSON.stringify(ci.error)).toBe('succeeded');
    expect(cacheOf(ci).save!.saved).toEqual(['poetry', 'venv']);

    const laptop = await copyOf(poetrySources, join(fixture.root, 'poetrylaptop', 'app'));
    const report = await build(laptop, ['--cache-dir', dir, ...HEROKU]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', poetry: 'reuse', venv: 'reuse' });
    expect((await runPybp(['run', laptop, '--', 'tinyweb'])).stdout).toContain('hello from tinyweb 1.0.0');
  });

  it("a cache image shaped like pack's restores whole with Heroku's paths; with the host's, its venv is rebuilt with the reason and the rest reused", async () => {
    // The layers of one build with Heroku's paths, as pack's builder would leave them (its python layer is the local
    // stand-in here, under the Heroku version its metadata names; a pack build's is Heroku's own archive).
    const made = await checkout(join(fixture.root, 'packmade', 'app'));
    expect((await build(made, HEROKU)).status).toBe('succeeded');
    const image = await pushPackShapedImage(join(made, '.pybp', 'layers'), ['python', 'uv', 'venv'], join(fixture.root, 'pack-layout'), [
      `${fixture.registry.host}/pack-cache:heroku`,
      `${fixture.registry.host}/pack-cache:host`,
    ]);
    // What pybp adds is absent: lifecycle's label only.
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${image[0]}`], { encoding: 'utf8' })) as { Labels: Record<string, string> };
    expect(Object.keys(inspected.Labels)).toEqual(['io.buildpacks.lifecycle.cache.metadata']);

    const app = await checkout(join(fixture.root, 'packuser', 'app'));
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
    const hostApp = await checkout(join(fixture.root, 'packhost', 'app'));
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
