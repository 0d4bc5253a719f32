// A shared cache, as restore, save and explain see it: a volume-format
// directory (dir-cache.ts) or a cache image in an OCI registry
// (image-cache.ts). Both speak lifecycle's formats.
import type { Readable } from 'node:stream';
import { RegistryError, type RegistryProblem } from '../io/registry/client.js';
import type { CachedLayer, Provenance } from './metadata.js';
import type { SaveProgress } from './transfer.js';

/**
 * Why a shared cache (or one of its layers) was not used or not saved: a
 * stable code (`cause` in build --json, beside the warning's code), said in
 * the message, with a fix. The registry's own codes come from the client.
 */
export type CacheProblemCode =
  | RegistryProblem
  /** What is there is not a readable cache: a manifest that is not an image's, a config or label that is not JSON, a digest that does not match. */
  | 'cache-corrupt'
  /** A cache dir pybp cannot use: not a directory, not readable or writable, or holding files that are not a cache's. */
  | 'cache-dir-unusable'
  /** pybp's own side failed: packing a layer into a temporary file (a full disk, say). */
  | 'cache-io-failed';

export interface CacheProblem {
  cause: CacheProblemCode;
  message: string;
  fix: string;
}

/** A failure of the cache's own making, with its code and fix (RegistryError is the registry's). */
export class CacheError extends Error {
  constructor(
    readonly code: CacheProblemCode,
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'CacheError';
  }
}

/** The code, message and fix of anything a cache backend threw. */
export function problemOf(err: unknown, kind: CacheBackend['kind']): CacheProblem {
  if (err instanceof RegistryError || err instanceof CacheError) return { cause: err.code, message: err.message, fix: err.fix };
  const message = err instanceof Error ? err.message : String(err);
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const full = errno === 'ENOSPC' || errno === 'EDQUOT';
  if (kind === 'dir') {
    return { cause: 'cache-dir-unusable', message, fix: full ? 'Free some disk space where the cache dir is, or point --cache-dir at a disk with room.' : 'Check the cache dir: pybp must be able to read and write it, and it leaves alone anything in it that is not a cache\'s own file.' };
  }
  return { cause: 'cache-io-failed', message, fix: full ? 'Free some space in the temporary directory (TMPDIR): pybp packs each layer there before it uploads it.' : 'The message says what failed on this machine; the registry was not at fault.' };
}

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
  | { kind: 'unusable'; problem: string; cause: CacheProblemCode; fix: string };

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
  /** Blobs the registry took from another of its repositories (cross-repository mount): nothing moved for them either. */
  blobsMounted?: number;
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
