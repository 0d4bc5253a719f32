// The intact-check a layer's rule takes as input: what a restored layer's
// directory lacks of its definition's entries, and what decideLayer makes of it.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decideLayer } from '../../../src/engine/layers/decide.js';
import { layerDefinitions } from '../../../src/engine/layers/for-package-manager.js';
import type { CachedLayerDefinition } from '../../../src/engine/layers/definition.js';
import { parseTarget } from '../../../src/engine/core/target.js';
import { renderLayerToml } from '../../../src/engine/store/layer-toml.js';
import { layerContents } from '../../../src/engine/store/layer-contents.js';
import type { PreviousLayer } from '../../../src/engine/store/previous-state.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const defs = layerDefinitions({ packageManager: 'uv', pythonVersion: '3.12.13', target: parseTarget('heroku-24', 'flag'), previousInterpreter: null, interpreter: null });
const def = (name: string) => defs.find((d) => d.name === name) as CachedLayerDefinition;

/** A layers directory as a uv build leaves it: python with its three names, a venv linking into it. */
async function builtLayers(): Promise<string> {
  const layers = await mkdtemp(path.join(tmpdir(), 'pybp layers '));
  made.push(layers);
  await mkdir(path.join(layers, 'python', 'bin'), { recursive: true });
  await writeFile(path.join(layers, 'python', 'bin', 'python3.12'), 'interpreter');
  await symlink('python3.12', path.join(layers, 'python', 'bin', 'python3'));
  await symlink('python3', path.join(layers, 'python', 'bin', 'python'));
  await mkdir(path.join(layers, 'venv', 'bin'), { recursive: true });
  await writeFile(path.join(layers, 'venv', 'pyvenv.cfg'), 'version = 3.12.13\n');
  await symlink(path.join(layers, 'python', 'bin', 'python'), path.join(layers, 'venv', 'bin', 'python'));
  return layers;
}

function restored(layers: string, name: string): PreviousLayer {
  const d = def(name);
  return {
    name,
    hasDir: true,
    dirPath: path.join(layers, name),
    tomlText: renderLayerToml(d.types, d.metadata),
    tomlPath: path.join(layers, `${name}.toml`),
    types: d.types,
    restored: true,
    metadataKeys: Object.keys(d.metadata),
  };
}

const ctx = (layers: string) => ({ layersDir: layers, pythonEntries: def('python').entries ?? [] });

describe('layer contents', () => {
  it('a whole layer is intact and reused', async () => {
    const layers = await builtLayers();
    for (const name of ['python', 'venv']) {
      const contents = await layerContents(def(name), restored(layers, name), ctx(layers));
      expect(contents.missing, name).toEqual([]);
      expect(decideLayer(def(name), restored(layers, name), contents).action).toBe('reuse');
    }
  });

  it("the python layer without python3.12 names that one entry (not the links to it); the venv's link into it is the python layer's question", async () => {
    const layers = await builtLayers();
    await rm(path.join(layers, 'python', 'bin', 'python3.12'));
    const python = await layerContents(def('python'), restored(layers, 'python'), ctx(layers));
    expect(python.missing).toEqual(['bin/python3.12']);
    const decision = decideLayer(def('python'), restored(layers, 'python'), python);
    expect(decision).toMatchObject({ action: 'discard', cause: 'changed' });
    expect(decision.reasons).toEqual([expect.objectContaining({ field: 'contents', from: 'bin/python3.12', to: null, pybpOnly: true })]);
    expect((await layerContents(def('venv'), restored(layers, 'venv'), ctx(layers))).missing).toEqual([]);
  });

  it('a venv whose bin/python links to nothing, or without pyvenv.cfg, is made again', async () => {
    const layers = await builtLayers();
    await rm(path.join(layers, 'venv', 'bin', 'python'));
    await symlink('/nonexistent/python', path.join(layers, 'venv', 'bin', 'python'));
    await rm(path.join(layers, 'venv', 'pyvenv.cfg'));
    const venv = await layerContents(def('venv'), restored(layers, 'venv'), ctx(layers));
    expect(venv.missing).toEqual(['pyvenv.cfg', 'bin/python']);
    expect(decideLayer(def('venv'), restored(layers, 'venv'), venv).action).toBe('discard');
  });

  it('metadata reasons come first: a damaged layer whose metadata changed is discarded for the metadata', async () => {
    const layers = await builtLayers();
    const prev = { ...restored(layers, 'python'), tomlText: renderLayerToml(def('python').types, { ...def('python').metadata, python_version: '3.12.1' }) };
    const decision = decideLayer(def('python'), prev, { missing: ['bin/python3.12'] });
    expect(decision.reasons.map((r) => r.field)).toEqual(['python_version']);
  });

  it('a layer pybp cannot look at (no directory path: explain --since) counts as whole', async () => {
    const layers = await builtLayers();
    expect(await layerContents(def('python'), { ...restored(layers, 'python'), dirPath: null }, ctx(layers))).toEqual({ missing: [] });
  });
});

describe('missing contents with another pybp reason', () => {
  it('a moved venv is remade for the move; its link into the old path is not named as well', () => {
    const moved: CachedLayerDefinition = { ...def('venv'), pybpReasons: [{ field: 'layers path', from: '/old', to: '/new', message: 'moved', pybpOnly: true }] };
    const prev: PreviousLayer = {
      name: 'venv',
      hasDir: true,
      dirPath: '/new/venv',
      tomlText: renderLayerToml(moved.types, moved.metadata),
      tomlPath: '/new/venv.toml',
      types: moved.types,
      restored: true,
      metadataKeys: Object.keys(moved.metadata),
    };
    expect(decideLayer(moved, prev, { missing: ['bin/python'] }).reasons.map((r) => r.field)).toEqual(['layers path']);
  });
});
