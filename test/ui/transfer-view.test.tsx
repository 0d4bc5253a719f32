// The shared cache's transfers as the user sees them: the restore before the
// build and the save after it, live in the Ink view (a bar, bytes of the total
// and the rate per layer), done lines after; a few plain lines in CI, never a
// line per progress event.
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../src/engine/core/events.js';
import { reduceBuild, initialBuildState, type BuildState } from '../../src/ui/ink/build-state.js';
import { BuildStore } from '../../src/ui/ink/build-store.js';
import { BuildView } from '../../src/ui/ink/BuildView.js';
import { PlainBuildPrinter } from '../../src/ui/plain/build.js';
import { interruptedError, report, screen, secondBuild, successEvents } from './fixtures.js';

afterEach(() => cleanup());

const MiB = 1024 * 1024;
const IMAGE = 'cache image 127.0.0.1:5000/ci-cache:latest';
const laptopReason = 'layers path: /ci/app/.pybp/layers → /home/dev/app/.pybp/layers';

/** A restore of uv (12 MiB blob) and a venv the build does not take: uv half way, 0.4 s in. */
const restoreStart: EngineEvent[] = [
  { type: 'cache-transfer-started', direction: 'restore', cache: IMAGE, layers: [{ name: 'uv', bytes: 12 * MiB }, { name: 'pip-cache', bytes: 300 * 1024 }] },
  { type: 'cache-blob-skipped', direction: 'restore', layer: 'venv', why: 'not-needed', detail: laptopReason },
  { type: 'cache-blob-progress', direction: 'restore', layer: 'uv', phase: 'moving', bytesDone: 3 * MiB, bytesTotal: 12 * MiB, elapsedMs: 200 },
  { type: 'cache-blob-progress', direction: 'restore', layer: 'uv', phase: 'moving', bytesDone: 6 * MiB, bytesTotal: 12 * MiB, elapsedMs: 400 },
];
const restoreEnd: EngineEvent[] = [
  { type: 'cache-blob-done', direction: 'restore', layer: 'uv', phase: 'moving', bytes: 12 * MiB, durationMs: 800, ok: true },
  { type: 'cache-blob-done', direction: 'restore', layer: 'pip-cache', phase: 'moving', bytes: 300 * 1024, durationMs: 100, ok: true },
  { type: 'cache-transfer-finished', direction: 'restore', cache: IMAGE, ok: true, bytesMoved: 12 * MiB + 300 * 1024, blobsMoved: 2, blobsSkipped: 1, durationMs: 900, bytesPerSecond: 14_320_000 },
];

/** An image save: venv packed and uploaded, uv unchanged since the restore, the config already there. */
const saveEvents: EngineEvent[] = [
  { type: 'cache-transfer-started', direction: 'save', cache: IMAGE, layers: [{ name: 'uv', bytes: null }, { name: 'venv', bytes: null }] },
  { type: 'cache-blob-skipped', direction: 'save', layer: 'uv', why: 'already-present', detail: 'unchanged since the restore' },
  { type: 'cache-blob-progress', direction: 'save', layer: 'venv', phase: 'packing', bytesDone: 2 * MiB, bytesTotal: null, elapsedMs: 100 },
  { type: 'cache-blob-done', direction: 'save', layer: 'venv', phase: 'packing', bytes: 4 * MiB, durationMs: 150, ok: true },
  { type: 'cache-blob-progress', direction: 'save', layer: 'venv', phase: 'moving', bytesDone: MiB, bytesTotal: 2 * MiB, elapsedMs: 100 },
  { type: 'cache-blob-done', direction: 'save', layer: 'venv', phase: 'moving', bytes: 2 * MiB, durationMs: 200, ok: true },
  { type: 'cache-blob-skipped', direction: 'save', layer: null, why: 'already-present', detail: 'the registry has this config' },
  { type: 'cache-transfer-finished', direction: 'save', cache: IMAGE, ok: true, bytesMoved: 2 * MiB, blobsMoved: 1, blobsSkipped: 2, durationMs: 400, bytesPerSecond: 5_242_880 },
];

function reduce(events: EngineEvent[], state: BuildState = initialBuildState): BuildState {
  return events.reduce((s, event, i) => reduceBuild(s, { type: 'event', event, at: i * 100 }), state);
}

