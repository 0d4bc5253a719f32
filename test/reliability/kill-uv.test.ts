// Killed builds of a uv app: SIGKILL at
// every fault point, SIGKILL and SIGINT while Python is copied, the venv is
// made and `uv sync` runs, and while a --clear-cache build reinstalls uv.
// After each kill, explain must predict and the next build must take exactly
// the decisions that follow the last successful build (see kill-lab.ts).
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { writeToolsConfig } from '../e2e/pybp.js';
import { caseName, type KillCase, type Lab, prepareLab, runKillCase, versionApp } from './kill-lab.js';
import { buildOk, buildRun, type Decisions, describeRun, expectAppRuns, expectCleanControlDir, explainDecisions } from './harness.js';


const points = (layers: string[]) =>
  layers.flatMap((l) => [`set-aside:${l}:journaled`, `set-aside:${l}:toml-moved`, `metadata:${l}:before`, `metadata:${l}:after`]);

// 3.12 → 3.13: python and venv are discarded (set aside), uv is reused, uv-cache always rebuilt.
const UV_FAULTS = [
  ...points(['python', 'uv-cache', 'venv']),
  'metadata:uv:before',
  'metadata:uv:after',
  'commit:journaled',
  'commit:backups-removed',
];

const UV_LINE_KILLS: Array<Omit<KillCase, 'next'>> = (['SIGKILL', 'SIGINT'] as const).flatMap((signal) => [
  { kill: { line: /^Placing Python 3\.13/, signal, delayMs: 40 } },
  { kill: { line: /^Creating virtual environment/, signal, delayMs: 15 } },
  { kill: { line: /^Running 'uv sync/, signal, delayMs: 30 } },
  // A --clear-cache build of the unchanged app, stopped while it reinstalls uv.
  { kill: { line: /^Installing uv 0\.11/, signal, delayMs: 400 }, to: 'A' as const, clearCache: true },
]);

const UV_CASE_LIST: Array<Omit<KillCase, 'next'>> = [
  ...UV_FAULTS.map((faultAt) => ({ faultAt })),
  ...UV_LINE_KILLS,
  // Ctrl-C twice while pybp rolls back the half-linked Python: it exits at once, the next build finishes the rollback.
  { kill: { line: /^Linked \d+ files/, signal: 'SIGINT', delayMs: 0, againAfterMs: 5 } },
  // Killed twice in a row: the second build undoes the first, starts its own journal, and is killed too.
  { faultAt: 'set-aside:venv:toml-moved', thenFaultAt: 'metadata:python:after' },
  { faultAt: 'metadata:venv:after', thenFaultAt: 'set-aside:uv-cache:toml-moved' },
];
const UV_CASES: KillCase[] = UV_CASE_LIST.map((c, i) => ({ ...c, next: i % 4 === 1 ? 'B' : 'A' }));

describe('killed builds: uv app (3.12 → 3.13)', () => {
  let lab: Lab;
  beforeAll(async () => {
    const { indexUrl } = testInfra();
    const app = join(await makeTempDir(), 'kill uv app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], requiresPython: '>=3.12' });
    await writeToolsConfig(app, indexUrl);
    lab = await prepareLab(versionApp(app, '3.12', '3.13'), 'full');
  });

  for (const c of UV_CASES) {
    it(caseName(c), async () => {
      await runKillCase(lab, c);
    });
  }
});

// The very first build of an app, killed: nothing was ever built, so after the
// kill every layer is new again (no discard lines), and the next build makes them.
describe('killed first build: uv app', () => {
  let app: string;
  let fresh: Decisions;
  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'first build app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], requiresPython: '>=3.12' });
    await writeToolsConfig(app, indexUrl);
    fresh = await explainDecisions(app);
    expect(fresh.map((d) => d.action)).toEqual(['create', 'create', 'rebuild-always', 'create']);
  });

  for (const kill of [{ faultAt: 'metadata:venv:after' }, { kill: { line: /^Installing uv 0\.11/, signal: 'SIGKILL' as const, delayMs: 400 } }]) {
    it(caseName({ ...kill, next: 'A' }), async () => {
      await rm(join(app, '.pybp'), { recursive: true, force: true });
      const run = await buildRun(app, kill);
      expect(run.signal, describeRun(run)).toBe('SIGKILL');
      expect(await explainDecisions(app)).toEqual(fresh);
      // The half-made layers are still there (the next build removes them), and the journal that says so.
      expect(readdirSync(join(app, '.pybp', 'layers'))).toContain('python');
      expect(existsSync(join(app, '.pybp', 'layers', '.pybp', 'journal.json'))).toBe(true);
      await buildOk(app, fresh);
      await expectAppRuns(app, '3.12');
      expectCleanControlDir(join(app, '.pybp', 'layers'));
    });
  }
});
