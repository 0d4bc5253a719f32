// The cache decision cheat-sheet (spec §13), computed from the layer modules
// and compared as one table: a change to any rule shows up as a table diff.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PACKAGE_MANAGER_INFO, type PackageManager } from '../../../src/engine/analysis/types.js';
import { renderLayerToml } from '../../../src/engine/store/layer-toml.js';
import type { LayerDecision, LayerMetadata } from '../../../src/engine/layers/types.js';
import { allDecisions } from '../../../src/engine/plan/plan.js';
import { plan, previousDefinitions, type PreviousBuild, type Sandbox, useSandboxes, writeApp, writePreviousBuild } from './previous-build.js';

const sandbox = useSandboxes();

const COLUMNS = ['python', 'pip', 'pip-cache', 'poetry', 'uv', 'uv-cache', 'venv'] as const;
const PMS: PackageManager[] = ['pip', 'poetry', 'uv'];

interface Scenario {
  label: string;
  previous: PreviousBuild | null;
  /** Changes the previous build's layers after they are written. */
  damage?: (box: Sandbox, prev: PreviousBuild) => Promise<void>;
  app: { pm: PackageManager; pythonVersionFile: string | null; target?: string };
}

const PM_NAME = (pm: PackageManager): string => PACKAGE_MANAGER_INFO[pm].displayName;

/** Rewrites every cached layer's toml of the previous build with changed metadata. */
function rewriteCached(change: (metadata: LayerMetadata) => Record<string, unknown>) {
  return async (box: Sandbox, prev: PreviousBuild) => {
    for (const def of previousDefinitions(prev)) {
      if (def.kind !== 'cached') continue;
      const metadata = change({ ...def.metadata }) as LayerMetadata;
      await writeFile(path.join(box.layers, `${def.name}.toml`), renderLayerToml(def.types, metadata));
    }
  };
}

const scenarios: Scenario[] = [
  ...PMS.map((pm) => ({
    label: `nothing (${PM_NAME(pm)})`,
    previous: { packageManager: pm, pythonVersion: '3.12.13' },
    app: { pm, pythonVersionFile: '3.12' },
  })),
  ...PMS.map((pm) => ({
    label: `Python 3.12.12 → 3.12.13 (${PM_NAME(pm)})`,
    previous: { packageManager: pm, pythonVersion: '3.12.12' },
    app: { pm, pythonVersionFile: '3.12' },
  })),
  ...PMS.map((pm) => ({
    label: `distro 22.04 → 24.04 (${PM_NAME(pm)})`,
    previous: { packageManager: pm, pythonVersion: '3.12.13', target: 'heroku-22' },
    app: { pm, pythonVersionFile: '3.12' },
  })),
  ...PMS.map((pm) => ({
    label: `arch arm64 → amd64 (${PM_NAME(pm)})`,
    previous: { packageManager: pm, pythonVersion: '3.12.13', target: 'heroku-24/arm64' },
    app: { pm, pythonVersionFile: '3.12' },
  })),
  {
    label: 'pip bumped',
    previous: { packageManager: 'pip', pythonVersion: '3.12.13', overrides: { pip: { pip_version: '26.0.1' }, 'pip-cache': { pip_version: '26.0.1' } } },
    app: { pm: 'pip', pythonVersionFile: '3.12' },
  },
  {
    label: 'Poetry bumped',
    previous: { packageManager: 'poetry', pythonVersion: '3.12.13', overrides: { poetry: { poetry_version: '2.1.3' }, venv: { poetry_version: '2.1.3' } } },
    app: { pm: 'poetry', pythonVersionFile: '3.12' },
  },
  {
    label: 'uv bumped',
    previous: { packageManager: 'uv', pythonVersion: '3.12.13', overrides: { uv: { uv_version: '0.9.5' }, venv: { uv_version: '0.9.5' } } },
    app: { pm: 'uv', pythonVersionFile: '3.12' },
  },
  ...PMS.map((pm) => ({
    label: `3.14 → 3.14.7 (${PM_NAME(pm)})`,
    previous: { packageManager: pm, pythonVersion: '3.14.7' },
    app: { pm, pythonVersionFile: '3.14.7' },
  })),
  ...(
    [
      ['uv', 'pip'],
      ['uv', 'poetry'],
      ['poetry', 'uv'],
      ['pip', 'poetry'],
      ['pip', 'uv'],
      ['poetry', 'pip'],
    ] as Array<[PackageManager, PackageManager]>
  ).map(([from, to]) => ({
    label: `switch ${PM_NAME(from)} → ${PM_NAME(to)}`,
    previous: { packageManager: from, pythonVersion: '3.12.13' },
    app: { pm: to, pythonVersionFile: '3.12' },
  })),
  ...PMS.map((pm) => ({
    label: `first build (${PM_NAME(pm)})`,
    previous: null,
    app: { pm, pythonVersionFile: '3.12' },
  })),
  ...PMS.map((pm) => ({
    label: `missing key (${PM_NAME(pm)})`,
    previous: { packageManager: pm, pythonVersion: '3.12.13' },
    damage: rewriteCached((m) => {
      const { python_version: _dropped, ...rest } = m;
      // uv's own layer has no python_version: drop its arch instead.
      return 'python_version' in m ? rest : { uv_version: m.uv_version };
    }),
    app: { pm, pythonVersionFile: '3.12' },
  })),
  ...PMS.map((pm) => ({
    label: `extra key (${PM_NAME(pm)})`,
    previous: { packageManager: pm, pythonVersion: '3.12.13' },
    damage: rewriteCached((m) => ({ ...m, built_by: 'someone' })),
    app: { pm, pythonVersionFile: '3.12' },
  })),
  ...PMS.map((pm) => ({
    label: `mistyped key (${PM_NAME(pm)})`,
    previous: { packageManager: pm, pythonVersion: '3.12.13' },
    damage: rewriteCached((m) => ({ ...m, arch: 64 })),
    app: { pm, pythonVersionFile: '3.12' },
  })),
];

