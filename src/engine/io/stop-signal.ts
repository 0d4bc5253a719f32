// The one reason pybp stops early. SIGINT (Ctrl-C), SIGTERM, SIGHUP (a closed
// terminal, a dropped ssh), SIGQUIT, and an error on stdout or stderr (EPIPE:
// `pybp build | head -1` once head has gone; EIO on a hung-up terminal) all
// abort one process-wide AbortSignal. Everything that waits (the process
// runner, the build's steps, downloads) listens to that one signal, so every
// way pybp can be stopped takes the same path: children stopped as groups,
// the build rolled back, scratch directories removed.
//
// Nothing is installed until a command asks (`watchStops()`): importing the
// engine (unit tests, the bench) must not change how the process treats signals.

export type StopReason =
  | { kind: 'signal'; signal: NodeJS.Signals }
  /** stdout or stderr can no longer be written (the reader went away). */
  | { kind: 'output-closed'; stream: 'stdout' | 'stderr'; code: string };

export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

let controller: AbortController | null = null;
let reason: StopReason | null = null;
const againListeners = new Set<(reason: StopReason) => void>();

/**
 * Installs the handlers (once) and returns the process-wide signal. A second
 * signal while stopping calls the `onStopAgain` listeners (a build's "now").
 */
export function watchStops(): AbortSignal {
  if (controller) return controller.signal;
  const own = new AbortController();
  controller = own;
  const stop = (why: StopReason) => {
    if (own.signal.aborted) {
      if (why.kind === 'signal') for (const listener of againListeners) listener(why);
      return;
    }
    reason = why;
    own.abort(why);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => stop({ kind: 'signal', signal }));
  for (const stream of ['stdout', 'stderr'] as const) {
    // Without a listener an EPIPE is an uncaught 'error' and pybp dies mid-build, rollback skipped.
    // Every later write to the broken stream errors again: those are expected and dropped.
    process[stream].on('error', (err: NodeJS.ErrnoException) => stop({ kind: 'output-closed', stream, code: err.code ?? 'error' }));
  }
  return own.signal;
}

/** The process-wide signal, when a command installed it (else undefined: nothing stops early). */
export function stopSignal(): AbortSignal | undefined {
  return controller?.signal;
}

/** Why pybp is stopping, once it is. */
export function stopReason(): StopReason | null {
  return reason;
}

/** Called on every further signal once pybp is already stopping. */
export function onStopAgain(listener: (reason: StopReason) => void): () => void {
  againListeners.add(listener);
  return () => againListeners.delete(listener);
}

/** "SIGHUP", or "stdout was closed (EPIPE)": for messages. */
export function describeStop(why: StopReason | null): string {
  if (!why) return 'stopped';
  return why.kind === 'signal' ? why.signal : `${why.stream} was closed (${why.code})`;
}
