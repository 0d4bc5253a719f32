// Every row of the cache decision cheat-sheet (spec §13), through the real
// modules: a layers directory as the previous build left it, a temp app, and
// planBuild() as `pybp explain --target heroku-24 --python-source local` runs it.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sidecarPath } from '../../../src/engine/store/control-dir.js';
import { POETRY_VERSION, PIP_VERSION, UV_VERSION } from '../../../src/engine/core/versions.js';
import {
  type DecisionSummary,
  plan,
  pyenvRoot,
  type ReasonTuple,
  type Sandbox,
  summarizePlan,
  useSandboxes,
  writeApp,
  writePreviousBuild,
} from './previous-build.js';

const sandbox = useSandboxes();

const KEPT: ReasonTuple[] = [['metadata', null, null]];
const UNCACHED: ReasonTuple[] = [['cache', null, null]];
const row = (name: string, action: DecisionSummary['action'], reasons: ReasonTuple[] = []): DecisionSummary => ({ name, action, reasons });

describe('§13: nothing changed', () => {
  it('pip: python, pip and pip-cache are reused; the venv is made fresh', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'pip', '3.12');
    const p = await plan(box);
    expect(p.error).toBeNull();
    expect(summarizePlan(p)).toEqual([
      row('python', 'reuse', KEPT),
      row('pip', 'reuse', KEPT),
      row('pip-cache', 'reuse', KEPT),
      row('venv', 'rebuild-always', UNCACHED),
    ]);
    const reasons = Object.fromEntries(p.layers.map((l) => [l.def.name, l.decision.reasons[0].message]));
    expect(reasons.python).toBe('Python 3.12.13 (ubuntu 24.04, amd64) unchanged');
    expect(reasons.pip).toBe(`pip ${PIP_VERSION} unchanged`);
  });

  it('Poetry: everything is reused', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'poetry', '3.12');
    const p = await plan(box);
    expect(p.error).toBeNull();
    expect(summarizePlan(p)).toEqual([row('python', 'reuse', KEPT), row('poetry', 'reuse', KEPT), row('venv', 'reuse', KEPT)]);
  });

  it('uv: everything is reused but uv-cache, which is made empty every build', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'uv', '3.12');
    const p = await plan(box);
    expect(p.error).toBeNull();
    expect(summarizePlan(p)).toEqual([
      row('python', 'reuse', KEPT),
      row('uv', 'reuse', KEPT),
      row('uv-cache', 'rebuild-always', UNCACHED),
      row('venv', 'reuse', KEPT),
    ]);
  });

  it('a restored layer whose toml has no [types] (as lifecycle restores it) is reused', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeFile(
      path.join(box.layers, 'python.toml'),
      '[metadata]\narch = "amd64"\ndistro_name = "ubuntu"\ndistro_version = "24.04"\npython_version = "3.12.13"\n',
    );
    await writeApp(box.app, 'pip', '3.12');
    const p = await plan(box);
    expect(summarizePlan(p)[0]).toEqual(row('python', 'reuse', KEPT));
  });
});

describe('§13: Python patch or alias bump (3.12.12 → 3.12.13), no tool bump', () => {
  const bump: ReasonTuple[] = [['python_version', '3.12.12', '3.12.13']];

  it('pip: python, pip and pip-cache are discarded, each naming the Python version', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.12' });
    await writeApp(box.app, 'pip', '3.12');
    const p = await plan(box);
    expect(p.error).toBeNull();
    expect(summarizePlan(p)).toEqual([
      row('python', 'discard', bump),
      row('pip', 'discard', bump),
      row('pip-cache', 'discard', bump),
      row('venv', 'rebuild-always', UNCACHED),
    ]);
    expect(p.layers[0].decision.cause).toBe('changed');
    expect(p.layers[0].decision.reasons[0].message).toBe('Python version changed from 3.12.12 to 3.12.13');
  });

  it('Poetry: python, poetry and the venv are discarded', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.12' });
    await writeApp(box.app, 'poetry', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([
      row('python', 'discard', bump),
      row('poetry', 'discard', bump),
      row('venv', 'discard', bump),
    ]);
  });

  it('uv: uv is reused (it does not depend on Python); python and the venv are discarded', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.12' });
    await writeApp(box.app, 'uv', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([
      row('python', 'discard', bump),
      row('uv', 'reuse', KEPT),
      row('uv-cache', 'rebuild-always', UNCACHED),
      row('venv', 'discard', bump),
    ]);
  });

  it('a pinned patch bump in .python-version (3.12.12 → 3.12.13) decides the same', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.12' });
    await writeApp(box.app, 'pip', '3.12.13');
    expect(summarizePlan(await plan(box)).slice(0, 3)).toEqual([
      row('python', 'discard', bump),
      row('pip', 'discard', bump),
      row('pip-cache', 'discard', bump),
    ]);
  });
});

