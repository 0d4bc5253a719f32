// Package changes of a venv: the dry-run plans of uv and Poetry, the installed
// set before and after a build, and how they are summarised.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePoetryDryRun, parseUvDryRun } from '../../src/engine/explain/venv-changes.js';
import { diffInstalled, installedPackages, summarizeChanges } from '../../src/engine/plan/package-changes.js';

describe('dry-run plans', () => {
  it("reads uv's + and - lines, pairing an upgrade into a change", () => {
    const out = 'Would use project environment at: venv\nResolved 10 packages in 23ms\nWould uninstall 1 package\nWould install 2 packages\n + blinker==1.9.0\n - markupsafe==3.0.3\n + markupsafe==3.0.2\n - gone==1.0\n';
    expect(parseUvDryRun(out)).toEqual({
      add: [{ name: 'blinker', version: '1.9.0' }],
      remove: [{ name: 'gone', version: '1.0' }],
      change: [{ name: 'markupsafe', from: '3.0.3', to: '3.0.2' }],
    });
  });

  it("reads Poetry's operations and skips what is already installed", () => {
    const out = [
      'Package operations: 2 installs, 1 update, 1 removal, 1 skipped',
      '',
      '  - Installing blinker (1.9.0)',
      '  - Installing click (8.3.0): Skipped for the following reason: Already installed',
      '  - Updating tinyweb (1.0.0 -> 1.1.0)',
      '  - Downgrading old (2.0 -> 1.0)',
      '  - Removing gone (1.0)',
    ].join('\n');
    expect(parsePoetryDryRun(out)).toEqual({
      add: [{ name: 'blinker', version: '1.9.0' }],
      remove: [{ name: 'gone', version: '1.0' }],
      change: [
        { name: 'tinyweb', from: '1.0.0', to: '1.1.0' },
        { name: 'old', from: '2.0', to: '1.0' },
      ],
    });
  });
});

describe('installed packages', () => {
  it('reads dist-info names and diffs two sets', async () => {
    const venv = await mkdtemp(join(tmpdir(), 'pybp-venv-'));
    try {
      for (const d of ['tiny_web-1.0.0.dist-info', 'tinydep-0.1.0.dist-info', 'tinyweb', '__pycache__']) {
        await mkdir(join(venv, 'lib', 'python3.12', 'site-packages', d), { recursive: true });
      }
      const before = await installedPackages(venv);
      expect([...before]).toEqual([
        ['tiny-web', '1.0.0'],
        ['tinydep', '0.1.0'],
      ]);
      const after = new Map([
        ['tiny-web', '1.1.0'],
        ['requests', '2.32.3'],
      ]);
      expect(diffInstalled(before, after)).toEqual({
        add: [{ name: 'requests', version: '2.32.3' }],
        remove: [{ name: 'tinydep', version: '0.1.0' }],
        change: [{ name: 'tiny-web', from: '1.0.0', to: '1.1.0' }],
      });
      expect(await installedPackages(join(venv, 'missing'))).toEqual(new Map());
    } finally {
      await rm(venv, { recursive: true, force: true });
    }
  });

  it('summarises for the UI', () => {
    const add = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, version: '1.0' }));
    expect(summarizeChanges({ add, remove: [], change: [] })).toBe('+5 packages (a 1.0, b 1.0, c 1.0, …)');
    expect(summarizeChanges({ add: [], remove: [{ name: 'x', version: '2' }], change: [{ name: 'y', from: '1', to: '2' }] })).toBe(
      '−1 package (x 2), ~1 package (y 1 → 2)',
    );
    expect(summarizeChanges({ add: [], remove: [], change: [] })).toBe('no package changes');
  });
});
