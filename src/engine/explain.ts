// The data `pybp explain` prints: the plan, as a report. No rules here; they
// live in the layer modules and run in planBuild().
import type { ErrorData } from './errors.js';
import { interruptedBuild } from './store/store-state.js';
import { allDecisions, type BuildPlan, planSummary } from './plan.js';
import type { LayerAction, LayerTypes, Reason } from './layers/types.js';

export interface ExplainLayer {
  name: string;
  types: LayerTypes;
  action: LayerAction;
  reasons: Reason[];
  /** How long making this layer took, the last time a build made it (pybp's sidecar). */
  lastBuildMs: number | null;
}

export interface ExplainReport {
  app: string;
  layersDir: string;
  packageManager: string | null;
  python: { requested: string; resolved: string; origin: string } | null;
  source: { kind: string; interpreter: string | null; substituted: boolean; reason: string } | null;
  target: { arch: string; distro_name: string; distro_version: string; origin: string };
  layers: ExplainLayer[];
  warnings: Array<{ code: string; message: string }>;
  notes: string[];
  error: ErrorData | null;
}

export function explainReport(plan: BuildPlan): ExplainReport {
  const { sidecar } = plan.store;
  const last = sidecar.ok ? sidecar.sidecar?.lastBuild : null;
  const layers: ExplainLayer[] = allDecisions(plan).map((d) => ({
    name: String(d.name),
    types: d.types,
    action: d.action,
    reasons: d.reasons,
    lastBuildMs: lastMadeMs(last?.layers[String(d.name)]),
  }));
  const notes: string[] = [];
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
    layers,
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
