// A build's planning phase: everything decided before anything is written.
// `explain` is exactly this function plus printing; `build` runs it, then
// carries out the decisions it returns.
import path from 'node:path';
import { analyzeProject } from './analysis/analyze.js';
import type { PackageManager, ProjectAnalysis, Warning } from './analysis/types.js';
import { baseBuildEnv } from './build-env.js';
import { ignoredCodeConfigMessage, type LoadedConfig, loadConfig, type PythonSource } from './config.js';
import { type ErrorData, isPybpError, PybpError, toErrorData } from './errors.js';
import { decideDrops, decideLayer } from './layers/decide.js';
import type { LayerDefinition } from './layers/definition.js';
import { pipCacheLayer } from './layers/pip-cache.js';
import { pipLayer } from './layers/pip.js';
import { poetryLayer } from './layers/poetry.js';
import { type PreviousLayer, readPreviousLayers } from './store/previous-state.js';
import { describeInterpreter, type InterpreterRecord, pythonLayer } from './layers/python.js';
import { formatRequested } from './analysis/python-version-file.js';
import type { PlanSummary } from './events.js';
import { readSidecar, type SidecarRead } from './store/sidecar.js';
import type { LayerDecision } from './layers/types.js';
import { uvCacheLayer } from './layers/uv-cache.js';
import { uvLayer } from './layers/uv.js';
import { pipVenvLayer, poetryVenvLayer, uvVenvLayer } from './layers/venv.js';
import { choosePythonSource, type PythonSourceChoice } from './python-source/choose.js';
import { hostTarget, isBuildpackTarget, parseTarget, type Target } from './target.js';
import { readJournal } from './store/journal.js';
import { journalPath } from './store/control-dir.js';

export interface PlanOptions {
  appDir: string;
  layersDir?: string;
  /** `--env KEY=VALUE` flags; they override the config file's `env`. */
  envFlags?: Record<string, string>;
  target?: string;
  pythonSource?: PythonSource;
  configFile?: string;
  hostEnv?: NodeJS.ProcessEnv;
  /** --clear-cache: plan as if nothing was restored (the old layers are still set aside, so a failed build keeps them). */
  ignorePrevious?: boolean;
}

export interface PlannedLayer {
  def: LayerDefinition;
  decision: LayerDecision;
}

export interface BuildPlan {
  appDir: string;
  layersDir: string;
  config: LoadedConfig;
  configVars: Record<string, string>;
  /** The environment the build starts from (base host vars + config vars). */
  baseEnv: Record<string, string>;
  target: Target;
  analysis: ProjectAnalysis | null;
  source: PythonSourceChoice | null;
  interpreter: InterpreterRecord | null;
  layers: PlannedLayer[];
  drops: LayerDecision[];
  warnings: Warning[];
  /** The first error the build would stop on, if the plan already knows it. */
  error: ErrorData | null;
  previous: Map<string, PreviousLayer>;
  sidecar: SidecarRead;
  /** An interrupted build left a journal; the build will roll it back first. */
  interruptedBuild: boolean;
}

export function defaultLayersDir(appDir: string): string {
  return path.join(appDir, '.pybp', 'layers');
}

export function layerDefinitions(args: {
  packageManager: PackageManager;
  pythonVersion: string;
  target: Target;
  previousInterpreter: InterpreterRecord | null;
  interpreter: InterpreterRecord | null;
}): LayerDefinition[] {
  const { pythonVersion, target } = args;
  const python = pythonLayer({
    pythonVersion,
    target,
    previousInterpreter: args.previousInterpreter,
    interpreter: args.interpreter,
  });
  switch (args.packageManager) {
    case 'pip':
      return [python, pipLayer({ pythonVersion }), pipCacheLayer({ pythonVersion, target }), pipVenvLayer()];
    case 'poetry':
      return [python, poetryLayer({ pythonVersion, target }), poetryVenvLayer({ pythonVersion, target })];
    case 'uv':
      return [python, uvLayer({ target }), uvCacheLayer(), uvVenvLayer({ pythonVersion, target })];
  }
}

