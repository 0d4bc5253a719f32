// Looking at processes from /proc, for the tests that prove pybp stopped what
// it started (test/safety/stops.test.ts, inspect.test.ts, the heroku-paths
// e2e tests): whether a PID still runs, a process's children, and what runs
// naming an app's path. No test asserts on time: `until` waits as long as the
// test's own timeout lets it.
import { readdirSync, readFileSync } from 'node:fs';
import type { RunningCli } from './cli.js';

/** Waits until `condition` holds; fails at once if `cli` (a pybp being watched) ended first. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, cli?: RunningCli): Promise<void> {
  while (!(await condition())) {
    if (cli && !cli.running) throw new Error(`pybp ended before ${what}:\n${cli.stdout}\n${cli.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Running (a zombie not yet reaped is not). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes (not this one) whose command line names `text` (an app's path), as `pid: command line`. */
export function processesNaming(text: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(text) && alive(Number(name))) found.push(`${name}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The PIDs whose parent is `pid`. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}
