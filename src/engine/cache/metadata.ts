// What a cache says about its layers, in lifecycle's own format (the label
// `io.buildpacks.lifecycle.cache.metadata`, or the volume cache's metadata
// file), and pybp's own facts beside it (a label / file lifecycle ignores).
// `data` is exactly the buildpack's [metadata]: nothing of pybp's goes there.
import { BUILDPACK_ID, BUILDPACK_VERSION } from '../core/versions.js';
import type { InterpreterRecord } from '../python-source/interpreter-record.js';
import type { LayerTypes } from '../layers/types.js';

export const LIFECYCLE_CACHE_LABEL = 'io.buildpacks.lifecycle.cache.metadata';
/** pybp's own label (and, in a cache dir, `committed/<this>.json`); lifecycle ignores unknown labels. */
export const PYBP_PROVENANCE_LABEL = 'io.pybp.cache.provenance';
/** Bigger label or metadata files are not read at all. */
export const METADATA_MAX_BYTES = 1 << 20;

export interface CachedLayer {
  name: string;
  /** sha256:<hex> of the uncompressed tar. */
  diffId: string;
  data: Record<string, unknown>;
  types: LayerTypes;
}

export interface LifecycleCacheMetadata {
  sbom: { sha: string };
  buildpacks: Array<{
    key: string;
    version: string;
    layers: Record<string, { sha: string; data: Record<string, unknown>; build: boolean; launch: boolean; cache: boolean }>;
  }>;
}

/** pybp's facts about a cache it wrote. */
export interface Provenance {
  version: 1;
  pybp: string;
  /** The layers path the layers were built at: path-bound layers (venv, pip, poetry) are reused only at the same path. */
  layersDir: string;
  /** Where the saved python layer's interpreter came from (never a local stand-in: those are not saved). */
  python: InterpreterRecord | null;
  host: { platform: string; arch: string; distro: string };
  /** pybp's record of each saved layer (how long making it took), for explain's "time saved". */
  layers: Record<string, { sizeBytes: number | null; madeMs: number | null }>;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST.test(value);
}

export type ParsedCacheMetadata = { ok: true; layers: CachedLayer[] } | { ok: false; problem: string };

/** heroku/python's cached layers from lifecycle's metadata; other buildpacks' layers are ignored. */
export function parseCacheMetadata(text: string): ParsedCacheMetadata {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `its metadata is not JSON (${(err as Error).message})` };
  }
  if (!isObject(doc)) return { ok: false, problem: 'its metadata is not a JSON object' };
  const bps = doc.buildpacks;
  if (bps === undefined || bps === null) return { ok: true, layers: [] };
  if (!Array.isArray(bps)) return { ok: false, problem: 'its metadata has no list of buildpacks' };
  const layers: CachedLayer[] = [];
  for (const bp of bps) {
    if (!isObject(bp) || bp.key !== BUILDPACK_ID) continue;
    if (!isObject(bp.layers)) continue;
    for (const [name, raw] of Object.entries(bp.layers)) {
      if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name) || !isObject(raw)) continue;
      if (raw.cache !== true || !isDigest(raw.sha)) continue;
      layers.push({
        name,
        diffId: raw.sha,
        data: isObject(raw.data) ? raw.data : {},
        types: { build: raw.build === true, launch: raw.launch === true, cache: true },
      });
    }
  }
  return { ok: true, layers };
}

export function renderCacheMetadata(layers: readonly CachedLayer[]): LifecycleCacheMetadata {
  const table: LifecycleCacheMetadata['buildpacks'][number]['layers'] = {};
  for (const l of layers) table[l.name] = { sha: l.diffId, data: l.data, build: l.types.build, launch: l.types.launch, cache: true };
  return { sbom: { sha: '' }, buildpacks: layers.length > 0 ? [{ key: BUILDPACK_ID, version: BUILDPACK_VERSION, layers: table }] : [] };
}

/** pybp's provenance, or null when absent or not pybp's (a cache pack wrote has none). */
export function parseProvenance(text: string | null | undefined): Provenance | null {
  if (!text) return null;
  try {
    const p = JSON.parse(text) as Partial<Provenance>;
    if (!isObject(p) || p.version !== 1 || typeof p.layersDir !== 'string') return null;
    const py = p.python;
    const python =
      isObject(py) && (py.source === 'local' || py.source === 'heroku' || py.source === 'uv') && typeof py.version === 'string' && typeof py.location === 'string'
        ? { source: py.source, version: py.version, location: py.location }
        : null;
    const layers: Provenance['layers'] = {};
    if (isObject(p.layers)) {
      for (const [k, v] of Object.entries(p.layers)) {
        if (!isObject(v)) continue;
        layers[k] = { sizeBytes: typeof v.sizeBytes === 'number' ? v.sizeBytes : null, madeMs: typeof v.madeMs === 'number' ? v.madeMs : null };
      }
    }
    const host: Record<string, unknown> = isObject(p.host) ? p.host : {};
    return {
      version: 1,
      pybp: typeof p.pybp === 'string' ? p.pybp : '',
      layersDir: p.layersDir,
      python,
      host: { platform: String(host.platform ?? ''), arch: String(host.arch ?? ''), distro: String(host.distro ?? '') },
      layers,
    };
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