describe('the transfer state', () => {
  it('follows each blob, then hands the finished transfer to the done list with its totals', () => {
    const mid = reduce(restoreStart);
    expect(mid.transfer?.blobs).toEqual([
      { name: 'uv', phase: 'moving', status: 'running', bytesDone: 6 * MiB, bytesTotal: 12 * MiB, elapsedMs: 400 },
      { name: 'pip-cache', phase: 'moving', status: 'waiting', bytesDone: 0, bytesTotal: 300 * 1024, elapsedMs: 0 },
    ]);
    expect(mid.transfer?.skipped).toEqual([{ name: 'venv', why: 'not-needed', detail: laptopReason }]);
    const done = reduce(restoreEnd, mid);
    expect(done.transfer).toBeNull();
    const item = done.done.at(-1)!;
    expect(item.kind).toBe('transfer');
    if (item.kind !== 'transfer') throw new Error('not a transfer');
    expect(item.transfer.end).toEqual({ ok: true, interrupted: false, bytesMoved: 12 * MiB + 300 * 1024, blobsSkipped: 1, durationMs: 900 });
    expect(item.transfer.blobs.map((b) => [b.name, b.status, b.bytesDone])).toEqual([['uv', 'done', 12 * MiB], ['pip-cache', 'done', 300 * 1024]]);
  });

  it('a Ctrl-C mid-transfer closes it as interrupted, with the bytes heard of', () => {
    const state = reduce([...restoreStart, { type: 'error', error: interruptedError }]);
    expect(state.transfer).toBeNull();
    const item = state.done.find((d) => d.kind === 'transfer');
    if (item?.kind !== 'transfer') throw new Error('no transfer item');
    expect(item.transfer.end).toMatchObject({ ok: false, interrupted: true, bytesMoved: 6 * MiB, blobsSkipped: 1 });
  });

  it('an image save: packed, then uploaded; the layers and config the registry has are skipped', () => {
    const packed = reduce(saveEvents.slice(0, 4));
    expect(packed.transfer?.blobs).toEqual([{ name: 'venv', phase: 'moving', status: 'waiting', bytesDone: 0, bytesTotal: null, elapsedMs: 0 }]);
    const done = reduce(saveEvents);
    const item = done.done.at(-1)!;
    if (item.kind !== 'transfer') throw new Error('not a transfer');
    expect(item.transfer.skipped.map((s) => s.name)).toEqual(['uv', null]);
    expect(item.transfer.blobs).toEqual([{ name: 'venv', phase: 'moving', status: 'done', bytesDone: 2 * MiB, bytesTotal: 2 * MiB, elapsedMs: 200 }]);
  });
});

