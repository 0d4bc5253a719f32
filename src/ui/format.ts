// Small formatting helpers shared by the plain and Ink renderers.
import path from 'node:path';
import { shellCommand } from '../engine/index.js';
import { originalOf } from './terminal-view.js';
import type { LayerAction, Reason } from '../engine/index.js';
import { type PackageChanges, summarizeChanges } from '../engine/index.js';
import type { ExplainReport } from '../engine/index.js';
import type { SinceInfo } from '../engine/index.js';

export const ACTION_LABEL: Record<LayerAction, string> = {
  reuse: 'REUSED',
  create: 'CREATED',
  discard: 'DISCARDED',
  'rebuild-always': 'ALWAYS REBUILT',
  drop: 'DROPPED',
};

/** The future tense, for explain. */
export const ACTION_PLAN: Record<LayerAction, string> = {
  reuse: 'reuse',
  create: 'create',
  discard: 'discard',
  'rebuild-always': 'rebuild',
  drop: 'drop',
};

export function formatReason(r: Reason): string {
  const change = reasonChange(r);
  const tag = r.pybpOnly ? ' [pybp only]' : '';
  return change && !r.message.includes(`${r.from} to ${r.to}`) ? `${change} — ${r.message}${tag}` : `${r.message}${tag}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} m ${s} s`;
}