describe('§13: distro change (ubuntu 22.04 → 24.04)', () => {
  const os: ReasonTuple[] = [['distro', 'ubuntu-22.04', 'ubuntu-24.04']];

  it('pip: pip is reused (pure Python); python and pip-cache are discarded with the OS as a pair', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13', target: 'heroku-22' });
    await writeApp(box.app, 'pip', '3.12');
    const p = await plan(box);
    expect(summarizePlan(p)).toEqual([
      row('python', 'discard', os),
      row('pip', 'reuse', KEPT),
      row('pip-cache', 'discard', os),
      row('venv', 'rebuild-always', UNCACHED),
    ]);
    expect(p.layers[0].decision.reasons[0].message).toBe('OS changed from ubuntu-22.04 to ubuntu-24.04');
  });

  it('Poetry: everything is discarded', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13', target: 'heroku-22' });
    await writeApp(box.app, 'poetry', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([row('python', 'discard', os), row('poetry', 'discard', os), row('venv', 'discard', os)]);
  });

  it('uv: uv is reused (only the CPU matters to it)', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13', target: 'heroku-22' });
    await writeApp(box.app, 'uv', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([
      row('python', 'discard', os),
      row('uv', 'reuse', KEPT),
      row('uv-cache', 'rebuild-always', UNCACHED),
      row('venv', 'discard', os),
    ]);
  });
});

describe('§13: CPU architecture change (arm64 → amd64)', () => {
  const arch: ReasonTuple[] = [['arch', 'arm64', 'amd64']];

  it('pip: pip is reused; python and pip-cache are discarded', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13', target: 'heroku-24/arm64' });
    await writeApp(box.app, 'pip', '3.12');
    const p = await plan(box);
    expect(summarizePlan(p)).toEqual([
      row('python', 'discard', arch),
      row('pip', 'reuse', KEPT),
      row('pip-cache', 'discard', arch),
      row('venv', 'rebuild-always', UNCACHED),
    ]);
    expect(p.layers[0].decision.reasons[0].message).toBe('CPU architecture changed from arm64 to amd64');
  });

  it('Poetry: everything is discarded', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13', target: 'heroku-24/arm64' });
    await writeApp(box.app, 'poetry', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([row('python', 'discard', arch), row('poetry', 'discard', arch), row('venv', 'discard', arch)]);
  });

  it('uv: uv is discarded too (it is a native binary)', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13', target: 'heroku-24/arm64' });
    await writeApp(box.app, 'uv', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([
      row('python', 'discard', arch),
      row('uv', 'discard', arch),
      row('uv-cache', 'rebuild-always', UNCACHED),
      row('venv', 'discard', arch),
    ]);
  });

  it('arch, OS and Python all changed: every reason, in the order arch, OS, Python', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.12', target: 'heroku-24/arm64' });
    await writeApp(box.app, 'poetry', '3.12');
    const all: ReasonTuple[] = [
      ['arch', 'arm64', 'amd64'],
      ['distro', 'ubuntu-24.04', 'ubuntu-22.04'],
      ['python_version', '3.12.12', '3.12.13'],
    ];
    expect(summarizePlan(await plan(box, { target: 'heroku-22' }))).toEqual([
      row('python', 'discard', all),
      row('poetry', 'discard', all),
      row('venv', 'discard', all),
    ]);
  });
});

