// A shared cache, as restore, save and explain see it: a volume-format
// directory (dir-cache.ts) or a cache image in an OCI registry
// (image-cache.ts). Both speak lifecycle's formats.
import type { Readable } from 'node:stream';
import type { CachedLayer, Provenance } from './metadata.js';
import type { SaveProgress } from './transfer.js';

export interface CacheIndex {
  layers: CachedLayer[];
  provenance: Provenance | null;
  /** Compressed size of each layer's blob where known (registry), else the tar's size. */
  sizes: Map<string, number>;
  /** Where the index was read from (the cache dir's committed/, or the image's reference). */
  location: string;
  /** An image's blob for each diffID (digest and media type), from the manifest; empty for a cache dir. */
  blobs: Map<string, { digest: string; size: number; mediaType: string }>;
}

export type IndexRead =
  /** No cache there yet: a cold build, not an error. */
  | { kind: 'absent' }
  | { kind: 'index'; index: CacheIndex }
  /** There, but not usable (corrupt, unreachable): every layer counts as absent, and this says why. */
  | { kind: 'unusable'; problem: string };

export interface LayerBody {
  /** The bytes as stored: a tar (cache dir) or a gzipped tar (image). */
  body: Readable;
  /** The stored bytes' own digest when it differs from the diffID (a compressed blob); checked while streaming. */
  blobDigest: string | null;
}

/** One layer to save: its directory and lifecycle's facts about it. */
export interface LayerToSave {
  name: string;
  dir: string;
  data: Record<string, unknown>;
  types: CachedLayer['types'];
  /** Restored by this build and left exactly as restored: the cache's own tar (and blob) can be reused. */
  unchanged?: { diffId: string; blob: { digest: string; size: number } | null };
}

export interface SaveStats {
  layers: number;
  /** Bytes written or uploaded. */
  bytesMoved: number;
  /** Blobs the cache already had (nothing moved for them). */
  blobsSkipped: number;
}

export interface CacheBackend {
  kind: 'dir' | 'image';
  /** For messages: `cache dir /ci/cache` or `cache image 127.0.0.1:5000/app-cache:latest`. */
  describe: string;
  readIndex(signal: AbortSignal): Promise<IndexRead>;
  openLayer(index: CacheIndex, layer: CachedLayer, signal: AbortSignal): Promise<LayerBody>;
  /** `progress`: told each blob's bytes as they go, and each blob the cache already has (transfer.ts). */
  save(layers: LayerToSave[], provenance: Provenance, signal: AbortSignal, progress?: SaveProgress): Promise<SaveStats>;
}