export function formatSize(bytes: number | null | undefined): string {
  if (bytes == null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GB`;
}

/** `field: old → new`, or null when the reason names no values. */
export function reasonChange(r: Reason): string | null {
  if (r.from == null && r.to == null) return null;
  return `${r.field}: ${r.from ?? '(none)'} → ${r.to ?? '(none)'}`;
}

/** Total bytes of the layers whose size is known, or null when none is. */
export function totalSize(sizes: Array<number | null | undefined>): number | null {
  const known = sizes.filter((s): s is number => s != null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}

/** Which environment a build runs its tools in, in words. */
export function formatBuildEnv(env: { kind: 'heroku-clean' | 'host-config'; origin: 'default' | 'config' | 'flag' }): string {
  if (env.kind === 'heroku-clean') return "Heroku-clean (a fresh HOME; no pip, uv or Poetry config of yours or the machine's)";
  return `your HOME and pip/uv/Poetry config (${env.origin === 'flag' ? '--host-config' : 'build.hostConfig in the config'}); Heroku's build sees none of it`;
}

/** Which paths the build's tools see, for the header lines. */
export function formatPaths(p: { mode: 'heroku' | 'host'; origin: 'default' | 'config' | 'flag'; layers: string; app: string }): string {
  const why = p.origin === 'flag' ? ' (--paths)' : p.origin === 'config' ? ' (build.paths in the config)' : '';
  return p.mode === 'heroku' ? `Heroku's: layers at ${p.layers}, app at ${p.app} (bubblewrap)${why}` : `this machine's${why}`;
}

export function formatTarget(t: { arch: string; distro_name: string; distro_version: string }): string {
  return `${t.distro_name} ${t.distro_version} ${t.arch}`;
}

/** Warnings that mean this local build is not what Heroku would build. */
export const HEROKU_DIFFERENCE_WARNINGS: ReadonlySet<string> = new Set(['python-patch-substituted', 'uv-python-override']);

export interface HerokuDifference {
  /** The warning code, or the layer a pybp-only reason belongs to. */
  source: string;
  text: string;
}

/**
 * Every place where the local build differs from Heroku's: the substitution
 * warnings, and reasons only pybp knows about (Heroku never sees them).
 */
export function herokuDifferences(
  warnings: ReadonlyArray<{ code: string; message: string }>,
  layers: ReadonlyArray<{ name: string; reasons: Reason[] }>,
): HerokuDifference[] {
  const out: HerokuDifference[] = [];
  for (const w of warnings) if (HEROKU_DIFFERENCE_WARNINGS.has(w.code)) out.push({ source: w.code, text: w.message });
  for (const l of layers) {
    for (const r of l.reasons) {
      if (!r.pybpOnly) continue;
      const change = reasonChange(r);
      out.push({ source: l.name, text: change ? `${change} — ${r.message}` : r.message });
    }
  }
  return out;
}

/** A command line as a shell would accept it back (for `$ ...` lines and suggested commands): the one quoting function. */
export function formatCommand(argv: readonly string[]): string {
  return shellCommand(argv);
}

/**
 * The `pybp run` a successful build suggests, runnable as printed: the app,
 * and the layers directory when it is not the app's default one (from
 * --layers-dir or a config file that `pybp run` would not read), which run
 * would otherwise not find.
 */
export function nextRunCommand(pybp: readonly string[], shown: { app: string; layersDir: string | null }): string {
  const report = originalOf(shown);
  const app = report.app || '.';
  const layers = report.layersDir && report.layersDir !== path.join(path.resolve(app), '.pybp', 'layers') ? ['--layers-dir', report.layersDir] : [];
  return formatCommand([...pybp, 'run', app, ...layers]);
}

/** `2026-12-01 15:40:12` in the machine's local time (history listings). */
export function formatWhen(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The estimate phrase explain uses: `about 14 s (last: 13.8 s)`. */
export function formatEstimate(cost: { estimatedMs: number | null; lastMs: number | null }): string {
  if (cost.estimatedMs == null) return 'no estimate';
  const about = cost.estimatedMs >= 10_000 ? `${Math.round(cost.estimatedMs / 1000)} s` : formatDuration(cost.estimatedMs);
  return `about ${about}${cost.lastMs != null ? ` (last: ${formatDuration(cost.lastMs)})` : ''}`;
}

/** The cost line of explain: `python, venv rebuilt — about 14 s (last: 13.8 s)`. */
export function costSummary(report: ExplainReport): string {
  const made = report.layers.filter((l) => l.estimate);
  const when = report.since ? `A build of this tree on ${report.since.ref}'s cache` : 'The next build';
  if (made.length === 0) return `${when} reuses every layer.`;
  const names = made.map((l) => l.name).join(', ');
  const known = made.filter((l) => l.estimatedMs != null);
  if (known.length === 0) return `${names} rebuilt — no estimate: no build recorded here made ${made.length === 1 ? 'it' : 'them'} from comparable inputs`;
  const { estimatedMs, lastMs, unestimated } = report.cost;
  return `${names} rebuilt — ${formatEstimate({ estimatedMs, lastMs })}${unestimated.length > 0 ? `; no estimate for ${unestimated.join(', ')}` : ''}`;
}

export function sinceHeadline(since: SinceInfo): string {
  const was = since.refBuild ? ` (${since.refBuild.packageManager}, Python ${since.refBuild.python})` : '';
  return `since ${since.ref} (${since.commit.slice(0, 12)}): decided against the layers a build of ${since.ref} would have left${was}, not the local ones`;
}

/** The answer --exit-code turns into 0 or 1. */
export function sinceVerdict(since: SinceInfo, report: Pick<ExplainReport, 'layers'>): string {
  if (!since.cacheBusted) return `Nothing a build of ${since.ref} cached would be rebuilt.`;
  const lost = report.layers.filter((l) => l.action === 'discard' || l.action === 'drop').map((l) => l.name);
  if (lost.length === 0) return `A build of ${since.ref} would leave no layers to reuse, so everything is made.`;
  return `Cache busted: ${lost.join(', ')} from a build of ${since.ref} would not be reused.`;
}

/** What a kept venv's sync will change, for explain: "packages: +1 package (tinydev 0.1.0)"; null when nothing was asked. */
export function packagesLine(layer: { packages?: PackageChanges; packagesNote?: string }): string | null {
  if (layer.packages) return `packages: ${summarizeChanges(layer.packages)}`;
  if (layer.packagesNote) return `packages: not known (${layer.packagesNote})`;
  return null;
}
