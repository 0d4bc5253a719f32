// explain's "what a rebuild will cost": the time the layer took the last time a
// build made it, carried over builds that only reused it.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainReport } from '../../../src/engine/explain/report.js';
import { sidecarPath } from '../../../src/engine/store/control-dir.js';
import { plan, useSandboxes, writeApp, writePreviousBuild } from './previous-build.js';

const sandbox = useSandboxes();

describe('explain: cost of a rebuild', () => {
  it('uses madeMs of a reused layer, the duration of a made one, and nothing for a reuse without a record', async () => {
    const box = await sandbox();
    await writeApp(box.app, 'uv', '3.13');
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13' });
    await mkdir(path.dirname(sidecarPath(box.layers)), { recursive: true });
    await writeFile(
      sidecarPath(box.layers),
      JSON.stringify({
        version: 1,
        python: null,
        lastBuild: {
          finishedAt: '2026-11-25T00:00:00Z',
          packageManager: 'uv',
          durationMs: 900,
          layers: {
            python: { action: 'reuse', durationMs: 3, sizeBytes: 1, madeMs: 420 },
            uv: { action: 'reuse', durationMs: 2, sizeBytes: 1 },
            'uv-cache': { action: 'rebuild-always', durationMs: 5, sizeBytes: 0 },
            venv: { action: 'create', durationMs: 700, sizeBytes: 10, madeMs: 700 },
          },
        },
      }),
    );
    const report = explainReport(await plan(box));
    const cost = Object.fromEntries(report.layers.map((l) => [l.name, [l.action, l.lastBuildMs]]));
    expect(cost).toEqual({
      python: ['discard', 420],
      uv: ['reuse', null],
      'uv-cache': ['rebuild-always', 5],
      venv: ['discard', 700],
    });
  });
});
