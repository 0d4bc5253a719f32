// Killed builds of a pip app: SIGKILL at every fault point, and SIGKILL and
// SIGINT while Python is copied, pip is installed, the venv is made and
// `pip install` runs. After each kill, explain must predict and the next build
// must take exactly the decisions that follow the last successful build (see
// kill-lab.ts), and that build must succeed.
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { writeToolsConfig } from '../e2e/pybp.js';
import { caseName, type KillCase, type Lab, prepareLab, runKillCase, versionApp } from './kill-lab.js';

// 3.12 → 3.13: python, pip and pip-cache are discarded (set aside); the pip venv is always rebuilt.
const PIP_FAULTS = [
  ...['python', 'pip', 'pip-cache', 'venv'].flatMap((l) => [
    `set-aside:${l}:journaled`,
    `set-aside:${l}:toml-moved`,
    `metadata:${l}:before`,
    `metadata:${l}:after`,
  ]),
  'commit:journaled',
  'commit:backups-removed',
];

const PIP_LINE_KILLS: Array<Omit<KillCase, 'next'>> = (['SIGKILL', 'SIGINT'] as const).flatMap((signal) => [
  { kill: { line: /^Placing Python 3\.13/, signal, delayMs: 40 } },
  { kill: { line: /^Installing pip 26/, signal, delayMs: 500 } },
  { kill: { line: /^Creating virtual environment/, signal, delayMs: 15 } },
  { kill: { line: /^Running 'pip install/, signal, delayMs: 250 } },
]);

// After most kills the next build goes back to A (all reused: cheap); after
// these it makes B, the change the killed build was making (a pip install
// and a pip layer each way, so only a few).
const NEXT_B = new Set(['set-aside:python:toml-moved', 'metadata:venv:after', 'SIGKILL ^Installing pip 26', "SIGINT ^Running 'pip install"]);

const PIP_CASES: KillCase[] = [...PIP_FAULTS.map((faultAt): Omit<KillCase, 'next'> => ({ faultAt })), ...PIP_LINE_KILLS].map((c) => ({
  ...c,
  next: NEXT_B.has(c.faultAt ?? `${c.kill!.signal} ${c.kill!.line.source}`) ? 'B' : 'A',
}));

describe('killed builds: pip app (3.12 → 3.13)', () => {
  let lab: Lab;
  beforeAll(async () => {
    const { indexUrl } = testInfra();
    const app = join(await makeTempDir(), 'kill pip app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    lab = await prepareLab(versionApp(app, '3.12', '3.13'), 'full');
  });

  for (const c of PIP_CASES) {
    it(caseName(c), async () => {
      await runKillCase(lab, c);
    });
  }
});
