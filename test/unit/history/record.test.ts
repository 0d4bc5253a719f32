// Which builds go into the history, and what a build hears when the history
// can't be read or written. (The real builds are in test/e2e/history.test.ts.)
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildReport } from '../../../src/engine/executor/build.js';
import { recordBuild } from '../../../src/engine/history/record.js';
import { controlDir, historyPath } from '../../../src/engine/store/control-dir.js';
import { readHistory } from '../../../src/engine/store/history.js';
import { acquireLayersLock } from '../../../src/engine/store/lock.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function layersDir(withControlDir: boolean): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'pybp-record-'));
  dirs.push(root);
  const layers = path.join(root, 'layers');
  await mkdir(withControlDir ? controlDir(layers) : layers, { recursive: true });
  return layers;
}

function report(layers: string, status: BuildReport['status'], errorCode: string | null): BuildReport {
  return {
    status,
    app: '/app',
    layersDir: layers,
    packageManager: 'uv',
    python: { requested: '3.13', resolved: '3.13.15', origin: '.python-version', source: 'local', interpreter: 'local 3.13.0 at /py' },
    target: { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', origin: 'flag' },
    environment: { kind: 'heroku-clean', origin: 'default' },
    paths: null,
    layers: [{ name: 'venv', action: 'discard', reasons: [], durationMs: status === 'succeeded' ? 800 : null, sizeBytes: null, outcome: status === 'succeeded' ? 'done' : 'not-reached' }],
    warnings: [],
    error: errorCode ? ({ code: errorCode, title: errorCode, message: '', fix: '' } as BuildReport['error']) : null,
    durationMs: 1234,
  };
}

describe('recordBuild', () => {
  it('records an interrupted build while it still holds the lock', async () => {
    const layers = await layersDir(true);
    const lock = await acquireLayersLock(layers, 'test');
    try {
      expect(await recordBuild(report(layers, 'interrupted', 'interrupted'), null, new Date(0), lock)).toBeNull();
    } finally {
      await lock.release();
    }
    const { history } = await readHistory(layers);
    expect(history.builds).toMatchObject([{ id: 1, status: 'interrupted', durationMs: 1234, error: { code: 'interrupted' }, startedAt: '1970-01-01T00:00:00.000Z' }]);
    expect(history.builds[0].layers).toEqual([{ name: 'venv', action: 'discard', reasons: [], outcome: 'not-reached', durationMs: null, sizeBytes: null, inputs: null }]);
    // Which environment the build ran its tools in, for explain --last.
    expect(history.builds[0].environment).toEqual({ kind: 'heroku-clean', origin: 'default' });
  });

  it('records a build that failed before taking the lock, where pybp already keeps its files', async () => {
    const layers = await layersDir(true);
    expect(await recordBuild(report(layers, 'failed', 'python-version-eol'), null, new Date(), null)).toBeNull();
    expect((await readHistory(layers)).history.builds).toMatchObject([{ status: 'failed', error: { code: 'python-version-eol' } }]);
  });

  it('writes nothing into a layers directory pybp never used, nor while another build holds the lock', async () => {
    const fresh = await layersDir(false);
    expect(await recordBuild(report(fresh, 'failed', 'not-a-python-app'), null, new Date(), null)).toBeNull();
    expect((await readHistory(fresh)).history.builds).toEqual([]);
    await expect(access(controlDir(fresh))).rejects.toThrow();

    const busy = await layersDir(true);
    expect(await recordBuild(report(busy, 'failed', 'layers-locked'), null, new Date(), null)).toBeNull();
    expect((await readHistory(busy)).history.builds).toEqual([]);
  });

  it('a corrupt history: the build is recorded in a fresh one, with a warning', async () => {
    const layers = await layersDir(true);
    await writeFile(historyPath(layers), '{"version": 1, "builds": [');
    const warning = await recordBuild(report(layers, 'succeeded', null), null, new Date(), null);
    expect(warning).toMatchObject({ code: 'history-unreadable' });
    expect(warning?.message).toContain('not valid JSON');
    expect((await readHistory(layers)).history.builds.map((b) => b.id)).toEqual([1]);
  });

  it('a history that cannot be written is a warning, not a failed build', async () => {
    const layers = await layersDir(true);
    // A non-empty directory in the history's place: no rename can replace it, not even as root.
    await mkdir(path.join(historyPath(layers), 'x'), { recursive: true });
    const lock = { release: async () => {}, tookOver: null };
    expect(await recordBuild(report(layers, 'succeeded', null), null, new Date(), lock)).toMatchObject({ code: 'history-unwritable' });
  });
});
