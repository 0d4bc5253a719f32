// Runs the real pybp binary on real apps for the end-to-end tests, with the
// run's loopback index for tools and dependencies. pybp is run by the one
// runner, test/support/cli.ts (clean environment; everything it starts is
// killed when the test ends).
import { runPybp } from '../support/cli.js';

export { pybpBin, runPybp, type CliResult } from '../support/cli.js';
export { BUILD_ENV_FLAGS, writeToolsConfig } from '../support/build-flags.js';
import { BUILD_ENV_FLAGS } from '../support/build-flags.js';

export interface LayerReport {
  name: string;
  action: string;
  reasons: Array<{ field: string; from: string | null; to: string | null; message: string }>;
  durationMs: number | null;
  sizeBytes: number | null;
  /** Only in build reports: done, rolled-back or not-reached. */
  outcome?: string;
  /** A kept venv (explain: read from the lock and the venv's dist-info) or a built one (build: what changed since the last build). */
  packages?: PackageChangesJson;
}

export interface PackageChangesJson {
  add: Array<{ name: string; version: string }>;
  remove: Array<{ name: string; version: string }>;
  change: Array<{ name: string; from: string; to: string }>;
}

export interface BuildJson {
  status: string;
  packageManager: string;
  python: { requested: string; resolved: string; origin: string; source: string; interpreter: string };
  layers: LayerReport[];
  warnings: Array<{ code: string; message: string }>;
  error: { code: string; title: string; message: string; fix: string } | null;
  /** Which paths the build's tools saw: `layers` is where they saw the layers (/layers/heroku_python, or the host path). */
  paths: PathsJson | null;
}

export interface PathsJson {
  mode: 'heroku' | 'host';
  origin: string;
  note: string | null;
  layers: string;
  app: string;
}

export interface ExplainJson {
  layers: Array<{ name: string; action: string; reasons: LayerReport['reasons']; packages?: PackageChangesJson; packagesNote?: string }>;
  error: { code: string } | null;
  paths: PathsJson;
  warnings: Array<{ code: string; message: string }>;
}

export async function explain(appDir: string, extra: string[] = []): Promise<ExplainJson> {
  const r = await runPybp(['explain', appDir, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS, ...extra]);
  try {
    return JSON.parse(r.stdout) as ExplainJson;
  } catch {
    throw new Error(`explain printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

export async function build(appDir: string, extra: string[] = []): Promise<BuildJson & { exitCode: number | null; stderr: string }> {
  const r = await runPybp(['build', appDir, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS, ...extra]);
  let parsed: BuildJson;
  try {
    parsed = JSON.parse(r.stdout) as BuildJson;
  } catch {
    throw new Error(`build printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...parsed, exitCode: r.code, stderr: r.stderr };
}

/**
 * Explain, then build: the build must take exactly the actions explain
 * predicted just before it. Returns the build's report.
 */
export async function explainThenBuild(appDir: string, extra: string[] = []): Promise<BuildJson & { exitCode: number | null; stderr: string; predicted: ExplainJson }> {
  // explain is asked about the same paths mode as the build.
  const at = extra.indexOf('--paths');
  const predicted = await explain(appDir, at === -1 ? [] : extra.slice(at, at + 2));
  const report = await build(appDir, extra);
  const actions = (layers: Array<{ name: string; action: string; reasons: unknown }>) => layers.map((l) => ({ name: l.name, action: l.action, reasons: l.reasons }));
  if (JSON.stringify(actions(predicted.layers)) !== JSON.stringify(actions(report.layers))) {
    throw new Error(`explain predicted\n${JSON.stringify(actions(predicted.layers), null, 1)}\nbut build did\n${JSON.stringify(actions(report.layers), null, 1)}`);
  }
  return { ...report, predicted };
}

export function actionsOf(report: { layers: Array<{ name: string; action: string }> }): Record<string, string> {
  return Object.fromEntries(report.layers.map((l) => [l.name, l.action]));
}

export function reasonsOf(report: { layers: LayerReport[] }, name: string): Array<[string, string | null, string | null]> {
  const layer = report.layers.find((l) => l.name === name);
  if (!layer) throw new Error(`no layer ${name} in ${JSON.stringify(report.layers.map((l) => l.name))}`);
  return layer.reasons.map((r) => [r.field, r.from, r.to]);
}
