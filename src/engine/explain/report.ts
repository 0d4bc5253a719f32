import type { PlanSummary } from '../core/events.js';
// The data `pybp explain` prints: the plan, as a report. No rules here; they
// live in the layer modules and run in planBuild(). What each rebuild would
// cost comes from the build history (history/estimate.ts).
import type { BuildEnvChoice } from '../project/build-env.js';
import type { ErrorData } from '../core/errors.js';
import type { PackageChanges } from '../plan/package-changes.js';
import type { SinceInfo } from './since.js';
import { type CostBasis, estimateLayerCost, totalCost } from './estimate.js';
import { layerInputs } from '../history/inputs.js';
import type { History } from '../store/history.js';
import { interruptedBuild } from '../store/store-state.js';
import { allDecisions, type BuildPlan, planSummary } from '../plan/plan.js';
import type { LayerAction, LayerTypes, Reason } from '../layers/types.js';
import type { CacheExplain } from '../cache/explain.js';

export interface ExplainLayer {
  name: string;
  types: LayerTypes;
  action: LayerAction;
  reasons: Reason[];
  /** How long making this layer took, the last time a build made it (pybp's sidecar). */
  lastBuildMs: number | null;
  /** For a layer the build would make (create, discard, rebuild-always): the estimate from history; null: none. */
  estimatedMs: number | null;
  /** What the estimate rests on; null for a layer that is reused or dropped (nothing to make). */
  estimate: { lastMs: number | null; basis: CostBasis; fromBuild: number | null; note: string } | null;
  /** For a kept venv: what `uv sync` / `poetry sync` will change in it (read from the lock and the venv's dist-info). */
  packages?: PackageChanges;
  /** For a kept venv whose changes could not be asked: why. */
  packagesNote?: string;
}

export interface ExplainReport {
  app: string;
  layersDir: string;
  packageManager: string | null;
  python: { requested: string; resolved: string; origin: string } | null;
  source: { kind: string; interpreter: string | null; substituted: boolean; reason: string } | null;
  target: { arch: string; distro_name: string; distro_version: string; origin: string };
  /** The environment a build would run tools in (the plan does not depend on it). */
  environment: BuildEnvChoice;
  /** Which paths the next build's tools would see (the same decision the build makes: project/paths-choice.ts). */
  paths?: PlanSummary['paths'];
  /** What-if: what was assumed in place of the app's files (empty for a plain explain). */
  assumed: string[];
  /** --since: the ref whose build's layers the decisions compare with. */
  since: SinceInfo | null;
  layers: ExplainLayer[];
  /** The layers to make, added up: the sum of the estimates, and the layers without one. */
  cost: { estimatedMs: number; lastMs: number; unestimated: string[] };
  warnings: Array<{ code: string; message: string }>;
  notes: string[];
  error: ErrorData | null;
  /** --cache-dir / --cache-image: what the next build would take from the shared cache, layer by layer. */
  cache?: CacheExplain;
}

const MADE: ReadonlySet<LayerAction> = new Set(['create', 'discard', 'rebuild-always']);

export function explainReport(
  plan: BuildPlan,
  extra: { history?: History; assumed?: string[]; since?: SinceInfo } = {},
): ExplainReport {
  const { sidecar } = plan.store;
  const history = extra.history ?? { version: 1, builds: [] };
  const last = sidecar.ok ? sidecar.sidecar?.lastBuild : null;
  const context = plan.analysis
    ? { packageManager: plan.analysis.packageManager, pythonVersion: plan.analysis.python.resolved, target: plan.context.target, interpreter: plan.interpreter }
    : null;
  const layers: ExplainLayer[] = allDecisions(plan).map((d) => {
    const name = String(d.name);
    const lastBuildMs = lastMadeMs(last?.layers[name]);
    const planned = plan.layers.find((l) => l.def.name === name);
    if (!MADE.has(d.action)) return { name, types: d.types, action: d.action, reasons: d.reasons, lastBuildMs, estimatedMs: null, estimate: null };
    const inputs = planned && context ? layerInputs(planned, context) : null;
    const { estimatedMs, ...estimate } = estimateLayerCost(name, inputs, history, lastBuildMs);
    return { name, types: d.types, action: d.action, reasons: d.reasons, lastBuildMs, estimatedMs, estimate };
  });
  const total = totalCost(layers.map((l) => ({ name: l.name, cost: l.estimate ? { estimatedMs: l.estimatedMs, ...l.estimate } : null })));
  const notes: string[] = [...(extra.since?.notes ?? [])];
  if (interruptedBuild(plan.store)) {
    notes.push('An earlier build was interrupted; the next build first puts the layers back as the last successful build left them. The decisions above already assume that.');
  }
  if (!sidecar.ok) {
    notes.push(`pybp's own record of the last build (.pybp/state.json) is unreadable (${sidecar.problem}); pybp-only reasons are unavailable. The buildpack's decisions are unaffected.`);
  }
  const summary = planSummary(plan);
  return {
    app: plan.context.appDir,
    layersDir: plan.context.layersDir,
    packageManager: summary?.packageManager ?? null,
    python: summary?.python ?? null,
    source: summary?.source ?? null,
    target: { ...plan.context.target },
    environment: { ...plan.context.buildEnv },
    paths: { ...plan.context.paths, layers: plan.context.view.layers.view, app: plan.context.view.app.view },
    assumed: extra.assumed ?? [],
    since: extra.since ?? null,
    layers,
    cost: { ...total, lastMs: layers.reduce((sum, l) => sum + (l.estimate?.lastMs ?? 0), 0) },
    warnings: plan.warnings.map((w) => ({ code: w.code, message: w.message })),
    notes,
    error: plan.error,
  };
}

/** What making the layer cost the last time a build made it; a reuse says nothing about that. */
function lastMadeMs(record: { action: string; durationMs: number; madeMs?: number | null } | undefined): number | null {
  if (!record) return null;
  if (typeof record.madeMs === 'number') return record.madeMs;
  return record.action !== 'reuse' ? record.durationMs : null;
}
