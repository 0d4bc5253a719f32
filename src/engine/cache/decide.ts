// Which layers a shared cache gives this build, decided by each layer's own
// rule exactly as for a local layer: the cache's metadata is put where a
// restored layer's toml would be ([metadata] only, as lifecycle restores it),
// pybp's provenance where the sidecar would be (the interpreter behind the
// python layer, the layers path), and planLayers decides. A layer the rule
// would reuse is restored; any other is not even downloaded. build and
// explain both come here.
import path from 'node:path';
import { stringify } from 'smol-toml';
import type { ProjectAnalysis } from '../analysis/types.js';
import type { ProjectContext } from '../project/project-context.js';
import { type BuildPlan, planLayers } from '../plan/plan.js';
import type { PreviousLayer } from '../store/previous-state.js';
import type { StoreState } from '../store/store-state.js';
import type { LayerRecord } from '../store/sidecar.js';
import type { Reason } from '../layers/types.js';
import type { CacheIndex } from './backend.js';
import type { CachedLayer, Provenance } from './metadata.js';
import { LAYERS_PREFIX } from './layer-tar.js';

export type CacheVerdict =
  | { name: string; take: 'restore'; layer: CachedLayer; bytes: number | null; madeMs: number | null }
  /** The layers dir already has this layer: the local one is what the build judges. */
  | { name: string; take: 'local'; layer: CachedLayer }
  | { name: string; take: 'no'; layer: CachedLayer; reasons: Reason[] };

export interface CacheDecisions {
  verdicts: CacheVerdict[];
  /** The local store with the layers a restore would add, and the provenance's facts where the sidecar has none. */
  merged: StoreState;
}

/** The layers path lifecycle builds at, for caches without pybp's provenance (made by pack). */
const LIFECYCLE_LAYERS_PATH = LAYERS_PREFIX;

export async function decideFromCache(
  context: ProjectContext,
  analysis: ProjectAnalysis,
  local: StoreState,
  index: CacheIndex,
  mode: { runsAppCode?: boolean } = {},
): Promise<CacheDecisions> {
  const provenance = index.provenance;
  const candidates = new Map<string, PreviousLayer>();
  const verdicts: CacheVerdict[] = [];
  const pending: CachedLayer[] = [];
  for (const layer of index.layers) {
    if (local.previous.has(layer.name)) {
      verdicts.push({ name: layer.name, take: 'local', layer });
      continue;
    }
    const standIn = standInReason(layer, provenance);
    if (standIn) {
      verdicts.push({ name: layer.name, take: 'no', layer, reasons: [standIn] });
      continue;
    }
    // Not on disk yet (only its metadata is known): no contents to check here. Once
    // extracted, the build's own plan checks what it holds (store/layer-contents.ts).
    candidates.set(layer.name, { ...restoredView(context.layersDir, layer), dirPath: null });
    pending.push(layer);
  }
  const cacheStore: StoreState = {
    previous: candidates,
    sidecar: { ok: true, sidecar: { version: 1, python: provenance?.python ?? null, layersDir: provenance?.layersDir ?? LIFECYCLE_LAYERS_PATH, lastBuild: null } },
    journal: null,
  };
  const plan = pending.length > 0 ? await planLayers(context, analysis, cacheStore, mode) : null;
  const restoring = new Map<string, PreviousLayer>();
  for (const layer of pending) {
    const planned = plan?.layers.find((l) => l.def.name === layer.name);
    if (!planned) {
      const why = plan && !plan.ok && plan.layers.length === 0 ? `the plan stopped: ${plan.error.message}` : 'this build does not use it';
      verdicts.push({ name: layer.name, take: 'no', layer, reasons: [{ field: 'layer', from: null, to: null, message: why }] });
      continue;
    }
    if (planned.decision.action === 'reuse') {
      verdicts.push({
        name: layer.name,
        take: 'restore',
        layer,
        bytes: index.sizes.get(layer.diffId) ?? null,
        madeMs: provenance?.layers[layer.name]?.madeMs ?? null,
      });
      restoring.set(layer.name, candidates.get(layer.name)!);
    } else {
      verdicts.push({ name: layer.name, take: 'no', layer, reasons: planned.decision.reasons });
    }
  }
  verdicts.sort((a, b) => order(index, a.name) - order(index, b.name));
  return { verdicts, merged: mergeStores(local, restoring, provenance, context.view.layers.view) };
}

