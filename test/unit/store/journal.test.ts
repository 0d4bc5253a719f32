// The journal makes a build a transaction over the layers directory: a killed
// build is seen (by explain) and restored (by the next build) as the last
// successful build left it; a commit cut short is finished. Kills are
// simulated by making the n-th fs.rename / fs.rm throw and never calling the
// transaction again, as if the process had died there.
import { promises as fsp } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backupDir, journalPath, sidecarPath } from '../../../src/engine/store/control-dir.js';
import { readJournal, recoverLayers } from '../../../src/engine/store/journal.js';
import { writeLayerToml } from '../../../src/engine/store/layer-toml.js';
import { type PreviousLayer, readPreviousLayers } from '../../../src/engine/store/previous-state.js';
import { readSidecar, type Sidecar } from '../../../src/engine/store/sidecar.js';
import { LayerTransaction } from '../../../src/engine/store/transaction.js';
import { interruptedBuild } from '../../../src/engine/store/store-state.js';
import { plan, type Sandbox, summarizePlan, useSandboxes, writeApp, writePreviousBuild } from '../layers/previous-build.js';

const sandbox = useSandboxes();

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every entry under `dir` but pybp's control dir: type, contents, link target. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      if (rel === '' && name === '.pybp') continue;
      const p = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(p);
      if (st.isSymbolicLink()) out[r] = `link -> ${await readlink(p)}`;
      else if (st.isDirectory()) {
        out[r + '/'] = 'dir';
        await walk(p, r);
      } else out[r] = `file ${await readFile(p, 'utf8')}`;
    }
  };
  await walk(dir, '');
  return out;
}

/** The view without where it was read from (a set-aside layer is read from the backup). */
function view(layers: Map<string, PreviousLayer>) {
  return Object.fromEntries(
    [...layers.values()].map((l) => [l.name, { hasDir: l.hasDir, tomlText: l.tomlText, types: l.types, restored: l.restored, metadataKeys: l.metadataKeys }]),
  );
}

/** A pip build's layers with something in each, including a symlink. */
async function previousPipBuild(box: Sandbox): Promise<void> {
  await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
  await mkdir(path.join(box.layers, 'python', 'bin'), { recursive: true });
  await writeFile(path.join(box.layers, 'python', 'bin', 'python3.12'), 'old interpreter');
  await rm(path.join(box.layers, 'python', 'bin', 'python3'));
  await symlink('python3.12', path.join(box.layers, 'python', 'bin', 'python3'));
  await mkdir(path.join(box.layers, 'pip-cache', 'http'), { recursive: true });
  await writeFile(path.join(box.layers, 'pip-cache', 'http', 'entry'), 'cached wheel');
}

/** What a build does to a layer it does not reuse (build/layer-ops.ts openLayer). */
async function remake(txn: LayerTransaction, name: string, file = 'new contents'): Promise<void> {
  await txn.setAside(name);
  await mkdir(path.join(txn.layersDir, name), { recursive: true });
  await writeLayerToml(txn.layersDir, name, { build: true, launch: false, cache: true });
  await writeFile(path.join(txn.layersDir, name, 'contents'), file);
}

class Killed extends Error {}

/** Lets `allowed` calls of fs.promises[fn] through; the next one throws instead of running. */
function killAt(fn: 'rename' | 'rm', allowed: number) {
  const original = fsp[fn].bind(fsp) as (...args: unknown[]) => Promise<void>;
  let calls = 0;
  return vi.spyOn(fsp, fn).mockImplementation(((...args: unknown[]) => {
    if (calls++ === allowed) return Promise.reject(new Killed(`killed at ${fn} #${allowed + 1}`));
    return original(...args);
  }) as never);
}

