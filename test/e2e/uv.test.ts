// End-to-end: a real uv app; rebuild; a .python-version change; dev groups stay out.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { layerSizeBytes } from '../../src/engine/python-source/tree.js';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCommand } from '../../src/ui/format.js';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { actionsOf, BUILD_ENV_FLAGS, explain, explainThenBuild, reasonsOf, runPybp, writeToolsConfig } from './pybp.js';

/** A test wheel on the loopback index, by its file name's start. */
function testWheelPath(prefix: string): string {
  const dir = testInfra().testWheelsDir;
  const name = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.whl'));
  if (!name) throw new Error(`no ${prefix} wheel in ${dir}`);
  return join(dir, name);
}

describe('uv app', () => {
  let app: string;
  let layers: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'uv app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], devDependencies: ['tinydev==0.1.0'], requiresPython: '>=3.12' });
    await writeToolsConfig(app, indexUrl);
    layers = join(app, '.pybp', 'layers');
  });

  it('builds, with uv sync --locked into the venv layer and no dev group', async () => {
    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', uv: 'create', 'uv-cache': 'rebuild-always', venv: 'create' });
    expect(readFileSync(join(layers, 'uv.toml'), 'utf8')).toMatch(/arch = "\w+"\s*\nuv_version = "0\.11\.33"|uv_version = "0\.11\.33"/);
    expect(readFileSync(join(layers, 'uv', 'env.build', 'UV_PYTHON_DOWNLOADS.override'), 'utf8')).toBe('never');
    expect(readFileSync(join(layers, 'venv', 'env.build', 'UV_PROJECT_ENVIRONMENT.override'), 'utf8')).toBe(join(report.paths!.layers, 'venv'));
    // The uv-cache size is measured after uv sync filled it: what is on disk now, the downloaded wheels included.
    const cacheSize = report.layers.find((l) => l.name === 'uv-cache')?.sizeBytes ?? 0;
    expect(cacheSize).toBe(await layerSizeBytes(join(layers, 'uv-cache')));
    expect(cacheSize).toBeGreaterThan(statSync(testWheelPath('tinyweb-1.0.0')).size);
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())\ntry:\n import tinydev\n print("dev installed")\nexcept ImportError:\n print("no dev")']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');
    expect(r.stdout).toContain('no dev');
  });

  it('reuses python, uv and venv on a rebuild; uv-cache is always rebuilt', async () => {
    const report = await explainThenBuild(app);
    expect(actionsOf(report)).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
  });

  it('discards python and venv but keeps uv when .python-version moves to 3.13', async () => {
    writeFileSync(join(app, '.python-version'), '3.13\n');
    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'discard', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'discard' });
    expect(reasonsOf(report, 'python')).toContainEqual(['python_version', '3.12.13', '3.13.15']);
    expect(reasonsOf(report, 'venv')).toContainEqual(['python_version', '3.12.13', '3.13.15']);
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import sys, tinyweb; print(sys.version_info[:2])']);
    expect(r.stdout).toContain('(3, 13)');
  });
});

// The buildpack runs `uv sync` by name, and the build PATH has the venv's bin
// first: once an app that depends on uv has it in a kept venv, that uv runs.
describe('uv app that depends on the uv package', () => {
  let app: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'uv app with uv');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0', 'uv==0.11.33'] });
    await writeToolsConfig(app, indexUrl);
  });

  it("first build: the uv layer's uv runs; the next build (venv kept) runs the venv's own uv, and says so", async () => {
    // Where the tools see the layers (/layers/heroku_python in the default heroku mode): what the build prints.
    const layers = (await explain(app)).paths.layers;
    const first = await runPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`$ ${formatCommand([join(layers, 'uv', 'bin', 'uv'), 'sync', '--locked', '--no-default-groups'])}`);
    expect(first.stdout).not.toContain('has its own uv');
    expect(existsSync(join(app, '.pybp', 'layers', 'venv', 'bin', 'uv'))).toBe(true);

    const second = await runPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Using cached virtual environment');
    expect(second.stdout).toContain(`The venv has its own uv (${join(layers, 'venv', 'bin', 'uv')}, installed as one of the app's dependencies)`);
    expect(second.stdout).toContain(`$ ${formatCommand([join(layers, 'venv', 'bin', 'uv'), 'sync', '--locked', '--no-default-groups'])}`);
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');
  });
});
