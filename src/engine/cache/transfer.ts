// The shared cache's transfers as events (core/events.ts CacheTransferEvent):
// restore.ts and save.ts open one Transfer each, the backends count each
// blob's bytes through a pass-through meter. Progress is throttled here, at
// the source: at most one event per blob every PROGRESS_INTERVAL_MS, and none
// for a blob that is through sooner, so a renderer never sees one event per
// chunk (a cache dir reads at disk speed, 64 KiB at a time).
import { Transform, type TransformCallback } from 'node:stream';
import type { CacheDirection, CacheTransferLayer, Emit } from '../core/events.js';

export const PROGRESS_INTERVAL_MS = 100;

/** One blob on its way; `counter()` goes into its stream, `done()` once it is through (or not). */
export interface BlobMeter {
  /**
   * A pass-through counting the bytes of one stream of the blob, which starts
   * at `start` (a range of it, for an upload sent in chunks). The blob's count
   * is how far into it any stream has got, so a range sent again is not
   * counted twice.
   */
  counter(start?: number): Transform;
  /** Bytes of the blob through so far. */
  readonly bytes: number;
  /** Ends the blob; returns its bytes. */
  done(ok: boolean): number;
}

/** What a backend's save is told to report (backend.ts). */
export interface SaveProgress {
  blob(layer: string | null, phase: 'packing' | 'moving', total: number | null): BlobMeter;
  skipped(layer: string | null, detail: string | null): void;
}

export interface TransferTotals {
  bytesMoved: number;
  blobsSkipped: number;
  durationMs: number;
}

export class Transfer implements SaveProgress {
  private readonly began: number;
  private moved = 0;
  private skippedCount = 0;
  private movedBlobs = 0;
  private ended = false;

  constructor(
    private readonly emit: Emit,
    readonly direction: CacheDirection,
    private readonly cache: string,
    layers: CacheTransferLayer[],
    /** Tests: a clock of their own. */
    private readonly now: () => number = Date.now,
  ) {
    this.began = now();
    emit({ type: 'cache-transfer-started', direction, cache, layers });
  }

  blob(layer: string | null, phase: 'packing' | 'moving', total: number | null): BlobMeter {
    const started = this.now();
    let bytes = 0;
    let lastEmit = started;
    let open = true;
    const self = this;
    const reached = (position: number) => {
      if (position <= bytes) return;
      bytes = position;
      if (!open) return;
      const at = self.now();
      if (at - lastEmit < PROGRESS_INTERVAL_MS) return;
      lastEmit = at;
      self.emit({ type: 'cache-blob-progress', direction: self.direction, layer, phase, bytesDone: bytes, bytesTotal: total, elapsedMs: at - started });
    };
    return {
      counter: (start = 0) => {
        let position = start;
        return new CountingStream((n) => reached((position += n)));
      },
      get bytes() {
        return bytes;
      },
      done(ok: boolean) {
        if (!open) return bytes;
        open = false;
        // Packing is pybp's own work; only what crosses to or from the cache counts as moved.
        if (phase === 'moving') self.moved += bytes;
        if (phase === 'moving' && ok) self.movedBlobs += 1;
        self.emit({ type: 'cache-blob-done', direction: self.direction, layer, phase, bytes, durationMs: self.now() - started, ok });
        return bytes;
      },
    };
  }

  skipped(layer: string | null, detail: string | null, why: 'already-present' | 'not-needed' = 'already-present'): void {
    this.skippedCount += 1;
    this.emit({ type: 'cache-blob-skipped', direction: this.direction, layer, why, detail });
  }

  /**
   * The transfer's end. `figures`: the backend's own count where it has one
   * (a save's SaveStats), else what passed the meters.
   */
  finish(ok: boolean, figures?: { bytesMoved: number; blobsSkipped: number }): TransferTotals {
    const totals: TransferTotals = {
      bytesMoved: figures?.bytesMoved ?? this.moved,
      blobsSkipped: figures?.blobsSkipped ?? this.skippedCount,
      durationMs: Math.max(0, this.now() - this.began),
    };
    if (this.ended) return totals;
    this.ended = true;
    this.emit({
      type: 'cache-transfer-finished',
      direction: this.direction,
      cache: this.cache,
      ok,
      ...totals,
      blobsMoved: this.movedBlobs,
      bytesPerSecond: bytesPerSecond(totals.bytesMoved, totals.durationMs),
    });
    return totals;
  }
}

/** Whole bytes per second (a transfer shorter than 1 ms counts as 1 ms). */
export function bytesPerSecond(bytes: number, ms: number): number {
  return Math.round((bytes * 1000) / Math.max(ms, 1));
}

class CountingStream extends Transform {
  constructor(private readonly onBytes: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.onBytes(chunk.length);
    cb(null, chunk);
  }
}
