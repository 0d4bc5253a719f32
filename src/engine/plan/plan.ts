// A build's planning phase: everything decided before anything is written.
// Three stages, each a function of the one before:
//   resolveContext (project-context.ts) → analyse (the app) → planLayers (the layers).
// `explain` runs them all through planBuild() and prints the result; `build`
// runs the same three, taking the layers lock before the last one.
import type { ProjectAnalysis, Warning } from '../analysis/types.js';
import { analyzeProject } from '../analysis/analyze.js';
import { checkToolInputs } from '../analysis/tool-inputs.js';
import type { Assumptions } from '../analysis/assumptions.js';
import { formatRequested } from '../analysis/python-version-file.js';
import { ignoredCodeConfigMessage, type LoadedConfig } from '../project/config.js';
import { type ErrorData, isPybpError } from '../core/errors.js';
import type { PlanSummary } from '../core/events.js';
import { decideDrops, decideLayer } from '../layers/decide.js';
import type { LayerDefinition } from '../layers/definition.js';
import { layerDefinitions } from '../layers/for-package-manager.js';
import type { LayerDecision, LayerName } from '../layers/types.js';
import { type ContextOptions, type ProjectContext, resolveContext } from '../project/project-context.js';
import { choosePythonSource, type PythonSourceChoice } from '../python-source/choose.js';
import { uvPythonAvailability } from '../python-source/uv-python.js';
import { uvDownloadReach } from '../python-source/uv-download-reach.js';
import { checkConfigNamedFile } from '../io/config-named-file.js';
import { describeInterpreterRecord, type InterpreterRecord, interpreterRecord } from '../python-source/interpreter-record.js';
import { journalPath } from '../store/control-dir.js';
import { EMPTY_STORE, readStore, type StoreState } from '../store/store-state.js';
import { layerContents } from '../store/layer-contents.js';
import { otherAppProblem } from './other-app.js';
import { hostTarget, isBuildpackTarget } from '../core/target.js';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { readAppText } from '../io/app-file.js';
import { checkRequiresPython } from '../doctor/requires-python.js';
import type { TomlTable } from '../doctor/project-files.js';

export interface PlanOptions extends ContextOptions {
  /** explain's what-if: facts assumed in place of what the app's files say. */
  assume?: Assumptions;
  /** --clear-cache: plan as if nothing was restored (the old layers are still set aside, so a failed build keeps them). */
  ignorePrevious?: boolean;
}

export interface PlannedLayer {
  def: LayerDefinition;
  decision: LayerDecision;
}

interface PlanFields {
  context: ProjectContext;
  /** What the layers directory held when the plan was made. */
  store: StoreState;
  source: PythonSourceChoice | null;
  interpreter: InterpreterRecord | null;
  /** In build order; empty when the plan stopped before deciding on the layers. */
  layers: PlannedLayer[];
  drops: LayerDecision[];
  warnings: Warning[];
}

/** A plan a build can carry out. */
export interface ReadyPlan extends PlanFields {
  ok: true;
  analysis: ProjectAnalysis;
  error: null;
}

/** A plan that already knows the error the build would stop on (with as much as was decided before it). */
export interface BlockedPlan extends PlanFields {
  ok: false;
  analysis: ProjectAnalysis | null;
  error: ErrorData;
}

export type BuildPlan = ReadyPlan | BlockedPlan;

export type Analysed = { ok: true; analysis: ProjectAnalysis } | { ok: false; error: ErrorData };

/** The app's own checks, in the buildpack's order; a project error is a value, pybp's bugs throw. */
export async function analyse(context: ProjectContext, assume: Assumptions = {}): Promise<Analysed> {
  try {
    const analysis = await analyzeProject(context.appDir, context.configVars, assume);
    // The files the tools will read must be safe to hand them (a FIFO, a device): explain stops where the build would.
    await checkToolInputs(context.appDir, analysis.packageManager);
    return { ok: true, analysis };
  } catch (err) {
    if (!isPybpError(err)) throw err;
    return { ok: false, error: err.toData() };
  }
}

/** A plan that stopped before the layers were decided. */
export function blockedPlan(context: ProjectContext, analysis: ProjectAnalysis | null, error: ErrorData, store: StoreState = EMPTY_STORE): BlockedPlan {
  return { ok: false, context, store, analysis, source: null, interpreter: null, layers: [], drops: [], warnings: configWarnings(context.config), error };
}

/** The whole planning phase, as `explain` runs it: nothing is written. */
export async function planBuild(options: PlanOptions): Promise<BuildPlan> {
  const context = await resolveContext(options);
  // Nothing is read from a layers directory pybp may not use: its layers are never reused.
  const [analysed, read] = await Promise.all([
    analyse(context, options.assume),
    options.ignorePrevious || !context.layersAccess.trusted ? { ok: true as const, store: EMPTY_STORE } : readStoreOrError(context.layersDir),
  ]);
  // A layers directory that can't be read is reported after the app's own
  // problems: the app dir may be the cause.
  if (!analysed.ok) return blockedPlan(context, null, analysed.error, read.ok ? read.store : EMPTY_STORE);
  if (!read.ok) return blockedPlan(context, analysed.analysis, read.error);
  return withLayersDirProblem(await planLayers(context, analysed.analysis, read.store));
}

