// Every process a test starts goes through `spawnChild`: it runs in a process
// group of its own and is killed, with everything it started, when the test
// that started it ends (passed, failed or timed out), when the test file ends
// (processes started in beforeAll), or when the worker exits.
//
// Why this much: pybp puts each tool it runs (pip, Poetry, uv) in a process
// group of its own, so killing pybp's group leaves the tools running; and a
// timed-out test's body keeps running after vitest has moved on, so its next
// `pybp build` would overlap the next test. So:
// - the whole tree is found from /proc (parent links), frozen with SIGSTOP so
//   nothing new is forked, then killed with SIGKILL, group by group;
// - while a child runs, its descendants are sampled, so the tools of a pybp that
//   died on its own (a fault point's SIGKILL) are still known and killed;
// - a process is only ever signalled while its start time matches the one
//   recorded (a PID reused by someone else's process is left alone);
// - a test's processes are tracked through AsyncLocalStorage (set by the
//   aroundEach hook in test/support/children-setup.ts), so a body that outlives
//   its test cannot start anything more: spawnChild throws ChildrenClosedError,
//   and a runner whose child was killed this way rejects with it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A process as the kernel knows it: pid plus start time, so a reused pid is never mistaken for it. */
interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  start: string;
  stopped: boolean;
}

/** Thrown by spawnChild, and by runners whose child was killed, once the owning test or file has ended. */
export class ChildrenClosedError extends Error {
  constructor(what: string) {
    super(`${what}: the test that started it has ended (failed or timed out), so its processes were killed`);
    this.name = 'ChildrenClosedError';
  }
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the registry killed it because its test ended (not the test's own signal). */
  killedAtEnd: boolean;
}

export interface TrackedChild<C extends ChildProcess = ChildProcess> {
  child: C;
  pid: number;
  /** Resolves on 'close' (exit and all output read). */
  exited: Promise<ChildExit>;
  /**
   * Sends `signal` to the child alone (as a test's deliberate kill does). Its
   * descendants are sampled first, so tools it leaves behind are still killed
   * when the test ends.
   */
  signal(signal: NodeJS.Signals): void;
  /** Kills the child and everything it started; resolves once it has closed. */
  killTree(): Promise<ChildExit>;
}

/** The processes of one test (or one file's hooks): killed together when it ends. */
export class ChildScope {
  readonly children = new Set<Entry>();
  /** Run after the processes are dead (a temp dir is removed once nothing writes into it), last first. */
  readonly cleanups: Array<() => Promise<void>> = [];
  closed = false;

  constructor(readonly label: string) {}

