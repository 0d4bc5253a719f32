// Runs the build's tools: no shell (arguments as an array, so requirement
// files and paths reach the tools as data), the build's own environment, output
// streamed line by line as events. Each child gets its own process group so
// an interrupt stops the tool and everything it started, and its PID is
// recorded so a later build can stop the orphans of a killed pybp.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { controlDir } from '../store/control-dir.js';
import { entryKind, readControlFile, writeControlFile } from '../store/control-file.js';
import { formatRecord, identifyProcess, parseRecord, type ProcessRecord, signalOurGroup } from './process-identity.js';
import { describeExit, PybpError } from '../core/errors.js';
import { interruptedError } from '../core/interrupted.js';

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

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  signal?: AbortSignal;
  /** Called for every output line (stderr merged), unless capture is set. */
  onLine?: (line: string) => void;
  capture?: boolean;
  /** Where to record child PIDs (the layers dir), so a killed pybp's children can be stopped later. */
  layersDir?: string;
}

/** How the build runs a tool; unit tests give the executor a fake one. */
export type CommandRunner = (argv: string[], opts: RunOptions) => Promise<CommandResult>;

export async function runCommand(argv: string[], opts: RunOptions): Promise<CommandResult> {
  if (opts.signal?.aborted) throw interruptedError();
  const [program, ...args] = argv;
  const child = spawn(program, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // Every listener goes on before the first await: a fast, quiet child (such
  // as `python -m venv`) can exit while we wait, and a missed 'close' would
  // hang the build.
  let reaped = false;
  child.once('exit', () => (reaped = true));
  // Identified at once, before the loop turns and the child could be reaped.
  let identity: ProcessRecord | null = null;
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => {
      identity = identifyProcess(child.pid!);
      resolve();
    });
    child.once('error', reject);
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
  });

  let stdout = '';
  let stderr = '';
  const tail = new LineTail(TAIL_LINES);
  const lineSplitter = () => {
    let rest = '';
    return {
      push(chunk: string) {
        rest += chunk;
        let nl: number;
        while ((nl = rest.indexOf('\n')) !== -1) {
          const line = rest.slice(0, nl).replace(/\r$/, '');
          tail.push(line);
          opts.onLine?.(line);
          rest = rest.slice(nl + 1);
        }
      },
      flush() {
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
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (opts.capture ? (stdout += c) : outLines.push(c)));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (opts.capture ? (stderr += c) : errLines.push(c)));

  try {
    await spawned;
  } catch (err) {
    throw new PybpError(
      {
        code: 'command-spawn-failed',
        title: `${path.basename(program)} could not be run`,
        message: `Running ${program} failed: ${(err as Error).message}`,
        fix: 'Check that the program exists and is executable. This is unexpected inside a build: try again, or rebuild with --clear-cache.',
      },
      { cause: err },
    );
  }
  const pid = child.pid!;
  const record = identity as ProcessRecord | null;
  if (opts.layersDir && record) await recordChild(opts.layersDir, record, true);

  let killTimer: NodeJS.Timeout | undefined;
  // While the child is not reaped its PID is still ours, so its group can be
  // signalled as is; after that, only once verified (process-identity.ts).
  const stop = (sig: NodeJS.Signals) => {
    if (!reaped) killGroup(pid, sig);
    else if (record) signalOurGroup(record, sig);
  };
  const onAbort = () => {
    stop('SIGTERM');
    killTimer = setTimeout(() => stop('SIGKILL'), 3000);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  const { code, signal } = await closed;
  if (killTimer) clearTimeout(killTimer);
  opts.signal?.removeEventListener('abort', onAbort);
  // The tool may have left children of its own in the group.
  stop('SIGKILL');
  outLines.flush();
  errLines.flush();
  if (opts.layersDir && record) await recordChild(opts.layersDir, record, false);
  if (opts.signal?.aborted) throw interruptedError();
  if (opts.capture) for (const line of `${stdout}\n${stderr}`.split('\n')) tail.push(line);
  return { code, signal, stdout, stderr, status: describeExit(code, signal), tail: tail.lines() };
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

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function childrenFile(layersDir: string): string {
  return path.join(controlDir(layersDir), 'children');
}

// A simple serialised read-modify-write: builds run one at a time (the lock).
let pending: Promise<void> = Promise.resolve();
async function recordChild(layersDir: string, record: ProcessRecord, add: boolean): Promise<void> {
  pending = pending.then(async () => {
    const file = childrenFile(layersDir);
    const records = new Map((await readChildren(layersDir)).map((r) => [r.pid, r]));
    if (add) records.set(record.pid, record);
    else records.delete(record.pid);
    if (records.size === 0) await fs.rm(file, { force: true });
    else await writeControlFile(file, [...records.values()].map(formatRecord).join('\n') + '\n');
  });
  return pending;
}

/** The recorded children; a line that is not a full record (a bare PID, an older format) is ignored. */
async function readChildren(layersDir: string): Promise<ProcessRecord[]> {
  const read = await readControlFile(childrenFile(layersDir), 64 << 10);
  if (read.kind !== 'text') return [];
  return read.text.split('\n').map(parseRecord).filter((r): r is ProcessRecord => r !== null);
}

/**
 * Stops the tools a killed pybp left running, before their layers are rolled
 * back: only groups verified to be the ones it started (process-identity.ts).
 */
export async function stopOrphans(layersDir: string): Promise<number> {
  const records = await readChildren(layersDir);
  let stopped = 0;
  for (const r of records) if (signalOurGroup(r, 'SIGKILL')) stopped += 1;
  if ((await entryKind(childrenFile(layersDir))) === 'file') await fs.rm(childrenFile(layersDir), { force: true });
  if (stopped > 0) await new Promise((r) => setTimeout(r, 100));
  return stopped;
}
