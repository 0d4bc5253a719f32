// Timing: one command or one function call, and two sides run alternately
// (A, B, A, B, ...) in one process so that a slow stretch of the machine (a
// neighbour's job, page-cache writeback) lands on both sides alike.
import { type ChildProcess, spawn } from 'node:child_process';

export interface Timed {
  ms: number;
  stdout: string;
  stderr: string;
}

export interface CommandSpec {
  argv: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
}

/** The commands running now, so that an interrupted bench can stop them (stopRunning). */
const running = new Set<ChildProcess>();

/**
 * Sends `signal` to every command the bench is running (pybp rolls its build back on SIGTERM)
 * and resolves when they have all exited, or after `graceMs`.
 */
export async function stopRunning(signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const exits = [...running].map((child) => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    if (child.exitCode !== null || child.signalCode !== null || !child.kill(signal)) resolve();
  }));
  await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, graceMs).unref())]);
}

/** Wall time of one command, from spawn to exit. Rejects (with its output) on a non-zero exit. */
export function timeCommand(spec: CommandSpec): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = spec.argv;
    const started = performance.now();
    const child = spawn(program, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve({ ms, stdout, stderr });
      reject(new Error(`${spec.argv.join(' ')} exited with ${signal ?? code}\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`));
    });
  });
}

export async function timeCall(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export interface Side {
  label: string;
  /** Untimed preparation before each run of this side (fresh directories, emptied caches). */
  prepare?: () => Promise<void>;
  /** One timed run; returns milliseconds. `warmUp` says the run is not counted. */
  run: (warmUp: boolean) => Promise<number>;
  /** Untimed clean-up after each run. */
  cleanup?: () => Promise<void>;
}

export interface PairResult {
  a: number[];
  b: number[];
  medianA: number;
  medianB: number;
  ratio: number;
  /** The rounds of each extra side (`also`), in its order. */
  also: Array<{ label: string; rounds: number[]; median: number }>;
}

/**
 * Warm-ups (A, B each, discarded) then `rounds` measured rounds of A then B.
 * `also`: more sides run in every round after B (not in the ratio), for a
 * split measured in the same run.
 */
export async function alternate(
  a: Side,
  b: Side,
  opts: { warmups: number; rounds: number; log?: (line: string) => void; also?: Side[] },
): Promise<PairResult> {
  const samples = { a: [] as number[], b: [] as number[] };
  const also = (opts.also ?? []).map((side) => ({ side, rounds: [] as number[] }));
  const once = async (side: Side, warmUp: boolean): Promise<number> => {
    await side.prepare?.();
    try {
      return await side.run(warmUp);
    } finally {
      await side.cleanup?.();
    }
  };
  for (let i = 0; i < opts.warmups + opts.rounds; i++) {
    const warm = i < opts.warmups;
    const msA = await once(a, warm);
    const msB = await once(b, warm);
    const msAlso: number[] = [];
    for (const x of also) msAlso.push(await once(x.side, warm));
    if (!warm) {
      samples.a.push(msA);
      samples.b.push(msB);
      also.forEach((x, j) => x.rounds.push(msAlso[j]));
    }
    const extra = also.map((x, j) => `, ${x.side.label} ${fmtMs(msAlso[j])}`).join('');
    opts.log?.(`  ${warm ? 'warm-up' : `round ${i - opts.warmups + 1}/${opts.rounds}`}: A ${fmtMs(msA)}, B ${fmtMs(msB)}${extra}`);
  }
  const medianA = median(samples.a);
  const medianB = median(samples.b);
  return { ...samples, medianA, medianB, ratio: medianA / medianB, also: also.map((x) => ({ label: x.side.label, rounds: x.rounds, median: median(x.rounds) })) };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function fmtMs(ms: number): string {
  const size = Math.abs(ms);
  return size >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : size >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}
