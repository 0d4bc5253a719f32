// Reading and writing `<layers>/<name>.toml` (spec §8.1). Only `[types]` and
// `[metadata]` are accepted at the top level; anything else, or invalid TOML,
// is libcnb's framework error, which pybp reports as `layer-toml-invalid`.
import path from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';
import { PybpError } from '../errors.js';
import { writeFileAtomic } from './write-atomic.js';
import type { LayerMetadata, LayerTypes } from '../layers/types.js';

export interface ParsedLayerToml {
  /** null when the toml has no [types] table (as lifecycle restores it). */
  types: LayerTypes | null;
  /** The raw [metadata] value, undefined when absent. */
  metadata: unknown;
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
  return { types, metadata: doc.metadata };
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
