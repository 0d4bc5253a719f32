// `pybp build`: plan (the same function explain runs), then carry the plan
// out as one transaction over the layers directory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isPybpError, PybpError, readOnlyFilesystem } from '../core/errors.js';
import { failureCause, layersDirIdentity, type LayersDirIdentity } from './failure-cause.js';
import type { Emit, PlanSummary, StepId } from '../core/events.js';
import { faultPoint } from '../core/fault.js';
import { interruptedError } from '../core/interrupted.js';
import { readJournal, recoverLayers } from '../store/journal.js';
import { EMPTY_STORE } from '../store/store-state.js';
import { acquireLayersLock, type LayersLock } from '../store/lock.js';
import { LayerTransaction } from '../store/transaction.js';
import { checkLayersDir, secureLayersDir } from '../store/layers-dir.js';
import { layerEntries, type OwnerRecord, recordEntries } from '../store/ownership.js';
import {
  allDecisions,
  analyse,
  blockedPlan,
  type BuildPlan,
  journalUnreadableWarning,
  planLayers,
  planSummary,
  readStoreOrError,
} from '../plan/plan.js';
import type { PackageManager, ProjectAnalysis, Warning } from '../analysis/types.js';
import { PYTHON_VERSION_ERRORS, PYTHON_VERSION_SECTION } from '../analysis/python-version.js';
import { type ContextOptions, type ProjectContext, resolveContext } from '../project/project-context.js';
import { diffInstalled, installedPackages, type PackageChanges } from '../plan/package-changes.js';
import { BuildContext } from './context.js';
import { djangoStep } from './django-step.js';
import { pipDependenciesStep, pipToolStep } from './pip-steps.js';
import { poetryDependenciesStep, poetryToolStep } from './poetry-steps.js';
import { pythonStep } from './python-step.js';
import type { CommandRunner } from '../io/run-command.js';
import { stopOrphans } from '../store/children.js';
import { uvDependenciesStep, uvToolStep } from './uv-steps.js';
import { recordBuild } from '../history/record.js';
import { type HistoryRead, readHistory } from '../store/history.js';
import { type BuildHome, makeBuildHome } from './build-home.js';
import { type CacheFlags, chooseCache } from '../cache/choose.js';
import { type CacheSession, startCacheSession } from '../cache/session.js';
import { type BuildReport, report, sidecarFor } from './build-report.js';

export type { BuildReport } from './build-report.js';

export interface BuildOptions extends ContextOptions {
  /** --clear-cache: plan from nothing (the old layers are set aside, so a failed build keeps them). */
  clearCache?: boolean;
  /** Put the stack of an unexpected error into its details (--debug). */
  debug?: boolean;
  /** --cache-dir / --cache-image: a shared cache restored before the build and saved after it (engine/cache/). */
  cache?: CacheFlags;
}

/** What the build runs tools with; unit tests pass a fake runner. */
export interface BuildDeps {
  runCommand?: CommandRunner;
}

