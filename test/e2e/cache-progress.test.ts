// End-to-end: what a shared cache's transfers report, through a real registry
// on loopback (Debian's docker-registry) and a cache dir. --json has the bytes
// moved and the blobs skipped for the restore and the save, and they are the
// cache's own sizes (the manifest's blob sizes, the committed tars' sizes);
// the plain lines (CI, a pipe) say the transfer in a few lines, not a line per
// chunk.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_ENV_FLAGS, build, runPybp } from './pybp.js';
import { copyOf, registryAndUvApp } from './shared-cache-fixture.js';

interface TransferJson {
  restore: { restored: Array<{ name: string; bytes: number; diffId: string }>; skipped: Array<{ name: string }>; bytesMoved: number; blobsSkipped: number; durationMs: number } | null;
  save: { saved: string[]; stats: { bytesMoved: number; blobsSkipped: number } | null; durationMs: number; problem: string | null } | null;
}

const cacheOf = (report: unknown) => (report as { cache: TransferJson }).cache;


describe('shared cache transfers: bytes moved, blobs skipped, progress lines', () => {
  const fixture = registryAndUvApp('pybp progress-');

  const checkout = (dir: string) => copyOf(fixture.sources, dir);

  it('--cache-image: the JSON counts the blobs as the registry has them; the plain lines say start, each layer and the totals', async () => {
    const image = `${fixture.registry.host}/progress-cache:latest`;
    const app = await checkout(join(fixture.root, 'image', 'app'));
    const first = await build(app, ['--cache-image', image]);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    // No cache yet: nothing restored; the save uploads the two layers and the config.
    expect(cacheOf(first).restore).toMatchObject({ bytesMoved: 0, blobsSkipped: 0 });
    const save = cacheOf(first).save!;
    expect(save.saved).toEqual(['uv', 'venv']);
    expect(save.stats!.blobsSkipped).toBe(0);
    expect(save.durationMs).toBeGreaterThanOrEqual(0);

    // The registry's manifest: each layer blob's size, and the config's.
    const res = await fetch(`http://${fixture.registry.host}/v2/progress-cache/manifests/latest`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifest = (await res.json()) as { config: { size: number }; layers: Array<{ digest: string; size: number }> };
    const blobBytes = manifest.layers.reduce((n, l) => n + l.size, 0);
    expect(save.stats!.bytesMoved).toBe(blobBytes + manifest.config.size);

    // A fresh checkout, built as CI would print it: plain lines on stdout.
    await checkout(app);
    const plain = await runPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS, '--cache-image', image]);
    expect(plain.code, plain.stderr).toBe(0);
    const lines = plain.stdout.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const start = at(/^Restoring from cache image 127\.0\.0\.1:\d+\/progress-cache:latest: 2 layers \([\d.]+ [KM]B\): uv, venv$/);
    expect(start, plain.stdout).toBe(0);
    expect(lines[1]).toMatch(/^ {2}uv: [\d.]+ [KM]B in \d+\.\d s \([\d.]+ [KMG]?B\/s\)$/);
    expect(lines[2]).toMatch(/^ {2}venv: [\d.]+ [KM]B in \d+\.\d s \([\d.]+ [KMG]?B\/s\)$/);
    expect(lines[3]).toMatch(/^Restored from cache image 127\.0\.0\.1:\d+\/progress-cache:latest: [\d.]+ [KM]B moved in \d+\.\d s \([\d.]+ [KMG]?B\/s\), 0 blobs skipped$/);
    expect(lines[4]).toMatch(/^pybp build /);
    const saving = at(/^Saving to cache image 127\.0\.0\.1:\d+\/progress-cache:latest: 2 layers: uv, venv$/);
    expect(saving, plain.stdout).toBeGreaterThan(4);
    // uv was left as restored: its blob is not sent again; the image's config comes last.
    expect(lines.slice(saving + 1, saving + 4).join('\n')).toContain('  uv: skipped, already in the cache (unchanged since the restore)');
    expect(lines.find((l) => /^Saved to cache image .*: ([\d.]+ [KM]?B|nothing) moved in \d+\.\d s.*, [1-3] blobs? skipped$/.test(l)), plain.stdout).toBeDefined();
    // A few lines, not one per chunk: the transfer lines are the ones counted above, plus at most the venv's and the config's.
    const transferLines = lines.filter((l) => /^(Restor|Sav)|^ {2}(uv|venv|image config): /.test(l));
    expect(transferLines.length).toBeLessThanOrEqual(10);

    // And once more with --json: the restore's bytes are exactly the blobs the registry has (as the second build left them).
    const before = (await (await fetch(`http://${fixture.registry.host}/v2/progress-cache/manifests/latest`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as typeof manifest;
    await checkout(app);
    const third = await build(app, ['--cache-image', image]);
    expect(third.status, JSON.stringify(third.error)).toBe('succeeded');
    const restore = cacheOf(third).restore!;
    expect(restore.restored.map((r) => r.name)).toEqual(['uv', 'venv']);
    const restoredBlobs = restore.restored.reduce((n, r) => n + r.bytes, 0);
    expect(restore.bytesMoved).toBe(restoredBlobs);
    expect(restoredBlobs).toBe(before.layers.reduce((n, l) => n + l.size, 0));
    expect(restore.blobsSkipped).toBe(0);
    expect(cacheOf(third).save!.stats!.blobsSkipped).toBeGreaterThanOrEqual(2);
  });

  it('--cache-dir: the restore moves exactly the committed tars; a layer already in the layers dir is a blob skipped', async () => {
    const dir = join(fixture.root, 'dir-cache');
    const app = await checkout(join(fixture.root, 'dir', 'app'));
    const first = await build(app, ['--cache-dir', dir]);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(cacheOf(first).save!.stats!.bytesMoved).toBeGreaterThan(0);

    // Each committed tar's size before the next build reads them (its save may replace the venv's).
    const sizes = new Map(readdirSync(join(dir, 'committed')).filter((f) => f.endsWith('.tar')).map((f) => [f, statSync(join(dir, 'committed', f)).size]));
    const inodesBefore = new Map(readdirSync(join(dir, 'committed')).filter((f) => f.endsWith('.tar')).map((f) => [f, statSync(join(dir, 'committed', f)).ino]));
    await checkout(app);
    const second = await build(app, ['--cache-dir', dir]);
    expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
    const restore = cacheOf(second).restore!;
    expect(restore.restored.map((r) => r.name)).toEqual(['uv', 'venv']);
    const tarBytes = restore.restored.reduce((n, r) => n + sizes.get(`${r.diffId}.tar`)!, 0);
    expect(tarBytes).toBeGreaterThan(0);
    expect(restore.bytesMoved).toBe(tarBytes);
    expect(restore.blobsSkipped).toBe(0);
    // uv left as restored: its committed tar is kept, not written again. The venv, whose .pyc files
    // uv sync rewrote with the same bytes, packs to the same tar: that one is kept too, so the second
    // save moves nothing and the cache dir's tars are the very same files.
    expect(cacheOf(second).save!.stats!.blobsSkipped).toBe(2);
    expect(cacheOf(second).save!.stats!.bytesMoved).toBe(0);
    const inodes = (d: string) => new Map(readdirSync(d).filter((f) => f.endsWith('.tar')).map((f) => [f, statSync(join(d, f)).ino]));
    expect(inodes(join(dir, 'committed'))).toEqual(inodesBefore);

    // The same checkout again: both layers are on disk already, so nothing is read from the cache.
    const third = await build(app, ['--cache-dir', dir]);
    expect(third.status, JSON.stringify(third.error)).toBe('succeeded');
    expect(cacheOf(third).restore).toMatchObject({ restored: [], bytesMoved: 0, blobsSkipped: 2 });
  });
});