describe('the Ink build view', () => {
  it('draws a running restore live: a bar, bytes of the total and the rate per layer, the layers waiting and skipped', async () => {
    const store = new BuildStore(0);
    const { frames, lastFrame, unmount } = render(<BuildView store={store} />);
    const at = Date.now() - 500;
    restoreStart.forEach((event, i) => store.dispatch({ type: 'event', event, at: at + i }));
    await vi.waitFor(() => expect(screen(frames)).toContain('6.0 MB / 12.0 MB'));
    const out = screen([lastFrame() ?? '']);
    expect(out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Restoring from cache image 127\.0\.0\.1:5000\/ci-cache:latest {2}\d+\.\d s/);
    expect(out).toContain('  uv         ██████████░░░░░░░░░░  6.0 MB / 12.0 MB  15.0 MB/s');
    expect(out).toContain('  pip-cache  waiting · 300 KB');
    expect(out).toContain(`  venv       skipped, not needed (${laptopReason})`);
    expect(out).not.toContain('Reading the app');
    expect(out).not.toContain('moved in');
    unmount();
  });

  it('prints the finished restore once, before the build, with a line per layer and the totals', async () => {
    const store = new BuildStore(0);
    const { frames } = render(<BuildView store={store} />);
    // As the engine: the last step is closed before the save begins.
    const events: EngineEvent[] = [...restoreStart, ...restoreEnd, ...successEvents(secondBuild), { type: 'step-finished', step: 'pip-deps', ok: true, durationMs: 2000 }, ...saveEvents];
    events.forEach((event, i) => store.dispatch({ type: 'event', event, at: i * 100 }));
    store.dispatch({ type: 'finish', report: report(secondBuild, 'succeeded'), at: events.length * 100 });
    await vi.waitFor(() => expect(screen(frames)).toContain('Build succeeded'));
    const out = screen(frames);
    expect(out).toContain('✓ Restored from cache image 127.0.0.1:5000/ci-cache:latest  0.9 s');
    expect(out).toContain('  uv         12.0 MB in 0.8 s (15.0 MB/s)');
    expect(out).toContain('  pip-cache  300 KB in 0.1 s (2.9 MB/s)');
    expect(out).toContain(`  venv       skipped, not needed (${laptopReason})`);
    expect(out).toContain('  12.3 MB moved in 0.9 s (13.7 MB/s), 1 blob skipped');
    expect(out).toContain('✓ Saved to cache image 127.0.0.1:5000/ci-cache:latest  0.4 s');
    expect(out).toContain('  venv          2.0 MB in 0.2 s (10.0 MB/s)');
    expect(out).toContain('  uv            skipped, already in the cache (unchanged since the restore)');
    expect(out).toContain('  image config  skipped, already in the cache (the registry has this config)');
    expect(out).toContain('  2.0 MB moved in 0.4 s (5.0 MB/s), 2 blobs skipped');
    // Printed once each, the restore before the header, the save after the last step; no bar left over.
    expect(out.split('Restored from')).toHaveLength(2);
    expect(out.indexOf('Restored from')).toBeLessThan(out.indexOf('pybp build /tmp/shop'));
    expect(out.indexOf('Saved to')).toBeGreaterThan(out.indexOf('✓ Installing dependencies'));
    expect(out.indexOf('Saved to')).toBeLessThan(out.indexOf('layer      action'));
    expect(out).not.toContain('░');
    expect(out).not.toContain('waiting');
    // A blank line between the restore and the header.
    expect(out).toContain('1 blob skipped\n\npybp build /tmp/shop');
  });

  it('a save the cache already had whole says nothing moved, not a rate of 0 B/s', async () => {
    const store = new BuildStore(0);
    const { frames } = render(<BuildView store={store} />);
    const events: EngineEvent[] = [
      ...successEvents(secondBuild),
      { type: 'step-finished', step: 'pip-deps', ok: true, durationMs: 2000 },
      saveEvents[0]!,
      saveEvents[1]!,
      { type: 'cache-blob-skipped', direction: 'save', layer: 'venv', why: 'already-present', detail: 'the registry has this blob' },
      saveEvents[6]!,
      { type: 'cache-transfer-finished', direction: 'save', cache: IMAGE, ok: true, bytesMoved: 0, blobsMoved: 0, blobsSkipped: 3, durationMs: 100, bytesPerSecond: 0 },
    ];
    events.forEach((event, i) => store.dispatch({ type: 'event', event, at: i * 100 }));
    store.dispatch({ type: 'finish', report: report(secondBuild, 'succeeded'), at: events.length * 100 });
    await vi.waitFor(() => expect(screen(frames)).toContain('Build succeeded'));
    const out = screen(frames);
    expect(out).toContain('  nothing moved in 0.1 s, 3 blobs skipped');
    expect(out).not.toContain('0 B/s');
  });

  it('a save that failed half way says so, and how far it got', async () => {
    const store = new BuildStore(0);
    const { frames } = render(<BuildView store={store} />);
    const events: EngineEvent[] = [
      ...successEvents(secondBuild),
      saveEvents[0]!,
      { type: 'cache-blob-done', direction: 'save', layer: 'venv', phase: 'moving', bytes: MiB, durationMs: 300, ok: false },
      { type: 'cache-transfer-finished', direction: 'save', cache: IMAGE, ok: false, bytesMoved: MiB, blobsMoved: 0, blobsSkipped: 0, durationMs: 400, bytesPerSecond: 2_621_440 },
    ];
    events.forEach((event, i) => store.dispatch({ type: 'event', event, at: i * 100 }));
    store.dispatch({ type: 'finish', report: report(secondBuild, 'succeeded'), at: events.length * 100 });
    await vi.waitFor(() => expect(screen(frames)).toContain('Build succeeded'));
    const out = screen(frames);
    expect(out).toContain('✗ Saving to cache image 127.0.0.1:5000/ci-cache:latest  0.4 s  failed');
    expect(out).toContain('  venv  not saved (1.0 MB sent; the warning says why)');
  });
});

