// Appending a finished build (succeeded, failed or interrupted) to the history.
// One small read and one atomic write; no size walks (sizes come from the
// build's own records).
import { promises as fs } from 'node:fs';
import type { Warning } from '../analysis/types.js';
import type { BuildReport } from '../executor/build-report.js';
import type { BuildPlan } from '../plan/plan.js';
import { controlDir } from '../store/control-dir.js';
import { appendHistory, type HistoryBuild, type HistoryRead } from '../store/history.js';
import { acquireLayersLock, type LayersLock } from '../store/lock.js';
import { layerInputs } from './inputs.js';

export function historyEntry(report: BuildReport, plan: BuildPlan | null, startedAt: Date): Omit<HistoryBuild, 'id'> {
  const a = plan?.analysis ?? null;
  const inputsByLayer = new Map<string, Record<string, string>>();
  if (plan && a) {
    const context = { packageManager: a.packageManager, pythonVersion: a.python.resolved, target: plan.context.target, interpreter: plan.interpreter };
    for (const layer of plan.layers) inputsByLayer.set(layer.def.name, layerInputs(layer, context));
  }
  return {
    startedAt: startedAt.toISOString(),
    status: report.status,
    durationMs: report.durationMs,
    python: report.python
      ? { requested: report.python.requested, resolved: report.python.resolved, origin: report.python.origin, interpreter: report.python.interpreter }
      : null,
    packageManager: report.packageManager,
    target: report.target ? { arch: report.target.arch, distro_name: report.target.distro_name, distro_version: report.target.distro_version } : null,
    environment: report.environment ? { ...report.environment } : null,
    error: report.error ? { code: report.error.code, title: report.error.title } : null,
    layers: report.layers.map((l) => ({
      name: l.name,
      action: l.action,
      reasons: l.reasons,
      outcome: l.outcome,
      durationMs: l.durationMs,
      sizeBytes: l.sizeBytes,
      inputs: inputsByLayer.get(l.name) ?? null,
    })),
  };
}

/**
 * Appends the build to the history of its layers directory. With `lock` the
 * build still holds the layers lock; without (it failed before taking it) the
 * history is written only where pybp has already made its control directory,
 * and only if the lock can be had: a build that never touched a layers
 * directory (not a Python app, another build running, a directory pybp does
 * not own) leaves nothing there. Returns a warning instead of failing.
 */
export async function recordBuild(
  report: BuildReport,
  plan: BuildPlan | null,
  startedAt: Date,
  lock: LayersLock | null,
  /** The history as read earlier under this same lock (while the tools ran). */
  historyRead?: Promise<HistoryRead>,
): Promise<Warning | null> {
  const layersDir = plan?.context.layersDir ?? report.layersDir;
  if (!layersDir) return null;
  let ownLock: LayersLock | null = null;
  try {
    if (!lock) {
      if (report.error?.code === 'layers-locked') return null;
      const st = await fs.lstat(controlDir(layersDir)).catch(() => null);
      if (!st?.isDirectory()) return null;
      ownLock = await acquireLayersLock(layersDir, 'pybp build (history)').catch(() => null);
      if (!ownLock) return null;
    }
    const { startedFresh } = await appendHistory(layersDir, historyEntry(report, plan, startedAt), lock ? historyRead : undefined);
    if (startedFresh === null) return null;
    return {
      code: 'history-unreadable',
      title: "pybp's build history was unreadable and starts again",
      message: `The build history in ${layersDir} could not be read (${startedFresh}); it now holds this build only. Layers and decisions are unaffected.`,
    };
  } catch (err) {
    return {
      code: 'history-unwritable',
      title: "This build could not be added to pybp's build history",
      message: `Writing the build history in ${layersDir} failed: ${(err as Error).message}. The build itself is unaffected.`,
    };
  } finally {
    await ownLock?.release();
  }
}
