// lifecycle's volume cache (cache/volume_cache.go; pack's
// `--cache 'type=build;format=bind;source=DIR'`), which a CI cache step keeps:
//   DIR/committed/sha256:<hex>.tar                      each layer's tar, by diffID
//   DIR/committed/io.buildpacks.lifecycle.cache.metadata lifecycle's metadata
//   DIR/committed/io.pybp.cache.provenance.json         pybp's own facts (lifecycle ignores it)
// A save writes DIR/staging/ and swaps it in (committed-backup/ during the
// swap), so a killed save leaves the old cache whole.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type { CacheBackend, CacheIndex, IndexRead, LayerBody, LayerToSave, SaveStats } from './backend.js';
import { DigestStream } from './digest-stream.js';
import { packLayer } from './layer-tar.js';
import type { SaveProgress } from './transfer.js';
import { type CachedLayer, LIFECYCLE_CACHE_LABEL, METADATA_MAX_BYTES, parseCacheMetadata, parseProvenance, PYBP_PROVENANCE_LABEL, type Provenance, renderCacheMetadata } from './metadata.js';

const PROVENANCE_FILE = `${PYBP_PROVENANCE_LABEL}.json`;
/** What a volume cache's directories may hold: pybp removes a staging dir only when it holds nothing else. */
const OWN_FILE = /^(sha256:[0-9a-f]{64}\.tar|io\.buildpacks\.lifecycle\.cache\.metadata|io\.pybp\.cache\.provenance\.json|\.[a-z0-9.-]+\.tmp)$/;

