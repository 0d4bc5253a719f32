// Runs one of pybp's own pinned tools (uv, Poetry) for a doctor or explain
// check, over the one process runner (process.ts): no shell, a given
// environment, output captured and bounded, a time limit, and the tool's
// group killed at once when the limit passes, when `signal` (default: the
// process-wide stop signal) aborts, or when pybp exits.
import { runProcess } from './process.js';

export type ToolRun =
  | { kind: 'exited'; code: number; output: string }
  | { kind: 'timed-out'; output: string }
  | { kind: 'not-started'; problem: string }
  | { kind: 'aborted' };

const MAX_OUTPUT = 256 * 1024;

export async function runTool(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<ToolRun> {
  let output = '';
  const take = (chunk: Buffer) => {
    if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
  };
  const end = await runProcess({
    argv,
    cwd: opts.cwd,
    env: opts.env,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    // Nothing of a check is worth waiting for once pybp is asked to stop.
    graceMs: 0,
    keep: false,
    onStdout: take,
    onStderr: take,
  });
  if (end.kind === 'not-started') return { kind: 'not-started', problem: end.error.message };
  if (end.stoppedBy === 'abort') return { kind: 'aborted' };
  if (end.stoppedBy === 'timeout') return { kind: 'timed-out', output };
  return { kind: 'exited', code: end.code ?? 1, output };
}