function cell(d: LayerDecision | undefined): string {
  if (!d) return '—';
  switch (d.action) {
    case 'reuse':
      return 'reuse';
    case 'create':
      return d.cause === 'new' ? 'new' : `new (${d.cause})`;
    case 'discard':
      return d.cause === 'unparseable' ? 'discard (unparseable)' : `discard (${d.reasons.map((r) => r.field).join(', ')})`;
    case 'rebuild-always':
      return d.reasons.some((r) => r.field === 'previous') ? 'always new, replaces' : 'always new';
    case 'drop':
      return 'dropped';
  }
}

function render(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd()).join('\n');
}

it('the §13 cheat-sheet, computed from the layer modules', async () => {
  const rows: string[][] = [['change', ...COLUMNS]];
  for (const s of scenarios) {
    const box = await sandbox();
    if (s.previous) {
      await writePreviousBuild(box.layers, s.previous);
      await s.damage?.(box, s.previous);
    }
    await writeApp(box.app, s.app.pm, s.app.pythonVersionFile);
    const p = await plan(box, { target: s.app.target });
    const byName = new Map(allDecisions(p).map((d) => [String(d.name), d]));
    expect([...byName.keys()].every((n) => (COLUMNS as readonly string[]).includes(n))).toBe(true);
    rows.push([s.label, ...COLUMNS.map((c) => cell(byName.get(c)))]);
  }
  const table = render(rows);
  expect('\n' + table + '\n').toBe(`
change                            | python                   | pip                      | pip-cache                | poetry                   | uv                    | uv-cache   | venv
nothing (pip)                     | reuse                    | reuse                    | reuse                    | —                        | —                     | —          | always new
nothing (Poetry)                  | reuse                    | —                        | —                        | reuse                    | —                     | —          | reuse
nothing (uv)                      | reuse                    | —                        | —                        | —                        | reuse                 | always new | reuse
Python 3.12.12 → 3.12.13 (pip)    | discard (python_version) | discard (python_version) | discard (python_version) | —                        | —                     | —          | always new
Python 3.12.12 → 3.12.13 (Poetry) | discard (python_version) | —                        | —                        | discard (python_version) | —                     | —          | discard (python_version)
Python 3.12.12 → 3.12.13 (uv)     | discard (python_version) | —                        | —                        | —                        | reuse                 | always new | discard (python_version)
distro 22.04 → 24.04 (pip)        | discard (distro)         | reuse                    | discard (distro)         | —                        | —                     | —          | always new
distro 22.04 → 24.04 (Poetry)     | discard (distro)         | —                        | —                        | discard (distro)         | —                     | —          | discard (distro)
distro 22.04 → 24.04 (uv)         | discard (distro)         | —                        | —                        | —                        | reuse                 | always new | discard (distro)
arch arm64 → amd64 (pip)          | discard (arch)           | reuse                    | discard (arch)           | —                        | —                     | —          | always new
arch arm64 → amd64 (Poetry)       | discard (arch)           | —                        | —                        | discard (arch)           | —                     | —          | discard (arch)
arch arm64 → amd64 (uv)           | discard (arch)           | —                        | —                        | —                        | discard (arch)        | always new | discard (arch)
pip bumped                        | reuse                    | discard (pip_version)    | discard (pip_version)    | —                        | —                     | —          | always new
Poetry bumped                     | reuse                    | —                        | —                        | discard (poetry_version) | —                     | —          | discard (poetry_version)
uv bumped                         | reuse                    | —                        | —                        | —                        | discard (uv_version)  | always new | discard (uv_version)
3.14 → 3.14.7 (pip)               | reuse                    | reuse                    | reuse                    | —                        | —                     | —          | always new
3.14 → 3.14.7 (Poetry)            | reuse                    | —                        | —                        | reuse                    | —                     | —          | reuse
3.14 → 3.14.7 (uv)                | reuse                    | —                        | —                        | —                        | reuse                 | always new | reuse
switch uv → pip                   | reuse                    | new                      | new                      | —                        | dropped               | —          | always new, replaces
switch uv → Poetry                | reuse                    | —                        | —                        | new                      | dropped               | —          | discard (unparseable)
switch Poetry → uv                | reuse                    | —                        | —                        | dropped                  | new                   | always new | discard (unparseable)
switch pip → Poetry               | reuse                    | dropped                  | dropped                  | new                      | —                     | —          | new
switch pip → uv                   | reuse                    | dropped                  | dropped                  | —                        | new                   | always new | new
switch Poetry → pip               | reuse                    | new                      | new                      | dropped                  | —                     | —          | always new, replaces
first build (pip)                 | new                      | new                      | new                      | —                        | —                     | —          | always new
first build (Poetry)              | new                      | —                        | —                        | new                      | —                     | —          | new
first build (uv)                  | new                      | —                        | —                        | —                        | new                   | always new | new
missing key (pip)                 | discard (unparseable)    | discard (unparseable)    | discard (unparseable)    | —                        | —                     | —          | always new
missing key (Poetry)              | discard (unparseable)    | —                        | —                        | discard (unparseable)    | —                     | —          | discard (unparseable)
missing key (uv)                  | discard (unparseable)    | —                        | —                        | —                        | discard (unparseable) | always new | discard (unparseable)
extra key (pip)                   | discard (unparseable)    | discard (unparseable)    | discard (unparseable)    | —                        | —                     | —          | always new
extra key (Poetry)                | discard (unparseable)    | —                        | —                        | discard (unparseable)    | —                     | —          | discard (unparseable)
extra key (uv)                    | discard (unparseable)    | —                        | —                        | —                        | discard (unparseable) | always new | discard (unparseable)
mistyped key (pip)                | discard (unparseable)    | discard (unparseable)    | discard (unparseable)    | —                        | —                     | —          | always new
mistyped key (Poetry)             | discard (unparseable)    | —                        | —                        | discard (unparseable)    | —                     | —          | discard (unparseable)
mistyped key (uv)                 | discard (unparseable)    | —                        | —                        | —                        | discard (unparseable) | always new | discard (unparseable)
`);
});
