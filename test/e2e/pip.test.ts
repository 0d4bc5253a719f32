// End-to-end: a real pip app, built twice, then run with the launch env.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { actionsOf, explain, explainThenBuild, runPybp, writeToolsConfig } from './pybp.js';

describe('pip app', () => {
  let app: string;
  let layers: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'shop app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    layers = join(app, '.pybp', 'layers');
  });

  it('builds every layer from nothing, in the CNB format', async () => {
    const report = await explainThenBuild(app);
    expect(report.exitCode).toBe(0);
    expect(report.status).toBe('succeeded');
    expect(report.packageManager).toBe('pip');
    expect(report.python).toMatchObject({ requested: '3.12', resolved: '3.12.13', origin: '.python-version', source: 'local' });
    expect(actionsOf(report)).toEqual({ python: 'create', pip: 'create', 'pip-cache': 'create', venv: 'rebuild-always' });
    expect(report.warnings.map((w) => w.code)).toContain('python-patch-substituted');

    expect(readFileSync(join(layers, 'python.toml'), 'utf8')).toMatch(/\[metadata\][^]*python_version = "3\.12\.13"/);
    expect(readFileSync(join(layers, 'pip.toml'), 'utf8')).toContain('pip_version = "26.1.2"');
    const venvToml = readFileSync(join(layers, 'venv.toml'), 'utf8');
    expect(venvToml).toContain('cache = false');
    expect(venvToml).not.toContain('[metadata]');
    expect(readFileSync(join(layers, 'python', 'env', 'PYTHONUNBUFFERED.override'), 'utf8')).toBe('1');
    // The env files name the layers where the tools see them (/layers/heroku_python in the default heroku mode).
    const seen = report.paths!.layers;
    expect(readFileSync(join(layers, 'pip', 'env.build', 'PYTHONUSERBASE.override'), 'utf8')).toBe(join(seen, 'pip'));
    expect(readFileSync(join(layers, 'venv', 'env.build', 'PIP_PYTHON.override'), 'utf8')).toBe(join(seen, 'venv'));
    expect(readFileSync(join(layers, 'pip-cache', 'env.build', 'PIP_CACHE_DIR.override'), 'utf8')).toBe(join(seen, 'pip-cache'));
    // The pip layer holds the pinned pip, installed with --user into PYTHONUSERBASE.
    expect(readdirSync(join(layers, 'pip', 'lib', 'python3.12', 'site-packages')).some((e) => e.startsWith('pip-26.1.2'))).toBe(true);
    // The python layer has no pip of its own on PATH (Heroku's has none).
    expect(existsSync(join(layers, 'python', 'bin', 'pip'))).toBe(false);
    expect(readFileSync(join(app, '.pybp', '.gitignore'), 'utf8')).toBe('*\n');
  });

  it('reuses every cached layer on a second build, and explain agreed beforehand', async () => {
    const before = await explain(app);
    expect(actionsOf(before)).toEqual({ python: 'reuse', pip: 'reuse', 'pip-cache': 'reuse', venv: 'rebuild-always' });
    const report = await explainThenBuild(app);
    expect(report.status).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'reuse', pip: 'reuse', 'pip-cache': 'reuse', venv: 'rebuild-always' });
  });

  it('runs commands with the launch environment', async () => {
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import tinyweb, sys; print(tinyweb.hello()); print(sys.prefix)']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0 (tinydep 0.1.0)');
    const seen = (await explain(app)).paths.layers;
    expect(r.stdout).toContain(join(seen, 'venv'));
    // pip is a build-only layer: not on the launch PATH.
    const pip = await runPybp(['run', app, '--', 'python', '-c', 'import shutil; print(shutil.which("pip"))']);
    expect(pip.code).toBe(0);
    expect(pip.stdout).not.toContain(seen);
  });

  it('runs the Procfile web process with PORT set', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(app, 'Procfile'), 'web: python -c "import os, tinyweb; print(\'port\', os.environ[\'PORT\'], tinyweb.hello())"\n');
    const r = await runPybp(['run', app, 'web', '--port', '8123']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('port 8123 hello from tinyweb 1.0.0');
  });
});