export async function runBuild(options: BuildOptions, emit: Emit, signal: AbortSignal, deps: BuildDeps = {}): Promise<BuildReport> {
  const started = Date.now();
  let context: ProjectContext | null = null;
  let analysis: ProjectAnalysis | null = null;
  let plan: BuildPlan | null = null;
  let ctx: BuildContext | null = null;
  let lock: LayersLock | null = null;
  let owned: OwnedLayers | null = null;
  // The build's own HOME (Heroku-clean environment), removed in `finally` whatever the end.
  let home = null as BuildHome | null;
  const warnings: Warning[] = [];
  // Layers the build started (it announced their decision): a rollback undoes them.
  const startedLayers = new Set<string>();
  const onWarning: Emit = (e) => {
    if (e.type === 'warning') warnings.push(e.warning);
    if (e.type === 'layer-decision') startedLayers.add(String(e.decision.name));
    emit(e);
  };
  const steps = stepTracker(onWarning);
  // Set once the layers directory exists: from then on, its disappearance is the cause of any failure.
  let prepared: LayersDirIdentity | null = null;
  let cache: CacheSession | null = null;
  let committed = false;
  try {
    context = await resolveContext(options);
    // A malformed cache reference is bad input: said before anything is made.
    if (options.cache) chooseCache(context, options.cache, { command: 'build', explicitConfig: true });
    const analysed = await analyse(context);
    // A project error stops the build before anything is written.
    if (!analysed.ok) {
      // As the buildpack: its Python-version errors come under the section heading.
      if (PYTHON_VERSION_ERRORS.has(analysed.error.code)) steps.emit({ type: 'step-started', step: 'python-version', title: PYTHON_VERSION_SECTION });
      throw new PybpError(analysed.error);
    }
    analysis = analysed.analysis;
    owned = await secureLayers(context);
    prepared = layersDirIdentity(context.layersDir);
    faultPoint('lock:before');
    lock = await acquireLayersLock(context.layersDir, 'pybp build');
    // Under the lock, look again: nothing unknown may have appeared since.
    const underLock = await checkLayersDir(context.appDir, context.layersAccess.location, context.hostEnv);
    if (underLock.problem) throw new PybpError(underLock.problem);
    // The record as it stands under the lock: a build that held it before may have added entries.
    if (underLock.status?.kind === 'owned') owned.record = underLock.status.record;
    await stopOrphans(context.layersDir);
    const journal = await readJournal(context.layersDir);
    const recovered = await recoverLayers(context.layersDir, journal);
    if (recovered !== 'clean') emit({ type: 'recovered', what: recovered });
    // Decided once, now that nobody else can write and an interrupted build is
    // undone. --clear-cache plans from nothing: it is the way out of a layer
    // toml that cannot be read, so that must not stop it.
    const read = options.clearCache ? { ok: true as const, store: EMPTY_STORE } : await readStoreOrError(context.layersDir);
    if (!read.ok) throw new PybpError(read.error);
    // The shared cache: its layers the rules would reuse are restored into this (owned) layers dir first.
    const ownedNow = owned;
    cache = await startCacheSession({
      context, analysis, store: read.store, flags: options.cache ?? {}, clearCache: options.clearCache === true, emit: onWarning, signal,
      recordEntries: async (names) => {
        ownedNow.record = await recordEntries(ownedNow.layersDir, ownedNow.registry, ownedNow.record, layerEntries(names));
      },
    });
    plan = await planLayers(context, analysis, cache?.store ?? read.store, { runsAppCode: true });
    if (cache) plan = cache.annotate(plan);
    // Recovery has removed an unreadable journal by now; the warning about it still stands.
    if (journal?.unreadable) plan.warnings.unshift(journalUnreadableWarning(context.layersDir, journal.unreadable));
    if (!plan.ok) throw new PybpError(plan.error);
    const ready = plan;
    emit({ type: 'plan', plan: planSummary(ready), decisions: allDecisions(ready) });

    steps.emit({ type: 'step-started', step: 'python-version', title: PYTHON_VERSION_SECTION });
    for (const notice of ready.analysis.notices) steps.emit({ type: 'info', step: 'python-version', message: notice.message });
    for (const warning of ready.warnings) steps.emit({ type: 'warning', warning });

    // The last build's installed packages, to report what this build changed in the venv.
    const venvDir = path.join(context.layersDir, 'venv');
    let venvChanges: PackageChanges | null = null;
    // Four independent preparations at once (each a few file operations). The
    // entries are recorded before any layer is made, so a killed build leaves
    // nothing pybp would not recognise; each result is kept as it settles, so
    // a failure of one still lets `finally` undo the others.
    const [installedBefore, txn] = await allSettledOrThrow([
      installedPackages(venvDir),
      LayerTransaction.begin(context.layersDir),
      context.buildEnv.kind === 'heroku-clean' ? makeBuildHome().then((h) => void (home = h)) : null,
      recordEntries(ownedNow.layersDir, ownedNow.registry, ownedNow.record, layerEntries(ready.layers.map((l) => l.def.name))).then((r) => void (ownedNow.record = r)),
    ] as const);
    // The history, read while the tools run (nobody else writes it: the lock is held).
    const historyRead = readHistory(context.layersDir);
    ctx = new BuildContext(ready, txn, steps.emit, signal, home?.dir ?? null, deps.runCommand);
    try {
      await runSteps(ctx);
      steps.close(true);
      if (signal.aborted) throw interruptedError();
      venvChanges = diffInstalled(installedBefore, await installedPackages(venvDir));
      await txn.commit(new Set(ready.layers.map((l) => l.def.name)), sidecarFor(ready, ctx, started));
      committed = true;
    } catch (err) {
      await txn.rollback();
      throw err;
    }
    // After the commit only; a failed save is a warning, never a failed build.
    await cache?.save(ready, signal);
    const succeeded = report('succeeded', plan, ctx, warnings, null, started, startedLayers);
    if (cache) succeeded.cache = cache.summary();
    const venvReport = succeeded.layers.find((l) => l.name === 'venv');
    if (venvReport && venvChanges) venvReport.packages = venvChanges;
    return await withHistory(succeeded, plan, started, lock, emit, true, historyRead);
  } catch (err) {
    steps.close(false);
    if (!committed) await cache?.undo().catch(() => {});
    // Once stopped, whatever failed next (a version probe the stop killed, a tool cut short) is the interrupt.
    const error = failureCause(signal.aborted && !(isPybpError(err) && err.code === 'interrupted') ? interruptedError(undefined, err) : err, prepared);
    if (error.code === 'internal-error' && options.debug && err instanceof Error && err.stack) error.details = err.stack.split('\n');
    emit({ type: 'error', error });
    const status = error.code === 'interrupted' ? 'interrupted' : 'failed';
    // A build stopped before its plan reports what it knew by then.
    if (!plan && context) plan = blockedPlan(context, analysis, error);
    // Only into a layers directory that is pybp's: never into a refused one.
    // Nor into another app's (its history is that app's).
    const trusted = error.code !== 'layers-dir-other-app' && (owned !== null || context?.layersAccess.trusted === true);
    const failed = report(status, plan, ctx, warnings, error, started, startedLayers);
    if (cache) failed.cache = cache.summary();
    return await withHistory(failed, plan, started, lock, emit, trusted);
  } finally {
    // Forget recorded entries the build did not leave (dropped, rolled back).
    if (owned && lock) await recordEntries(owned.layersDir, owned.registry, owned.record, {}).catch(() => {});
    await lock?.release();
    await home?.remove();
  }
}

