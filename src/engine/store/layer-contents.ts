// Is a restored layer still whole? Its metadata can match while its
// interpreter or tool is gone (a removed bin/python3.12, a venv whose
// bin/python links to nothing): kept as it is, the build would fail later
// with command-spawn-failed. What is missing is found here, from the
// definition's `entries`, and handed to decideLayer as an input, so build
// and explain decide on the same facts.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { INTACT, type LayerContents, type LayerDefinition } from '../layers/definition.js';
import type { PreviousLayer } from './previous-state.js';

export interface ContentsContext {
  layersDir: string;
  /** The layers as the build's tools saw them (/layers/heroku_python with Heroku's paths): where the venv's links point. */
  toolLayersDir?: string;
  /** The python layer's own entries: a link into the python layer counts as present when it names one of them (that layer's check covers it). */
  pythonEntries: readonly string[];
}

export async function layerContents(def: LayerDefinition, prev: PreviousLayer | undefined, ctx: ContentsContext): Promise<LayerContents> {
  // A layer pybp can't look at (explain --since's stand-in for a ref's build) counts as whole.
  if (def.kind !== 'cached' || !def.entries || !prev?.restored || !prev.dirPath) return INTACT;
  const dir = prev.dirPath;
  const missing: string[] = [];
  for (const entry of def.entries) {
    if (!(await present(path.join(dir, ...entry.split('/')), def.name, ctx))) missing.push(entry);
  }
  if (missing.length === 0) return INTACT;
  // Name the cause once: bin/python -> python3 -> python3.12 are all gone when python3.12 is.
  const targets = await Promise.all(missing.map((entry) => linkTarget(dir, entry)));
  const causes = missing.filter((_, i) => targets[i] === null || !missing.includes(targets[i]!));
  return { missing: causes.length > 0 ? causes : missing };
}

/** The entry (relative to the layer) a link points at, when it is a link within the layer. */
async function linkTarget(dir: string, entry: string): Promise<string | null> {
  const file = path.join(dir, ...entry.split('/'));
  try {
    const target = path.resolve(path.dirname(file), await fs.readlink(file));
    const rel = path.relative(dir, target);
    return rel.startsWith('..') || path.isAbsolute(rel) ? null : rel.split(path.sep).join('/');
  } catch {
    return null;
  }
}

async function present(file: string, layer: string, ctx: ContentsContext): Promise<boolean> {
  let target: string;
  try {
    const st = await fs.lstat(file);
    if (!st.isSymbolicLink()) return true;
    target = path.resolve(path.dirname(file), await fs.readlink(file));
  } catch {
    return false;
  }
  if (layer !== 'python') {
    // The venv's bin/python links to the python layer's bin/python: whether that
    // is there is the python layer's question (made again, it is there again).
    for (const layers of new Set([ctx.layersDir, ctx.toolLayersDir ?? ctx.layersDir])) {
      const rel = path.relative(path.join(layers, 'python'), target);
      if (ctx.pythonEntries.includes(rel.split(path.sep).join('/'))) return true;
    }
  }
  try {
    await fs.stat(file);
    return true;
  } catch {
    return false;
  }
}
