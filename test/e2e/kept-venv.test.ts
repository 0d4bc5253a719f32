// End-to-end: a kept venv says what its sync will change. After the lock adds
// a package (and moves another), explain reports its forecast (from the lock
// and the venv's dist-info) on the venv layer, and the build reports what it
// really changed; for pip (a new
// venv every build), the build reports the difference from the last build.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makePoetryApp, makeTempDir, makeUvApp, poetryLock, uvEnv } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { run } from '../support/env.js';
import { build, explain, explainThenBuild, writeToolsConfig } from './pybp.js';

const expected = {
  add: [{ name: 'tinydev', version: '0.1.0' }],
  remove: [],
  change: [{ name: 'tinyweb', from: '1.0.0', to: '1.1.0' }],
};

async function editDependencies(app: string): Promise<void> {
  const pyproject = join(app, 'pyproject.toml');
  await writeFile(pyproject, (await readFile(pyproject, 'utf8')).replace('"tinyweb==1.0.0"', '"tinyweb==1.1.0", "tinydev==0.1.0"'));
}

function venvOf<T extends { name: string }>(layers: T[]): T {
  const venv = layers.find((l) => l.name === 'venv');
  if (!venv) throw new Error('no venv layer');
  return venv;
}

describe('a kept venv after the lock changed', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir();
  });

  it('uv: explain forecasts the sync, the build reports the same', async () => {
    const { indexUrl, uvPath } = testInfra();
    const app = await makeUvApp(join(root, 'uv'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    expect((await build(app)).status).toBe('succeeded');
    await editDependencies(app);
    await run(uvPath, ['lock', '--quiet'], { cwd: app, env: uvEnv('3.12') });

    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(venvOf(report.predicted.layers).action).toBe('reuse');
    expect(venvOf(report.predicted.layers).packages).toEqual(expected);
    expect(venvOf(report.layers).packages).toEqual(expected);
    // Nothing left to change: the next explain says so.
    expect(venvOf((await explain(app)).layers).packages).toEqual({ add: [], remove: [], change: [] });
  });

  it('Poetry: explain forecasts the sync, the build reports the same', async () => {
    const { indexUrl } = testInfra();
    const app = await makePoetryApp(join(root, 'poetry'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    expect((await build(app)).status).toBe('succeeded');
    await editDependencies(app);
    await poetryLock(app, '3.12');

    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(venvOf(report.predicted.layers).packages).toEqual(expected);
    expect(venvOf(report.layers).packages).toEqual(expected);
  });

  it('pip: the build reports what differs from the last build', async () => {
    const { indexUrl } = testInfra();
    const app = await makePipApp(join(root, 'pip'), { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    const first = await build(app);
    expect(venvOf(first.layers).packages).toEqual({
      add: [
        { name: 'tinydep', version: '0.1.0' },
        { name: 'tinyweb', version: '1.0.0' },
      ],
      remove: [],
      change: [],
    });
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.1.0', 'tinydev==0.1.0'] });
    const second = await build(app);
    expect(second.status).toBe('succeeded');
    expect(venvOf(second.layers).packages).toEqual(expected);
  });
});
