// The transfer meter (engine/cache/transfer.ts): bytes are counted as they
// pass, progress is throttled at the source (one event per blob per 100 ms at
// most, none for a blob through sooner), only moved bytes count as moved.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/engine/core/events.js';
import { PROGRESS_INTERVAL_MS, Transfer } from '../../../src/engine/cache/transfer.js';

/** A clock the test moves: each chunk read advances it by `stepMs`. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function stream(chunks: number, size: number, through: NodeJS.ReadWriteStream, onChunk: () => void): Promise<void> {
  let i = 0;
  const source = new Readable({
    read() {
      if (i++ >= chunks) return this.push(null);
      onChunk();
      this.push(Buffer.alloc(size, 1));
    },
  });
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await pipeline(source, through, sink);
}

describe('Transfer', () => {
  it('a blob of 2000 chunks over 2 s gives about one progress event per 100 ms, not one per chunk', async () => {
    const c = clock();
    const events: EngineEvent[] = [];
    const t = new Transfer((e) => events.push(e), 'restore', 'cache dir /c', [{ name: 'venv', bytes: 2000 * 65536 }], c.now);
    const meter = t.blob('venv', 'moving', 2000 * 65536);
    await stream(2000, 65536, meter.counter(), () => c.advance(1));
    expect(meter.done(true)).toBe(2000 * 65536);
    const totals = t.finish(true);

    const progress = events.filter((e) => e.type === 'cache-blob-progress');
    expect(progress.length).toBeGreaterThanOrEqual(18);
    expect(progress.length).toBeLessThanOrEqual(2000 / PROGRESS_INTERVAL_MS);
    // Steady, complete facts in each: bytes done only grow, and the elapsed time matches the clock.
    for (let i = 1; i < progress.length; i++) {
      const [a, b] = [progress[i - 1]!, progress[i]!] as Array<Extract<EngineEvent, { type: 'cache-blob-progress' }>>;
      expect(b.bytesDone).toBeGreaterThan(a.bytesDone);
      expect(b.elapsedMs - a.elapsedMs).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS);
      expect(b).toMatchObject({ direction: 'restore', layer: 'venv', phase: 'moving', bytesTotal: 2000 * 65536 });
    }
    expect(events[0]).toEqual({ type: 'cache-transfer-started', direction: 'restore', cache: 'cache dir /c', layers: [{ name: 'venv', bytes: 2000 * 65536 }] });
    expect(events.at(-2)).toMatchObject({ type: 'cache-blob-done', layer: 'venv', phase: 'moving', bytes: 2000 * 65536, ok: true });
    expect(totals.bytesMoved).toBe(2000 * 65536);
    expect(events.at(-1)).toEqual({
      type: 'cache-transfer-finished', direction: 'restore', cache: 'cache dir /c', ok: true,
      bytesMoved: 2000 * 65536, blobsMoved: 1, blobsSkipped: 0, durationMs: totals.durationMs, bytesPerSecond: Math.round((2000 * 65536 * 1000) / totals.durationMs),
    });
  });

  it('a blob through in under 100 ms makes no progress event; skipped blobs are counted; packing is not moving', async () => {
    const c = clock();
    const events: EngineEvent[] = [];
    const t = new Transfer((e) => events.push(e), 'save', 'cache image r/x:latest', [{ name: 'uv', bytes: null }, { name: 'venv', bytes: null }], c.now);
    t.skipped('uv', 'unchanged since the restore');
    const packing = t.blob('venv', 'packing', null);
    await stream(50, 1000, packing.counter(), () => c.advance(1));
    packing.done(true);
    const upload = t.blob('venv', 'moving', 20_000);
    await stream(20, 1000, upload.counter(), () => c.advance(1));
    upload.done(true);
    const totals = t.finish(true);
    expect(events.map((e) => e.type)).toEqual(['cache-transfer-started', 'cache-blob-skipped', 'cache-blob-done', 'cache-blob-done', 'cache-transfer-finished']);
    expect(events[1]).toEqual({ type: 'cache-blob-skipped', direction: 'save', layer: 'uv', why: 'already-present', detail: 'unchanged since the restore' });
    expect(events[2]).toMatchObject({ phase: 'packing', bytes: 50_000 });
    expect(events[3]).toMatchObject({ phase: 'moving', bytes: 20_000 });
    expect(totals).toMatchObject({ bytesMoved: 20_000, blobsSkipped: 1 });
    // The backend's own count wins where it has one (a save's SaveStats), and the end is said once.
    expect(t.finish(true, { bytesMoved: 20_100, blobsSkipped: 2 })).toMatchObject({ bytesMoved: 20_100, blobsSkipped: 2 });
    expect(events.filter((e) => e.type === 'cache-transfer-finished')).toHaveLength(1);
  });

  it('a blob sent in ranges counts how far it got: a range sent again (a refused chunked upload, sent whole) is not counted twice', () => {
    const c = clock();
    const events: EngineEvent[] = [];
    const t = new Transfer((e) => events.push(e), 'save', 'cache image r/x:latest', [{ name: 'venv', bytes: null }], c.now);
    const meter = t.blob('venv', 'moving', 3000);
    meter.counter(0).write(Buffer.alloc(1000));
    meter.counter(1000).write(Buffer.alloc(1000));
    expect(meter.bytes).toBe(2000);
    // The registry refused the chunks: the whole blob again, from 0.
    const whole = meter.counter(0);
    whole.write(Buffer.alloc(1500));
    expect(meter.bytes).toBe(2000);
    whole.write(Buffer.alloc(1500));
    expect(meter.done(true)).toBe(3000);
    expect(t.finish(true)).toMatchObject({ bytesMoved: 3000 });
  });

  it('a blob that fails is done with ok false and its bytes so far; nothing is said of it afterwards', async () => {
    const c = clock();
    const events: EngineEvent[] = [];
    const t = new Transfer((e) => events.push(e), 'restore', 'cache dir /c', [{ name: 'venv', bytes: 10_000 }], c.now);
    const meter = t.blob('venv', 'moving', 10_000);
    const counter = meter.counter();
    counter.write(Buffer.alloc(4000));
    expect(meter.done(false)).toBe(4000);
    c.advance(500);
    counter.write(Buffer.alloc(4000));
    expect(events.filter((e) => e.type === 'cache-blob-progress')).toHaveLength(0);
    expect(events.at(-1)).toMatchObject({ type: 'cache-blob-done', ok: false, bytes: 4000 });
    expect(t.finish(false)).toMatchObject({ bytesMoved: 4000 });
  });
});
