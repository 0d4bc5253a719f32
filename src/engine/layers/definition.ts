// A layer definition mirrors libcnb.rs's `CachedLayerDefinition` /
// `UncachedLayerDefinition`: the layer's types, the metadata this build would
// write, and the two "ask" functions (restored metadata → keep or delete with
// reasons; unparseable metadata → delete with reasons). They are pure, so
// `explain` runs exactly the code `build` runs, without touching the disk.
import { diffMetadata } from './metadata-diff.js';
import { guessWriter, type MetadataField } from './metadata.js';
import type { EnvFile } from '../store/layer-env.js';
import type { LayerMetadata, LayerName, LayerTypes, Reason } from './types.js';

export interface CachedLayerDefinition {
  kind: 'cached';
  name: LayerName;
  types: LayerTypes & { cache: true };
  /** The strict metadata type: exactly these keys, each a TOML string. */
  fields: readonly MetadataField[];
  /** What this build writes once the layer is complete. */
  metadata: LayerMetadata;
  /** Extra reasons known only to pybp (e.g. a different local interpreter). Non-empty → discard. */
  pybpReasons?: Reason[];
  /**
   * Set when the layer's contents hold absolute paths into the layers
   * directory (script shebangs, a venv's home): says what, so a moved layers
   * directory makes it be rebuilt (see layers-path.ts).
   */
  embedsLayersPath?: string;
  /**
   * Paths inside the layer (relative, `/`-separated) that a usable layer
   * holds, checked before the layer is kept (store/layer-contents.ts): a
   * layer whose metadata matches but whose interpreter or tool was removed
   * is made again, in build and explain alike.
   */
  entries?: readonly string[];
  /** How the layer says "kept" / "new" in the log, for humans. */
  describe: (metadata: LayerMetadata) => string;
  /** The env files the layer writes (spec §7), given its directory. */
  env: (layerDir: string) => EnvFile[];
}

export interface UncachedLayerDefinition {
  kind: 'uncached';
  name: LayerName;
  types: LayerTypes & { cache: false };
  /** Why this layer is never cached (shown next to ALWAYS REBUILT). */
  why: string;
  env: (layerDir: string) => EnvFile[];
}

export type LayerDefinition = CachedLayerDefinition | UncachedLayerDefinition;

export type MetadataParse = { ok: true; metadata: LayerMetadata } | { ok: false; reasons: Reason[] };

/**
 * Strict typed parse, as serde does for the buildpack's metadata structs:
 * a missing key, an unknown key, or a value that is not a string all fail.
 * The reasons name each problem, and guess which build wrote foreign metadata.
 */
export function parseStrictMetadata(
  name: string,
  fields: readonly string[],
  /** [metadata] as parseLayerToml gives it: a table, or absent (anything else is already a framework error there). */
  raw: Record<string, unknown> | undefined,
): MetadataParse {
  if (raw === undefined) {
    return {
      ok: false,
      reasons: [{ field: 'metadata', from: null, to: null, message: `${name}.toml has no [metadata] table` }],
    };
  }
  const table = raw;
  const reasons: Reason[] = [];
  const writer = guessWriter(Object.keys(table), fields);
  if (writer) {
    reasons.push({ field: 'metadata', from: writer, to: null, message: `its metadata was written by ${writer}` });
  }
  for (const field of fields) {
    if (!(field in table)) {
      reasons.push({ field, from: null, to: 'string', message: `metadata key ${field} is missing` });
    } else if (typeof table[field] !== 'string') {
      reasons.push({
        field,
        from: typeName(table[field]),
        to: 'string',
        message: `metadata key ${field} is a ${typeName(table[field])}, not a string`,
      });
    }
  }
  for (const key of Object.keys(table)) {
    if (!fields.includes(key)) {
      reasons.push({ field: key, from: stringify(table[key]), to: null, message: `unknown metadata key ${key}` });
    }
  }
  if (reasons.length > 0) return { ok: false, reasons };
  return { ok: true, metadata: table as LayerMetadata };
}

/**
 * Restored metadata → reasons to delete (empty: keep). pybp's own reasons only
 * count when the buildpack's metadata alone would keep the layer, and missing
 * contents only when nothing else would remake it: otherwise they would
 * repeat the real reason in other words.
 */
export function compareMetadata(def: CachedLayerDefinition, old: LayerMetadata, contents: LayerContents = INTACT): Reason[] {
  const reasons = diffMetadata(def.fields, old, def.metadata);
  if (reasons.length > 0) return reasons;
  // Missing contents count last, when nothing else remakes the layer (a moved
  // venv's bin/python links into the old path: the move is the reason).
  const pybp = def.pybpReasons ?? [];
  return pybp.length > 0 ? [...pybp] : contents.missing.map((entry) => missingEntryReason(entry));
}

/** What a restored layer's directory lacks of its definition's `entries` (store/layer-contents.ts finds out). */
export interface LayerContents {
  missing: readonly string[];
}

export const INTACT: LayerContents = { missing: [] };

function missingEntryReason(entry: string): Reason {
  return {
    field: 'contents',
    from: entry,
    to: null,
    message: `${entry} is missing from the layer (removed, or a link to nothing), so the layer is made again (pybp only: Heroku restores a cached layer whole)`,
    pybpOnly: true,
  };
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (value instanceof Date) return 'datetime';
  if (typeof value === 'object') return 'table';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  return typeof value;
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}
