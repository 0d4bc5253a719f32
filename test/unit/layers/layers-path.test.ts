// A moved layers directory (the app folder moved or renamed): layers whose
// contents hold absolute paths are discarded with a pybp-only reason; the
// others are kept, as Heroku (whose layers path never changes) would.
import { describe, expect, it } from 'vitest';
import { decideLayer } from '../../../src/engine/layers/decide.js';
import { layerDefinitions } from '../../../src/engine/layers/for-package-manager.js';
import { renderLayerToml } from '../../../src/engine/store/layer-toml.js';
import type { PreviousLayer } from '../../../src/engine/store/previous-state.js';
import { parseTarget } from '../../../src/engine/core/target.js';
import type { PackageManager } from '../../../src/engine/analysis/types.js';

const target = parseTarget('heroku-24', 'flag');

function decisions(pm: PackageManager, previous: string | null, current: string) {
  const args = { packageManager: pm, pythonVersion: '3.12.13', target, previousInterpreter: null, interpreter: null };
  const before = layerDefinitions(args);
  const now = layerDefinitions({ ...args, layersPath: { previous, current } });
  return Object.fromEntries(
    now.map((def) => {
      const old = before.find((d) => d.name === def.name)!;
      const prev: PreviousLayer = {
        name: def.name,
        hasDir: true,
        dirPath: `/x/${def.name}`,
        tomlText: renderLayerToml(old.types, old.kind === 'cached' ? old.metadata : undefined),
        tomlPath: `/x/${def.name}.toml`,
        types: old.types,
        restored: old.types.cache,
        metadataKeys: old.kind === 'cached' ? Object.keys(old.metadata) : [],
      };
      return [def.name, decideLayer(def, prev)];
    }),
  );
}

describe('layers path', () => {
  it('discards pip and keeps python when a pip app moved', () => {
    const d = decisions('pip', '/old/app/.pybp/layers', '/new/app/.pybp/layers');
    expect(d.python.action).toBe('reuse');
    expect(d['pip-cache'].action).toBe('reuse');
    expect(d.pip.action).toBe('discard');
    expect(d.pip.reasons).toEqual([
      expect.objectContaining({ field: 'layers path', from: '/old/app/.pybp/layers', to: '/new/app/.pybp/layers', pybpOnly: true }),
    ]);
    expect(d.pip.reasons[0].message).toContain("pip's bin/ scripts start with the python layer's absolute path");
  });

  it.each(['uv', 'poetry'] as const)('discards the %s venv, keeps the python layer', (pm) => {
    const d = decisions(pm, '/old/layers', '/new/layers');
    expect(d.python.action).toBe('reuse');
    expect(d.venv.action).toBe('discard');
    expect(d.venv.reasons[0]).toMatchObject({ field: 'layers path', pybpOnly: true });
    if (pm === 'uv') expect(d.uv.action).toBe('reuse');
    else expect(d.poetry.action).toBe('discard');
  });

  it('says nothing when the path is the same, or unknown (an older sidecar)', () => {
    for (const previous of ['/same/layers', null]) {
      const d = decisions('uv', previous, '/same/layers');
      expect(d.venv.action).toBe('reuse');
    }
  });

  it.each(['pip', 'uv', 'poetry'] as const)("with Heroku's paths every checkout sees /layers/heroku_python: the %s app keeps its path-bound layers", (pm) => {
    const d = decisions(pm, '/layers/heroku_python', '/layers/heroku_python');
    for (const [name, decision] of Object.entries(d)) {
      if (decision.action === 'rebuild-always') continue;
      expect(decision.action, name).toBe('reuse');
    }
    expect(pm === 'pip' ? d.pip.action : d.venv.action).toBe('reuse');
  });

  it("switching modes discards the path-bound layers with the layers path and the mode as the reason, both ways", () => {
    const toHeroku = decisions('poetry', '/app/.pybp/layers', '/layers/heroku_python');
    expect(toHeroku.python.action).toBe('reuse');
    for (const name of ['poetry', 'venv']) {
      expect(toHeroku[name].action).toBe('discard');
      expect(toHeroku[name].reasons).toEqual([expect.objectContaining({ field: 'layers path', from: '/app/.pybp/layers', to: '/layers/heroku_python', pybpOnly: true })]);
      expect(toHeroku[name].reasons[0].message).toContain('(--paths heroku)');
    }
    const toHost = decisions('pip', '/layers/heroku_python', '/app/.pybp/layers');
    expect(toHost.pip.action).toBe('discard');
    expect(toHost.pip.reasons[0]).toMatchObject({ field: 'layers path', from: '/layers/heroku_python', to: '/app/.pybp/layers' });
    expect(toHost.pip.reasons[0].message).toContain('(--paths host)');
    expect(toHost['pip-cache'].action).toBe('reuse');
  });
});