/**
 * A layer the cache had but the build makes anyway says why it was not taken
 * (the rule's reasons, e.g. `layers path: /ci/… → /home/…`), in build and explain alike.
 */
export function withCacheReasons<P extends BuildPlan>(plan: P, verdicts: readonly CacheVerdict[], cache: string): P {
  const notTaken = new Map(verdicts.filter((v) => v.take === 'no').map((v) => [v.name, v.reasons] as const));
  if (notTaken.size === 0) return plan;
  const layers = plan.layers.map((l) => {
    const reasons = notTaken.get(l.def.name);
    if (!reasons || l.decision.action !== 'create' || l.decision.cause !== 'new') return l;
    const annotated = reasons.map((r) => ({ ...r, message: `not taken from ${cache}: ${r.message}` }));
    return { ...l, decision: { ...l.decision, reasons: [...l.decision.reasons, ...annotated] } };
  });
  return { ...plan, layers };
}

/** The store a build sees after restoring `restored`: local layers plus those, the sidecar filled in where it had nothing. */
export function mergeStores(local: StoreState, restored: ReadonlyMap<string, PreviousLayer>, provenance: Provenance | null, layersDir: string): StoreState {
  if (restored.size === 0) return local;
  const previous = new Map(local.previous);
  for (const [name, prev] of restored) previous.set(name, prev);
  const python = restored.has('python') ? (provenance?.python ?? null) : null;
  let sidecar = local.sidecar;
  if (sidecar.ok && sidecar.sidecar === null) {
    // A fresh layers dir: the restored layers were built at this path (path-bound ones are restored only then).
    // What making them cost where they were made (provenance) stays their rebuild cost, as for a local layer.
    const layers: Record<string, LayerRecord> = {};
    for (const name of restored.keys()) {
      const p = provenance?.layers[name];
      if (p) layers[name] = { action: 'reuse', durationMs: 0, sizeBytes: p.sizeBytes, madeMs: p.madeMs };
    }
    const lastBuild = Object.keys(layers).length > 0 ? { finishedAt: '', packageManager: '', durationMs: 0, layers } : null;
    sidecar = { ok: true, sidecar: { version: 1, python, layersDir, lastBuild } };
  } else if (sidecar.ok && sidecar.sidecar && restored.has('python')) {
    sidecar = { ok: true, sidecar: { ...sidecar.sidecar, python } };
  }
  return { ...local, previous, sidecar };
}

/** A cached layer as lifecycle leaves it before the build: its toml with [metadata] only. */
export function restoredView(layersDir: string, layer: CachedLayer): PreviousLayer {
  return {
    name: layer.name,
    hasDir: true,
    dirPath: path.join(layersDir, layer.name),
    tomlText: restoredToml(layer),
    tomlPath: path.join(layersDir, `${layer.name}.toml`),
    types: null,
    restored: true,
    metadataKeys: Object.keys(layer.data),
  };
}

/** `[metadata]` only, as lifecycle writes a restored layer's toml. */
export function restoredToml(layer: CachedLayer): string {
  try {
    return stringify({ metadata: layer.data }) + '\n';
  } catch {
    // A value TOML cannot hold (null): no table, so the rule reports the metadata as unreadable.
    return '';
  }
}

/** pybp never shares a python layer copied from a local stand-in interpreter (its metadata names Heroku's version). */
function standInReason(layer: CachedLayer, provenance: Provenance | null): Reason | null {
  if (layer.name !== 'python' || provenance?.python?.source !== 'local') return null;
  return {
    field: 'interpreter',
    from: `local ${provenance.python.version}`,
    to: null,
    message: `the cached python layer was copied from a local stand-in interpreter (${provenance.python.version} at ${provenance.python.location}); pybp never takes such a layer from a shared cache`,
    pybpOnly: true,
  };
}

function order(index: CacheIndex, name: string): number {
  return index.layers.findIndex((l) => l.name === name);
}
