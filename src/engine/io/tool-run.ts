// Runs one of pybp's own pinned tools (uv, Poetry) for a doctor check: no
// shell, a given environment, output captured, a time limit, and the child
// killed when the limit passes, when `signal` aborts, or when pybp exits.
import { spawn } from 'node:child_process';

export type ToolRun =
  | { kind: 'exited'; code: number; output: string }
  | { kind: 'timed-out'; output: string }
  | { kind: 'not-started'; problem: string }
  | { kind: 'aborted' };

const MAX_OUTPUT = 256 * 1024;

export function runTool(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<ToolRun> {
  if (opts.signal?.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const take = (chunk: string) => {
      if (output.length < MAX_OUTPUT) output += chunk;
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    process.once('exit', kill);
    opts.signal?.addEventListener('abort', kill, { once: true });
    const done = (result: ToolRun) => {
      clearTimeout(timer);
      process.off('exit', kill);
      opts.signal?.removeEventListener('abort', kill);
      resolve(result);
    };
    child.once('error', (err) => done({ kind: 'not-started', problem: err.message }));
    child.once('close', (code) => {
      if (opts.signal?.aborted) done({ kind: 'aborted' });
      else if (timedOut) done({ kind: 'timed-out', output });
      else done({ kind: 'exited', code: code ?? 1, output });
    });
  });
}
