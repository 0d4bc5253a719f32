// lifecycle's cache image (cache/image_cache.go): an image with no base, one
// gzip layer per cached layer, rootfs.diff_ids in layer order, and the label
// io.buildpacks.lifecycle.cache.metadata; pybp's provenance in a label of its
// own. Restore reads the manifest and the config only, then streams the
// blobs the build takes; save uploads only the blobs the registry lacks,
// mounting from another repository of the registry those pybp saved there.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline as streamPipeline, Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { type BlobSource, digestReferenceError, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, RegistryClient, RegistryError } from '../io/registry/client.js';
import { parseImageRef } from '../io/registry/reference.js';
import { type CacheBackend, CacheError, type CacheIndex, type IndexRead, type LayerBody, type LayerToSave, type SaveStats } from './backend.js';
import { type BlobRecord, openBlobRecord } from './blob-record.js';
import { DigestStream } from './digest-stream.js';
import { packLayer } from './layer-tar.js';
import type { SaveProgress } from './transfer.js';
import { type CachedLayer, isDigest, LIFECYCLE_CACHE_LABEL, METADATA_MAX_BYTES, parseCacheMetadata, parseProvenance, PYBP_PROVENANCE_LABEL, type Provenance, renderCacheMetadata } from './metadata.js';

const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
/** Layer media types pybp extracts (gzip or plain tar; the empty cache's zero layer says gzip). */
const LAYER_TYPES = new Set([
  OCI_LAYER_GZIP,
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);

export interface ImageCacheOptions {
  insecure: string[];
  env: NodeJS.ProcessEnv;
  /** Tests: a fetch of their own, shorter timeouts, smaller chunks, a record of their own. */
  fetch?: typeof fetch;
  idleTimeoutMs?: number;
  chunkBytes?: number;
  blobRecord?: BlobRecord;
}

export function imageCache(refText: string, opts: ImageCacheOptions): CacheBackend {
  // The reference was checked when the cache was chosen (choose.ts): a bad one is bad usage, not a cold build.
  const c = new RegistryClient(parseImageRef(refText), { insecure: opts.insecure, env: opts.env, fetch: opts.fetch, idleTimeoutMs: opts.idleTimeoutMs, chunkBytes: opts.chunkBytes });
  const describe = `cache image ${c.name}`;
  return {
    kind: 'image',
    describe,

    async readIndex(signal: AbortSignal): Promise<IndexRead> {
      try {
        return await readImageIndex(c, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof RegistryError || err instanceof CacheError) return { kind: 'unusable', problem: err.message, cause: err.code, fix: err.fix };
        throw err;
      }
    },

    async openLayer(index: CacheIndex, layer: CachedLayer, signal: AbortSignal): Promise<LayerBody> {
      const blob = index.blobs.get(layer.diffId);
      if (!blob) throw new CacheError('cache-corrupt', `the manifest has no blob for ${layer.diffId}`, corruptFix(c.name));
      if (blob.mediaType !== '' && !LAYER_TYPES.has(blob.mediaType)) {
        throw new CacheError('cache-corrupt', `its blob's media type is ${JSON.stringify(blob.mediaType.slice(0, 100))}, not a tar or gzipped tar pybp reads`, corruptFix(c.name));
      }
      return { body: await c.getBlob(blob.digest, blob.size, signal), blobDigest: blob.digest };
    },

    async save(layers: LayerToSave[], provenance: Provenance, signal: AbortSignal, progress?: SaveProgress): Promise<SaveStats> {
      // Before any packing: a digest names a fixed image, there is no tag to save under.
      if (c.ref.reference.startsWith('sha256:')) throw digestReferenceError(c.name);
      await c.probe(signal);
      const record = opts.blobRecord ?? (await openBlobRecord(opts.env));
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
        let blobsMounted = 0;
        for (const b of blobs) {
          if (b.known || (await c.hasBlob(b.digest, signal))) {
            blobsSkipped += 1;
            progress?.skipped(b.name || null, b.known ? 'unchanged since the restore' : 'the registry has this blob');
            continue;
          }
          const { file, bytes } = b;
          // Ranges of the packed file (or of the bytes), opened afresh for each request that sends them.
          const source: BlobSource = (start, end) => (file ? createReadStream(file, { start, end }) : Readable.from([bytes!.subarray(start, end + 1)]));
          const meter = progress?.blob(b.name || null, 'moving', b.size);
          const counting: BlobSource = meter ? (start, end) => counted(source(start, end), meter.counter(start)) : source;
          const how = await c.uploadBlob(b.digest, b.size, counting, signal, record.sourceFor(c.ref.registry, c.ref.repository, b.digest)).then(
            (how) => {
              meter?.done(true);
              return how;
            },
            (err: unknown) => {
              meter?.done(false);
              throw err;
            },
          );
          if (how === 'mounted') {
            blobsMounted += 1;
            progress?.skipped(b.name || null, 'mounted from another repository of the registry');
          } else bytesMoved += b.size;
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
          await c.uploadBlob(configDigest, configBytes.length, (start, end) => Readable.from([configBytes.subarray(start, end + 1)]), signal);
          bytesMoved += configBytes.length;
        }
        const manifest = {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length },
          layers: blobs.map((b) => ({ mediaType: OCI_LAYER_GZIP, digest: b.digest, size: b.size })),
        };
        await c.putManifest(JSON.stringify(manifest), OCI_MANIFEST, signal);
        // The layer blobs are in this repository now: a save to another one of this registry may mount them.
        await record.note(c.ref.registry, c.ref.repository, blobs.filter((b) => b.name !== '').map((b) => b.digest));
        return { layers: saved.length, bytesMoved, blobsSkipped, blobsMounted };
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

function corruptFix(name: string): string {
  return `The next successful build with --cache-image ${name} saves a fresh cache image over it; if the reference names some other image, give the cache a repository or tag of its own.`;
}

/** The manifest and the config (digest and size checked, as lifecycle validates), then the label. */
async function readImageIndex(client: RegistryClient, signal: AbortSignal): Promise<IndexRead> {
  const got = await client.getManifest(signal);
  if (!got) return { kind: 'absent' };
  const corrupt = (problem: string): IndexRead => ({ kind: 'unusable', problem, cause: 'cache-corrupt', fix: corruptFix(client.name) });
  const m = got.json as { schemaVersion?: unknown; mediaType?: unknown; config?: { digest?: unknown; size?: unknown; mediaType?: unknown }; layers?: unknown };
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return corrupt(`the manifest of ${client.name} is not an image manifest`);
  // What the manifest says it is, else what the registry says (a plain application/json says nothing).
  const type = typeof m.mediaType === 'string' ? m.mediaType : got.mediaType;
  if (type === OCI_INDEX || type === DOCKER_MANIFEST_LIST) return corrupt(`${client.name} is an image index (images for several platforms), not a cache image`);
  if (/^application\/vnd\.docker\.distribution\.manifest\.v1/.test(type) || (m.schemaVersion !== undefined && m.schemaVersion !== 2)) {
    return corrupt(`the manifest of ${client.name} is not a schema 2 image manifest (${JSON.stringify(String(m.schemaVersion ?? type).slice(0, 80))})`);
  }
  if (typeof m.mediaType === 'string' && m.mediaType !== OCI_MANIFEST && m.mediaType !== DOCKER_MANIFEST) {
    return corrupt(`the manifest of ${client.name} has the media type ${JSON.stringify(m.mediaType.slice(0, 100))}, not an image manifest's`);
  }
  if (!m.config || !isDigest(m.config.digest) || typeof m.config.size !== 'number' || !Array.isArray(m.layers)) {
    return corrupt(`the manifest of ${client.name} is not an image manifest`);
  }
  const configType = typeof m.config.mediaType === 'string' ? m.config.mediaType : '';
  if (configType !== '' && configType !== OCI_CONFIG && configType !== DOCKER_CONFIG) {
    return corrupt(`its config has the media type ${JSON.stringify(configType.slice(0, 100))}, not an image config's (some other artifact?)`);
  }
  if (m.config.size > METADATA_MAX_BYTES * 4) return corrupt(`its config is larger than ${METADATA_MAX_BYTES * 4} bytes`);
  const configBytes = await client.getSmallBlob(m.config.digest, signal);
  const configDigest = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`;
  if (configDigest !== m.config.digest || configBytes.length !== m.config.size) {
    return corrupt(`its config's digest or size is not the manifest's (corrupt, as lifecycle would say)`);
  }
  let config: { config?: { Labels?: Record<string, unknown> }; rootfs?: { diff_ids?: unknown } };
  try {
    config = JSON.parse(configBytes.toString('utf8')) as typeof config;
  } catch {
    return corrupt('its config is not JSON');
  }
  if (typeof config !== 'object' || config === null) return corrupt('its config is not a JSON object');
  const labels = config.config?.Labels ?? {};
  const label = typeof labels === 'object' && labels !== null ? labels[LIFECYCLE_CACHE_LABEL] : undefined;
  if (typeof label !== 'string') return corrupt(`it has no ${LIFECYCLE_CACHE_LABEL} label (not a cache image)`);
  if (label.length > METADATA_MAX_BYTES) return corrupt(`its label is larger than ${METADATA_MAX_BYTES} bytes`);
  const parsed = parseCacheMetadata(label);
  if (!parsed.ok) return corrupt(parsed.problem);
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
    if (!entry || !isDigest(entry.digest) || !Number.isSafeInteger(entry.size) || (entry.size as number) < 0) continue;
    const size = entry.size as number;
    blobs.set(layer.diffId, { digest: entry.digest, size, mediaType: typeof entry.mediaType === 'string' ? entry.mediaType : '' });
    sizes.set(layer.diffId, size);
    layers.push(layer);
  }
  return { kind: 'index', index: { layers, provenance, sizes, location: client.name, blobs } };
}
