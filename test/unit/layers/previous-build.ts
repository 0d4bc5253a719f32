// Shared by the layer decision tests: a temporary app, and the layers directory
// a previous build would have left, written with the layer modules' own
// definitions (so "nothing changed" really is what a build writes).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { PackageManager } from '../../../src/engine/analysis/types.js';
import { renderLayerToml } from '../../../src/engine/store/layer-toml.js';
import type { LayerDefinition } from '../../../src/engine/layers/definition.js';
import type { LayerDecision } from '../../../src/engine/layers/types.js';
import { layerDefinitions } from '../../../src/engine/layers/for-package-manager.js';
import { allDecisions, type BuildPlan, planBuild } from '../../../src/engine/plan/plan.js';
import { parseTarget } from '../../../src/engine/core/target.js';
import { adoptLayersDir } from '../../support/owned-layers.js';

export const MARKERS: Record<PackageManager, string> = {
  pip: 'requirements.txt',
  poetry: 'poetry.lock',
  uv: 'uv.lock',
};

export interface Sandbox {
  root: string;
  app: string;
  layers: string;
  /** An empty HOME, so uv/asdf/mise interpreters of the machine are not found. */
  home: string;
}

/** One sandbox per call, removed after the test. Paths contain spaces on purpose. */
export function useSandboxes(): () => Promise<Sandbox> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'pybp layers '));
    made.push(root);
    const box = { root, app: path.join(root, 'my app'), layers: path.join(root, 'the layers'), home: path.join(root, 'home') };
    await mkdir(box.app);
    await mkdir(box.home);
    return box;
  };
}

/** An app with the package manager's marker file and, unless null, a `.python-version`. */
export async function writeApp(app: string, pm: PackageManager, pythonVersionFile: string | null): Promise<void> {
  await writeFile(path.join(app, MARKERS[pm]), '');
  if (pythonVersionFile !== null) await writeFile(path.join(app, '.python-version'), `${pythonVersionFile}\n`);
}

export interface PreviousBuild {
  packageManager: PackageManager;
  /** The resolved version the previous build wrote, e.g. 3.12.13. */
  pythonVersion: string;
  /** A `--target` spec, default heroku-24. */
  target?: string;
  /** Per layer: metadata fields to overwrite (an older tool version...). */
  overrides?: Record<string, Record<string, string>>;
}

/** The layer definitions the previous build used (its package manager, Python and target). */
export function previousDefinitions(prev: PreviousBuild): LayerDefinition[] {
  return layerDefinitions({
    packageManager: prev.packageManager,
    pythonVersion: prev.pythonVersion,
    target: parseTarget(prev.target ?? 'heroku-24', 'flag'),
    previousInterpreter: null,
    interpreter: null,
  });
}

/**
 * Writes `<name>.toml` (as the build writes it at the end: [types] plus
 * metadata for cached layers) and a layer directory with one file in it and
 * the entries a whole layer holds, for every layer of the previous build's
 * package manager.
 */
export async function writePreviousBuild(layersDir: string, prev: PreviousBuild): Promise<void> {
  await mkdir(layersDir, { recursive: true });
  for (const def of previousDefinitions(prev)) {
    const metadata = def.kind === 'cached' ? { ...def.metadata, ...(prev.overrides?.[def.name] ?? {}) } : undefined;
    await writeFile(path.join(layersDir, `${def.name}.toml`), renderLayerToml(def.types, metadata));
    await mkdir(path.join(layersDir, def.name), { recursive: true });
    await writeFile(path.join(layersDir, def.name, 'contents'), `${def.name} of a ${prev.packageManager} build\n`);
    // What a whole layer holds (its interpreter or tool): a layer without it is made again.
    for (const entry of def.kind === 'cached' ? (def.entries ?? []) : []) {
      await mkdir(path.dirname(path.join(layersDir, def.name, entry)), { recursive: true });
      await writeFile(path.join(layersDir, def.name, entry), `${entry} of a ${prev.packageManager} build\n`);
    }
  }
}

export function pyenvRoot(): string {
  return process.env.PYENV_ROOT || path.join(homedir(), '.pyenv');
}

/** planBuild as `pybp explain --target heroku-24 --python-source local` runs it, on this machine's pyenv. */
export async function plan(box: Sandbox, opts: { target?: string; envFlags?: Record<string, string> } = {}): Promise<BuildPlan> {
  const hostEnv = { PATH: '/usr/bin:/bin', HOME: box.home, PYENV_ROOT: pyenvRoot() };
  // The hand-written layers stand for what a pybp build left: pybp's own.
  await adoptLayersDir(box.layers, hostEnv);
  return planBuild({
    appDir: box.app,
    layersDir: box.layers,
    target: opts.target ?? 'heroku-24',
    pythonSource: 'local',
    envFlags: opts.envFlags ?? {},
    hostEnv,
  });
}

export type ReasonTuple = [field: string, from: string | null, to: string | null];

/** A decision reduced to what the rules decide: action and the reasons' {field, from, to}. */
export interface DecisionSummary {
  name: string;
  action: LayerDecision['action'];
  reasons: ReasonTuple[];
}

export function summarize(d: LayerDecision): DecisionSummary {
  return { name: String(d.name), action: d.action, reasons: d.reasons.map((r) => [r.field, r.from, r.to]) };
}

export function summarizePlan(p: BuildPlan): DecisionSummary[] {
  return allDecisions(p).map(summarize);
}
