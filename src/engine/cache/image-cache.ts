// lifecycle's cache image (cache/image_cache.go): an image with no base, one
// gzip layer per cached layer, rootfs.diff_ids in layer order, and the label
// io.buildpacks.lifecycle.cache.metadata; pybp's provenance in a label of its
// own. Restore reads the manifest and the config only, then streams the
// blobs the build takes; save uploads only the blobs the registry lacks.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline as streamPipeline, Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, RegistryClient, RegistryError } from '../io/registry/client.js';
import { parseImageRef, ReferenceError } from '../io/registry/reference.js';
import type { CacheBackend, CacheIndex, IndexRead, LayerBody, LayerToSave, SaveStats } from './backend.js';
import { DigestStream } from './digest-stream.js';
import { packLayer } from './layer-tar.js';
import type { SaveProgress } from './transfer.js';
import { type CachedLayer, isDigest, LIFECYCLE_CACHE_LABEL, METADATA_MAX_BYTES, parseCacheMetadata, parseProvenance, PYBP_PROVENANCE_LABEL, type Provenance, renderCacheMetadata } from './metadata.js';

export function imageCache(refText: string, opts: { insecure: string[]; env: NodeJS.ProcessEnv; fetch?: typeof fetch }): CacheBackend {
  let client: RegistryClient | null = null;
  let refProblem: string | null = null;
  try {
    client = new RegistryClient(parseImageRef(refText), { insecure: opts.insecure, env: opts.env, fetch: opts.fetch });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    refProblem = err.message;
  }
  const describe = `cache image ${client?.name ?? refText}`;
  const need = (): RegistryClient => {
    if (!client) throw new Error(refProblem ?? 'bad reference');
    return client;
  };
  return {
    kind: 'image',
    describe,

    async readIndex(signal: AbortSignal): Promise<IndexRead> {
      if (!client) return { kind: 'unusable', problem: refProblem ?? 'bad reference' };
      try {
        return await readImageIndex(client, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof RegistryError) return { kind: 'unusable', problem: err.message };
        throw err;
      }
    },

    async openLayer(index: CacheIndex, layer: CachedLayer, signal: AbortSignal): Promise<LayerBody> {
      const blob = index.blobs.get(layer.diffId);
      if (!blob) throw new Error(`the manifest has no blob for ${layer.diffId}`);
      return { body: await need().getBlob(blob.digest, signal), blobDigest: blob.digest };
    },

    async save(layers: LayerToSave[], provenance: Provenance, signal: AbortSignal, progress?: SaveProgress): Promise<SaveStats> {
      const c = need();
      const work = await fs.mkdtemp(path.join(os.tmpdir(), 'pybp-cache-save-'));
      try {
        const blobs: Array<{ name: string; diffId: string; digest: string; size: number; file: string | null; bytes?: Buffer; known?: boolean }> = [];
        for (const layer of layers) {
          if (signal.aborted) throw new Error('interrupted');
          // Left as restored, and the registry still has its blob: nothing to pack or send.
          const known = layer.unchanged?.blob;
          if (layer.unchanged && known && (await c.hasBlob(known.digest, signal))) {
            blobs.push({ name: layer.name, diffId: layer.unchanged.diffId, digest: known.digest, size: known.size, file: null, known: true });
            continue;
          }
          const file = path.join(work, `${layer.name}.tar.gz`);
          const diff = new DigestStream();
          const blob = new DigestStream();
          const packing = progress?.blob(layer.name, 'packing', null);
          const streams = [await packLayer(layer.dir, layer.name, signal), ...(packing ? [packing.counter()] : []), diff, createGzip(), blob, createWriteStream(file, { flags: 'wx' })];
          await pipeline(streams, { signal }).then(() => packing?.done(true), (err: unknown) => {
            packing?.done(false);
            throw err;
          });
          blobs.push({ name: layer.name, diffId: diff.digest(), digest: blob.digest(), size: blob.bytes, file });
        }
        if (blobs.length === 0) {
          // lifecycle's empty cache: one 1024-byte all-zero layer (not really gzip).
          const zeros = Buffer.alloc(1024);
          const digest = `sha256:${createHash('sha256').update(zeros).digest('hex')}`;
          blobs.push({ name: '', diffId: digest, digest, size: 1024, file: null, bytes: zeros });
        }
        let bytesMoved = 0;
        let blobsSkipped = 0;
        for (const b of blobs) {
          if (b.known || (await c.hasBlob(b.digest, signal))) {
            blobsSkipped += 1;
            progress?.skipped(b.name || null, b.known ? 'unchanged since the restore' : 'the registry has this blob');
            continue;
          }
          const { file, bytes } = b;
          const meter = progress?.blob(b.name || null, 'moving', b.size);
          const body = () => (file ? createReadStream(file) : Readable.from([bytes!]));
          await c.uploadBlob(b.digest, b.size, meter ? () => counted(body(), meter.counter()) : body, signal).then(() => meter?.done(true), (err: unknown) => {
            meter?.done(false);
            throw err;
          });
          bytesMoved += b.size;
        }
        const saved: CachedLayer[] = layers.map((l, i) => ({ name: l.name, diffId: blobs[i]!.diffId, data: l.data, types: l.types }));
        const config = {
          architecture: provenance.host.arch === 'arm64' ? 'arm64' : 'amd64',
          os: 'linux',
          created: '1980-01-01T00:00:01Z',
          config: { Labels: { [LIFECYCLE_CACHE_LABEL]: JSON.stringify(renderCacheMetadata(saved)), [PYBP_PROVENANCE_LABEL]: JSON.stringify(provenance) } },
          rootfs: { type: 'layers', diff_ids: blobs.map((b) => b.diffId) },
          history: blobs.map(() => ({ created: '1980-01-01T00:00:01Z', created_by: 'pybp' })),
        };
        const configBytes = Buffer.from(JSON.stringify(config));
        const configDigest = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`;
        if (await c.hasBlob(configDigest, signal)) {
          blobsSkipped += 1;
          progress?.skipped(null, 'the registry has this config');
        } else {
          await c.uploadBlob(configDigest, configBytes.length, () => Readable.from([configBytes]), signal);
          bytesMoved += configBytes.length;
        }
        const manifest = {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length },
          layers: blobs.map((b) => ({ mediaType: OCI_LAYER_GZIP, digest: b.digest, size: b.size })),
        };
        await c.putManifest(JSON.stringify(manifest), OCI_MANIFEST, signal);
        return { layers: saved.length, bytesMoved, blobsSkipped };
      } finally {
        await fs.rm(work, { recursive: true, force: true });
      }
    },
  };
}

/** `source` through a counting pass-through, its errors passed on (the client reads the returned stream). */
function counted(source: Readable, counter: Transform): Readable {
  streamPipeline(source, counter, () => {});
  return counter;
}

/** The manifest and the config (digest and size checked, as lifecycle validates), then the label. */
async function readImageIndex(client: RegistryClient, signal: AbortSignal): Promise<IndexRead> {
  const got = await client.getManifest(signal);
  if (!got) return { kind: 'absent' };
  const m = got.json as { config?: { digest?: unknown; size?: unknown }; layers?: unknown };
  if (typeof m !== 'object' || m === null || !m.config || !isDigest(m.config.digest) || typeof m.config.size !== 'number' || !Array.isArray(m.layers)) {
    return { kind: 'unusable', problem: `the manifest of ${client.name} is not an image manifest` };
  }
  if (m.config.size > METADATA_MAX_BYTES * 4) return { kind: 'unusable', problem: `its config is larger than ${METADATA_MAX_BYTES * 4} bytes` };
  const configBytes = await client.getSmallBlob(m.config.digest, signal);
  const configDigest = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`;
  if (configDigest !== m.config.digest || configBytes.length !== m.config.size) {
    return { kind: 'unusable', problem: `its config's digest or size is not the manifest's (corrupt, as lifecycle would say)` };
  }
  let config: { config?: { Labels?: Record<string, unknown> }; rootfs?: { diff_ids?: unknown } };
  try {
    config = JSON.parse(configBytes.toString('utf8')) as typeof config;
  } catch {
    return { kind: 'unusable', problem: 'its config is not JSON' };
  }
  const labels = config.config?.Labels ?? {};
  const label = labels[LIFECYCLE_CACHE_LABEL];
  if (typeof label !== 'string') return { kind: 'unusable', problem: `it has no ${LIFECYCLE_CACHE_LABEL} label` };
  if (label.length > METADATA_MAX_BYTES) return { kind: 'unusable', problem: `its label is larger than ${METADATA_MAX_BYTES} bytes` };
  const parsed = parseCacheMetadata(label);
  if (!parsed.ok) return { kind: 'unusable', problem: parsed.problem };
  const provLabel = labels[PYBP_PROVENANCE_LABEL];
  const provenance = parseProvenance(typeof provLabel === 'string' && provLabel.length <= METADATA_MAX_BYTES ? provLabel : null);
  const diffIds = Array.isArray(config.rootfs?.diff_ids) ? (config.rootfs!.diff_ids as unknown[]) : [];
  const blobs = new Map<string, { digest: string; size: number; mediaType: string }>();
  const sizes = new Map<string, number>();
  const manifestLayers = m.layers as Array<{ digest?: unknown; size?: unknown; mediaType?: unknown }>;
  const layers: CachedLayer[] = [];
  for (const layer of parsed.layers) {
    // lifecycle: the diffID's index in rootfs.diff_ids picks manifest.layers[index].
    const i = diffIds.indexOf(layer.diffId);
    const entry = i >= 0 ? manifestLayers[i] : undefined;
    if (!entry || !isDigest(entry.digest) || typeof entry.size !== 'number') continue;
    blobs.set(layer.diffId, { digest: entry.digest, size: entry.size, mediaType: String(entry.mediaType ?? '') });
    sizes.set(layer.diffId, entry.size);
    layers.push(layer);
  }
  return { kind: 'index', index: { layers, provenance, sizes, location: client.name, blobs } };
}
