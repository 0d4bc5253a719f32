// Children pybp starts for inspection (git, an interpreter asked its version)
// must not outlive it: explain and doctor exit at once on Ctrl-C/SIGTERM
// (commands/interrupt.ts), and process.exit runs 'exit' listeners only.
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

/** Kills `child` (SIGKILL) if pybp exits while it still runs. */
export function killOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
}
