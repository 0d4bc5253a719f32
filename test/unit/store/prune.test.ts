// planPrune decides from an inventory alone (no file system): which layers
// directories, records and cache entries a prune removes, which it refuses,
// and what it keeps; and the plain cache printers show paths inert.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CacheItem, Inventory, LayersDirItem } from '../../../src/engine/store/inventory.js';
import { CACHE_IN_USE_MS, parseAge, planPrune } from '../../../src/engine/store/prune.js';
import { pristineDirFor } from '../../../src/engine/python-source/pristine.js';
import { printCacheList, printPrunePlan, printPruneResult } from '../../../src/ui/plain/cache.js';

const NOW = Date.parse('2026-12-08T00:00:00Z');
const DAY = 86_400_000;
const CACHE = '/c/pybp';
const PREFIX = '/home/u/.pyenv/versions/3.12.13';

function dir(name: string, over: Partial<LayersDirItem> = {}): LayersDirItem {
  const at = new Date(NOW - DAY).toISOString();
  return {
    token: name.padEnd(32, '0').slice(0, 32),
    layersDir: `/apps/${name}/.pybp/layers`,
    app: `/apps/${name}`,
    appExists: true,
    state: { kind: 'owned', unknown: [] },
    size: { bytes: 1000, sharedBytes: null, complete: true, measured: 'last-build' },
    lastBuild: { at, status: 'succeeded' },
    createdAt: at,
    lastUsedAt: at,
    python: { source: 'local', version: '3.12.13', location: PREFIX },
    pythonUnknown: false,
    ...over,
  };
}

function entry(area: CacheItem['area'], name: string, over: Partial<CacheItem> = {}): CacheItem {
  return {
    area,
    name,
    path: path.join(CACHE, area, name),
    size: { bytes: 5000, sharedBytes: 4000, complete: true, measured: 'walk' },
    modifiedAt: new Date(NOW - 2 * DAY).toISOString(),
    keptBecause: null,
    python: null,
    usedBy: [],
    ...over,
  };
}

const usedCopy = path.basename(pristineDirFor(path.join(CACHE, 'interpreters'), PREFIX, '3.12.13'));

function inventory(layersDirs: LayersDirItem[], caches: CacheItem[] = []): Inventory {
  return { registry: '/s/pybp/layers-dirs', cacheDir: CACHE, layersDirs, badRecords: [], caches, cacheProblems: [] };
}

const none = { olderThanMs: null, missingApps: false, now: NOW };
const kinds = (p: ReturnType<typeof planPrune>) => p.actions.map((a) => `${a.kind} ${'layersDir' in a ? a.layersDir : a.name}`);

