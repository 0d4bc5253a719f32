// Shared by the safety suite: the real CLI with a state directory of its own
// (pybp's ownership records live there, outside every app), and apps and
// foreign trees to aim it at.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { BUILD_ENV_FLAGS, type CliResult, runPybp } from '../e2e/pybp.js';
import { makeTempDir } from '../support/temp-dirs.js';

export { snapshotTree, treeChanges } from '../reliability/harness.js';

export interface Scratch {
  root: string;
  /** XDG_STATE_HOME for every run of this file. */
  state: string;
}

/** One scratch directory per test file (a space in its path on purpose), removed afterwards. */
export async function makeScratch(): Promise<Scratch> {
  const root = await makeTempDir('pybp safety-');
  const state = join(root, 'state');
  await mkdir(state);
  return { root, state };
}

/** Added to the test runner's clean environment: this file's own state directory. */
export function safetyEnv(s: Scratch, extra: Record<string, string> = {}): Record<string, string> {
  return { XDG_STATE_HOME: s.state, ...extra };
}

export interface Json {
  status?: string;
  layers: Array<{ name: string; action: string }>;
  error: { code: string; message: string; fix: string; details?: string[] } | null;
}

export async function pybpJson(s: Scratch, args: string[], extra: Record<string, string> = {}): Promise<Json & { exitCode: number | null; raw: CliResult }> {
  const r = await runPybp([...args, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env: safetyEnv(s, extra) });
  let parsed: Json;
  try {
    parsed = JSON.parse(r.stdout) as Json;
  } catch {
    throw new Error(`pybp ${args.join(' ')} printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...parsed, exitCode: r.code, raw: r };
}

/** `pybp run` (no --json there): exit code and output. */
export function pybpRun(s: Scratch, args: string[]): Promise<CliResult> {
  return runPybp(['run', ...args], { env: safetyEnv(s) });
}

/** A pip app that passes every pre-build check (nothing is installed unless a build gets that far). */
export async function makeApp(dir: string, requirements: string[] = []): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'requirements.txt'), requirements.join('\n') + '\n');
  await writeFile(join(dir, '.python-version'), '3.12\n');
  return dir;
}

/**
 * A `sleep` in a process group of its own, as a stranger to pybp; killed when
 * the test that started it ends (onTestFinished: call it inside a test).
 */
export function startSleeper(): number {
  const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid!;
  onTestFinished(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  return pid;
}

/** Running (a killed child not yet reaped is a zombie, which kill(pid, 0) would still find). */
export { alive } from '../support/procs.js';
