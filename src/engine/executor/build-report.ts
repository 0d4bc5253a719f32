import type { PlanSummary } from '../core/events.js';
// What a build reports (the --json output, the views' input, the history
// entry's source) and the record of the last successful build it leaves in the
// sidecar. Apart from build.ts so that what reads a report (history, the UI)
// does not import the build itself.
import type { ErrorData } from '../core/errors.js';
import { layerOutcome, type LayerOutcome } from '../core/layer-outcome.js';
import type { Warning } from '../analysis/types.js';
import type { LayerAction, Reason } from '../layers/types.js';
import { allDecisions, type BuildPlan, plannedLayer, planSummary, type ReadyPlan } from '../plan/plan.js';
import type { PackageChanges } from '../plan/package-changes.js';
import type { BuildEnvChoice } from '../project/build-env.js';
import type { Sidecar } from '../store/sidecar.js';
import type { BuildContext } from './context.js';
import type { CacheSummary } from '../cache/session.js';

export interface BuildReport {
  status: 'succeeded' | 'failed' | 'interrupted';
  app: string;
  layersDir: string | null;
  packageManager: string | null;
  python: { requested: string; resolved: string; origin: string; source: string | null; interpreter: string | null } | null;
  target: { arch: string; distro_name: string; distro_version: string; origin: string } | null;
  /** The environment the build ran tools in; null when it stopped before reading its config. */
  environment: BuildEnvChoice | null;
  /** Which paths the build's tools saw (heroku: /layers/heroku_python, /workspace); null when it stopped before reading its config. */
  paths: PlanSummary['paths'] | null;
  layers: Array<{
    name: string;
    action: LayerAction;
    reasons: Reason[];
    durationMs: number | null;
    sizeBytes: number | null;
    /** done (succeeded), rolled-back (started by a build that failed), not-reached (never started). */
    outcome: LayerOutcome;
    /** venv of a successful build: what it changed in the installed packages since the last build. */
    packages?: PackageChanges;
  }>;
  warnings: Array<{ code: string; message: string; cause?: string; fix?: string }>;
  error: ErrorData | null;
  durationMs: number;
  /** With a shared cache: what was restored and saved. */
  cache?: CacheSummary;
}

export function sidecarFor(plan: ReadyPlan, ctx: BuildContext, started: number): Sidecar {
  const pythonReused = plannedLayer(plan.layers, 'python').decision.action === 'reuse';
  const previous = plan.store.sidecar.ok ? plan.store.sidecar.sidecar : null;
  return {
    version: 1,
    python: pythonReused ? (previous?.python ?? null) : plan.interpreter,
    // As the tools saw it (what the path-bound layers hold): /layers/heroku_python in heroku mode.
    layersDir: plan.context.view.layers.view,
    app: plan.context.appDir,
    lastBuild: {
      finishedAt: new Date().toISOString(),
      packageManager: plan.analysis.packageManager,
      durationMs: Date.now() - started,
      layers: ctx.records,
    },
  };
}

export function report(
  status: BuildReport['status'],
  plan: BuildPlan | null,
  ctx: BuildContext | null,
  warnings: Warning[],
  error: ErrorData | null,
  started: number,
  startedLayers: ReadonlySet<string>,
): BuildReport {
  const a = plan?.analysis ?? null;
  const summary = plan ? planSummary(plan) : null;
  return {
    status,
    app: plan?.context.appDir ?? '',
    layersDir: plan?.context.layersDir ?? null,
    packageManager: a?.packageManager ?? null,
    python: a && summary
      ? { ...summary.python, source: plan?.source?.kind ?? null, interpreter: summary.source?.interpreter ?? null }
      : null,
    target: plan ? { ...plan.context.target } : null,
    environment: plan ? { ...plan.context.buildEnv } : null,
    paths: plan ? { ...plan.context.paths, layers: plan.context.view.layers.view, app: plan.context.view.app.view } : null,
    layers: plan
      ? allDecisions(plan).map((d) => ({
          name: String(d.name),
          action: d.action,
          reasons: d.reasons,
          durationMs: ctx?.records[String(d.name)]?.durationMs ?? null,
          sizeBytes: ctx?.records[String(d.name)]?.sizeBytes ?? null,
          outcome: layerOutcome(status, startedLayers.has(String(d.name)) || ctx?.records[String(d.name)] !== undefined),
        }))
      : [],
    warnings: warnings.map((w) => ({ code: w.code, message: w.message, ...(w.cause ? { cause: w.cause } : {}), ...(w.fix ? { fix: w.fix } : {}) })),
    error,
    durationMs: Date.now() - started,
  };
}