export async function planBuild(options: PlanOptions): Promise<BuildPlan> {
  const hostEnv = options.hostEnv ?? process.env;
  const appDir = path.resolve(options.appDir);
  const config = await loadConfig(appDir, options.configFile);
  const layersDir = path.resolve(
    options.layersDir ??
      (config.config.layersDir ? path.resolve(path.dirname(config.file ?? appDir), config.config.layersDir) : defaultLayersDir(appDir)),
  );
  const configVars = { ...config.config.env, ...(options.envFlags ?? {}) };
  const targetSpec = options.target ?? config.config.target;
  const target = options.target ? parseTarget(options.target, 'flag') : targetSpec ? parseTarget(targetSpec, 'config') : hostTarget();

  const nothing = [new Map<string, PreviousLayer>(), { ok: true, sidecar: null } as SidecarRead, null] as const;
  // A layers directory that can't be read (a symlink loop, no permission) is
  // reported after the app's own problems: the app dir may be the cause.
  let layersReadError: unknown = null;
  const [previous, sidecar, journal] = options.ignorePrevious
    ? nothing
    : await Promise.all([readPreviousLayers(layersDir), readSidecar(layersDir), readJournal(layersDir)]).catch((err: unknown) => {
        layersReadError = err;
        return nothing;
      });

  const plan: BuildPlan = {
    appDir,
    layersDir,
    config,
    configVars,
    baseEnv: baseBuildEnv(hostEnv, configVars),
    target,
    analysis: null,
    source: null,
    interpreter: null,
    layers: [],
    drops: [],
    warnings: configWarnings(config),
    error: null,
    previous,
    sidecar,
    interruptedBuild: journal?.state === 'running',
  };

  try {
    plan.analysis = await analyzeProject(appDir, configVars);
  } catch (err) {
    if (!isPybpError(err)) throw err;
    plan.error = err.toData();
    return plan;
  }
  if (layersReadError) {
    if (isPybpError(layersReadError)) throw layersReadError;
    plan.error = {
      code: 'layers-dir-unwritable',
      title: 'The layers directory cannot be read',
      message: `pybp cannot read ${layersDir}: ${(layersReadError as Error).message}`,
      fix: 'Fix its permissions (or the symlink), or choose another place with --layers-dir (or layersDir in the config).',
    };
    return plan;
  }
  plan.warnings.push(...plan.analysis.warnings);
  if (journal?.unreadable) {
    plan.warnings.push({
      code: 'journal-unreadable',
      title: "pybp's journal of an interrupted build is unreadable",
      message: `${journalPath(layersDir)} cannot be followed (${journal.unreadable}), so pybp cannot undo that build step by step: it puts back the layers the build had set aside and judges the rest as the buildpack would (a half-made layer has no metadata, so it is discarded). If a layer still looks wrong, run \`pybp build --clear-cache\`.`,
    });
  }
  const resolved = plan.analysis.python.resolved;

  // Where the interpreter would come from. Not finding one is only an error
  // if the python layer has to be made; a reused layer needs no interpreter.
  let sourceError: ErrorData | null = null;
  try {
    plan.source = await choosePythonSource({
      resolvedVersion: resolved,
      requestedPinned: plan.analysis.python.patchPinned,
      source: options.pythonSource ?? config.config.python.source,
      target,
      hostIsTarget: isBuildpackTarget(hostTarget()),
      search: {
        pyenvRoot: config.config.python.pyenvRoot,
        extraInterpreters: config.config.python.interpreters,
        env: hostEnv,
      },
      urlTemplate: config.config.python.archiveUrlTemplate,
    });
    plan.interpreter = interpreterRecord(plan.source);
  } catch (err) {
    sourceError = toErrorData(err);
    if (!isPybpError(err)) throw err;
  }

  const previousInterpreter = sidecar.ok ? (sidecar.sidecar?.python ?? null) : null;
  const defs = layerDefinitions({
    packageManager: plan.analysis.packageManager,
    pythonVersion: resolved,
    target,
    previousInterpreter,
    interpreter: plan.interpreter,
  });
  try {
    plan.layers = defs.map((def) => ({ def, decision: decideLayer(def, previous.get(def.name)) }));
    plan.drops = decideDrops(new Set(defs.map((d) => d.name)), previous);
  } catch (err) {
    if (!isPybpError(err)) throw err;
    plan.error = err.toData();
    return plan;
  }

  const pythonDecision = plan.layers[0].decision;
  if (sourceError && pythonDecision.action !== 'reuse') plan.error = sourceError;
  if (plan.source?.kind === 'local' && plan.source.substituted && pythonDecision.action !== 'reuse') {
    plan.warnings.push({
      code: 'python-patch-substituted',
      title: `Local Python ${plan.source.interpreter?.version} stands in for ${resolved}`,
      message: `Heroku would install Python ${resolved}; this machine has no ${resolved}, so pybp uses the local ${plan.source.interpreter?.version} (${plan.source.interpreter?.prefix}). The layer metadata still says ${resolved}, as Heroku's would.`,
    });
  }
  return plan;
}

function configWarnings(config: LoadedConfig): Warning[] {
  if (config.ignoredCodeFiles.length === 0) return [];
  const { title, message } = ignoredCodeConfigMessage(config.ignoredCodeFiles);
  return [{ code: 'config-code-ignored', title, message }];
}

export function interpreterRecord(choice: PythonSourceChoice): InterpreterRecord {
  if (choice.kind === 'local' && choice.interpreter) {
    return { source: 'local', version: choice.interpreter.version, location: choice.interpreter.prefix };
  }
  return { source: 'heroku', version: choice.resolvedVersion, location: choice.url ?? '' };
}

/** All decisions of a plan in build order, drops last. */
export function allDecisions(plan: BuildPlan): LayerDecision[] {
  return [...plan.layers.map((l) => l.decision), ...plan.drops];
}

export function assertNoPlanError(plan: BuildPlan): asserts plan is BuildPlan & { analysis: ProjectAnalysis } {
  if (plan.error) throw new PybpError(plan.error);
}

/** The facts about a plan that every output shows in its header. */
export function planSummary(plan: BuildPlan): PlanSummary | null {
  const a = plan.analysis;
  if (!a) return null;
  return {
    app: plan.appDir,
    layersDir: plan.layersDir,
    packageManager: a.packageManager,
    python: { requested: formatRequested(a.python.requested), resolved: a.python.resolved, origin: a.python.origin },
    source: plan.source
      ? {
          kind: plan.source.kind,
          interpreter: plan.interpreter ? describeInterpreter(plan.interpreter) : null,
          substituted: plan.source.substituted,
          reason: plan.source.reason,
        }
      : null,
    target: { ...plan.target },
  };
}