  /** Kills every process started in this scope, refuses new ones, then runs its cleanups. */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.children];
    this.children.clear();
    await Promise.all(entries.map((e) => e.killTree()));
    const errors: unknown[] = [];
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${this.label}: ${errors.length} cleanup(s) failed`);
  }
}

class Entry {
  /** Descendants seen while the child ran, by pid. */
  readonly seen = new Map<number, Proc>();
  readonly root: Proc | undefined;
  killedAtEnd = false;
  closed = false;
  readonly exited: Promise<ChildExit>;

  constructor(
    readonly child: ChildProcess,
    readonly scope: ChildScope,
  ) {
    this.root = child.pid === undefined ? undefined : readProc(child.pid);
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.closed = true;
        // It stays in its scope: what it left running is killed when the scope ends.
        live.delete(this);
        if (live.size === 0) stopSampling();
        resolve({ code, signal, killedAtEnd: this.killedAtEnd });
      };
      child.once('close', done);
      // 'close' waits for every holder of the child's stdout and stderr: a
      // descendant that inherited them and outlived it would hold the run open.
      // Once the child itself has exited, its output gets a moment, then the
      // pipes are closed from this end.
      child.once('exit', () => {
        setTimeout(() => {
          for (const stream of [child.stdout, child.stderr]) stream?.destroy();
        }, PIPE_GRACE_MS).unref();
      });
      // A spawn failure ('error' without a process) never emits 'close' on its own in every Node version.
      child.once('error', () => {
        if (child.pid === undefined) done(null, null);
      });
    });
  }

  sample(table: Map<number, Proc>): void {
    if (!this.root || this.closed) return;
    for (const proc of descendants(this.root, table)) this.seen.set(proc.pid, proc);
  }

  killTreeSync(): void {
    if (!this.root) return;
    this.killedAtEnd = !this.closed;
    killTreeSync(this.root, this.seen);
  }

  async killTree(): Promise<ChildExit> {
    this.killTreeSync();
    return this.exited;
  }
}

const PIPE_GRACE_MS = 3000;
const live = new Set<Entry>();
const fileScope = new ChildScope('test file');
const scopeStorage = new AsyncLocalStorage<ChildScope>();

/** Runs `fn` (a test, with its hooks) with its own scope, and kills what it started when it ends. */
export async function withChildScope<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const scope = new ChildScope(label);
  try {
    return await scopeStorage.run(scope, fn);
  } finally {
    await scope.close();
  }
}

/** Kills what was started outside any test (beforeAll, module level); the file's afterAll calls it. */
export async function closeFileScope(): Promise<void> {
  try {
    await fileScope.close();
  } finally {
    // The next file in this worker starts afresh.
    fileScope.closed = false;
  }
}

function currentScope(): ChildScope {
  return scopeStorage.getStore() ?? fileScope;
}

/**
 * Runs `cleanup` when the running test ends (passed, failed or timed out), or,
 * outside any test (beforeAll, module level), after the file's last test;
 * always after that scope's processes are killed. A scope that has already
 * ended (a timed-out body going on) runs it at once and throws.
 */
export async function onScopeEnd(what: string, cleanup: () => Promise<void>): Promise<void> {
  const scope = currentScope();
  if (scope.closed) {
    await cleanup();
    throw new ChildrenClosedError(`refusing to keep ${what}`);
  }
  scope.cleanups.push(cleanup);
}

/**
 * `spawn`, but in a process group of its own (detached) and registered with the
 * running test, which kills it (and its descendants) when it ends.
 */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions = {}): TrackedChild {
  const scope = currentScope();
  if (scope.closed) throw new ChildrenClosedError(`refusing to start ${command}`);
  const child = spawn(command, args, { ...options, detached: true });
  const entry = new Entry(child, scope);
  if (child.pid !== undefined) {
    scope.children.add(entry);
    live.add(entry);
    startSampling();
  }
  return {
    child,
    pid: child.pid ?? -1,
    exited: entry.exited,
    signal(signal) {
      if (!entry.root || entry.closed) return;
      entry.sample(procTable());
      signalIfSame(entry.root, signal);
    },
    killTree: () => entry.killTree(),
  };
}

/** Kills every tracked process now (synchronously): for process exit. */
export function killAllSync(): void {
  for (const entry of live) entry.killTreeSync();
}

// ---- sampling: remember descendants while children run -------------------

const SAMPLE_MS = 500;
let sampler: NodeJS.Timeout | undefined;

function startSampling(): void {
  if (sampler) return;
  sampler = setInterval(() => {
    const table = procTable();
    for (const entry of live) entry.sample(table);
  }, SAMPLE_MS);
  // Never keeps the worker alive by itself.
  sampler.unref();
}

function stopSampling(): void {
  if (sampler) clearInterval(sampler);
  sampler = undefined;
}

process.on('exit', killAllSync);

// ---- /proc ---------------------------------------------------------------

function readProc(pid: number): Proc | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field N is fields[N - 3].
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), start: fields[19], stopped: fields[0] === 'T' || fields[0] === 'Z' };
}

function procTable(): Map<number, Proc> {
  const table = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const proc = readProc(Number(name));
    if (proc) table.set(proc.pid, proc);
  }
  return table;
}

/** `root`'s descendants now (root excluded), by parent links. */
function descendants(root: Proc, table: Map<number, Proc>): Proc[] {
  const rootNow = table.get(root.pid);
  if (!rootNow || rootNow.start !== root.start) return [];
  const children = new Map<number, Proc[]>();
  for (const proc of table.values()) {
    const list = children.get(proc.ppid);
    if (list) list.push(proc);
    else children.set(proc.ppid, [proc]);
  }
  const out: Proc[] = [];
  const queue = [root.pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Still the same process (same pid and start time)? */
function isSame(proc: Proc, table?: Map<number, Proc>): boolean {
  const now = table ? table.get(proc.pid) : readProc(proc.pid);
  return now !== undefined && now.start === proc.start;
}

function signalIfSame(proc: Proc, signal: NodeJS.Signals): void {
  if (!isSame(proc)) return;
  try {
    process.kill(proc.pid, signal);
  } catch {
    // gone meanwhile
  }
}

/**
 * Freezes the tree (root, its current descendants, and those seen earlier that
 * are still the same processes), re-reads it until no new process appears, then
 * kills every process and every process group one of them leads.
 */
function killTreeSync(root: Proc, seen: Map<number, Proc>): void {
  const members = new Map<number, Proc>();
  for (let round = 0; round < 5; round++) {
    const table = procTable();
    const before = members.size;
    for (const proc of [root, ...seen.values(), ...descendants(root, table), ...[...members.values()].flatMap((m) => descendants(m, table))]) {
      if (!members.has(proc.pid) && isSame(proc, table)) members.set(proc.pid, proc);
    }
    for (const proc of members.values()) {
      try {
        process.kill(proc.pid, 'SIGSTOP');
      } catch {
        // gone
      }
    }
    if (round > 0 && members.size === before) break;
  }
  const leaders = new Set([...members.values()].filter((p) => p.pgid === p.pid).map((p) => p.pid));
  for (const pgid of leaders) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // group gone
    }
  }
  for (const proc of members.values()) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
