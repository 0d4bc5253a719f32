// One app, two states (A: the last successful build; B: what the killed build
// was making), the decisions pybp must take between them, and one killed build
// per case. Cases chain: each leaves the app built in state A, so no case pays
// for a fresh baseline (layers hold absolute paths, so a copy elsewhere would
// not do). A case that finds the chain broken rebuilds state A first.
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  buildOk,
  buildRun,
  type BuildRun,
  type Decisions,
  describeRun,
  expectAppRuns,
  expectCleanControlDir,
  explainDecisions,
  type KillSpec,
} from './harness.js';

export interface LabApp {
  app: string;
  layersDir: string;
  /** Writes state A (the baseline) / state B (the change) into the app. */
  setA(): Promise<void>;
  setB(): Promise<void>;
  minorA: string;
  minorB: string;
}

/** An app whose states A and B differ only in `.python-version`. */
export function versionApp(app: string, minorA: string, minorB: string): LabApp {
  const set = (v: string) => () => writeFile(join(app, '.python-version'), `${v}\n`);
  return { app, layersDir: join(app, '.pybp', 'layers'), setA: set(minorA), setB: set(minorB), minorA, minorB };
}

export interface Lab extends LabApp {
  /** explain in state X after a successful build of state Y is `oracle[Y + X]`. */
  oracle: { AA: Decisions; AB: Decisions; BB?: Decisions; BA?: Decisions };
  /** Set while a case runs; still set at the next case if that one failed. */
  broken: boolean;
}

/**
 * Builds A, then (full) B and A again, recording every explain the cases
 * compare against. Light labs (slow tools) record only A→A and A→B.
 */
export async function prepareLab(app: LabApp, mode: 'full' | 'light'): Promise<Lab> {
  await app.setA();
  const first = await explainDecisions(app.app);
  await buildOk(app.app, first);
  const AA = await explainDecisions(app.app);
  expect(AA.every((d) => d.action === 'reuse' || d.action === 'rebuild-always'), JSON.stringify(AA)).toBe(true);
  await app.setB();
  const AB = await explainDecisions(app.app);
  expect(AB.some((d) => d.action === 'discard'), 'state B must discard something').toBe(true);
  if (mode === 'light') {
    await app.setA();
    return { ...app, oracle: { AA, AB }, broken: false };
  }
  await buildOk(app.app, AB);
  const BB = await explainDecisions(app.app);
  await app.setA();
  const BA = await explainDecisions(app.app);
  await buildOk(app.app, BA);
  expect(await explainDecisions(app.app)).toEqual(AA);
  return { ...app, oracle: { AA, AB, BB, BA }, broken: false };
}

export interface KillCase {
  /** SIGKILL at a fault point (PYBP_FAULT_AT). */
  faultAt?: string;
  /** Or a signal some ms after an output line. */
  kill?: KillSpec;
  /** The killed build runs in this state (default B); A with --clear-cache rebuilds everything. */
  to?: 'A' | 'B';
  clearCache?: boolean;
  /** Which state the build after the kill makes (both must work). */
  next: 'A' | 'B';
  /** Kill the next build too, at this fault point (after it has recovered from the first kill). */
  thenFaultAt?: string;
}

export function caseName(c: KillCase): string {
  const what = c.faultAt
    ? `SIGKILL at ${c.faultAt}`
    : `${c.kill!.signal}${c.kill!.againAfterMs !== undefined ? ' twice' : ''} ${c.kill!.delayMs} ms after "${c.kill!.line.source}"`;
  const then = c.thenFaultAt ? `, the next build killed at ${c.thenFaultAt}` : '';
  return `${what}${c.clearCache ? ' (--clear-cache build)' : ''}${then}, then build ${c.next}`;
}

// A kill after the commit record is written: recovery completes the commit.
const COMMITTED_POINTS = new Set(['commit:journaled', 'commit:backups-removed']);

export async function runKillCase(lab: Lab, c: KillCase): Promise<BuildRun> {
  if (lab.broken) await rebuildA(lab);
  lab.broken = true;
  const to = c.to ?? 'B';
  if (to === 'B') await lab.setB();
  const run = await buildRun(lab.app, { faultAt: c.faultAt, kill: c.kill, extra: c.clearCache ? ['--clear-cache'] : [] });
  // PYBP_RELIABILITY_DEBUG=1 shows what each killed build printed.
  if (process.env.PYBP_RELIABILITY_DEBUG) console.log(describeRun(run));

  if (c.faultAt) expect(run.signal, `fault point ${c.faultAt} was never reached\n${describeRun(run)}`).toBe('SIGKILL');
  if (c.kill) expect(run.sentSignal, `"${c.kill.line.source}" never came before the build ended\n${describeRun(run)}`).toBe(true);
  if (c.kill?.signal === 'SIGINT' && run.code !== 0) {
    // Ctrl-C: rolled back by pybp itself, exit 130, the coded error (a second Ctrl-C: exit 130 at once).
    expect(run.code, describeRun(run)).toBe(130);
    if (c.kill.againAfterMs === undefined) expect(run.stderr).toMatch(/\(interrupted\)/);
  }
  const completed = run.code === 0 || (c.faultAt !== undefined && COMMITTED_POINTS.has(c.faultAt));
  if (!completed) expect(run.stopped, describeRun(run)).toBe(true);
  if (c.thenFaultAt) {
    if (completed) throw new Error('a second kill needs a first one that did not complete');
    expect(existsSync(join(lab.layersDir, '.pybp', 'journal.json')), 'the first kill left a journal').toBe(true);
    const second = await buildRun(lab.app, { faultAt: c.thenFaultAt });
    expect(second.signal, `fault point ${c.thenFaultAt} was never reached\n${describeRun(second)}`).toBe('SIGKILL');
  }

  const { AA, AB, BB, BA } = lab.oracle;
  if (to === 'A') {
    // Whether or not the --clear-cache build got through, state A's cache is complete.
    expect(await explainDecisions(lab.app), 'explain after the kill').toEqual(AA);
    await buildOk(lab.app, AA);
    await expectAppRuns(lab.app, lab.minorA);
  } else if (completed) {
    if (!BB || !BA) throw new Error('a light lab cannot run cases that complete');
    expect(await explainDecisions(lab.app), 'explain after a kill past the commit point').toEqual(BB);
    await buildOk(lab.app, BB);
    await expectAppRuns(lab.app, lab.minorB);
    await lab.setA();
    await buildOk(lab.app, BA);
    await expectAppRuns(lab.app, lab.minorA);
  } else {
    expect(await explainDecisions(lab.app), 'explain after the kill (state B)').toEqual(AB);
    if (c.next === 'B') {
      if (!BA) throw new Error('a light lab cannot build B');
      await buildOk(lab.app, AB);
      await expectAppRuns(lab.app, lab.minorB);
      await lab.setA();
      await buildOk(lab.app, BA);
    } else {
      // buildOk checks explain's prediction too: both must be A→A.
      await lab.setA();
      await buildOk(lab.app, AA);
    }
    await expectAppRuns(lab.app, lab.minorA);
  }
  expectCleanControlDir(lab.layersDir);
  lab.broken = false;
  return run;
}

/** Puts the app back to a built state A after a failed case, so the next case stands alone. */
async function rebuildA(lab: Lab): Promise<void> {
  await lab.setA();
  await rm(lab.layersDir, { recursive: true, force: true });
  const fresh = await explainDecisions(lab.app);
  await buildOk(lab.app, fresh);
  expect(await explainDecisions(lab.app)).toEqual(lab.oracle.AA);
}