/** The build refuses a layers directory it may not use; explain shows the plan from nothing, and why. */
export function withLayersDirProblem(plan: BuildPlan): BuildPlan {
  const problem = plan.context.layersAccess.problem;
  return plan.ok && problem ? { ...plan, ok: false, error: problem } : plan;
}

export async function readStoreOrError(layersDir: string): Promise<{ ok: true; store: StoreState } | { ok: false; error: ErrorData }> {
  try {
    return { ok: true, store: await readStore(layersDir) };
  } catch (err) {
    if (isPybpError(err)) throw err;
    return { ok: false, error: layersUnreadableError(layersDir, err) };
  }
}

function layersUnreadableError(layersDir: string, err: unknown): ErrorData {
  return {
    code: 'layers-dir-unwritable',
    title: 'The layers directory cannot be read',
    message: `pybp cannot read ${layersDir}: ${(err as Error).message}`,
    fix: 'Fix its permissions (or the symlink), or choose another place with --layers-dir (or layersDir in the config).',
  };
}

export function journalUnreadableWarning(layersDir: string, problem: string): Warning {
  return {
    code: 'journal-unreadable',
    title: "pybp's journal of an interrupted build is unreadable",
    message: `${journalPath(layersDir)} cannot be followed (${problem}), so pybp cannot undo that build step by step: it puts back the layers the build had set aside and judges the rest as the buildpack would (a half-made layer has no metadata, so it is discarded). If a layer still looks wrong, run \`pybp build --clear-cache\`.`,
  };
}

/** Where the interpreter comes from and what each layer's rule decides, given what the layers directory holds. */
/**
 * `runsAppCode`: only a build sets it (it runs the app's tools anyway).
 * Without it (explain, and anything else that plans) no interpreter inside
 * the app or named by its config is run to learn its version.
 */
export async function planLayers(
  context: ProjectContext,
  analysis: ProjectAnalysis,
  store: StoreState,
  mode: { runsAppCode?: boolean } = {},
): Promise<BuildPlan> {
  const warnings: Warning[] = [...configWarnings(context.config), ...pathsWarnings(context), ...analysis.warnings];
  if (store.journal?.unreadable) warnings.push(journalUnreadableWarning(context.layersDir, store.journal.unreadable));
  warnings.push(...(await requiresPythonWarnings(context.appDir, analysis)));
  const resolved = analysis.python.resolved;

  // Where the interpreter would come from. Not finding one is only an error
  // if the python layer has to be made; a reused layer needs no interpreter.
  let source: PythonSourceChoice | null = null;
  let sourceError: ErrorData | null = null;
  try {
    source = await choosePythonSource({
      resolvedVersion: resolved,
      requestedPinned: analysis.python.patchPinned,
      source: context.pythonSource,
      target: context.target,
      hostIsTarget: isBuildpackTarget(hostTarget()),
      search: {
        pyenvRoot: context.config.config.python.pyenvRoot,
        extraInterpreters: context.config.config.python.interpreters,
        env: context.hostEnv,
        ...(mode.runsAppCode ? {} : { inspectOnly: { appDir: context.appDir } }),
      },
      urlTemplate: context.config.config.python.archiveUrlTemplate,
      uv: uvPythonAvailability(context.hostEnv),
      // explain never looks up a host only the repo's config names; the build does (and explain says it depends on that).
      uvReach: () =>
        uvDownloadReach({ mirror: context.config.config.python.uvMirror, downloadsJsonUrl: context.config.config.python.uvDownloadsJsonUrl }, context.hostEnv, undefined, {
          mayLookUp: mode.runsAppCode === true || !context.config.fromApp,
        }),
    });
    // A download list the config names is checked like an app file before uv would be given it.
    const list = context.config.config.python.uvDownloadsJsonUrl;
    if (source.kind === 'uv' && list !== undefined) await checkConfigNamedFile(list, 'downloads-list', 'python.uvDownloadsJsonUrl');
  } catch (err) {
    if (!isPybpError(err)) throw err;
    sourceError = err.toData();
  }
  const interpreter = source ? interpreterRecord(source) : null;
  const fields: PlanFields = { context, store, source, interpreter, layers: [], drops: [], warnings };

  const previousInterpreter = store.sidecar.ok ? (store.sidecar.sidecar?.python ?? null) : null;
  const defs = layerDefinitions({
    packageManager: analysis.packageManager,
    pythonVersion: resolved,
    target: context.target,
    previousInterpreter,
    interpreter,
    // The layers path the tools saw: /layers/heroku_python in heroku mode, wherever the layers are on disk.
    layersPath: { previous: store.sidecar.ok ? (store.sidecar.sidecar?.layersDir ?? null) : null, current: context.view.layers.view },
  });
  // Whether each restored layer still holds its interpreter or tool: an input of its rule.
  const pythonDef = defs.find((d) => d.name === 'python');
  const contentsCtx = { layersDir: context.layersDir, toolLayersDir: context.view.layers.view, pythonEntries: pythonDef?.kind === 'cached' ? (pythonDef.entries ?? []) : [] };
  const contents = await Promise.all(defs.map((def) => layerContents(def, store.previous.get(def.name), contentsCtx)));
  try {
    fields.layers = defs.map((def, i) => ({ def, decision: decideLayer(def, store.previous.get(def.name), contents[i]) }));
    fields.drops = decideDrops(new Set(defs.map((d) => d.name)), store.previous);
  } catch (err) {
    // A layer toml libcnb could not read: its framework error.
    if (!isPybpError(err)) throw err;
    return { ...fields, layers: [], drops: [], ok: false, analysis, error: err.toData() };
  }

  const otherApp = otherAppProblem(context.appDir, context.layersDir, store.sidecar);
  if (otherApp) return { ...fields, ok: false, analysis, error: otherApp };

  const pythonMade = plannedLayer(fields.layers, 'python').decision.action !== 'reuse';
  if (sourceError && pythonMade) return { ...fields, ok: false, analysis, error: sourceError };
  const standIn = standInWarning(resolved, pythonMade ? interpreter : previousInterpreter);
  if (standIn) warnings.push(standIn);
  return { ...fields, ok: true, analysis, error: null };
}

