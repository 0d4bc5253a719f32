// Estimates of what making a layer costs, from the build history.
import { describe, expect, it } from 'vitest';
import { estimateLayerCost, totalCost } from '../../../src/engine/explain/estimate.js';
import type { History, HistoryLayer } from '../../../src/engine/store/history.js';

const py = (version: string, source = 'local') => ({ arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', python_version: version, interpreter_source: source });

function history(...builds: Array<Array<Partial<HistoryLayer> & { name: string }>>): History {
  return {
    version: 1,
    builds: builds.map((layers, i) => ({
      id: i + 1,
      startedAt: '2026-01-01T00:00:00Z',
      status: 'succeeded',
      durationMs: 1,
      python: null,
      packageManager: 'uv',
      target: null,
      error: null,
      layers: layers.map((l) => ({ action: 'create', reasons: [], outcome: 'done', durationMs: null, sizeBytes: null, inputs: null, ...l })),
    })),
  };
}

describe('estimateLayerCost', () => {
  it('uses the median of the last three makes with the same inputs, and names the newest', () => {
    const h = history(
      [{ name: 'python', durationMs: 9000, inputs: py('3.12.13') }],
      [{ name: 'python', durationMs: 1000, inputs: py('3.12.13') }],
      [{ name: 'python', action: 'reuse', durationMs: 3, inputs: py('3.12.13') }],
      [{ name: 'python', action: 'discard', durationMs: 1400, inputs: py('3.12.13') }],
      [{ name: 'python', durationMs: 1200, inputs: py('3.12.13') }],
      [{ name: 'python', durationMs: 5000, inputs: py('3.13.9') }],
    );
    // builds 5, 4, 2 (build 3 only reused it; build 6 had other inputs; build 1 is the fourth)
    expect(estimateLayerCost('python', py('3.12.13'), h, null)).toEqual({
      estimatedMs: 1200,
      lastMs: 1200,
      basis: 'same-inputs',
      fromBuild: 5,
      note: 'the last 3 builds that made it from the same inputs',
    });
  });

  it('falls back to the same kind of layer with other values, and says which', () => {
    const h = history([{ name: 'python', durationMs: 5000, inputs: py('3.13.9') }], [{ name: 'python', durationMs: 800, inputs: py('3.12.13', 'heroku') }]);
    const cost = estimateLayerCost('python', py('3.12.13'), h, null);
    expect(cost).toMatchObject({ estimatedMs: 2900, lastMs: 800, basis: 'other-inputs', fromBuild: 2 });
    expect(cost.note).toContain('interpreter_source heroku');
  });

  it('does not compare layers of another shape (a Poetry venv is not a uv venv)', () => {
    const h = history([{ name: 'venv', durationMs: 5000, inputs: { python_version: '3.12.13', poetry_version: '2.4.1' } }]);
    expect(estimateLayerCost('venv', { python_version: '3.12.13', uv_version: '0.11.33' }, h, null)).toMatchObject({
      estimatedMs: null,
      basis: 'none',
      note: 'no estimate: no build in the history made venv from comparable inputs',
    });
  });

  it('ignores layers a build never finished (no time)', () => {
    const h = history([{ name: 'venv', durationMs: null, inputs: { a: '1' } }]);
    expect(estimateLayerCost('venv', { a: '1' }, h, null).basis).toBe('none');
  });

  it("uses the sidecar's last make only when there is no history at all, and says when there is nothing", () => {
    const none = history();
    expect(estimateLayerCost('venv', { a: '1' }, none, 700)).toMatchObject({ estimatedMs: 700, basis: 'last-build' });
    expect(estimateLayerCost('venv', { a: '1' }, none, null)).toMatchObject({ estimatedMs: null, basis: 'none', note: 'no estimate: there is no build history here yet' });
  });
});

describe('totalCost', () => {
  it('adds the estimates that exist and lists the layers without one', () => {
    const cost = (ms: number | null) => ({ estimatedMs: ms, lastMs: ms, basis: ms == null ? 'none' : 'same-inputs', fromBuild: null, note: '' }) as const;
    expect(totalCost([
      { name: 'python', cost: cost(1000) },
      { name: 'uv', cost: null },
      { name: 'uv-cache', cost: cost(null) },
      { name: 'venv', cost: cost(250) },
    ])).toEqual({ estimatedMs: 1250, unestimated: ['uv-cache'] });
  });
});
