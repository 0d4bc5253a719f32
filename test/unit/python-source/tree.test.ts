import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerSizeBytes } from '../../../src/engine/python-source/index.js';
import { createLimiter } from '../../../src/engine/python-source/limiter.js';
import { TimeSlicer } from '../../../src/engine/python-source/tree.js';
import { tempDir } from './fake-python.js';

describe('layerSizeBytes', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('size');
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'one'), 'x'.repeat(1000));
    fs.writeFileSync(path.join(root, 'a', 'b', 'two'), 'y'.repeat(234));
    // A second name for the same inode counts once, like du.
    fs.linkSync(path.join(root, 'a', 'one'), path.join(root, 'a', 'b', 'one-again'));
    // Symlinks count as nothing, and are not followed.
    fs.symlinkSync(path.join(root, 'a', 'one'), path.join(root, 'link'));
    fs.symlinkSync('/', path.join(root, 'root-link'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('sums regular files, each inode once', async () => {
    expect(await layerSizeBytes(root)).toBe(1234);
  });

  it('is 0 for a missing directory', async () => {
    expect(await layerSizeBytes(path.join(root, 'missing'))).toBe(0);
  });
});

describe('createLimiter', () => {
  it('never runs more than the limit at once, and runs everything', async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 1 + (i % 3)));
          active--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('frees the slot of a task that fails', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await limit(async () => 'next')).toBe('next');
  });
});

describe('TimeSlicer', () => {
  it('gives the event loop a turn once the slice is used up', async () => {
    // A zero-length slice is used up at once: no dependence on the machine's speed.
    const slicer = new TimeSlicer(undefined, 0);
    let timerRan = false;
    setImmediate(() => { timerRan = true; });
    const pause = slicer.step();
    expect(pause).toBeInstanceOf(Promise);
    expect(timerRan).toBe(false);
    await pause;
    expect(timerRan).toBe(true);
  });

  it('throws the abort reason at the next step', () => {
    const controller = new AbortController();
    const slicer = new TimeSlicer(controller.signal);
    expect(slicer.step()).toBeUndefined();
    controller.abort(new Error('stop'));
    expect(() => slicer.step()).toThrow('stop');
  });
});