/**
 * `requires-python-excludes`: uv and Poetry stop mid-build when pyproject.toml's
 * Python range does not admit the version the buildpack installs (the one a
 * what-if such as `explain --python 3.13` assumes, too). doctor's rule, as a
 * warning here: the buildpack itself never reads pyproject.toml.
 */
async function requiresPythonWarnings(appDir: string, analysis: ProjectAnalysis): Promise<Warning[]> {
  if (analysis.packageManager === 'pip') return [];
  let pyproject: TomlTable;
  try {
    const text = await readAppText(join(appDir, 'pyproject.toml'), 'pyproject');
    if (text === undefined) return [];
    pyproject = parseToml(text) as TomlTable;
  } catch {
    return []; // the tool reports a broken pyproject.toml itself
  }
  return checkRequiresPython(pyproject, analysis.packageManager, analysis.python)
    .filter((c) => c.status === 'fail')
    .map((c) => ({ code: 'requires-python-excludes', title: "pyproject.toml's Python range excludes the build's Python", message: `${c.message} Fix: ${c.fix}` }));
}

/**
 * `python-patch-substituted`, on every build while it holds: for a new python
 * layer, the interpreter this build copies; for a reused one, the interpreter
 * the earlier build copied into it (still the one that runs).
 */
function standInWarning(resolved: string, interpreter: InterpreterRecord | null): Warning | null {
  if (!interpreter || interpreter.source !== 'local' || interpreter.version === resolved) return null;
  return {
    code: 'python-patch-substituted',
    title: `Local Python ${interpreter.version} stands in for ${resolved}`,
    message: `Heroku would install Python ${resolved}; this machine has no ${resolved}, so pybp uses the local ${interpreter.version} (${interpreter.location}). The layer metadata still says ${resolved}, as Heroku's would.`,
  };
}

/** The default fell back to the host's paths: said on every build and explain while it holds. */
function pathsWarnings(context: ProjectContext): Warning[] {
  const note = context.paths.note;
  return note ? [{ code: 'paths-host-fallback', title: "Built with this machine's paths, not Heroku's", message: note }] : [];
}

function configWarnings(config: LoadedConfig): Warning[] {
  if (config.ignoredCodeFiles.length === 0) return [];
  const { title, message } = ignoredCodeConfigMessage(config.ignoredCodeFiles);
  return [{ code: 'config-code-ignored', title, message }];
}

/** A planned layer by name; every package manager's plan has python and venv. */
export function plannedLayer(layers: readonly PlannedLayer[], name: LayerName): PlannedLayer {
  const found = layers.find((l) => l.def.name === name);
  if (!found) throw new Error(`pybp bug: layer ${name} is not in the plan`);
  return found;
}

/** All decisions of a plan in build order, drops last. */
export function allDecisions(plan: BuildPlan): LayerDecision[] {
  return [...plan.layers.map((l) => l.decision), ...plan.drops];
}

/** The facts about a plan that every output shows in its header. */
export function planSummary(plan: ReadyPlan): PlanSummary;
export function planSummary(plan: BuildPlan): PlanSummary | null;
export function planSummary(plan: BuildPlan): PlanSummary | null {
  const a = plan.analysis;
  if (!a) return null;
  return {
    app: plan.context.appDir,
    layersDir: plan.context.layersDir,
    packageManager: a.packageManager,
    python: { requested: formatRequested(a.python.requested), resolved: a.python.resolved, origin: a.python.origin },
    source: plan.source
      ? {
          kind: plan.source.kind,
          interpreter: plan.interpreter ? describeInterpreterRecord(plan.interpreter) : null,
          substituted: plan.source.substituted,
          reason: plan.source.reason,
        }
      : null,
    target: { ...plan.context.target },
    environment: { ...plan.context.buildEnv },
    paths: { ...plan.context.paths, layers: plan.context.view.layers.view, app: plan.context.view.app.view },
  };
}