describe('§13: pinned tool bump (an older buildpack wrote the layers)', () => {
  it('pip bumped: pip and pip-cache are discarded naming pip_version; python is reused', async () => {
    const box = await sandbox();
    const old = { pip_version: '26.0.1' };
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13', overrides: { pip: old, 'pip-cache': old } });
    await writeApp(box.app, 'pip', '3.12');
    const p = await plan(box);
    expect(summarizePlan(p)).toEqual([
      row('python', 'reuse', KEPT),
      row('pip', 'discard', [['pip_version', '26.0.1', PIP_VERSION]]),
      row('pip-cache', 'discard', [['pip_version', '26.0.1', PIP_VERSION]]),
      row('venv', 'rebuild-always', UNCACHED),
    ]);
    expect(PIP_VERSION).toBe('26.1.2');
    expect(p.layers[1].decision.reasons[0].message).toBe('pip version changed from 26.0.1 to 26.1.2');
  });

  it('Poetry bumped: poetry and the venv are discarded naming poetry_version', async () => {
    const box = await sandbox();
    const old = { poetry_version: '2.1.3' };
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13', overrides: { poetry: old, venv: old } });
    await writeApp(box.app, 'poetry', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([
      row('python', 'reuse', KEPT),
      row('poetry', 'discard', [['poetry_version', '2.1.3', POETRY_VERSION]]),
      row('venv', 'discard', [['poetry_version', '2.1.3', POETRY_VERSION]]),
    ]);
  });

  it('uv bumped: uv and the venv are discarded naming uv_version', async () => {
    const box = await sandbox();
    const old = { uv_version: '0.9.5' };
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13', overrides: { uv: old, venv: old } });
    await writeApp(box.app, 'uv', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([
      row('python', 'reuse', KEPT),
      row('uv', 'discard', [['uv_version', '0.9.5', UV_VERSION]]),
      row('uv-cache', 'rebuild-always', UNCACHED),
      row('venv', 'discard', [['uv_version', '0.9.5', UV_VERSION]]),
    ]);
  });
});

describe('§13: .python-version 3.14 → 3.14.7 (same resolved version)', () => {
  // No Python 3.14 exists on this machine: the local source fails, but a reused
  // python layer needs no interpreter, so the plan has no error.
  for (const pm of ['pip', 'poetry', 'uv'] as const) {
    it(`${pm}: every cached layer is reused and the missing local 3.14 is no error`, async () => {
      const box = await sandbox();
      await writePreviousBuild(box.layers, { packageManager: pm, pythonVersion: '3.14.7' });
      await writeApp(box.app, pm, '3.14.7');
      const p = await plan(box);
      expect(p.error).toBeNull();
      expect(p.source).toBeNull();
      expect(p.interpreter).toBeNull();
      expect(p.analysis?.python.resolved).toBe('3.14.7');
      for (const { decision } of p.layers) {
        expect(decision.action).toBe(decision.types.cache ? 'reuse' : 'rebuild-always');
      }
      expect(p.drops).toEqual([]);
    });
  }

  it('and back (3.14.7 → 3.14): still reused', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.14.7' });
    await writeApp(box.app, 'uv', '3.14');
    const p = await plan(box);
    expect(p.error).toBeNull();
    expect(summarizePlan(p).map((d) => d.action)).toEqual(['reuse', 'reuse', 'rebuild-always', 'reuse']);
  });

  it('when the python layer must be made, the missing 3.14 is the plan error, and the decisions are still there', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.14.6' });
    await writeApp(box.app, 'pip', '3.14');
    const p = await plan(box);
    expect(p.error?.code).toBe('python-interpreter-not-found');
    expect(summarizePlan(p)).toEqual([
      row('python', 'discard', [['python_version', '3.14.6', '3.14.7']]),
      row('pip', 'discard', [['python_version', '3.14.6', '3.14.7']]),
      row('pip-cache', 'discard', [['python_version', '3.14.6', '3.14.7']]),
      row('venv', 'rebuild-always', UNCACHED),
    ]);
  });
});

