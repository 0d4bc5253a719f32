// lifecycle's layer tar: written the same way every time (sorted, fixed
// mtime, the build user's ids, absolute names with the parents first), read
// back whole, and a hostile tar refused with a reason before anything of it
// reaches the layer.
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { layerExtractor, packLayer, RefusedLayer } from '../../../src/engine/cache/layer-tar.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'pybp-tar-'));
  dirs.push(d);
  return d;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function headers(buf: Buffer): Promise<tar.Headers[]> {
  const out: tar.Headers[] = [];
  const ex = tar.extract();
  const done = (async () => {
    for await (const e of ex) {
      out.push(e.header);
      e.resume();
    }
  })();
  await pipeline(Readable.from([buf]), ex);
  await done;
  return out;
}

/** A tar of the given entries (name, type, body). */
async function makeTar(entries: Array<tar.Headers & { body?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  const out = bytesOf(pack as unknown as Readable);
  for (const { body, ...h } of entries) {
    await new Promise<void>((resolve, reject) => pack.entry({ mtime: new Date(0), ...h, ...(body !== undefined ? { size: Buffer.byteLength(body) } : {}) }, body ?? null as never, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  return out;
}

const PARENTS: tar.Headers[] = [
  { name: '/layers', type: 'directory', mode: 0o755 },
  { name: '/layers/heroku_python', type: 'directory', mode: 0o755 },
  { name: '/layers/heroku_python/venv', type: 'directory', mode: 0o755 },
];

/** `seenAt`: the layers dir as the build's tools see it (/layers/heroku_python with Heroku's paths); the host dir by default. */
async function extract(buf: Buffer, limits?: Parameters<typeof layerExtractor>[0]['limits'], seenAt?: string): Promise<{ layersDir: string; staging: string }> {
  const layersDir = path.join(await temp(), 'layers');
  await mkdir(path.join(layersDir, '.pybp', 'restore'), { recursive: true });
  const staging = path.join(layersDir, '.pybp', 'restore', 'venv');
  const seen = seenAt ?? layersDir;
  const { sink, done } = await layerExtractor({ layerName: 'venv', stagingDir: staging, finalDir: path.join(seen, 'venv'), layersDir: seen, limits });
  const [p, d] = await Promise.allSettled([pipeline(Readable.from([buf]), sink), done]);
  if (d.status === 'rejected') throw d.reason;
  if (p.status === 'rejected') throw p.reason;
  return { layersDir, staging };
}

describe('packLayer', () => {
  it('writes lifecycle\'s tar: parents first, lexical order, fixed mtime, 1002:1000, the same bytes every time', async () => {
    const dir = path.join(await temp(), 'uv');
    await mkdir(path.join(dir, 'bin'), { recursive: true });
    await writeFile(path.join(dir, 'bin', 'uv'), 'binary');
    await writeFile(path.join(dir, 'B'), 'upper');
    await writeFile(path.join(dir, 'a'), 'lower');
    await chmod(path.join(dir, 'bin', 'uv'), 0o4755);
    await symlink('bin/uv', path.join(dir, 'uvlink'));
    const one = await bytesOf(await packLayer(dir, 'uv'));
    const two = await bytesOf(await packLayer(dir, 'uv'));
    expect(createHash('sha256').update(one).digest('hex')).toBe(createHash('sha256').update(two).digest('hex'));
    const hs = await headers(one);
    expect(hs.map((h) => h.name)).toEqual([
      '/layers',
      '/layers/heroku_python',
      '/layers/heroku_python/uv',
      '/layers/heroku_python/uv/B',
      '/layers/heroku_python/uv/a',
      '/layers/heroku_python/uv/bin',
      '/layers/heroku_python/uv/bin/uv',
      '/layers/heroku_python/uv/uvlink',
    ]);
    expect(hs.every((h) => h.mtime?.getTime() === 315532801000)).toBe(true);
    expect(hs.slice(2).every((h) => h.uid === 1002 && h.gid === 1000)).toBe(true);
    expect(hs[0]!.uid).toBe(0);
    // setuid never goes into a cache.
    expect(hs.find((h) => h.name.endsWith('/bin/uv'))!.mode).toBe(0o755);
    expect(hs.find((h) => h.name.endsWith('uvlink'))!.linkname).toBe('bin/uv');
  });

  it('round-trips through the extractor: contents, modes and links', async () => {
    const dir = path.join(await temp(), 'venv');
    await mkdir(path.join(dir, 'lib', 'pkg'), { recursive: true });
    await writeFile(path.join(dir, 'lib', 'pkg', 'm.py'), 'print(1)\n');
    await writeFile(path.join(dir, 'run'), '#!/bin/sh\n');
    await chmod(path.join(dir, 'run'), 0o755);
    await symlink('lib', path.join(dir, 'lib64'));
    const { staging } = await extract(await bytesOf(await packLayer(dir, 'venv')));
    expect(await readFile(path.join(staging, 'lib', 'pkg', 'm.py'), 'utf8')).toBe('print(1)\n');
    expect((await lstat(path.join(staging, 'run'))).mode & 0o777).toBe(0o755);
    expect(await readlink(path.join(staging, 'lib64'))).toBe('lib');
  });
});

describe('a hostile layer tar is refused with a reason', () => {
  const cases: Array<[string, Array<tar.Headers & { body?: string }>, RegExp]> = [
    ['an entry outside its layer', [...PARENTS, { name: '/layers/heroku_python/python/bin/x', type: 'file', body: 'x' }], /lies outside \/layers\/heroku_python\/venv\//],
    ['an entry elsewhere on the system', [{ name: '/etc/passwd', type: 'file', body: 'x' }], /lies outside/],
    ['a .. component', [...PARENTS, { name: '/layers/heroku_python/venv/../../../../tmp/x', type: 'file', body: 'x' }], /\.\. component/],
    ['an absolute link leading out', [...PARENTS, { name: '/layers/heroku_python/venv/evil', type: 'symlink', linkname: '/etc' }], /leads out of the layers directory/],
    ['a relative link leading out', [...PARENTS, { name: '/layers/heroku_python/venv/evil', type: 'symlink', linkname: '../../../x' }], /leads out of the layers directory/],
    ['a file written through a link', [...PARENTS, { name: '/layers/heroku_python/venv/lib64', type: 'symlink', linkname: 'lib' }, { name: '/layers/heroku_python/venv/lib64/x', type: 'file', body: 'x' }], /not inside a directory of the layer/],
    ['a hard link', [...PARENTS, { name: '/layers/heroku_python/venv/a', type: 'file', body: 'x' }, { name: '/layers/heroku_python/venv/b', type: 'link', linkname: '/layers/heroku_python/venv/a' }], /hard link/],
    ['a device node', [...PARENTS, { name: '/layers/heroku_python/venv/null', type: 'character-device', devmajor: 1, devminor: 3 }], /device node/],
    ['a FIFO', [...PARENTS, { name: '/layers/heroku_python/venv/pipe', type: 'fifo' }], /FIFO/],
    ['a setuid file', [...PARENTS, { name: '/layers/heroku_python/venv/su', type: 'file', mode: 0o4755, body: 'x' }], /setuid or setgid/],
    ['a setgid directory', [...PARENTS, { name: '/layers/heroku_python/venv/d', type: 'directory', mode: 0o2755 }], /setuid or setgid/],
    ['a duplicate entry', [...PARENTS, { name: '/layers/heroku_python/venv/a', type: 'file', body: 'x' }, { name: '/layers/heroku_python/venv/a', type: 'file', body: 'y' }], /appears twice/],
  ];
  for (const [what, entries, reason] of cases) {
    it(what, async () => {
      const buf = await makeTar(entries);
      const err = await extract(buf).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(RefusedLayer);
      expect((err as RefusedLayer).reason).toMatch(reason);
    });
  }

  it('files past the size bound', async () => {
    const buf = await makeTar([...PARENTS, { name: '/layers/heroku_python/venv/big', type: 'file', body: 'x'.repeat(2000) }]);
    const err = await extract(buf, { maxBytes: 1000, maxEntries: 100, maxPathLength: 4096 }).then(() => null, (e: unknown) => e);
    expect((err as RefusedLayer).reason).toMatch(/larger than 1000 bytes/);
  });

  it('too many entries', async () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ name: `/layers/heroku_python/venv/f${i}`, type: 'file' as const, body: '' }));
    const err = await extract(await makeTar([...PARENTS, ...many]), { maxBytes: 1e9, maxEntries: 10, maxPathLength: 4096 }).then(() => null, (e: unknown) => e);
    expect((err as RefusedLayer).reason).toMatch(/more than 10 entries/);
  });

  it('a link into another layer of the same layers dir is fine (a venv\'s bin/python)', async () => {
    const buf = await makeTar([...PARENTS, { name: '/layers/heroku_python/venv/python', type: 'symlink', linkname: '../python/bin/python3' }]);
    const { staging } = await extract(buf);
    expect(await readlink(path.join(staging, 'python'))).toBe('../python/bin/python3');
  });

  it("with Heroku's paths, a venv's absolute bin/python link into /layers/heroku_python is fine (as pack's caches hold it)", async () => {
    const buf = await makeTar([...PARENTS, { name: '/layers/heroku_python/venv/python', type: 'symlink', linkname: '/layers/heroku_python/python/bin/python' }]);
    const { staging } = await extract(buf, undefined, '/layers/heroku_python');
    expect(await readlink(path.join(staging, 'python'))).toBe('/layers/heroku_python/python/bin/python');
  });

  it("with the host's paths, that same link leads out of the layers dir", async () => {
    const buf = await makeTar([...PARENTS, { name: '/layers/heroku_python/venv/python', type: 'symlink', linkname: '/layers/heroku_python/python/bin/python' }]);
    const err = await extract(buf).then(() => null, (e: unknown) => e);
    expect((err as RefusedLayer).reason).toMatch(/leads out of the layers directory/);
  });

  it("with Heroku's paths, links are judged in the tools' view: one out of /layers/heroku_python is refused", async () => {
    for (const linkname of ['/layers/other/x', '/layers/heroku_python/../../etc/passwd', '/layers/heroku_python_evil/x', '../../../etc', '/etc/passwd']) {
      const buf = await makeTar([...PARENTS, { name: '/layers/heroku_python/venv/evil', type: 'symlink', linkname }]);
      const err = await extract(buf, undefined, '/layers/heroku_python').then(() => null, (e: unknown) => e);
      expect((err as RefusedLayer).reason, linkname).toMatch(/leads out of the layers directory/);
    }
  });
});
