// How a build runs its tools (pip, Poetry, uv, python -m venv), over the one
// process runner (process.ts): the build's own environment, output streamed
// line by line as events (or captured), the last lines kept for a failure,
// and the interrupt turned into the build's `interrupted` error. Each tool's
// identity is handed to `children` (store/children.ts), so a later build can
// stop the orphans of a killed pybp.
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describeExit, PybpError } from '../core/errors.js';
import { interruptedError } from '../core/interrupted.js';
import type { ProcessRecord } from './process-identity.js';
import { runProcess } from './process.js';
import type { SandboxSpec } from './sandbox.js';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Captured output, when `capture` was asked for. */
  stdout: string;
  stderr: string;
  /** "exit status: 1" or "signal: 9 (SIGKILL)". */
  status: string;
  /** The last output lines (stdout and stderr as they came, escape codes removed): what a failure shows. */
  tail: string[];
}

/** How many of a tool's last output lines a failure carries. */
export const TAIL_LINES = 20;

/** The longest output line passed on as one; longer ones are cut. */
const MAX_LINE = 64 * 1024;

/** What a build may capture of one tool's output (a `pip --version`, a `uv python find`). */
const MAX_CAPTURE = 16 * 1024 * 1024;

export interface RunOptions {
  /** In a sandbox, as the tool sees it. */
  cwd: string;
  /** Heroku's paths (io/sandbox.ts); absent: the host's. */
  sandbox?: SandboxSpec;
  env: Record<string, string>;
  signal?: AbortSignal;
  /** Called for every output line (stderr merged), unless capture is set. */
  onLine?: (line: string) => void;
  capture?: boolean;
  /** Told each child's identity while it runs (the layers dir's children file), so a killed pybp's children can be stopped later. */
  children?: {
    onStarted: (r: ProcessRecord) => Promise<void>;
    onEnded: (r: ProcessRecord) => Promise<void>;
  };
}

/** How the build runs a tool; unit tests give the executor a fake one. */
export type CommandRunner = (argv: string[], opts: RunOptions) => Promise<CommandResult>;

export async function runCommand(argv: string[], opts: RunOptions): Promise<CommandResult> {
  if (opts.signal?.aborted) throw interruptedError();
  const tail = new LineTail(TAIL_LINES);
  const lineSplitter = () => {
    let rest = '';
    const decoder = new TextDecoder();
    return {
      push(chunk: Buffer) {
        rest += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = rest.indexOf('\n')) !== -1) {
          const line = rest.slice(0, nl).replace(/\r$/, '');
          tail.push(line);
          opts.onLine?.(line);
          rest = rest.slice(nl + 1);
        }
        // A tool that prints without newlines (a progress bar, a runaway) is cut into lines: bounded memory.
        while (rest.length > MAX_LINE) {
          const line = rest.slice(0, MAX_LINE);
          tail.push(line);
          opts.onLine?.(line);
          rest = rest.slice(MAX_LINE);
        }
      },
      flush() {
        rest += decoder.decode();
        if (rest) {
          tail.push(rest);
          opts.onLine?.(rest);
        }
        rest = '';
      },
    };
  };
  const outLines = lineSplitter();
  const errLines = lineSplitter();
  const end = await runProcess({
    argv,
    cwd: opts.cwd,
    sandbox: opts.sandbox,
    env: opts.env,
    signal: opts.signal,
    keep: opts.capture === true,
    maxOutputBytes: MAX_CAPTURE,
    onStdout: opts.capture ? undefined : (c) => outLines.push(c),
    onStderr: opts.capture ? undefined : (c) => errLines.push(c),
    onStarted: opts.children?.onStarted,
    onEnded: opts.children?.onEnded,
  });
  if (end.kind === 'not-started') {
    const program = argv[0];
    throw new PybpError(
      {
        code: 'command-spawn-failed',
        title: `${path.basename(program)} could not be run`,
        message: `Running ${program} failed: ${end.error.message}`,
        fix: 'Check that the program exists and is executable. This is unexpected inside a build: try again, or rebuild with --clear-cache.',
      },
      { cause: end.error },
    );
  }
  outLines.flush();
  errLines.flush();
  if (end.stoppedBy === 'abort' || opts.signal?.aborted) throw interruptedError();
  const stdout = end.stdout.toString('utf8');
  const stderr = end.stderr.toString('utf8');
  if (opts.capture) for (const line of `${stdout}\n${stderr}`.split('\n')) tail.push(line);
  return { code: end.code, signal: end.signal, stdout, stderr, status: describeExit(end.code, end.signal), tail: tail.lines() };
}

/** Keeps the last `max` non-blank lines, without terminal escape codes. */
class LineTail {
  private readonly kept: string[] = [];
  constructor(private readonly max: number) {}

  push(line: string): void {
    const clean = stripVTControlCharacters(line).replace(/\s+$/, '');
    if (!clean.trim()) return;
    this.kept.push(clean);
    if (this.kept.length > this.max) this.kept.shift();
  }

  lines(): string[] {
    return [...this.kept];
  }
}