describe('planPrune', () => {
  it('with no criterion removes no layers directory, but forgets records whose directory is gone', () => {
    const plan = planPrune(inventory([dir('a'), dir('b', { state: { kind: 'gone' }, appExists: false })]), none);
    expect(kinds(plan)).toEqual(['forget-record /apps/b/.pybp/layers']);
  });

  it('--missing-apps picks an owned directory whose app is gone; --older-than one last used before; both given, both must hold', () => {
    const gone = dir('gone', { appExists: false, layersDir: '/l/gone' });
    const old = dir('old', { lastUsedAt: new Date(NOW - 40 * DAY).toISOString() });
    const both = dir('both', { appExists: false, layersDir: '/l/both', lastUsedAt: new Date(NOW - 40 * DAY).toISOString() });
    const inv = inventory([dir('fresh'), gone, old, both]);
    expect(kinds(planPrune(inv, { ...none, missingApps: true }))).toEqual(['remove-layers-dir /l/gone', 'remove-layers-dir /l/both']);
    expect(kinds(planPrune(inv, { ...none, olderThanMs: 30 * DAY }))).toEqual(['remove-layers-dir /apps/old/.pybp/layers', 'remove-layers-dir /l/both']);
    expect(kinds(planPrune(inv, { ...none, missingApps: true, olderThanMs: 30 * DAY }))).toEqual(['remove-layers-dir /l/both']);
  });

  it('an app nobody knows never counts as missing', () => {
    expect(planPrune(inventory([dir('x', { app: null, appExists: null })]), { ...none, missingApps: true }).actions).toEqual([]);
  });

  it('refuses, with a code, a picked directory that is not pybp\'s or holds what pybp did not make', () => {
    const copy = dir('copy', { appExists: false, state: { kind: 'not-owned', why: 'it is a copy' }, size: null });
    const planted = dir('planted', { appExists: false, state: { kind: 'owned', unknown: ['photos'] } });
    const plan = planPrune(inventory([copy, planted]), { ...none, missingApps: true });
    expect(plan.actions).toEqual([]);
    expect(plan.refused.map((r) => r.code)).toEqual(['layers-dir-not-owned', 'layers-dir-unknown-entry']);
  });

  it('removes cache entries no staying layers directory came from; keeps pinned tools, fresh entries, and all copies when a sidecar is unreadable', () => {
    const caches = [
      entry('interpreters', usedCopy, { python: { version: '3.12.13', digest: usedCopy.slice(-16) } }),
      entry('interpreters', '3.11.9-0123456789abcdef', { python: { version: '3.11.9', digest: '0123456789abcdef' } }),
      entry('tools', 'uv-0.11.33', { keptBecause: 'the pinned tool this pybp runs' }),
      entry('tools', 'uv-0.0.1'),
      entry('explain-uv-cache', 'explain-uv-cache', { modifiedAt: new Date(NOW - CACHE_IN_USE_MS / 2).toISOString() }),
    ];
    const plan = planPrune(inventory([dir('a')], caches), none);
    expect(kinds(plan)).toEqual(['remove-cache-entry 3.11.9-0123456789abcdef', 'remove-cache-entry uv-0.0.1']);
    expect(plan.notes.join('\n')).toContain('explain-uv-cache');
    // The copy's files linked from layers free nothing when it goes.
    expect(plan.actions[0]).toMatchObject({ bytes: 5000, freesBytes: 1000 });
    // The only layers directory made from the copy goes: so does the copy.
    const removed = planPrune(inventory([dir('a', { appExists: false })], caches), { ...none, missingApps: true });
    expect(kinds(removed)).toContain(`remove-cache-entry ${usedCopy}`);
    // Which interpreter a staying directory came from is unknown: no interpreter copy goes.
    const unknown = planPrune(inventory([dir('a', { python: null, pythonUnknown: true })], caches), none);
    expect(kinds(unknown)).toEqual(['remove-cache-entry uv-0.0.1']);
    // --older-than: only entries untouched for that long.
    expect(kinds(planPrune(inventory([dir('a')], caches), { ...none, olderThanMs: 30 * DAY }))).toEqual([]);
  });

  it('parses --older-than', () => {
    expect(parseAge('30d')).toBe(30 * DAY);
    expect(parseAge('2w')).toBe(14 * DAY);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    for (const bad of ['30', 'd', '-1d', '1.5d', '30 days', '1y']) expect(parseAge(bad), bad).toBeNull();
  });
});

class Sink extends EventEmitter {
  data = '';
  write = (chunk: string | Uint8Array) => {
    this.data += String(chunk);
    return true;
  };
}

describe('the plain cache printers', () => {
  it('show paths from records and the file system inert', () => {
    const hostile = '/apps/x\u001b]52;c;aGVsbG8=\u0007\u001b[2J\u202e\ny';
    const d = dir('x', { layersDir: hostile, app: hostile, appExists: false, state: { kind: 'owned', unknown: [`p${hostile}`] } });
    const inv = inventory([d, dir('y', { layersDir: `${hostile}2`, state: { kind: 'not-owned', why: hostile } })], [entry('tools', `uv${hostile}`)]);
    const out = new Sink();
    const stream = out as unknown as NodeJS.WritableStream;
    printCacheList(inv, stream);
    const plan = planPrune(inv, { ...none, missingApps: true });
    printPrunePlan(plan, { dryRun: false, cacheDir: CACHE }, stream);
    printPrunePlan(planPrune(inventory([dir('z', { layersDir: hostile, state: { kind: 'gone' } })]), none), { dryRun: true, cacheDir: CACHE }, stream);
    printPruneResult({ action: plan.actions[0]!, outcome: 'failed', code: 'io-error', reason: hostile }, stream);
    const rest = out.data.replace(/\u001b\[[0-9;]*m/g, '');
    expect(rest).not.toContain('\u001b');
    expect(rest).not.toMatch(/[\u0007\u202e]/);
    expect(rest).toContain('\\x1b]52;c;aGVsbG8=\\x07');
    expect(rest).not.toMatch(/^y/m);
  });
});