describe('an interrupted build (killed before its commit)', () => {
  it('reads as the previous build, plans the same decisions, and rolls back to exactly the old files', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    await writeApp(box.app, 'poetry', '3.12.12');
    const before = await tree(box.layers);
    const viewBefore = view(await readPreviousLayers(box.layers));
    const planBefore = await plan(box);
    expect(interruptedBuild(planBefore.store)).toBe(false);

    // A Poetry build with another Python: python remade, poetry new, venv new; then killed.
    const txn = await LayerTransaction.begin(box.layers);
    await remake(txn, 'python', 'new interpreter');
    await remake(txn, 'poetry');
    await remake(txn, 'venv');
    expect(await tree(box.layers)).not.toEqual(before);

    const during = await readPreviousLayers(box.layers);
    expect(view(during)).toEqual(viewBefore);
    expect(during.has('poetry')).toBe(false);
    expect(during.get('python')?.dirPath).toBe(path.join(backupDir(box.layers), 'python'));
    const planDuring = await plan(box);
    expect(interruptedBuild(planDuring.store)).toBe(true);
    expect(summarizePlan(planDuring)).toEqual(summarizePlan(planBefore));

    expect(await recoverLayers(box.layers)).toBe('rolled-back');
    expect(await tree(box.layers)).toEqual(before);
    expect(await readJournal(box.layers)).toBeNull();
    await expect(lstat(backupDir(box.layers))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(interruptedBuild((await plan(box)).store)).toBe(false);
    expect(await recoverLayers(box.layers)).toBe('clean');
  });

  it('a failed build rolls back through the transaction itself', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    const before = await tree(box.layers);
    const txn = await LayerTransaction.begin(box.layers);
    await remake(txn, 'python');
    await remake(txn, 'pip');
    await txn.rollback();
    expect(await tree(box.layers)).toEqual(before);
    expect(await readJournal(box.layers)).toBeNull();
  });

  // setAside: journal entry written (temp file + rename), toml renamed, dir renamed.
  const points = [
    [0, 'the journal entry was being written'],
    [1, 'the journal entry was written but nothing was moved'],
    [2, 'the toml was moved aside but not the directory'],
  ] as const;
  for (const [allowed, what] of points) {
    it(`killed inside setAside, when ${what}`, async () => {
      const box = await sandbox();
      await previousPipBuild(box);
      const before = await tree(box.layers);
      const viewBefore = view(await readPreviousLayers(box.layers));
      const txn = await LayerTransaction.begin(box.layers);
      await remake(txn, 'pip-cache');

      const spy = killAt('rename', allowed);
      await expect(txn.setAside('python')).rejects.toBeInstanceOf(Killed);
      spy.mockRestore();

      const present = (p: string) => lstat(p).then(
        () => true,
        () => false,
      );
      const backup = backupDir(box.layers);
      expect(await present(path.join(box.layers, 'python.toml'))).toBe(allowed < 2);
      expect(await present(path.join(backup, 'python.toml'))).toBe(allowed === 2);
      expect(await present(path.join(box.layers, 'python'))).toBe(true);
      expect(await present(path.join(backup, 'python'))).toBe(false);
      const journal = await readJournal(box.layers);
      expect(journal?.state).toBe('running');
      expect(journal?.entries.map((e) => e.name)).toEqual(allowed === 0 ? ['pip-cache'] : ['pip-cache', 'python']);
      expect(view(await readPreviousLayers(box.layers))).toEqual(viewBefore);
      expect(await recoverLayers(box.layers)).toBe('rolled-back');
      expect(await tree(box.layers)).toEqual(before);
    });
  }

  it('killed in begin, before the journal exists: nothing to undo', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    const before = await tree(box.layers);
    const spy = killAt('rename', 0);
    await expect(LayerTransaction.begin(box.layers)).rejects.toBeInstanceOf(Killed);
    spy.mockRestore();
    expect(await readJournal(box.layers)).toBeNull();
    expect(await recoverLayers(box.layers)).toBe('clean');
    expect(await tree(box.layers)).toEqual(before);
  });

  it('a layer that did not exist before is removed on roll-back, toml and directory', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    const before = await tree(box.layers);
    const txn = await LayerTransaction.begin(box.layers);
    await remake(txn, 'uv');
    expect((await readJournal(box.layers))?.entries).toEqual([{ name: 'uv', hadDir: false, hadToml: false }]);
    await recoverLayers(box.layers);
    expect(await tree(box.layers)).toEqual(before);
  });

  it('setting the same layer aside twice keeps the first (old) copy', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    const before = await tree(box.layers);
    const txn = await LayerTransaction.begin(box.layers);
    await remake(txn, 'python', 'first try');
    await remake(txn, 'python', 'second try');
    expect((await readJournal(box.layers))?.entries.map((e) => e.name)).toEqual(['python']);
    await recoverLayers(box.layers);
    expect(await tree(box.layers)).toEqual(before);
  });
});

