// Every question `pybp explain` answers, as one report: the next build, a
// what-if (facts assumed in place of the app's files, or another target), or
// the current tree against the layers a build of a git ref would leave. All
// three run the planning code a build runs; none writes or runs anything.
import { type Assumptions, describeAssumptions } from '../analysis/assumptions.js';
import { explainReport, type ExplainReport } from './report.js';
import { planBuild, type PlanOptions } from '../plan/plan.js';
import { resolveContext } from '../project/project-context.js';
import { type HistoryRead, readOwnHistory } from '../store/history.js';
import { planSince } from './since.js';
import { forecastVenv } from './venv-changes.js';
import type { CacheFlags } from '../cache/choose.js';
import { explainCache } from '../cache/explain.js';

export async function explainAnswer(options: PlanOptions, question: { assume?: Assumptions; since?: string; cache?: CacheFlags } = {}): Promise<ExplainReport> {
  const assume = question.assume ?? {};
  const assumed = describeAssumptions(assume);
  if (options.target !== undefined) assumed.push(`the target is ${options.target}`);
  if (question.since !== undefined) {
    const context = await resolveContext(options);
    const [{ plan, since }, read] = await Promise.all([planSince(context, question.since, assume), readOwnHistory(context.layersDir, context.layersAccess.trusted)]);
    return withHistoryNote(explainReport(plan, { history: read.history, assumed, since }), read);
  }
  let plan = await planBuild({ ...options, assume });
  // --cache-dir / --cache-image: the plan as it would be after the restore, and what the cache gives.
  const shared = question.cache ? await explainCache(plan, question.cache, options.configFile !== undefined) : null;
  if (shared) plan = shared.plan;
  // What a kept venv's sync will change: only for the real next build, not a
  // what-if. Read (lock and dist-info) while the history is read.
  const forecasting = plan.ok && assumed.length === 0 ? forecastVenv(plan) : null;
  // Its failure is awaited below; marked handled meanwhile, so it is never reported as unhandled first.
  forecasting?.catch(() => {});
  const read = await readOwnHistory(plan.context.layersDir, plan.context.layersAccess.trusted);
  const report = withHistoryNote(explainReport(plan, { history: read.history, assumed }), read);
  if (shared?.cache) report.cache = shared.cache;
  if (forecasting) {
    const forecast = await forecasting;
    const venv = report.layers.find((l) => l.name === 'venv');
    if (forecast && venv) {
      if (forecast.packages) venv.packages = forecast.packages;
      else venv.packagesNote = forecast.note;
    }
  }
  return report;
}

function withHistoryNote(report: ExplainReport, read: HistoryRead): ExplainReport {
  if (!read.ok) report.notes.push(`pybp's build history is unreadable (${read.problem}); there are no estimates until the next build starts a new one.`);
  return report;
}
