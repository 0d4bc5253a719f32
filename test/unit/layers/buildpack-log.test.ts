// The buildpack's own lines for each layer decision, word for word from
// heroku/buildpacks-python v6.5.6 (src/layers/*.rs), computed from the same
// decision build and explain use.
import { describe, expect, it } from 'vitest';
import { buildpackDecisionLines } from '../../../src/engine/layers/buildpack-log.js';
import { decideLayer } from '../../../src/engine/layers/decide.js';
import type { LayerDefinition } from '../../../src/engine/layers/definition.js';
import { pipLayer } from '../../../src/engine/layers/pip.js';
import { pipCacheLayer } from '../../../src/engine/layers/pip-cache.js';
import { poetryLayer } from '../../../src/engine/layers/poetry.js';
import { pythonLayer } from '../../../src/engine/layers/python.js';
import { uvLayer } from '../../../src/engine/layers/uv.js';
import { uvCacheLayer } from '../../../src/engine/layers/uv-cache.js';
import { pipVenvLayer, uvVenvLayer } from '../../../src/engine/layers/venv.js';
import { renderLayerToml } from '../../../src/engine/store/layer-toml.js';
import type { PreviousLayer } from '../../../src/engine/store/previous-state.js';
import { PIP_VERSION, POETRY_VERSION, UV_VERSION } from '../../../src/engine/core/versions.js';

const target = { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04' };

/** The layer as lifecycle restores it, with `metadata` in its toml (or `toml` verbatim). */
function restored(def: LayerDefinition, metadata: Record<string, string> | null, toml?: string): PreviousLayer {
  return {
    name: def.name,
    hasDir: true,
    dirPath: `/layers/${def.name}`,
    tomlText: toml ?? renderLayerToml(def.types, metadata ?? undefined),
    tomlPath: `/layers/${def.name}.toml`,
    types: def.types,
    restored: true,
    metadataKeys: Object.keys(metadata ?? {}),
  };
}

function lines(def: LayerDefinition, prev: PreviousLayer | undefined): string[] {
  return buildpackDecisionLines(def, decideLayer(def, prev));
}

describe('python layer', () => {
  const def = pythonLayer({ pythonVersion: '3.12.13', target });

  it('reused: Using cached Python X', () => {
    expect(lines(def, restored(def, def.kind === 'cached' ? def.metadata : null))).toEqual(['Using cached Python 3.12.13']);
  });

  it('discarded: the cached version, then each reason in the buildpack\'s words, in its order', () => {
    const prev = restored(def, { arch: 'arm64', distro_name: 'ubuntu', distro_version: '22.04', python_version: '3.11.9' });
    expect(lines(def, prev)).toEqual([
      'Discarding cached Python 3.11.9 since:',
      ' - The CPU architecture has changed from arm64 to amd64',
      ' - The OS has changed from ubuntu-22.04 to ubuntu-24.04',
      ' - The Python version has changed from 3.11.9 to 3.12.13',
    ]);
  });

  it("unparseable metadata: Discarding cached Python since its layer metadata can't be parsed", () => {
    const prev = restored(def, null, '[types]\nlaunch = true\nbuild = true\ncache = true\n');
    expect(lines(def, prev)).toEqual(["Discarding cached Python since its layer metadata can't be parsed"]);
  });

  it('new: nothing here (the step says Installing Python X)', () => {
    expect(lines(def, undefined)).toEqual([]);
  });

  it('discarded only for a pybp-only reason (another local interpreter): no buildpack line, which would have kept it', () => {
    const withInterp = pythonLayer({
      pythonVersion: '3.12.13',
      target,
      previousInterpreter: { source: 'local', version: '3.12.1', location: '/a' },
      interpreter: { source: 'local', version: '3.12.2', location: '/b' },
    });
    const decision = decideLayer(withInterp, restored(withInterp, withInterp.kind === 'cached' ? withInterp.metadata : null));
    expect(decision.action).toBe('discard');
    expect(buildpackDecisionLines(withInterp, decision)).toEqual([]);
  });
});

describe('tool layers', () => {
  const cases: Array<[LayerDefinition, string, string, Record<string, string>, string]> = [
    [pipLayer({ pythonVersion: '3.12.13' }), 'pip', PIP_VERSION, { python_version: '3.12.13', pip_version: '25.0' }, '25.0'],
    [poetryLayer({ pythonVersion: '3.12.13', target }), 'Poetry', POETRY_VERSION, { ...target, python_version: '3.12.13', poetry_version: '2.0.0' }, '2.0.0'],
    [uvLayer({ target }), 'uv', UV_VERSION, { arch: 'amd64', uv_version: '0.5.0' }, '0.5.0'],
  ];
  for (const [def, label, version, old, oldVersion] of cases) {
    it(`${label}: Using cached / Discarding cached (the cached version, no reasons) / can't be parsed`, () => {
      if (def.kind !== 'cached') throw new Error('cached layer expected');
      expect(lines(def, restored(def, def.metadata))).toEqual([`Using cached ${label} ${version}`]);
      expect(lines(def, restored(def, old))).toEqual([`Discarding cached ${label} ${oldVersion}`]);
      expect(lines(def, restored(def, { unknown: 'x' }))).toEqual([`Discarding cached ${label} since its layer metadata can't be parsed`]);
    });
  }
});

describe('layers without a version', () => {
  it('pip-cache: Using / Discarding cached pip download/wheel cache', () => {
    const def = pipCacheLayer({ pythonVersion: '3.12.13', target });
    if (def.kind !== 'cached') throw new Error('cached layer expected');
    expect(lines(def, restored(def, def.metadata))).toEqual(['Using cached pip download/wheel cache']);
    expect(lines(def, restored(def, { ...def.metadata, python_version: '3.11.9' }))).toEqual(['Discarding cached pip download/wheel cache']);
  });

  it('uv venv: Using / Discarding cached virtual environment (unparseable too)', () => {
    const def = uvVenvLayer({ pythonVersion: '3.12.13', target });
    if (def.kind !== 'cached') throw new Error('cached layer expected');
    expect(lines(def, restored(def, def.metadata))).toEqual(['Using cached virtual environment']);
    expect(lines(def, restored(def, { ...def.metadata, python_version: '3.11.9' }))).toEqual(['Discarding cached virtual environment']);
    expect(lines(def, restored(def, null, ''))).toEqual(['Discarding cached virtual environment']);
  });

  it('uncached layers (pip venv, uv-cache): nothing', () => {
    for (const def of [pipVenvLayer(), uvCacheLayer()]) expect(lines(def, restored(def, null))).toEqual([]);
  });
});
