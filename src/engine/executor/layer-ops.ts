// Carrying out a layer decision on disk, libcnb style: reuse rewrites [types]
// and keeps the metadata; anything else sets the old layer aside (journal) and
// starts an empty one whose toml has [types] only. Metadata is written last,
// by finishLayer(), once the layer's contents are complete.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { faultPoint } from '../fault.js';
import type { LayerDefinition } from '../layers/definition.js';
import { parseLayerToml, writeLayerToml } from '../store/layer-toml.js';
import type { LayerTransaction } from '../store/transaction.js';
import { layerSizeBytes } from '../python-source/tree.js';
import type { LayerDecision } from '../layers/types.js';

export async function openLayer(
  txn: LayerTransaction,
  def: LayerDefinition,
  decision: LayerDecision,
): Promise<string> {
  const layersDir = txn.layersDir;
  const dir = path.join(layersDir, def.name);
  if (decision.action === 'reuse') {
    const tomlPath = path.join(layersDir, `${def.name}.toml`);
    const parsed = parseLayerToml(await fs.readFile(tomlPath, 'utf8'), tomlPath);
    // Lifecycle strips [types] on restore; the buildpack writes them again.
    await writeLayerToml(layersDir, def.name, def.types, parsed.metadata as Record<string, string>);
    return dir;
  }
  await txn.setAside(def.name);
  await fs.mkdir(dir, { recursive: true });
  await writeLayerToml(layersDir, def.name, def.types);
  return dir;
}

export async function finishLayer(txn: LayerTransaction, def: LayerDefinition): Promise<void> {
  faultPoint(`metadata:${def.name}:before`);
  if (def.kind === 'cached') await writeLayerToml(txn.layersDir, def.name, def.types, def.metadata);
  faultPoint(`metadata:${def.name}:after`);
}

/** Bytes on disk of a layer, counting hardlinked files once. */
export async function layerSize(dir: string): Promise<number> {
  // The sliced synchronous walk is about 3x faster than promises for the
  // thousands of files of a venv (see python-source/tree.ts); a layer it can't
  // read through (an unreadable directory) is counted by the lenient walk below.
  try {
    return await layerSizeBytes(dir);
  } catch {
    return lenientLayerSize(dir);
  }
}

/** Like layerSize, skipping what it cannot read. */
async function lenientLayerSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(
      entries.map(async (e) => {
        const p = path.join(d, e.name);
        if (e.isDirectory()) return walk(p);
        if (!e.isFile()) return;
        const st = await fs.lstat(p);
        const key = `${st.dev}:${st.ino}`;
        if (st.nlink > 1) {
          if (seen.has(key)) return;
          seen.add(key);
        }
        total += st.size;
      }),
    );
  };
  await walk(dir);
  return total;
}
