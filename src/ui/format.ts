// Small formatting helpers shared by the plain and Ink renderers.
import type { LayerAction, Reason } from '../engine/layers/types.js';

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
  const change = r.from != null || r.to != null ? `${r.field}: ${r.from ?? '(none)'} → ${r.to ?? '(none)'}` : null;
  const tag = r.pybpOnly ? ' [pybp only]' : '';
  return change && !r.message.includes(`${r.from} to ${r.to}`) ? `${change} — ${r.message}${tag}` : `${r.message}${tag}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '';
  if (ms < 1000) return `${(ms / 1000).toFixed(1)} s`;
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

/** A command line as a shell would accept it back (for `$ ...` lines). */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
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
