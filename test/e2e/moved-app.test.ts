// End-to-end: a moved app (its folder renamed after a build) is rebuilt where
// layers hold absolute paths, and then builds and runs; warnings that still
// apply are repeated on every build; a failed build's layers say they were
// rolled back.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { actionsOf, build, explainThenBuild, reasonsOf, runPybp, writeToolsConfig } from './pybp.js';

const HOST = ['--paths', 'host'];

describe('a moved app', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir();
  });

  it('pip: rebuilds the pip layer (its scripts held the old path), keeps python, and runs', async () => {
    const { indexUrl } = testInfra();
    const before = join(root, 'pip before');
    await makePipApp(before, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(before, indexUrl);
    // The host's paths: the tools saw the layers where they were (heroku-paths.test.ts: Heroku's paths don't move).
    expect((await build(before, HOST)).status).toBe('succeeded');

    const after = join(root, 'pip after');
    await rename(before, after);
    const report = await explainThenBuild(after, HOST);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'reuse', pip: 'discard', 'pip-cache': 'reuse', venv: 'rebuild-always' });
    expect(reasonsOf(report, 'pip')).toEqual([['layers path', join(before, '.pybp', 'layers'), join(after, '.pybp', 'layers')]]);
    // The stand-in interpreter is still in use on a build that reuses the python layer: the warning stays.
    expect(report.warnings.map((w) => w.code)).toContain('python-patch-substituted');
    const r = await runPybp(['run', after, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');
  });

  it('uv: explain says the venv is rebuilt (not reused), and the build agrees and runs', async () => {
    const { indexUrl } = testInfra();
    const before = join(root, 'uv before');
    await makeUvApp(before, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(before, indexUrl);
    expect((await build(before, HOST)).status).toBe('succeeded');

    const after = join(root, 'uv after');
    await rename(before, after);
    const report = await explainThenBuild(after, HOST);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'discard' });
    expect(reasonsOf(report, 'venv')).toEqual([['layers path', join(before, '.pybp', 'layers'), join(after, '.pybp', 'layers')]]);
    const r = await runPybp(['run', after, '--', 'tinyweb']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');

    // Built in place again: nothing moved, everything cached is kept.
    expect(actionsOf(await explainThenBuild(after, HOST))).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
  });

  it("a failed build's layers are rolled back, in build --json", async () => {
    const { indexUrl } = testInfra();
    const app = join(root, 'pip broken');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    await writeFile(join(app, 'requirements.txt'), `--index-url ${indexUrl}\nno-such-package-anywhere==1.0\n`);
    const report = await build(app);
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe('pip-dependencies-failed');
    const outcomes = Object.fromEntries(report.layers.map((l) => [l.name, l.outcome]));
    expect(outcomes).toEqual({ python: 'rolled-back', pip: 'rolled-back', 'pip-cache': 'rolled-back', venv: 'rolled-back' });
  });
});