function printPlain(events: EngineEvent[]): string {
  const chunks: string[] = [];
  const stream = { write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
  const printer = new PlainBuildPrinter(stream, stream);
  for (const e of events) printer.onEvent(e);
  return stripVTControlCharacters(chunks.join(''));
}

describe('the plain lines (CI, pipes)', () => {
  it('a restore and a save: a line to start, one per layer moved or skipped, the totals', () => {
    expect(printPlain([...restoreStart, ...restoreEnd])).toBe(
      [
        'Restoring from cache image 127.0.0.1:5000/ci-cache:latest: 2 layers (12.3 MB): uv, pip-cache',
        `  venv: skipped, not needed (${laptopReason})`,
        '  uv: 12.0 MB in 0.8 s (15.0 MB/s)',
        '  pip-cache: 300 KB in 0.1 s (2.9 MB/s)',
        'Restored from cache image 127.0.0.1:5000/ci-cache:latest: 12.3 MB moved in 0.9 s (13.7 MB/s), 1 blob skipped',
        '',
      ].join('\n'),
    );
    expect(printPlain(saveEvents)).toBe(
      [
        '',
        'Saving to cache image 127.0.0.1:5000/ci-cache:latest: 2 layers: uv, venv',
        '  uv: skipped, already in the cache (unchanged since the restore)',
        '  venv: 2.0 MB in 0.2 s (10.0 MB/s)',
        '  image config: skipped, already in the cache (the registry has this config)',
        'Saved to cache image 127.0.0.1:5000/ci-cache:latest: 2.0 MB moved in 0.4 s (5.0 MB/s), 2 blobs skipped',
        '',
      ].join('\n'),
    );
  });

  it('a restore that takes no layer says nothing was restored, and why each was skipped', () => {
    const out = printPlain([
      { type: 'cache-transfer-started', direction: 'restore', cache: 'cache dir /ci/cache', layers: [] },
      { type: 'cache-blob-skipped', direction: 'restore', layer: 'uv', why: 'already-present', detail: null },
      { type: 'cache-blob-skipped', direction: 'restore', layer: 'venv', why: 'not-needed', detail: laptopReason },
      { type: 'cache-transfer-finished', direction: 'restore', cache: 'cache dir /ci/cache', ok: true, bytesMoved: 0, blobsMoved: 0, blobsSkipped: 2, durationMs: 3, bytesPerSecond: 0 },
    ]);
    expect(out).toBe(
      [
        'Restoring from cache dir /ci/cache: no layer to take',
        '  uv: skipped, already in the layers dir',
        `  venv: skipped, not needed (${laptopReason})`,
        'Nothing restored from cache dir /ci/cache: nothing moved in 0.0 s, 2 blobs skipped',
        '',
      ].join('\n'),
    );
  });

  it('a layer refused on the way (a damaged blob) is said as not restored; the warning follows on stderr', () => {
    const out = printPlain([
      restoreStart[0]!,
      { type: 'cache-blob-done', direction: 'restore', layer: 'uv', phase: 'moving', bytes: 12 * MiB, durationMs: 800, ok: false },
    ]);
    expect(out).toContain('  uv: not restored (12.0 MB read; the warning says why)');
  });

  it('a long packing (an image save) says how far it is every ten seconds too', () => {
    const packing = Array.from({ length: 120 }, (_, i): EngineEvent => ({
      type: 'cache-blob-progress', direction: 'save', layer: 'venv', phase: 'packing', bytesDone: (i + 1) * MiB, bytesTotal: null, elapsedMs: (i + 1) * 100,
    }));
    const out = printPlain([saveEvents[0]!, ...packing]);
    expect(out.trimEnd().split('\n').slice(2)).toEqual(['  venv: packing, 100.0 MB, 10.0 MB/s']);
  });

  it('a long transfer says how far it is every ten seconds, not at every progress event', () => {
    const total = 600 * MiB;
    // 35 s at one event per 100 ms: 350 progress events.
    const progress = Array.from({ length: 350 }, (_, i): EngineEvent => ({
      type: 'cache-blob-progress', direction: 'restore', layer: 'venv', phase: 'moving', bytesDone: Math.round(((i + 1) / 350) * 0.875 * total), bytesTotal: total, elapsedMs: (i + 1) * 100,
    }));
    const out = printPlain([
      { type: 'cache-transfer-started', direction: 'restore', cache: IMAGE, layers: [{ name: 'venv', bytes: total }] },
      ...progress,
      { type: 'cache-blob-done', direction: 'restore', layer: 'venv', phase: 'moving', bytes: total, durationMs: 40_000, ok: true },
      { type: 'cache-transfer-finished', direction: 'restore', cache: IMAGE, ok: true, bytesMoved: total, blobsMoved: 1, blobsSkipped: 0, durationMs: 40_100, bytesPerSecond: 15_690_000 },
    ]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toEqual([
      'Restoring from cache image 127.0.0.1:5000/ci-cache:latest: 1 layer (600.0 MB): venv',
      '  venv: 150.0 MB / 600.0 MB (25%), 15.0 MB/s',
      '  venv: 300.0 MB / 600.0 MB (50%), 15.0 MB/s',
      '  venv: 450.0 MB / 600.0 MB (75%), 15.0 MB/s',
      '  venv: 600.0 MB in 40.0 s (15.0 MB/s)',
      'Restored from cache image 127.0.0.1:5000/ci-cache:latest: 600.0 MB moved in 40.1 s (15.0 MB/s), 0 blobs skipped',
    ]);
  });
});