describe('§13: switching package manager', () => {
  it('uv → pip: python reused, pip and pip-cache new, uv dropped, uv-cache not listed, the uv venv silently replaced', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'pip', '3.12');
    const p = await plan(box);
    expect(p.error).toBeNull();
    expect(summarizePlan(p)).toEqual([
      row('python', 'reuse', KEPT),
      row('pip', 'create'),
      row('pip-cache', 'create'),
      row('venv', 'rebuild-always', [...UNCACHED, ['previous', 'venv (a uv build)', null]]),
      row('uv', 'drop', [['layer', 'uv (a uv build)', null]]),
    ]);
    expect(p.drops[0].cause).toBe('unused');
    expect(p.drops[0].types).toEqual({ build: true, launch: false, cache: true });
  });

  it('uv → Poetry: the uv venv is discarded as unparseable, written by a uv build', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'poetry', '3.12');
    const p = await plan(box);
    expect(summarizePlan(p)).toEqual([
      row('python', 'reuse', KEPT),
      row('poetry', 'create'),
      row('venv', 'discard', [
        ['metadata', 'a uv build', null],
        ['poetry_version', null, 'string'],
        ['uv_version', UV_VERSION, null],
      ]),
      row('uv', 'drop', [['layer', 'uv (a uv build)', null]]),
    ]);
    const venv = p.layers[2].decision;
    expect(venv.cause).toBe('unparseable');
    expect(venv.reasons[0].message).toContain('written by a uv build');
  });

  it('Poetry → uv: the Poetry venv is discarded as unparseable; poetry dropped', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'uv', '3.12');
    const p = await plan(box);
    expect(summarizePlan(p)).toEqual([
      row('python', 'reuse', KEPT),
      row('uv', 'create'),
      row('uv-cache', 'rebuild-always', UNCACHED),
      row('venv', 'discard', [
        ['metadata', 'a Poetry build', null],
        ['uv_version', null, 'string'],
        ['poetry_version', POETRY_VERSION, null],
      ]),
      row('poetry', 'drop', [['layer', 'poetry (a Poetry build)', null]]),
    ]);
    expect(p.layers[3].decision.reasons[0].message).toContain('written by a Poetry build');
  });

  it('pip → Poetry: pip and pip-cache dropped; the venv is new (the pip venv was never cached)', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'poetry', '3.12');
    const p = await plan(box);
    expect(summarizePlan(p)).toEqual([
      row('python', 'reuse', KEPT),
      row('poetry', 'create'),
      row('venv', 'create'),
      row('pip', 'drop', [['layer', 'pip (a pip build)', null]]),
      row('pip-cache', 'drop', [['layer', 'pip-cache (a pip build)', null]]),
    ]);
    expect(p.layers[2].decision.cause).toBe('new');
  });

  it('pip → uv: pip and pip-cache dropped; uv, uv-cache and the venv new', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'uv', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([
      row('python', 'reuse', KEPT),
      row('uv', 'create'),
      row('uv-cache', 'rebuild-always', UNCACHED),
      row('venv', 'create'),
      row('pip', 'drop', [['layer', 'pip (a pip build)', null]]),
      row('pip-cache', 'drop', [['layer', 'pip-cache (a pip build)', null]]),
    ]);
  });

  it('Poetry → pip: pip and pip-cache new, poetry dropped, the Poetry venv silently replaced', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13' });
    await writeApp(box.app, 'pip', '3.12');
    expect(summarizePlan(await plan(box))).toEqual([
      row('python', 'reuse', KEPT),
      row('pip', 'create'),
      row('pip-cache', 'create'),
      row('venv', 'rebuild-always', [...UNCACHED, ['previous', 'venv (a Poetry build)', null]]),
      row('poetry', 'drop', [['layer', 'poetry (a Poetry build)', null]]),
    ]);
  });

  it('uv → pip with another Python: python discarded as well', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.11.15' });
    await writeApp(box.app, 'pip', '3.12');
    expect(summarizePlan(await plan(box))[0]).toEqual(row('python', 'discard', [['python_version', '3.11.15', '3.12.13']]));
  });
});

describe('§13: first build, or cache cleared', () => {
  for (const [pm, names] of [
    ['pip', ['python', 'pip', 'pip-cache', 'venv']],
    ['poetry', ['python', 'poetry', 'venv']],
    ['uv', ['python', 'uv', 'uv-cache', 'venv']],
  ] as const) {
    it(`${pm}: every layer is new, with no reasons`, async () => {
      const box = await sandbox();
      await writeApp(box.app, pm, '3.12');
      const p = await plan(box);
      expect(p.error).toBeNull();
      expect(p.store.previous.size).toBe(0);
      const expected = names.map((n) =>
        n === 'venv' && pm === 'pip' ? row(n, 'rebuild-always', UNCACHED) : n === 'uv-cache' ? row(n, 'rebuild-always', UNCACHED) : row(n, 'create'),
      );
      expect(summarizePlan(p)).toEqual(expected);
      for (const { decision } of p.layers) if (decision.action === 'create') expect(decision.cause).toBe('new');
    });
  }
});

