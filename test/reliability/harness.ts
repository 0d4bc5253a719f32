// The reliability suite's harness: builds that are killed at a chosen moment,
// and the oracle that says what pybp must decide afterwards.
//
// The oracle: a killed build must leave the layers exactly as the last
// successful build left them. So what `explain` predicts after the kill is
// recorded *before* it, from the intact layers, with the app already changed
// to the state the killed build was making. A build killed after its commit
// record was written counts as successful (recovery finishes that commit), so
// there the oracle is "the same build again" (everything reused).
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startPybp } from '../support/cli.js';
import { BUILD_ENV_FLAGS, explain, explainThenBuild, runPybp, type ExplainJson } from '../e2e/pybp.js';

export type Decisions = Array<{ name: string; action: string; reasons: unknown }>;

/** What a decision list compares on: name, action and every reason (the messages too). */
export function decisionsOf(report: { layers: Array<{ name: string; action: string; reasons: unknown }> }): Decisions {
  return report.layers.map((l) => ({ name: l.name, action: l.action, reasons: l.reasons }));
}

export interface KillSpec {
  /** Kill after the first stdout line matching this. */
  line: RegExp;
  signal: 'SIGKILL' | 'SIGINT';
  /** How long after that line. */
  delayMs: number;
  /** Send the signal again this many ms later (a second Ctrl-C while pybp rolls back). */
  againAfterMs?: number;
}

export interface BuildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The harness sent its signal (the line was seen before the build ended). */
  sentSignal: boolean;
  /** A SIGINT or SIGKILL ended the build before it could finish. */
  stopped: boolean;
}

/**
 * `pybp build` with plain output (no --json, so progress lines stream), with
 * an optional fault point (PYBP_FAULT_AT) and an optional kill on a line.
 */
export function buildRun(
  app: string,
  opts: { faultAt?: string; kill?: KillSpec; extra?: string[]; env?: Record<string, string> } = {},
): Promise<BuildRun> {
  const build = startPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS, ...(opts.extra ?? [])], {
    env: { ...opts.env, ...(opts.faultAt ? { PYBP_FAULT_AT: opts.faultAt } : {}) },
  });
  let sentSignal = false;
  const kill = opts.kill;
  if (kill) {
    let armed = false;
    build.onLine((line) => {
      if (armed || !kill.line.test(line)) return;
      armed = true;
      setTimeout(() => {
        if (!build.running) return;
        sentSignal = true;
        build.signal(kill.signal);
        if (kill.againAfterMs !== undefined) {
          setTimeout(() => {
            if (build.running) build.signal(kill.signal);
          }, kill.againAfterMs);
        }
      }, kill.delayMs);
    });
  }
  return build.done.then(({ code, signal, stdout, stderr }) => {
    // A second Ctrl-C exits 130 at once, without the error (the next build finishes the rollback).
    const twice = kill?.againAfterMs !== undefined;
    const stopped = signal === 'SIGKILL' || (code === 130 && (twice || /\(interrupted\)/.test(stderr)));
    return { code, signal, stdout, stderr, sentSignal, stopped };
  });
}

/** Explain's layers, failing loudly if explain itself failed. */
export async function explainDecisions(app: string): Promise<Decisions> {
  const report: ExplainJson = await explain(app);
  expect(report.error, `explain failed: ${JSON.stringify(report.error)}`).toBeNull();
  return decisionsOf(report);
}

/** Builds (explain first, and the build must do what explain said) and checks the build succeeded. */
export async function buildOk(app: string, expected: Decisions, extra: string[] = []): Promise<void> {
  const report = await explainThenBuild(app, extra);
  expect(report.status, `${JSON.stringify(report.error)}\n${report.stderr}`).toBe('succeeded');
  expect(decisionsOf(report)).toEqual(expected);
}

/** The app runs from the layers: the dependency imports and the interpreter has the expected minor. */
export async function expectAppRuns(app: string, minor: string): Promise<void> {
  const r = await runPybp(['run', app, '--', 'python', '-c', 'import sys, tinyweb; print(tinyweb.hello(), "%d.%d" % sys.version_info[:2])']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('hello from tinyweb');
  expect(r.stdout).toContain(minor);
}

/**
 * After a build, pybp's control dir holds only its records of builds and its
 * ownership token: no lock, journal, set-aside layers or child PIDs; and no
 * temporary files are left in the layers dir.
 */
export function expectCleanControlDir(layersDir: string): void {
  const control = join(layersDir, '.pybp');
  // state.json: the last build's state; history.json: the record of every build (`pybp history`); owner: pybp's ownership token.
  const left = existsSync(control) ? readdirSync(control).filter((n) => n !== 'state.json' && n !== 'history.json' && n !== 'owner') : [];
  expect(left, `left in ${control}`).toEqual([]);
  const temps = readdirSync(layersDir).filter((n) => n.endsWith('.tmp'));
  expect(temps, `temporary files left in ${layersDir}`).toEqual([]);
}

/** A compact description of a run for assertion messages. */
export function describeRun(r: BuildRun): string {
  return `exit ${r.code} signal ${r.signal} sent=${r.sentSignal}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-2000)}`;
}

/**
 * Every path under `root` with its type, size and mtime (symlinks by target),
 * minus the paths `skip` accepts. Directories carry their mtime too: a file
 * created and removed again still shows.
 */
export function snapshotTree(root: string, skip: (rel: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(r, `link ${readlinkSync(p)} ${st.mtimeMs}`);
      else if (st.isDirectory()) {
        out.set(r, `dir ${st.mtimeMs}`);
        walk(p, r);
      } else out.set(r, `file ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(root, '');
  out.set('.', `dir ${lstatSync(root).mtimeMs}`);
  return out;
}

/** The entries that differ between two snapshots: added, removed or changed. */
export function treeChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v) changes.push(before.has(p) ? `changed ${p}` : `added ${p}`);
  for (const p of before.keys()) if (!after.has(p)) changes.push(`removed ${p}`);
  return changes.sort();
}