export function dirCache(dir: string): CacheBackend {
  const root = path.resolve(dir);
  const committed = path.join(root, 'committed');
  const staging = path.join(root, 'staging');
  const backup = path.join(root, 'committed-backup');
  return {
    kind: 'dir',
    describe: `cache dir ${root}`,

    async readIndex(): Promise<IndexRead> {
      // A save killed mid-swap leaves only committed-backup: that is the last complete cache.
      const from = (await kindOf(committed)) === 'dir' ? committed : (await kindOf(backup)) === 'dir' ? backup : null;
      if (!from) {
        const k = await kindOf(root);
        if (k === 'absent' || k === 'dir') return { kind: 'absent' };
        return { kind: 'unusable', problem: `${root} is not a directory`, cause: 'cache-dir-unusable', fix: `Point --cache-dir at a directory (or at a path where pybp may make one); ${root} is left as it is.` };
      }
      const text = await readBounded(path.join(from, LIFECYCLE_CACHE_LABEL));
      if (text === null) return { kind: 'absent' };
      const parsed = parseCacheMetadata(text);
      if (!parsed.ok) return { kind: 'unusable', problem: parsed.problem, cause: 'cache-corrupt', fix: `The next successful build with --cache-dir ${root} saves a fresh cache there (pybp replaces only a cache's own files).` };
      const provenance = parseProvenance(await readBounded(path.join(from, PROVENANCE_FILE)).catch(() => null));
      const sizes = new Map<string, number>();
      const layers: CachedLayer[] = [];
      for (const layer of parsed.layers) {
        // lifecycle's validation: a layer whose blob is missing makes no layer.
        const st = await fs.lstat(path.join(from, `${layer.diffId}.tar`)).catch(() => null);
        if (!st?.isFile()) continue;
        sizes.set(layer.diffId, st.size);
        layers.push(layer);
      }
      return { kind: 'index', index: { layers, provenance, sizes, location: from, blobs: new Map() } };
    },

    async openLayer(index: CacheIndex, layer: CachedLayer): Promise<LayerBody> {
      const from = index.location;
      const file = path.join(from, `${layer.diffId}.tar`);
      // Never through a symlink.
      const handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
      const st = await handle.stat();
      if (!st.isFile()) {
        await handle.close();
        throw new Error(`${file} is not a regular file`);
      }
      return { body: handle.createReadStream({ autoClose: true }), blobDigest: null };
    },

    async save(layers: LayerToSave[], provenance: Provenance, signal: AbortSignal, progress?: SaveProgress): Promise<SaveStats> {
      await fs.mkdir(root, { recursive: true });
      await clearOwn(staging);
      await fs.mkdir(staging);
      let bytesMoved = 0;
      const saved: CachedLayer[] = [];
      let blobsSkipped = 0;
      for (const layer of layers) {
        if (signal.aborted) throw new Error('interrupted');
        // Left as restored: the committed tar is this layer's tar (a hard link, no copy, no packing).
        if (layer.unchanged) {
          const old = await existingTar([committed, backup], layer.unchanged.diffId);
          if (old) {
            await fs.link(old, path.join(staging, `${layer.unchanged.diffId}.tar`)).catch(async () => fs.copyFile(old, path.join(staging, `${layer.unchanged!.diffId}.tar`)));
            saved.push({ name: layer.name, diffId: layer.unchanged.diffId, data: layer.data, types: layer.types });
            blobsSkipped += 1;
            progress?.skipped(layer.name, 'unchanged since the restore: its tar is kept');
            continue;
          }
        }
        const tmp = path.join(staging, `.${layer.name}.tmp`);
        const diff = new DigestStream();
        // Written straight into the cache dir: packing is the move.
        const meter = progress?.blob(layer.name, 'moving', null);
        const packed = await packLayer(layer.dir, layer.name, signal);
        try {
          if (meter) await pipeline(packed, meter.counter(), diff, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }), { signal });
          else await pipeline(packed, diff, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }), { signal });
        } catch (err) {
          meter?.done(false);
          throw err;
        }
        meter?.done(true);
        const diffId = diff.digest();
        saved.push({ name: layer.name, diffId, data: layer.data, types: layer.types });
        // Packed to the same bytes as a tar the cache has (a restored venv whose .pyc files uv rewrote
        // with new mtimes but the same content): keep that tar, so the cache dir does not change and a
        // CI cache step sees nothing new.
        const same = await existingTar([committed, backup], diffId);
        if (same) {
          await fs.rm(tmp, { force: true });
          await fs.link(same, path.join(staging, `${diffId}.tar`)).catch(async () => fs.copyFile(same, path.join(staging, `${diffId}.tar`)));
          blobsSkipped += 1;
          progress?.skipped(layer.name, 'packed to the same tar the cache has: kept');
          continue;
        }
        await fs.rename(tmp, path.join(staging, `${diffId}.tar`));
        bytesMoved += diff.bytes;
      }
      await fs.writeFile(path.join(staging, LIFECYCLE_CACHE_LABEL), JSON.stringify(renderCacheMetadata(saved)));
      await fs.writeFile(path.join(staging, PROVENANCE_FILE), JSON.stringify(provenance));
      if (signal.aborted) throw new Error('interrupted');
      // The swap: committed → committed-backup, staging → committed, then the backup goes.
      await clearOwn(backup);
      if ((await kindOf(committed)) === 'dir') await fs.rename(committed, backup);
      await fs.rename(staging, committed);
      await clearOwn(backup);
      return { layers: saved.length, bytesMoved, blobsSkipped };
    },
  };
}

async function existingTar(dirs: string[], diffId: string): Promise<string | null> {
  for (const d of dirs) {
    const p = path.join(d, `${diffId}.tar`);
    if ((await kindOf(p)) === 'file') return p;
  }
  return null;
}

type Kind = 'absent' | 'dir' | 'file' | 'other';

async function kindOf(p: string): Promise<Kind> {
  try {
    const st = await fs.lstat(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
}

/** Removes a staging or backup dir of a volume cache, only if it holds nothing but a cache's own files. */
async function clearOwn(dir: string): Promise<void> {
  const k = await kindOf(dir);
  if (k === 'absent') return;
  if (k !== 'dir') throw new Error(`${dir} is not a directory; pybp leaves it alone`);
  for (const name of await fs.readdir(dir)) {
    const kind = await kindOf(path.join(dir, name));
    if (!OWN_FILE.test(name) || kind !== 'file') throw new Error(`${path.join(dir, name)} is not a file of a build cache; pybp leaves ${dir} alone`);
  }
  await fs.rm(dir, { recursive: true });
}

/** A small file read whole, never through a symlink; null when absent. */
async function readBounded(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    if (st.size > METADATA_MAX_BYTES) throw new Error(`${file} is larger than ${METADATA_MAX_BYTES} bytes`);
    const buf = Buffer.alloc(Math.min(st.size, METADATA_MAX_BYTES) + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > METADATA_MAX_BYTES) throw new Error(`${file} is larger than ${METADATA_MAX_BYTES} bytes`);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
