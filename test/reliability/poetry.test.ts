// A Poetry app. Poetry's own install takes about 10 s, so it gets two kill
// points only (between the two renames that set the poetry layer aside, and
// right after its metadata; see kill-lab.ts), then the malformed-file cases:
// the buildpack never reads pyproject.toml or poetry.lock, Poetry fails on
// them, and doctor reports them before any build.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePoetryApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { build, runPybp, writeToolsConfig } from '../e2e/pybp.js';
import { caseName, type KillCase, type Lab, prepareLab, runKillCase, versionApp } from './kill-lab.js';
import { explainDecisions } from './harness.js';

describe('Poetry app (3.12 → 3.13)', () => {
  let lab: Lab;
  beforeAll(async () => {
    const { indexUrl } = testInfra();
    const app = join(await makeTempDir(), 'poetry app');
    await makePoetryApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], requiresPython: '>=3.12' });
    await writeToolsConfig(app, indexUrl);
    lab = await prepareLab(versionApp(app, '3.12', '3.13'), 'light');
  });

  const CASES: KillCase[] = [
    { faultAt: 'set-aside:poetry:toml-moved', next: 'A' },
    { faultAt: 'metadata:poetry:after', next: 'A' },
  ];
  for (const c of CASES) {
    it(caseName(c), async () => {
      await runKillCase(lab, c);
    });
  }

  for (const name of ['poetry.lock', 'pyproject.toml']) {
    it(`${name} that is not TOML: poetry-sync-failed, the previous layers kept; doctor reports it`, async () => {
      const file = join(lab.app, name);
      const good = readFileSync(file, 'utf8');
      writeFileSync(file, `${good.slice(0, good.length / 2)}\n[[[ not toml\n`);
      try {
        expect(await explainDecisions(lab.app), 'the buildpack does not read it, so explain sees nothing').toEqual(lab.oracle.AA);
        const report = await build(lab.app);
        expect(report.exitCode).toBe(1);
        expect(report.error?.code, JSON.stringify(report.error)).toBe('poetry-sync-failed');
        expect(await explainDecisions(lab.app)).toEqual(lab.oracle.AA);
        const doctor = await runPybp(['doctor', lab.app, '--json', '--python-source', 'local']);
        const check = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; code?: string }> }).checks.find((c) => c.id === `toml:${name}`);
        expect(check, doctor.stdout).toMatchObject({ status: 'fail', code: 'poetry-sync-failed' });
      } finally {
        writeFileSync(file, good);
      }
    });
  }
});
