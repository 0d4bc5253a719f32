// "What will making this layer again cost?" from the build history: the times
// of the most recent builds that made the same layer from the same inputs
// (the median of up to three, so one slow outlier doesn't decide), else from
// inputs of the same shape (the same kind of layer, other versions), else the
// last build's own record. When none exists, the answer says so.
import type { History, HistoryLayer } from '../store/history.js';
import { describeDifference, type LayerInputs, sameInputs, sameShape } from '../history/inputs.js';

const MADE = new Set(['create', 'discard', 'rebuild-always']);
const SAMPLES = 3;

export type CostBasis = 'same-inputs' | 'other-inputs' | 'last-build' | 'none';

export interface LayerCost {
  /** The estimate; null when there is no history to go by. */
  estimatedMs: number | null;
  /** The most recent comparable time it is based on. */
  lastMs: number | null;
  basis: CostBasis;
  /** History build of that most recent time (null for last-build and none). */
  fromBuild: number | null;
  /** Says what the estimate rests on, or why there is none. */
  note: string;
}

export function estimateLayerCost(
  name: string,
  inputs: LayerInputs | null,
  history: History,
  /** The sidecar's record of the last time a build made the layer (builds from before history). */
  lastBuildMs: number | null,
): LayerCost {
  const made: Array<{ build: number; layer: HistoryLayer & { durationMs: number; inputs: LayerInputs } }> = [];
  for (const build of [...history.builds].reverse()) {
    for (const layer of build.layers) {
      if (layer.name === name && MADE.has(layer.action) && typeof layer.durationMs === 'number' && layer.inputs) {
        made.push({ build: build.id, layer: layer as HistoryLayer & { durationMs: number; inputs: LayerInputs } });
      }
    }
  }
  if (inputs) {
    const same = made.filter((m) => sameInputs(m.layer.inputs, inputs)).slice(0, SAMPLES);
    if (same.length > 0) {
      return {
        estimatedMs: median(same.map((m) => m.layer.durationMs)),
        lastMs: same[0].layer.durationMs,
        basis: 'same-inputs',
        fromBuild: same[0].build,
        note: same.length === 1 ? `build ${same[0].build} made it from the same inputs` : `the last ${same.length} builds that made it from the same inputs`,
      };
    }
    const shaped = made.filter((m) => sameShape(m.layer.inputs, inputs)).slice(0, SAMPLES);
    if (shaped.length > 0) {
      return {
        estimatedMs: median(shaped.map((m) => m.layer.durationMs)),
        lastMs: shaped[0].layer.durationMs,
        basis: 'other-inputs',
        fromBuild: shaped[0].build,
        note: `no build made it from these inputs; build ${shaped[0].build} made it with ${describeDifference(shaped[0].layer.inputs, inputs)}`,
      };
    }
  }
  if (lastBuildMs != null && history.builds.length === 0) {
    return { estimatedMs: lastBuildMs, lastMs: lastBuildMs, basis: 'last-build', fromBuild: null, note: 'the last build that made it (before pybp kept a history)' };
  }
  return {
    estimatedMs: null,
    lastMs: null,
    basis: 'none',
    fromBuild: null,
    note: history.builds.length === 0 ? 'no estimate: there is no build history here yet' : `no estimate: no build in the history made ${name} from comparable inputs`,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}

export interface CostTotal {
  /** Sum of the estimates that exist. */
  estimatedMs: number;
  /** Layers to make that have no estimate (the total leaves them out). */
  unestimated: string[];
}

export function totalCost(layers: ReadonlyArray<{ name: string; cost: LayerCost | null }>): CostTotal {
  let estimatedMs = 0;
  const unestimated: string[] = [];
  for (const l of layers) {
    if (!l.cost) continue;
    if (l.cost.estimatedMs == null) unestimated.push(l.name);
    else estimatedMs += l.cost.estimatedMs;
  }
  return { estimatedMs, unestimated };
}
