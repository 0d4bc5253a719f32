// Ownership of layers directories: what counts as pybp's, and what never does.
import { cp, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimLayersDir, inspectLayersDir, layerEntries, recordEntries, registryDir } from '../../../src/engine/store/ownership.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function box(): Promise<{ root: string; registry: string; layers: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'pybp owner '));
  made.push(root);
  return { root, registry: path.join(root, 'state', 'pybp', 'layers-dirs'), layers: path.join(root, 'app', '.pybp', 'layers') };
}

describe('registryDir', () => {
  it('is $XDG_STATE_HOME/pybp when that is absolute, else ~/.local/state/pybp', () => {
    expect(registryDir({ XDG_STATE_HOME: '/s', HOME: '/h' })).toBe('/s/pybp/layers-dirs');
    expect(registryDir({ XDG_STATE_HOME: 'relative', HOME: '/h' })).toBe('/h/.local/state/pybp/layers-dirs');
    expect(registryDir({ HOME: '/h' })).toBe('/h/.local/state/pybp/layers-dirs');
  });
});

describe('inspect and claim', () => {
  it('absent, then claimed: owned, with a token inside and a record outside', async () => {
    const b = await box();
    expect(await inspectLayersDir(b.layers, b.registry)).toEqual({ kind: 'absent' });
    const claimed = await claimLayersDir(b.layers, b.registry);
    expect(claimed.kind).toBe('owned');
    if (claimed.kind !== 'owned') return;
    const token = (await readFile(path.join(b.layers, '.pybp', 'owner'), 'utf8')).trim();
    expect(token).toBe(claimed.record.token);
    const record = JSON.parse(await readFile(path.join(b.registry, `${token}.json`), 'utf8'));
    expect(record.entries).toEqual({ '.pybp': 'dir' });
    expect(await inspectLayersDir(b.layers, b.registry)).toMatchObject({ kind: 'owned', unknown: [] });
  });

  it('a non-empty directory is not claimed, and left as it was', async () => {
    const b = await box();
    await mkdir(b.layers, { recursive: true });
    await writeFile(path.join(b.layers, 'photo.jpg'), 'x');
    const status = await claimLayersDir(b.layers, b.registry);
    expect(status).toMatchObject({ kind: 'not-owned', hasControlDir: false });
    expect(await readFile(path.join(b.layers, 'photo.jpg'), 'utf8')).toBe('x');
  });

  it('a copy (same token, another inode) is not pybp\'s; the original moved on the same filesystem still is', async () => {
    const b = await box();
    await claimLayersDir(b.layers, b.registry);
    const copy = path.join(b.root, 'copy');
    await cp(b.layers, copy, { recursive: true });
    expect(await inspectLayersDir(copy, b.registry)).toMatchObject({ kind: 'not-owned', hasControlDir: true });
    const moved = path.join(b.root, 'moved');
    await rename(b.layers, moved);
    expect(await inspectLayersDir(moved, b.registry)).toMatchObject({ kind: 'owned' });
  });

  it('a token with no record on this machine (a committed .pybp/owner) is not pybp\'s', async () => {
    const b = await box();
    await mkdir(path.join(b.layers, '.pybp'), { recursive: true });
    await writeFile(path.join(b.layers, '.pybp', 'owner'), '0123456789abcdef0123456789abcdef\n');
    expect(await inspectLayersDir(b.layers, b.registry)).toMatchObject({ kind: 'not-owned' });
  });

  it('an owner token that is a symlink is never read', async () => {
    const b = await box();
    const claimed = await claimLayersDir(b.layers, b.registry);
    if (claimed.kind !== 'owned') throw new Error('not claimed');
    const elsewhere = path.join(b.root, 'token');
    await writeFile(elsewhere, `${claimed.record.token}\n`);
    await rm(path.join(b.layers, '.pybp', 'owner'));
    await symlink(elsewhere, path.join(b.layers, '.pybp', 'owner'));
    expect(await inspectLayersDir(b.layers, b.registry)).toMatchObject({ kind: 'not-owned' });
  });

  it('only an empty .pybp left by a cut-short claim still counts as empty', async () => {
    const b = await box();
    await mkdir(path.join(b.layers, '.pybp'), { recursive: true });
    expect(await inspectLayersDir(b.layers, b.registry)).toEqual({ kind: 'empty' });
    await writeFile(path.join(b.layers, '.pybp', 'state.json'), '{}');
    expect(await inspectLayersDir(b.layers, b.registry)).toMatchObject({ kind: 'not-owned' });
  });
});

describe('entries pybp did not make', () => {
  it('an unrecorded entry, and a recorded one that became a symlink, are named; recorded real entries are not', async () => {
    const b = await box();
    const claimed = await claimLayersDir(b.layers, b.registry);
    if (claimed.kind !== 'owned') throw new Error('not claimed');
    await recordEntries(b.layers, b.registry, claimed.record, layerEntries(['python', 'venv']));
    await mkdir(path.join(b.layers, 'python'));
    await writeFile(path.join(b.layers, 'python.toml'), '');
    await symlink('/etc', path.join(b.layers, 'venv'));
    await mkdir(path.join(b.layers, 'photos'));
    await symlink('/tmp', path.join(b.layers, '.pybp', 'backup'));
    const status = await inspectLayersDir(b.layers, b.registry);
    expect(status.kind).toBe('owned');
    if (status.kind !== 'owned') return;
    expect(status.unknown.map((u) => u.name)).toEqual(['photos', 'venv', '.pybp/backup']);
  });

  it('recording what the record already says (a rebuild of the same layers) leaves the record file as it was', async () => {
    const b = await box();
    const claimed = await claimLayersDir(b.layers, b.registry);
    if (claimed.kind !== 'owned') throw new Error('not claimed');
    const file = path.join(b.registry, `${claimed.record.token}.json`);
    const record = await recordEntries(b.layers, b.registry, claimed.record, layerEntries(['uv']));
    await mkdir(path.join(b.layers, 'uv'));
    await writeFile(path.join(b.layers, 'uv.toml'), '');
    const before = await stat(file);
    const again = await recordEntries(b.layers, b.registry, record, layerEntries(['uv']));
    expect(again).toEqual(record);
    expect((await stat(file)).ino).toBe(before.ino);
    // Something new to record is written (an atomic write: a new file).
    const more = await recordEntries(b.layers, b.registry, again, layerEntries(['venv']));
    expect(Object.keys(more.entries).sort()).toEqual(['.pybp', 'uv', 'uv.toml', 'venv', 'venv.toml']);
    expect((await stat(file)).ino).not.toBe(before.ino);
    expect(JSON.parse(await readFile(file, 'utf8')).entries).toEqual(more.entries);
  });

  it('recording forgets entries that are gone, so a later entry of that name is unknown again', async () => {
    const b = await box();
    const claimed = await claimLayersDir(b.layers, b.registry);
    if (claimed.kind !== 'owned') throw new Error('not claimed');
    const record = await recordEntries(b.layers, b.registry, claimed.record, layerEntries(['uv']));
    const pruned = await recordEntries(b.layers, b.registry, record, {});
    expect(pruned.entries).toEqual({ '.pybp': 'dir' });
    await mkdir(path.join(b.layers, 'uv'));
    const status = await inspectLayersDir(b.layers, b.registry);
    expect(status.kind === 'owned' && status.unknown.map((u) => u.name)).toEqual(['uv']);
  });
});
