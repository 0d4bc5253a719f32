// Which app a layers directory belongs to (hostile-input rows 57 and 73):
// - two apps built into one --layers-dir: the second is refused (explain,
//   build and run), and the first's layers, history and record are left as
//   they were, so `run` of the first still runs in its own venv;
// - the same app reached through a symlinked path is the same app: the same
//   decisions (everything reused) whichever path is used, with no "moved"
//   rebuild flipping between them.
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { writeToolsConfig } from '../e2e/pybp.js';
import { makeScratch, pybpJson, pybpRun, type Scratch, snapshotTree, treeChanges } from './support.js';

let s: Scratch;

beforeAll(async () => {
  s = await makeScratch();
});

async function pipApp(name: string, requirements: string[]): Promise<string> {
  const { indexUrl } = testInfra();
  const dir = join(s.root, name);
  await makePipApp(dir, { indexUrl, python: '3.12', requirements });
  await writeToolsConfig(dir, indexUrl);
  return dir;
}

const actions = (r: { layers: Array<{ name: string; action: string }> }) => Object.fromEntries(r.layers.map((l) => [l.name, l.action]));

describe('two apps built into one --layers-dir (row 57)', () => {
  it("the second app is refused with layers-dir-other-app by explain, build and run, and the first keeps its layers and venv", async () => {
    const first = await pipApp('first app', ['tinyweb==1.0.0']);
    const second = await pipApp('second app', ['tinydep==0.1.0']);
    const shared = join(s.root, 'shared layers');
    const built = await pybpJson(s, ['build', first, '--layers-dir', shared]);
    expect(built.error, JSON.stringify(built.error)).toBeNull();

    // The control dir (lock, history) is checked on its own below: taking the lock touches its mtime.
    const outsideControl = (rel: string) => rel === '.pybp' || rel.startsWith('.pybp/');
    const before = snapshotTree(shared, outsideControl);
    const history = readFileSync(join(shared, '.pybp', 'history.json'), 'utf8');
    const state = readFileSync(join(shared, '.pybp', 'state.json'), 'utf8');
    for (const cmd of ['explain', 'build']) {
      const r = await pybpJson(s, [cmd, second, '--layers-dir', shared]);
      expect(r.exitCode, cmd).toBe(1);
      expect(r.error?.code, cmd).toBe('layers-dir-other-app');
      expect(r.error?.message, cmd).toContain(first);
      expect(r.error?.fix, cmd).toContain('--layers-dir');
    }
    const ran = await pybpRun(s, [second, '--layers-dir', shared, '--', 'python', '-c', 'print("ran")']);
    expect(ran.code).toBe(1);
    expect(ran.stdout).not.toContain('ran');
    expect(ran.stderr).toContain('layers-dir-other-app');

    expect(treeChanges(before, snapshotTree(shared, outsideControl))).toEqual([]);
    expect(readFileSync(join(shared, '.pybp', 'history.json'), 'utf8')).toBe(history);
    expect(readFileSync(join(shared, '.pybp', 'state.json'), 'utf8')).toBe(state);

    // The first app still runs in its own venv, and rebuilds there reusing everything.
    const own = await pybpRun(s, [first, '--layers-dir', shared, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(own.stdout).toContain('hello from tinyweb 1.0.0');
    const again = await pybpJson(s, ['build', first, '--layers-dir', shared]);
    expect(again.error, JSON.stringify(again.error)).toBeNull();
    expect(actions(again)).toEqual({ python: 'reuse', pip: 'reuse', 'pip-cache': 'reuse', venv: 'rebuild-always' });

    // Kept apart, the second app builds into a layers directory of its own.
    const apart = await pybpJson(s, ['build', second, '--layers-dir', join(s.root, 'second layers')]);
    expect(apart.error, JSON.stringify(apart.error)).toBeNull();
  });
});

describe('the same app through a symlinked path (row 73)', () => {
  it('gets the same decisions through the link and the real path, build after build', async () => {
    const real = await pipApp('real app', ['tinyweb==1.0.0']);
    const linked = join(s.root, 'linked app');
    symlinkSync(real, linked);
    const first = await pybpJson(s, ['build', real]);
    expect(first.error, JSON.stringify(first.error)).toBeNull();

    const reused = { python: 'reuse', pip: 'reuse', 'pip-cache': 'reuse', venv: 'rebuild-always' };
    for (const dir of [linked, real, linked]) {
      const predicted = await pybpJson(s, ['explain', dir]);
      expect(actions(predicted), `explain ${dir}`).toEqual(reused);
      const r = await pybpJson(s, ['build', dir]);
      expect(r.error, JSON.stringify(r.error)).toBeNull();
      expect(actions(r), `build ${dir}`).toEqual(reused);
      expect((r as unknown as { app: string }).app).toBe(real);
    }
    const ran = await pybpRun(s, [linked, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(ran.stdout).toContain('hello from tinyweb 1.0.0');
  });
});
