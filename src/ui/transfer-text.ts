// The words for the shared cache's transfers (restore before the build, save
// after it), shared by the Ink view and the plain lines so both say the same.
import type { CacheDirection } from '../engine/index.js';
import { formatDuration } from './format.js';

/** `812 B`, `14 KB`, `12.3 MB`, `1.20 GB` (1024-based, as formatSize; one decimal where progress needs it). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** `30.1 MB/s`; a blob through in under 1 ms counts as 1 ms. */
export function formatRate(bytes: number, ms: number): string {
  return `${formatBytes(Math.round((bytes * 1000) / Math.max(ms, 1)))}/s`;
}

/** `6.1 MB / 12.3 MB`, or `6.1 MB` while the total is unknown. */
export function formatProgress(done: number, total: number | null): string {
  return total != null ? `${formatBytes(done)} / ${formatBytes(total)}` : formatBytes(done);
}

/** A blob's name: the layer's, or what an image's other blobs are. */
export function blobName(layer: string | null): string {
  return layer ?? 'image config';
}

/** `restoredNone`: a finished restore that took no layer (all skipped, or refused). */
export function transferTitle(direction: CacheDirection, cache: string, running: boolean, restoredNone = false): string {
  if (direction === 'restore') return running ? `Restoring from ${cache}` : restoredNone ? `Nothing restored from ${cache}` : `Restored from ${cache}`;
  return `${running ? 'Saving' : 'Saved'} to ${cache}`;
}

/** `uv: 12.3 MB in 0.4 s (30.1 MB/s)`, the line for one blob through. */
export function blobDoneText(d: { bytes: number; durationMs: number }): string {
  return `${formatBytes(d.bytes)} in ${formatDuration(d.durationMs)} (${formatRate(d.bytes, d.durationMs)})`;
}

/** A blob that did not get through (refused, damaged, the cache failed, an interrupt): the warning that follows says why. */
export function blobFailedText(direction: CacheDirection, bytes: number, phase: 'packing' | 'moving'): string {
  if (direction === 'restore') return `not restored (${formatBytes(bytes)} read; the warning says why)`;
  return `not saved (${formatBytes(bytes)} ${phase === 'packing' ? 'packed' : 'sent'}; the warning says why)`;
}

export function skippedText(s: { direction: CacheDirection; why: 'already-present' | 'not-needed'; detail: string | null }): string {
  const why = s.why === 'not-needed' ? 'not needed' : s.direction === 'save' ? 'already in the cache' : 'already in the layers dir';
  return `skipped, ${why}${s.detail ? ` (${s.detail})` : ''}`;
}

/** `13.4 MB moved in 0.5 s (24.6 MB/s), 1 blob skipped`, or `nothing moved in 0.1 s, 3 blobs skipped`. */
export function totalsText(t: { bytesMoved: number; blobsSkipped: number; durationMs: number }): string {
  const skipped = `${t.blobsSkipped} blob${t.blobsSkipped === 1 ? '' : 's'} skipped`;
  // A save the cache already had whole: no rate to speak of.
  if (t.bytesMoved === 0) return `nothing moved in ${formatDuration(t.durationMs)}, ${skipped}`;
  return `${formatBytes(t.bytesMoved)} moved in ${formatDuration(t.durationMs)} (${formatRate(t.bytesMoved, t.durationMs)}), ${skipped}`;
}

/** A bar of `width` cells for a fraction (0 to 1). */
export function progressBar(fraction: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}
