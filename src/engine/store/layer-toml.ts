// Reading and writing `<layers>/<name>.toml` (spec §8.1). Only `[types]` and
// `[metadata]` are accepted at the top level, and `[metadata]` must be a table
// (libcnb reads it as `Option<toml::Table>`); anything else, or invalid TOML,
// is libcnb's framework error, which pybp reports as `layer-toml-invalid`.
import path from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';
import { PybpError } from '../core/errors.js';
import { writeFileAtomic } from './write-atomic.js';
import type { LayerMetadata, LayerTypes } from '../layers/types.js';

export interface ParsedLayerToml {
  /** null when the toml has no [types] table (as lifecycle restores it). */
  types: LayerTypes | null;
  /** The raw [metadata] table, undefined when absent. */
  metadata: Record<string, unknown> | undefined;
}

export function parseLayerToml(text: string, tomlPath: string): ParsedLayerToml {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    const detail = err instanceof TomlError ? err.message.split('\n')[0] : String(err);
    throw invalid(tomlPath, `it is not valid TOML (${detail})`);
  }
  for (const key of Object.keys(doc)) {
    if (key !== 'types' && key !== 'metadata') throw invalid(tomlPath, `it has an unknown top-level key "${key}"`);
  }
  let types: LayerTypes | null = null;
  if ('types' in doc) {
    const raw = doc.types;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(tomlPath, '[types] is not a table');
    const table = raw as Record<string, unknown>;
    for (const [k, v] of Object.entries(table)) {
      if (!['build', 'launch', 'cache'].includes(k)) throw invalid(tomlPath, `[types] has an unknown key "${k}"`);
      if (typeof v !== 'boolean') throw invalid(tomlPath, `[types].${k} is not a boolean`);
    }
    types = { build: table.build === true, launch: table.launch === true, cache: table.cache === true };
  }
  const metadata = doc.metadata;
  // libcnb reads every layer toml (cached or uncached) as its generic form
  // first, where [metadata] is a table or absent: `metadata = "x"`, a number
  // or an array fail there, and the build stops. Never a "discard".
  if (metadata !== undefined && !isTable(metadata)) throw invalid(tomlPath, `[metadata] is ${describeValue(metadata)}, not a table`);
  return { types, metadata };
}

function isTable(value: unknown): value is Record<string, unknown> {
  // smol-toml gives dates as Date objects: a TOML date is not a table either.
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  if (typeof value === 'bigint') return 'an integer';
  return `a ${typeof value}`;
}

function invalid(tomlPath: string, why: string): PybpError {
  return new PybpError({
    code: 'layer-toml-invalid',
    title: 'A layer metadata file cannot be read',
    message: `${tomlPath} cannot be read: ${why}. The buildpack (libcnb) stops the build with a framework error in this case.`,
    fix: 'Delete the layers with `pybp build --clear-cache` (or remove that file and its directory), then build again.',
  });
}

export function renderLayerToml(types: LayerTypes, metadata?: LayerMetadata): string {
  const doc: Record<string, unknown> = { types: { launch: types.launch, build: types.build, cache: types.cache } };
  if (metadata) doc.metadata = metadata;
  return stringify(doc) + '\n';
}

export async function writeLayerToml(
  layersDir: string,
  name: string,
  types: LayerTypes,
  metadata?: LayerMetadata,
): Promise<void> {
  await writeFileAtomic(path.join(layersDir, `${name}.toml`), renderLayerToml(types, metadata));
}
