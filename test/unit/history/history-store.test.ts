// The build history file: bounded to the last HISTORY_LIMIT builds, written
// atomically, and a file that can't be read starts a fresh history instead of
// failing anything.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlDir, historyPath } from '../../../src/engine/store/control-dir.js';
import { appendHistory, findBuild, HISTORY_LIMIT, HISTORY_MAX_BYTES, type HistoryBuild, readHistory } from '../../../src/engine/store/history.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function layersDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pybp-history-'));
  dirs.push(dir);
  await mkdir(controlDir(dir), { recursive: true });
  return dir;
}

function build(n: number, status: HistoryBuild['status'] = 'succeeded'): Omit<HistoryBuild, 'id'> {
  return {
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    status,
    durationMs: 1000 + n,
    python: { requested: '3.12', resolved: '3.12.13', origin: '.python-version', interpreter: null },
    packageManager: 'uv',
    target: { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04' },
    error: status === 'succeeded' ? null : { code: status === 'failed' ? 'uv-sync-failed' : 'interrupted', title: 'x' },
    layers: [{ name: 'venv', action: 'create', reasons: [], outcome: 'done', durationMs: 500 + n, sizeBytes: 10, inputs: { python_version: '3.12.13' } }],
  };
}

describe('build history store', () => {
  it('is empty when there is no file, and numbers builds 1, 2, 3 in order of appending', async () => {
    const dir = await layersDir();
    expect(await readHistory(dir)).toEqual({ ok: true, history: { version: 1, builds: [] } });
    for (const [i, status] of (['succeeded', 'failed', 'interrupted'] as const).entries()) {
      expect((await appendHistory(dir, build(i, status))).id).toBe(i + 1);
    }
    const read = await readHistory(dir);
    expect(read.ok).toBe(true);
    expect(read.history.builds.map((b) => [b.id, b.status, b.durationMs])).toEqual([
      [1, 'succeeded', 1000],
      [2, 'failed', 1001],
      [3, 'interrupted', 1002],
    ]);
    expect(findBuild(read.history)?.id).toBe(3);
    expect(findBuild(read.history, 2)?.status).toBe('failed');
    expect(findBuild(read.history, 99)).toBeNull();
  });

  it(`keeps only the newest ${HISTORY_LIMIT} builds; ids keep counting`, async () => {
    const dir = await layersDir();
    for (let i = 0; i < HISTORY_LIMIT + 7; i++) await appendHistory(dir, build(i));
    const { history } = await readHistory(dir);
    expect(history.builds).toHaveLength(HISTORY_LIMIT);
    expect(history.builds[0].id).toBe(8);
    expect(history.builds.at(-1)!.id).toBe(HISTORY_LIMIT + 7);
    // Atomic writes leave no temporary files behind.
    expect(await readdir(controlDir(dir))).toEqual(['history.json']);
  });

  it.each([
    ['not JSON', '{"version": 1, "builds": ['],
    ['another version', '{"version": 2, "builds": []}'],
    ['builds not a list', '{"version": 1, "builds": {}}'],
    ['a build without an id', '{"version": 1, "builds": [{"startedAt": "x", "durationMs": 1, "status": "succeeded", "layers": []}]}'],
    ['an unknown status', '{"version": 1, "builds": [{"id": 1, "startedAt": "x", "durationMs": 1, "status": "odd", "layers": []}]}'],
    ['a malformed layer', '{"version": 1, "builds": [{"id": 1, "startedAt": "x", "durationMs": 1, "status": "failed", "layers": [null]}]}'],
    ['a layer without an outcome', '{"version": 1, "builds": [{"id": 1, "startedAt": "x", "durationMs": 1, "status": "failed", "layers": [{"name": "venv", "action": "create", "reasons": []}]}]}'],
    // Each passes a check of the shape alone (row 42 of the hostile inputs).
    ['a null reason', '{"version": 1, "builds": [{"id": 1, "startedAt": "2026-12-01T14:02:03Z", "durationMs": 1, "status": "failed", "layers": [{"name": "venv", "action": "create", "reasons": [null], "outcome": "done"}]}]}'],
    ['an action pybp never takes', '{"version": 1, "builds": [{"id": 1, "startedAt": "2026-12-01T14:02:03Z", "durationMs": 1, "status": "failed", "layers": [{"name": "venv", "action": "evil", "reasons": [], "outcome": "done"}]}]}'],
    ['a duration that is text', '{"version": 1, "builds": [{"id": 1, "startedAt": "2026-12-01T14:02:03Z", "durationMs": "abc", "status": "failed", "layers": []}]}'],
    ['a start time that is no time', '{"version": 1, "builds": [{"id": 1, "startedAt": "yesterday-ish", "durationMs": 1, "status": "failed", "layers": []}]}'],
    ['a python that is a number', '{"version": 1, "builds": [{"id": 1, "startedAt": "2026-12-01T14:02:03Z", "durationMs": 1, "status": "failed", "python": 3, "layers": []}]}'],
    ['a layer size of -1', '{"version": 1, "builds": [{"id": 1, "startedAt": "2026-12-01T14:02:03Z", "durationMs": 1, "status": "failed", "layers": [{"name": "venv", "action": "create", "reasons": [], "outcome": "done", "sizeBytes": -1}]}]}'],
  ])('a corrupt file (%s) reads as a problem with an empty history, and the next append starts fresh', async (_what, text) => {
    const dir = await layersDir();
    await writeFile(historyPath(dir), text);
    const read = await readHistory(dir);
    expect(read.ok).toBe(false);
    expect(read.history.builds).toEqual([]);
    const appended = await appendHistory(dir, build(1));
    expect(appended.id).toBe(1);
    expect(appended.startedFresh).toEqual(expect.any(String));
    const after = await readHistory(dir);
    expect(after).toMatchObject({ ok: true, history: { builds: [{ id: 1 }] } });
  });

  it('reads a build\'s environment, and entries written before pybp recorded one; an unknown environment is not pybp\'s record', async () => {
    const dir = await layersDir();
    const withEnv = { ...build(1), id: 1, environment: { kind: 'host-config', origin: 'flag' } };
    const without = { ...build(2), id: 2 };
    await writeFile(historyPath(dir), JSON.stringify({ version: 1, builds: [withEnv, without] }));
    const read = await readHistory(dir);
    expect(read.ok).toBe(true);
    expect(read.history.builds.map((b) => b.environment)).toEqual([{ kind: 'host-config', origin: 'flag' }, undefined]);
    await writeFile(historyPath(dir), JSON.stringify({ version: 1, builds: [{ ...withEnv, environment: { kind: 'laptop', origin: 'flag' } }] }));
    expect(await readHistory(dir)).toMatchObject({ ok: false, problem: 'build 1 has an unknown environment' });
  });

  it('does not read a symlink, a directory, or a file larger than pybp writes', async () => {
    const dir = await layersDir();
    const outside = path.join(dir, 'outside.json');
    await writeFile(outside, JSON.stringify({ version: 1, builds: [{ ...build(1), id: 1 }] }));
    await symlink(outside, historyPath(dir));
    expect(await readHistory(dir)).toMatchObject({ ok: false, problem: 'it is not a regular file' });
    // Appending replaces the link itself, never writes through it.
    await appendHistory(dir, build(2));
    expect((await lstat(historyPath(dir))).isFile()).toBe(true);
    expect(JSON.parse(await readFile(outside, 'utf8')).builds).toHaveLength(1);

    await rm(historyPath(dir));
    await mkdir(historyPath(dir));
    expect((await readHistory(dir)).ok).toBe(false);
    await rm(historyPath(dir), { recursive: true });

    await writeFile(historyPath(dir), Buffer.alloc(HISTORY_MAX_BYTES + 1, 0x20));
    expect(await readHistory(dir)).toMatchObject({ ok: false, problem: expect.stringContaining('more than pybp ever writes') });
  });
});
