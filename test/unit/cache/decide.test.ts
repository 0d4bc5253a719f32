// Which layers a shared cache gives a build (decideFromCache, build and
// explain alike), by the paths the build's tools see: with Heroku's paths
// every checkout sees /layers/heroku_python, so pip (and the venv, and Poetry)
// come along from anywhere, pack's caches included; with the host's paths a
// path-bound layer is taken only from the same layers path, and otherwise not
// taken with the reason. A python layer of a local stand-in is never taken.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeProject } from '../../../src/engine/analysis/analyze.js';
import type { CacheIndex } from '../../../src/engine/cache/backend.js';
import { decideFromCache } from '../../../src/engine/cache/decide.js';
import type { Provenance } from '../../../src/engine/cache/metadata.js';
import { HEROKU_LAYERS_PATH } from '../../../src/engine/core/heroku-paths.js';
import { layerDefinitions } from '../../../src/engine/layers/for-package-manager.js';
import { resolveContext } from '../../../src/engine/project/project-context.js';
import type { PathsMode } from '../../../src/engine/io/sandbox.js';
import { EMPTY_STORE } from '../../../src/engine/store/store-state.js';

let root = '';
let app = '';
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'pybp decide '));
  app = path.join(root, 'laptop', 'app');
  await mkdir(app, { recursive: true });
  await writeFile(path.join(app, 'requirements.txt'), 'tinyweb==1.0.0\n');
  await writeFile(path.join(app, '.python-version'), '3.12\n');
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** What the cache says: the metadata this build would write (so only the paths decide), and pybp's provenance or none (pack's). */
async function decide(paths: PathsMode, provenance: Omit<Provenance, 'version' | 'pybp' | 'host' | 'layers'> | null) {
  // Heroku's archive as this build's python source, as the cached python layer's: only the paths differ.
  const context = await resolveContext({ appDir: app, paths, pythonSource: 'heroku', target: 'heroku-24', hostEnv: process.env });
  const analysis = await analyzeProject(app, {});
  const defs = layerDefinitions({ packageManager: 'pip', pythonVersion: analysis.python.resolved, target: context.target, previousInterpreter: null, interpreter: null });
  const layers = defs.flatMap((d, i) =>
    d.kind === 'cached' ? [{ name: d.name, diffId: `sha256:${String(i).repeat(64)}`, data: d.metadata, types: d.types }] : [],
  );
  const index: CacheIndex = {
    layers,
    provenance: provenance && { version: 1, pybp: 'test', host: { platform: 'linux', arch: 'x64', distro: 'ubuntu-24.04' }, layers: {}, ...provenance },
    sizes: new Map(layers.map((l) => [l.diffId, 1000])),
    location: 'test',
    blobs: new Map(),
  };
  const { verdicts } = await decideFromCache(context, analysis, EMPTY_STORE, index);
  return Object.fromEntries(verdicts.map((v) => [v.name, v.take === 'no' ? v.reasons.map((r) => `${r.field}: ${r.from} → ${r.to}`) : v.take]));
}

/** The python layer came from Heroku's archive of the version this build resolves (3.12's latest). */
let heroku: { source: 'heroku'; version: string; location: string };
beforeAll(async () => {
  const version = (await analyzeProject(app, {})).python.resolved;
  heroku = { source: 'heroku', version, location: `https://example.invalid/python-${version}.tar.zst` };
});

describe('what a shared cache gives a build, by its paths', () => {
  it("Heroku's paths: a cache made with Heroku's paths on another machine gives every layer", async () => {
    expect(await decide('heroku', { layersDir: HEROKU_LAYERS_PATH, python: heroku })).toEqual({ python: 'restore', pip: 'restore', 'pip-cache': 'restore' });
  });

  it("Heroku's paths: a cache without pybp's provenance (pack's) was made at /layers/heroku_python, so it gives every layer too", async () => {
    expect(await decide('heroku', null)).toEqual({ python: 'restore', pip: 'restore', 'pip-cache': 'restore' });
  });

  it("the host's paths: pip from /layers/heroku_python (pybp's or pack's) is not taken, with the layers path as the reason; the rest is", async () => {
    const here = path.join(app, '.pybp', 'layers');
    for (const provenance of [{ layersDir: HEROKU_LAYERS_PATH, python: heroku }, null]) {
      expect(await decide('host', provenance)).toEqual({ python: 'restore', pip: [`layers path: ${HEROKU_LAYERS_PATH} → ${here}`], 'pip-cache': 'restore' });
    }
  });

  it("the host's paths: pip is taken from the same layers path only (CI runner to runner), not from another checkout's", async () => {
    const here = path.join(app, '.pybp', 'layers');
    expect(await decide('host', { layersDir: here, python: heroku })).toEqual({ python: 'restore', pip: 'restore', 'pip-cache': 'restore' });
    const ci = '/ci/runner/app/.pybp/layers';
    expect(await decide('host', { layersDir: ci, python: heroku })).toEqual({ python: 'restore', pip: [`layers path: ${ci} → ${here}`], 'pip-cache': 'restore' });
  });

  it("Heroku's paths: a host-mode cache's pip is not taken (layers path: <app>/.pybp/layers → /layers/heroku_python)", async () => {
    const ci = '/ci/runner/app/.pybp/layers';
    expect(await decide('heroku', { layersDir: ci, python: heroku })).toEqual({ python: 'restore', pip: [`layers path: ${ci} → ${HEROKU_LAYERS_PATH}`], 'pip-cache': 'restore' });
  });

  it('a python layer of a local stand-in is never taken, whatever the paths', async () => {
    const local = { source: 'local' as const, version: '3.12.1', location: '/opt/python/3.12.1' };
    for (const paths of ['heroku', 'host'] as const) {
      const d = await decide(paths, { layersDir: HEROKU_LAYERS_PATH, python: local });
      expect(d.python).toEqual(['interpreter: local 3.12.1 → null']);
      expect(d['pip-cache']).toBe('restore');
    }
  });
});