describe('commit', () => {
  const sidecar = (pm: string): Sidecar => ({
    version: 1,
    python: { source: 'local', version: '3.12.1', location: '/opt/python' },
    lastBuild: { finishedAt: '2026-01-01T00:00:00.000Z', packageManager: pm, durationMs: 1234, layers: {} },
  });

  it('removes what was set aside and every layer not kept, and writes the sidecar', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    // A Poetry build: python remade, poetry new; pip, pip-cache are dropped; venv remade.
    const txn = await LayerTransaction.begin(box.layers);
    await remake(txn, 'python', 'new interpreter');
    await remake(txn, 'poetry');
    await remake(txn, 'venv');
    await txn.commit(new Set(['python', 'poetry', 'venv']), sidecar('poetry'));

    const after = await tree(box.layers);
    expect((await readdir(box.layers)).filter((n) => n !== '.pybp').sort()).toEqual([
      'poetry',
      'poetry.toml',
      'python',
      'python.toml',
      'venv',
      'venv.toml',
    ]);
    expect(after['python/contents']).toBe('file new interpreter');
    expect(after['python/bin/python3.12']).toBeUndefined();
    expect(await readdir(path.join(box.layers, '.pybp'))).toEqual(['state.json']);
    expect(await readSidecar(box.layers)).toEqual({ ok: true, sidecar: sidecar('poetry') });
    expect(await recoverLayers(box.layers)).toBe('clean');
  });

  it('a commit cut short after its journal was written rolls forward', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    await mkdir(path.dirname(sidecarPath(box.layers)), { recursive: true });
    await writeFile(sidecarPath(box.layers), JSON.stringify(sidecar('pip')));

    const txn = await LayerTransaction.begin(box.layers);
    await remake(txn, 'python', 'new interpreter');
    await remake(txn, 'poetry');
    await remake(txn, 'venv');
    // commit: journal (rename #1), then the sidecar (rename #2): killed before the sidecar lands.
    const spy = killAt('rename', 1);
    await expect(txn.commit(new Set(['python', 'poetry', 'venv']), sidecar('poetry'))).rejects.toBeInstanceOf(Killed);
    spy.mockRestore();

    const journal = await readJournal(box.layers);
    expect(journal?.state).toBe('committed');
    expect(journal?.removing).toEqual(['pip', 'pip-cache']);
    // The old sidecar is still on disk; readers get the one the commit carries.
    expect(JSON.parse(await readFile(sidecarPath(box.layers), 'utf8')).lastBuild.packageManager).toBe('pip');
    expect(await readSidecar(box.layers)).toEqual({ ok: true, sidecar: sidecar('poetry') });
    // The view is the committed build: dropped layers are gone already, python is the new one.
    const prev = await readPreviousLayers(box.layers);
    expect([...prev.keys()].sort()).toEqual(['poetry', 'python', 'venv']);
    expect(prev.get('python')?.dirPath).toBe(path.join(box.layers, 'python'));
    expect(interruptedBuild((await plan(box)).store)).toBe(false);

    expect(await recoverLayers(box.layers)).toBe('rolled-forward');
    expect(await readJournal(box.layers)).toBeNull();
    expect((await readdir(path.join(box.layers, '.pybp'))).filter((n) => n !== 'owner')).toEqual(['state.json']);
    expect(await readSidecar(box.layers)).toEqual({ ok: true, sidecar: sidecar('poetry') });
    expect((await readdir(box.layers)).filter((n) => n !== '.pybp').sort()).toEqual(['poetry', 'poetry.toml', 'python', 'python.toml', 'venv', 'venv.toml']);
  });

  it('a commit cut short while deleting rolls forward too', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    const txn = await LayerTransaction.begin(box.layers);
    await remake(txn, 'python', 'new interpreter');
    const spy = killAt('rm', 1); // backup dir removed, then killed deleting the first dropped layer
    await expect(txn.commit(new Set(['python', 'pip']), sidecar('pip'))).rejects.toBeInstanceOf(Killed);
    spy.mockRestore();
    expect((await readJournal(box.layers))?.state).toBe('committed');
    expect(await recoverLayers(box.layers)).toBe('rolled-forward');
    expect((await readdir(box.layers)).filter((n) => n !== '.pybp').sort()).toEqual(['pip', 'pip.toml', 'python', 'python.toml']);
    expect(await readFile(path.join(box.layers, 'python', 'contents'), 'utf8')).toBe('new interpreter');
  });
});

describe('readSidecar', () => {
  it('no sidecar: ok, null', async () => {
    const box = await sandbox();
    expect(await readSidecar(box.layers)).toEqual({ ok: true, sidecar: null });
  });

  it('malformed sidecars are reported, not thrown', async () => {
    const box = await sandbox();
    await mkdir(path.dirname(sidecarPath(box.layers)), { recursive: true });
    for (const [text, problem] of [
      ['{not json', /^not valid JSON/],
      ['{"version": 2}', /^unknown format$/],
      ['{"version": 1, "python": {"version": 3}}', /python record is malformed/],
    ] as const) {
      await writeFile(sidecarPath(box.layers), text);
      const read = await readSidecar(box.layers);
      expect(read.ok).toBe(false);
      if (!read.ok) expect(read.problem).toMatch(problem);
    }
  });

  it('an unreadable journal counts as a running build with nothing set aside', async () => {
    const box = await sandbox();
    await previousPipBuild(box);
    const before = await tree(box.layers);
    await mkdir(path.dirname(journalPath(box.layers)), { recursive: true });
    await writeFile(journalPath(box.layers), 'garbage');
    expect((await readJournal(box.layers))?.state).toBe('running');
    expect(await recoverLayers(box.layers)).toBe('rolled-back');
    expect(await tree(box.layers)).toEqual(before);
  });
});
