// End-to-end: switching package managers between builds (spec §13):
// uv → Poetry discards the uv venv (its metadata does not parse) and drops the
// uv layer; Poetry → pip drops the poetry layer and replaces the venv.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makePoetryApp, makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { actionsOf, explainThenBuild, reasonsOf, runPybp, writeToolsConfig } from './pybp.js';

describe('switching package managers', () => {
  let app: string;
  let indexUrl: string;

  beforeAll(async () => {
    indexUrl = testInfra().indexUrl;
    app = join(await makeTempDir(), 'switching app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    const first = await explainThenBuild(app);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
  });

  it('uv → Poetry: venv discarded as written by a uv build, uv dropped', async () => {
    await rm(join(app, 'uv.lock'));
    await rm(join(app, 'pyproject.toml'));
    await makePoetryApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.1.0'] });
    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'reuse', poetry: 'create', venv: 'discard', uv: 'drop' });
    expect(reasonsOf(report, 'venv')).toContainEqual(['metadata', 'a uv build', null]);
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(r.stdout).toContain('hello from tinyweb 1.1.0');
  });

  it('Poetry → pip: poetry dropped, the venv made fresh for pip', async () => {
    await rm(join(app, 'poetry.lock'));
    await rm(join(app, 'pyproject.toml'));
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'reuse', pip: 'create', 'pip-cache': 'create', venv: 'rebuild-always', poetry: 'drop' });
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');
    // The dropped layers are gone after the successful build.
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(app, '.pybp', 'layers', 'poetry'))).toBe(false);
    expect(existsSync(join(app, '.pybp', 'layers', 'uv.toml'))).toBe(false);
  });
});