describe('§13: metadata with a missing, extra or mistyped key is discarded as unparseable', () => {
  const pythonToml = (metadata: string) => `[types]\nlaunch = true\nbuild = true\ncache = true\n\n[metadata]\n${metadata}`;

  it('a missing key names the key', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeFile(path.join(box.layers, 'python.toml'), pythonToml('arch = "amd64"\ndistro_name = "ubuntu"\ndistro_version = "24.04"\n'));
    await writeFile(path.join(box.layers, 'pip.toml'), `[types]\nbuild = true\ncache = true\n\n[metadata]\npip_version = "${PIP_VERSION}"\n`);
    const p = await planFor(box, 'pip');
    expect(summarizePlan(p).slice(0, 3)).toEqual([
      row('python', 'discard', [['python_version', null, 'string']]),
      row('pip', 'discard', [['python_version', null, 'string']]),
      row('pip-cache', 'reuse', KEPT),
    ]);
    expect(p.layers[0].decision.cause).toBe('unparseable');
    expect(p.layers[0].decision.reasons[0].message).toBe('metadata key python_version is missing');
  });

  it('an extra key names the key and its value', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13', overrides: { uv: { color: 'blue' } } });
    const p = await planFor(box, 'uv');
    expect(summarizePlan(p)[1]).toEqual(row('uv', 'discard', [['color', 'blue', null]]));
    expect(p.layers[1].decision.reasons[0].message).toBe('unknown metadata key color');
  });

  it('an integer instead of a string names the key and both types', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13' });
    await writeFile(
      path.join(box.layers, 'python.toml'),
      pythonToml('arch = "amd64"\ndistro_name = "ubuntu"\ndistro_version = 2404\npython_version = "3.12.13"\n'),
    );
    const p = await planFor(box, 'poetry');
    expect(summarizePlan(p)[0]).toEqual(row('python', 'discard', [['distro_version', 'integer', 'string']]));
    expect(p.layers[0].decision.reasons[0].message).toBe('metadata key distro_version is a integer, not a string');
  });

  it('a venv whose metadata lacks [metadata] altogether', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13' });
    await writeFile(path.join(box.layers, 'venv.toml'), '[types]\nlaunch = true\nbuild = true\ncache = true\n');
    const p = await planFor(box, 'poetry');
    expect(summarizePlan(p)[2]).toEqual(row('venv', 'discard', [['metadata', null, null]]));
  });

  // libcnb reads [metadata] as Option<toml::Table>: anything else stops the build (cached and uncached layers).
  for (const [value, kind] of [['"uv 0.11.33"', 'a string'], ['3', 'an integer'], ['[1, 2]', 'an array'], ['1979-05-27', 'a date']] as const) {
    it(`[metadata] that is ${kind}: the framework error layer-toml-invalid, not a discard`, async () => {
      const box = await sandbox();
      await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13' });
      await writeFile(path.join(box.layers, 'uv.toml'), `metadata = ${value}\n[types]\nbuild = true\ncache = true\n`);
      const p = await planFor(box, 'uv');
      expect(p.error?.code).toBe('layer-toml-invalid');
      expect(p.error?.message).toContain(`[metadata] is ${kind}, not a table`);
    });
  }

  it('[metadata] that is not a table in the uncached uv-cache and pip venv tomls: the same framework error', async () => {
    for (const [pm, layer] of [['uv', 'uv-cache'], ['pip', 'venv']] as const) {
      const box = await sandbox();
      await writePreviousBuild(box.layers, { packageManager: pm, pythonVersion: '3.12.13' });
      await mkdir(path.join(box.layers, layer), { recursive: true });
      await writeFile(path.join(box.layers, `${layer}.toml`), 'metadata = "x"\n');
      const p = await planFor(box, pm);
      expect(p.error?.code, layer).toBe('layer-toml-invalid');
      expect(p.error?.message).toContain(path.join(box.layers, `${layer}.toml`));
    }
  });
});

