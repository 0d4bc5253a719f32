// Stopping the commands that change nothing (explain, doctor, history): any
// stop (SIGINT, SIGTERM, SIGHUP, SIGQUIT, a closed stdout or stderr) ends them
// at once with exit 130 (the interrupted error, except for a closed output). The process runner stops the children it started on
// the same signal (and SIGKILLs any still there from its 'exit' hook), and the
// scratch directories go in the 'exit' hook of io/scratch-dir.ts, so nothing
// outlives pybp. A build handles the stop itself: it has a transaction to
// roll back first.
import { PybpError } from '../engine/index.js';
import { describeStop, stopReason, watchStops } from '../engine/index.js';
import { EXIT_INTERRUPTED } from './exit-codes.js';
import { printFatal } from './report-error.js';

export function exitOnInterrupt(command: string, flags: { json?: boolean }): () => void {
  const signal = watchStops();
  const onStop = () => {
    const why = stopReason();
    // The reader went away (`pybp history | head -3`): it chose to stop reading, and these commands
    // change nothing, so they end quietly, as `git log | head` does.
    if (why?.kind === 'output-closed') process.exit(EXIT_INTERRUPTED);
    const error = new PybpError({
      code: 'interrupted',
      title: `pybp ${command} was interrupted`,
      message: `pybp ${command} was stopped (${describeStop(why)}) before it finished. It changes nothing, so there is nothing to undo.`,
      fix: `Run pybp ${command} again when you are ready.`,
    });
    printFatal(error, flags);
    process.exit(EXIT_INTERRUPTED);
  };
  if (signal.aborted) onStop();
  else signal.addEventListener('abort', onStop, { once: true });
  return () => signal.removeEventListener('abort', onStop);
}
