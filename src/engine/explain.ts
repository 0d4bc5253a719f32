// The data `pybp explain` prints: the plan, as a report. No rules here; they
// live in the layer modules and run in planBuild().
import { formatRequested } from './analysis/python-version-file.js';
import type { ErrorData } from './errors.js';
import type { BuildPlan } from './plan.js';
import type { LayerAction, LayerTypes, Reason } from './layers/types.js';
import { describeInterpreter } from './layers/python.js';

export interface ExplainLayer {
  name: string;
  types: LayerTypes;
  action: LayerAction;
  reasons: Reason[];
  /** How long this layer took in the last build, when it was made then (pybp's sidecar). */
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
  const last = plan.sidecar.ok ? plan.sidecar.sidecar?.lastBuild : null;
  const layers: ExplainLayer[] = [...plan.layers.map((l) => l.decision), ...plan.drops].map((d) => ({
    name: String(d.name),
    types: d.types,
    action: d.action,
    reasons: d.reasons,
    lastBuildMs: lastMadeMs(last?.layers[String(d.name)]),
  }));
  const notes: string[] = [];
  if (plan.interruptedBuild) {
    notes.push('An earlier build was interrupted; the next build first puts the layers back as the last successful build left them. The decisions above already assume that.');
  }
  if (!plan.sidecar.ok) {
    notes.push(`pybp's own record of the last build (.pybp/state.json) is unreadable (${plan.sidecar.problem}); pybp-only reasons are unavailable. The buildpack's decisions are unaffected.`);
  }
  const a = plan.analysis;
  return {
    app: plan.appDir,
    layersDir: plan.layersDir,
    packageManager: a?.packageManager ?? null,
    python: a ? { requested: formatRequested(a.python.requested), resolved: a.python.resolved, origin: a.python.origin } : null,
    source: plan.source
      ? {
          kind: plan.source.kind,
          interpreter: plan.interpreter ? describeInterpreter(plan.interpreter) : null,
          substituted: plan.source.substituted,
          reason: plan.source.reason,
        }
      : null,
    target: { ...plan.target },
    layers,
    warnings: plan.warnings.map((w) => ({ code: w.code, message: w.message })),
    notes,
    error: plan.error,
  };
}

/** What making the layer cost last time; a reuse last time says nothing about that. */
function lastMadeMs(record: { action: string; durationMs: number } | undefined): number | null {
  return record && record.action !== 'reuse' ? record.durationMs : null;
}
