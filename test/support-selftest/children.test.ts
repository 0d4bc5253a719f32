// The process registry (test/support/children.ts): what a test starts is
// gone when the test ends, tools in process groups and sessions of their own
// included, and a test body that outlives its test cannot start anything.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChildrenClosedError, spawnChild, withChildScope } from '../support/children.js';
import { runPybp } from '../support/cli.js';

/** Alive: /proc has it and it is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until none of `pids` is alive; fails after a generous bound (a kill is immediate, a loaded machine is slow to reap). */
async function expectAllGone(pids: number[]): Promise<void> {
  for (let i = 0; i < 300 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  expect(pids.filter(alive)).toEqual([]);
}

/** Reads `n` pids, one a line, from a child's stdout. */
function pidsFrom(child: ReturnType<typeof spawnChild>, n: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      text += c;
      const pids = text.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
      if (pids.length >= n) resolve(pids.slice(0, n));
    });
    child.child.once('close', () => reject(new Error(`exited before printing ${n} pids: ${text}`)));
  });
}

// A shell that starts: a plain background child, one in a new session (as pybp
// starts its tools: a process group of their own), and that one's own child.
const TREE = 'sleep 300 & echo $!; setsid sh -c \'sleep 301 & echo $!; echo $$; wait\' & wait';

describe('spawnChild', () => {
  it('kills the whole tree when its test ends: children in sessions of their own too', async () => {
    let pids: number[] = [];
    await withChildScope('inner test', async () => {
      const root = spawnChild('sh', ['-c', TREE], { stdio: ['ignore', 'pipe', 'ignore'] });
      pids = [root.pid, ...(await pidsFrom(root, 3))];
      expect(pids.every(alive)).toBe(true);
    });
    await expectAllGone(pids);
  });

  it('also kills what a child left behind when it died on its own (seen while it ran)', async () => {
    let orphans: number[] = [];
    await withChildScope('inner test', async () => {
      // The shell starts a tool in a session of its own, then dies when told,
      // as a pybp killed at a fault point would.
      const root = spawnChild('sh', ['-c', 'setsid sleep 302 & echo $!; read go; kill -9 $$'], { stdio: ['pipe', 'pipe', 'ignore'] });
      orphans = await pidsFrom(root, 1);
      // The registry samples every 500 ms on this event loop: timers fire in
      // order of their due time, so at least two samples come before this one.
      await new Promise((r) => setTimeout(r, 1100));
      root.child.stdin!.end('go\n');
      const exit = await root.exited;
      expect(exit.signal).toBe('SIGKILL');
      expect(orphans.every(alive)).toBe(true);
    });
    await expectAllGone(orphans);
  });

  it('a test body that goes on after its test ended cannot start anything more', async () => {
    let resume!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    let late: Promise<unknown> | undefined;
    await withChildScope('inner test', async () => {
      // Started inside the test, still running when it ends (as a timed-out body does).
      late = (async () => {
        await gate;
        return spawnChild('sleep', ['303'], { stdio: 'ignore' });
      })();
    });
    resume();
    await expect(late).rejects.toBeInstanceOf(ChildrenClosedError);
  });

  it('a runner whose pybp was killed because its test ended rejects, so the body stops there', async () => {
    let run: Promise<unknown> | undefined;
    await withChildScope('inner test', async () => {
      // The scope ends right after this returns, long before Node has even
      // loaded pybp: the run is cut short.
      run = runPybp(['--help']);
      run.catch(() => undefined);
    });
    await expect(run).rejects.toBeInstanceOf(ChildrenClosedError);
  });
});
