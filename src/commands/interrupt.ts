// Ctrl-C / SIGTERM for the commands that change nothing (explain, doctor,
// history): they stop at once with exit 130. process.exit runs the 'exit'
// listeners, which is where the engine stops what it started (git, uv,
// Poetry), so no child outlives pybp. A build handles signals itself: it
// has a transaction to roll back first.
import { PybpError } from '../engine/core/errors.js';
import { EXIT_INTERRUPTED } from './exit-codes.js';
import { printFatal } from './report-error.js';

export function exitOnInterrupt(command: string, flags: { json?: boolean }): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    const error = new PybpError({
      code: 'interrupted',
      title: `pybp ${command} was interrupted`,
      message: `pybp ${command} was stopped (${signal}) before it finished. It changes nothing, so there is nothing to undo.`,
      fix: `Run pybp ${command} again when you are ready.`,
    });
    printFatal(error, flags);
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
