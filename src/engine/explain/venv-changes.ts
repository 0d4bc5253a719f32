// For a venv the next build keeps, what `uv sync` / `poetry sync` will change
// in it, read as data: what the lock says the sync installs (plan/sync-target.ts)
// against what the venv holds (its `*.dist-info`). Nothing is run: no tool,
// and never the venv's interpreter, whose site-packages can hold the app's own
// code (an editable project's `src/sitecustomize.py`). For pip the venv is
// always made anew: the build report says what differs from the last build.
import path from 'node:path';
import { readAppText } from '../io/app-file.js';
import { forecastChanges, readInstalled, type PackageChanges } from '../plan/package-changes.js';
import { plannedLayer, type ReadyPlan } from '../plan/plan.js';
import { localMarkerEnv, syncTarget } from '../plan/sync-target.js';

export type VenvForecast = { packages: PackageChanges; note: null } | { packages: null; note: string };

/** null when the venv is not kept (made from the lock, or always new), so there is nothing to forecast. */
export async function forecastVenv(plan: ReadyPlan): Promise<VenvForecast | null> {
  const venv = plannedLayer(plan.layers, 'venv');
  if (venv.decision.action !== 'reuse') return null;
  const pm = plan.analysis.packageManager;
  if (pm === 'pip') return null;
  const venvDir = path.join(plan.context.layersDir, 'venv');
  const [installed, version] = await Promise.all([readInstalled(venvDir), venvPythonVersion(venvDir)]);
  // The interpreter the kept venv runs: pyvenv.cfg says, else the one the last build copied, else the resolved version.
  const python = version ?? (plan.store.sidecar.ok ? plan.store.sidecar.sidecar?.python?.version : undefined) ?? plan.analysis.python.resolved;
  const target = await syncTarget(plan.context.appDir, pm, localMarkerEnv(python));
  // Shown as "packages: not known (<why>)".
  if (!target.ok) return { packages: null, note: target.why };
  return { packages: forecastChanges(installed, target.target), note: null };
}

/** `version = 3.12.1` in the venv's pyvenv.cfg (written by `python -m venv`). */
async function venvPythonVersion(venvDir: string): Promise<string | undefined> {
  try {
    const text = await readAppText(path.join(venvDir, 'pyvenv.cfg'), 'layer-metadata');
    return /^\s*version(?:_info)?\s*=\s*(\d+\.\d+\.\d+)/m.exec(text ?? '')?.[1];
  } catch {
    return undefined;
  }
}
