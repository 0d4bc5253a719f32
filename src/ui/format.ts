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