/** Every build, whatever its end, goes into the history (before the lock is released). */
async function withHistory(
  result: BuildReport,
  plan: BuildPlan | null,
  started: number,
  lock: LayersLock | null,
  emit: Emit,
  trusted: boolean,
  historyRead?: Promise<HistoryRead>,
): Promise<BuildReport> {
  if (!trusted) return result;
  const warning = await recordBuild(result, plan, new Date(started), lock, historyRead);
  if (warning) {
    emit({ type: 'warning', warning });
    result.warnings.push({ code: warning.code, message: warning.message });
  }
  return result;
}

/** Awaits every promise (null: nothing to do) and throws the first failure, in order, once all have settled. */
async function allSettledOrThrow<T extends readonly unknown[]>(work: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { [K in keyof T]: Awaited<T[K]> };
}

/** Closes each step (step-finished, with its time) when the next starts or the build ends. */
function stepTracker(emit: Emit): { emit: Emit; close: (ok: boolean) => void } {
  let open: { step: StepId; started: number } | null = null;
  const close = (ok: boolean) => {
    if (!open) return;
    emit({ type: 'step-finished', step: open.step, ok, durationMs: Date.now() - open.started });
    open = null;
  };
  return {
    emit: (e) => {
      if (e.type === 'step-started') {
        close(true);
        open = { step: e.step, started: Date.now() };
      }
      emit(e);
    },
    close,
  };
}

async function runSteps(ctx: BuildContext): Promise<void> {
  const steps = [pythonStep, ...PACKAGE_MANAGER_STEPS[ctx.plan.analysis.packageManager], djangoStep];
  for (const step of steps) {
    if (ctx.signal.aborted) throw interruptedError();
    await step(ctx);
  }
}

/** What each package manager runs after the python layer: its tool's layer, then the dependencies. */
const PACKAGE_MANAGER_STEPS: Record<PackageManager, Array<(ctx: BuildContext) => Promise<void>>> = {
  pip: [pipToolStep, pipDependenciesStep],
  poetry: [poetryToolStep, poetryDependenciesStep],
  uv: [uvToolStep, uvDependenciesStep],
};

/**
 * Makes sure the layers directory is pybp's before anything is written (the
 * lock included): claimed now if absent or empty (with `.pybp/.gitignore` when
 * this claim made the app's `.pybp/`), refused if it is not pybp's or holds
 * what pybp did not make.
 */
async function secureLayers(context: ProjectContext): Promise<OwnedLayers> {
  let owned;
  try {
    owned = await secureLayersDir(context.appDir, context.layersAccess.location, context.hostEnv, context.layersAccess);
    await fs.access(context.layersDir, fs.constants.W_OK);
  } catch (err) {
    if (isPybpError(err)) throw err;
    if ((err as NodeJS.ErrnoException).code === 'EROFS') throw new PybpError(readOnlyFilesystem(context.layersDir, (err as Error).message));
    throw new PybpError({
      code: 'layers-dir-unwritable',
      title: 'The layers directory cannot be written',
      message: `pybp cannot write to ${context.layersDir}: ${(err as Error).message}`,
      fix: 'Fix its permissions, or choose another place with --layers-dir (or layersDir in the config).',
    });
  }
  return { layersDir: context.layersDir, registry: owned.registry, record: owned.record };
}

interface OwnedLayers {
  layersDir: string;
  registry: string;
  record: OwnerRecord;
}
