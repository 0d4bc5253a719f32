// End-to-end: a real Poetry app; rebuild; a failed build that must leave the
// cache as it was (spec §13: "previous build failed").
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePoetryApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { actionsOf, explain, explainThenBuild, reasonsOf, runPybp, writeToolsConfig } from './pybp.js';

describe('Poetry app', () => {
  let app: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'poetry app');
    // requires-python excludes 3.13, so a build with 3.13 fails in `poetry sync`.
    await makePoetryApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], devDependencies: ['tinydev==0.1.0'], requiresPython: '>=3.12,<3.13' });
    await writeToolsConfig(app, indexUrl);
  });

  it('builds with poetry sync --only main', async () => {
    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'create', poetry: 'create', venv: 'create' });
    expect(readFileSync(join(app, '.pybp', 'layers', 'venv.toml'), 'utf8')).toContain('poetry_version = "2.4.1"');
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())\ntry:\n import tinydev\n print("dev installed")\nexcept ImportError:\n print("no dev")']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');
    expect(r.stdout).toContain('no dev');
  });

  it('reuses every layer on a rebuild', async () => {
    const report = await explainThenBuild(app);
    expect(actionsOf(report)).toEqual({ python: 'reuse', poetry: 'reuse', venv: 'reuse' });
  });

  it('a failed build changes nothing: the next build decides as after the last successful one', async () => {
    writeFileSync(join(app, '.python-version'), '3.13\n');
    const failed = await explainThenBuild(app);
    expect(failed.exitCode).toBe(1);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('poetry-sync-failed');
    expect(actionsOf(failed)).toEqual({ python: 'discard', poetry: 'discard', venv: 'discard' });
    expect(reasonsOf(failed, 'python')).toEqual([['python_version', '3.12.13', '3.13.15']]);
    expect(reasonsOf(failed, 'poetry')).toContainEqual(['python_version', '3.12.13', '3.13.15']);

    writeFileSync(join(app, '.python-version'), '3.12\n');
    expect(actionsOf(await explain(app))).toEqual({ python: 'reuse', poetry: 'reuse', venv: 'reuse' });
    const again = await explainThenBuild(app);
    expect(again.status).toBe('succeeded');
    expect(actionsOf(again)).toEqual({ python: 'reuse', poetry: 'reuse', venv: 'reuse' });
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import sys, tinyweb; print(sys.version_info[:2], tinyweb.hello())']);
    expect(r.stdout).toContain('(3, 12) hello from tinyweb 1.0.0');
  });
});