describe('libcnb edge cases (spec §8.2)', () => {
  it('a toml without its directory: the layer starts new, with a contents reason', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'poetry', pythonVersion: '3.12.13' });
    await rm(path.join(box.layers, 'poetry'), { recursive: true });
    const p = await planFor(box, 'poetry');
    expect(summarizePlan(p)[1]).toEqual(row('poetry', 'create', [['contents', null, null]]));
    expect(p.layers[1].decision.cause).toBe('contents-missing');
  });

  it('a directory without its toml: discarded as unparseable (its metadata is missing)', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13' });
    await rm(path.join(box.layers, 'venv.toml'));
    const p = await planFor(box, 'uv');
    expect(summarizePlan(p)[3]).toEqual(row('venv', 'discard', [['metadata', null, null]]));
    expect(p.layers[3].decision.cause).toBe('unparseable');
  });

  it('a layer whose [types] says cache = false is not restored: new, no reasons', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeFile(
      path.join(box.layers, 'pip-cache.toml'),
      `[types]\nbuild = true\ncache = false\n\n[metadata]\narch = "amd64"\ndistro_name = "ubuntu"\ndistro_version = "24.04"\npython_version = "3.12.13"\npip_version = "${PIP_VERSION}"\n`,
    );
    const p = await planFor(box, 'pip');
    expect(summarizePlan(p)[2]).toEqual(row('pip-cache', 'create'));
  });

  const invalid: Array<[string, string]> = [
    ['invalid TOML syntax', 'this is = = not toml\n'],
    ['an unknown top-level key', '[types]\nbuild = true\ncache = true\n\n[metadata]\narch = "amd64"\nuv_version = "0.11.33"\n\n[extra]\nx = 1\n'],
    ['a non-boolean [types] value', '[types]\nbuild = "yes"\ncache = true\n\n[metadata]\narch = "amd64"\nuv_version = "0.11.33"\n'],
    ['a non-boolean [types].cache', '[types]\nbuild = true\ncache = "true"\n\n[metadata]\narch = "amd64"\nuv_version = "0.11.33"\n'],
  ];
  for (const [what, text] of invalid) {
    it(`${what} in a used layer's toml is the framework error layer-toml-invalid`, async () => {
      const box = await sandbox();
      await writePreviousBuild(box.layers, { packageManager: 'uv', pythonVersion: '3.12.13' });
      await writeFile(path.join(box.layers, 'uv.toml'), text);
      const p = await planFor(box, 'uv');
      expect(p.error?.code).toBe('layer-toml-invalid');
      expect(p.error?.message).toContain(path.join(box.layers, 'uv.toml'));
    });
  }

  it("an uncached layer's toml without its directory is deleted unread (libcnb): invalid TOML there is no error", async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await rm(path.join(box.layers, 'venv'), { recursive: true, force: true });
    await writeFile(path.join(box.layers, 'venv.toml'), '[types\nmetadata = "x"\n');
    const p = await planFor(box, 'pip');
    expect(p.error ?? null).toBeNull();
    const venv = p.layers.find((l) => l.def.name === 'venv')!.decision;
    expect(venv.action).toBe('rebuild-always');
    expect(venv.reasons.map((r) => r.field)).toEqual(['cache', 'contents']);
    expect(venv.reasons[1].message).toContain('venv.toml was left without its directory');
  });

  it('invalid TOML in the uncached pip venv toml is still the framework error', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeFile(path.join(box.layers, 'venv.toml'), '[types\n');
    const p = await planFor(box, 'pip');
    expect(p.error?.code).toBe('layer-toml-invalid');
  });
});

describe('pybp-only: the interpreter behind the python layer (sidecar)', () => {
  const writeSidecar = async (layers: string, python: { source: string; version: string; location: string }) => {
    await mkdir(path.dirname(sidecarPath(layers)), { recursive: true });
    await writeFile(sidecarPath(layers), JSON.stringify({ version: 1, python, lastBuild: null }));
  };
  const local312 = () => realpathSync(path.join(pyenvRoot(), 'versions', '3.12.1'));

  it('the same local interpreter as last time: reused', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeSidecar(box.layers, { source: 'local', version: '3.12.1', location: local312() });
    const p = await planFor(box, 'pip');
    expect(p.interpreter).toEqual({ source: 'local', version: '3.12.1', location: local312() });
    expect(summarizePlan(p)[0]).toEqual(row('python', 'reuse', KEPT));
  });

  it('another interpreter than last time: discarded with a pybp-only reason, metadata equal', async () => {
    const box = await sandbox();
    await writePreviousBuild(box.layers, { packageManager: 'pip', pythonVersion: '3.12.13' });
    await writeSidecar(box.layers, { source: 'local', version: '3.12.0', location: '/opt/python-3.12.0' });
    const p = await planFor(box, 'pip');
    expect(summarizePlan(p)[0]).toEqual(
      row('python', 'discard', [['interpreter', 'local 3.12.0 at /opt/python-3.12.0', `local 3.12.1 at ${local312()}`]]),
    );
    expect(p.layers[0].decision.reasons[0].pybpOnly).toBe(true);
    // The buildpack's own rules are untouched: pip follows the metadata only.
    expect(summarizePlan(p)[1]).toEqual(row('pip', 'reuse', KEPT));
  });
});

async function planFor(box: Sandbox, pm: 'pip' | 'poetry' | 'uv') {
  await writeApp(box.app, pm, '3.12');
  return plan(box);
}
