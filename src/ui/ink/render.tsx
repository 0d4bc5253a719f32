// The entry points commands import (dynamically, and only for a terminal):
// Ink and React load here and nowhere on the --json or plain paths.
import { render, Static } from 'ink';
import type { ReactElement } from 'react';
import type { BuildReport } from '../../engine/index.js';
import type { DoctorReport } from '../../engine/index.js';
import type { EngineEvent } from '../../engine/index.js';
import type { ExplainReport } from '../../engine/index.js';
import { BuildStore } from './build-store.js';
import { BuildView } from './BuildView.js';
import { DoctorView } from './DoctorView.js';
import { ExplainView } from './ExplainView.js';
import { FullWidth } from './FullWidth.js';
import type { HistoryReport, LastBuildReport } from '../../engine/index.js';
import { HistoryView } from './HistoryView.js';
import { LastBuildView } from './LastBuildView.js';
import { eventForTerminal, forTerminal } from '../terminal-view.js';

export interface InkRenderOptions {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** --debug: stack frames in error details are shown. */
  debug?: boolean;
  /**
   * Route stray console output above the build view (Ink's default) so it
   * cannot tear a frame; off where console is not Node's (test runners).
   */
  patchConsole?: boolean;
  /** The words that run this pybp (for the build's next: hint); default `pybp`. */
  pybp?: readonly string[];
}

export interface InkBuildRenderer {
  onEvent(e: EngineEvent): void;
  /** Draws the summary, then returns once Ink has written its last frame. */
  finish(report: BuildReport): Promise<void>;
}

export function startInkBuild(opts: InkRenderOptions = {}): InkBuildRenderer {
  const store = new BuildStore();
  const instance = render(<BuildView store={store} debug={opts.debug} pybp={opts.pybp} />, {
    stdout: opts.stdout ?? process.stdout,
    stderr: opts.stderr ?? process.stderr,
    // The build handles Ctrl-C itself (it rolls the layers back); Ink must not exit first.
    exitOnCtrlC: false,
    patchConsole: opts.patchConsole ?? true,
  });
  return {
    onEvent: (e) => store.dispatch({ type: 'event', event: eventForTerminal(e), at: Date.now() }),
    async finish(report) {
      store.dispatch({ type: 'finish', report: forTerminal(report), at: Date.now() });
      await instance.waitUntilExit();
    },
  };
}

/**
 * A report that is complete before drawing starts: printed once through
 * <Static>, like scrolling output. Left in the redrawn area, a report taller
 * than the terminal would make Ink clear the screen (and its scrollback) on
 * the final render.
 */
async function renderOnce(node: ReactElement, opts: InkRenderOptions): Promise<void> {
  const instance = render(<Static items={[node]}>{(item, i) => <FullWidth key={i}>{item}</FullWidth>}</Static>, {
    stdout: opts.stdout ?? process.stdout,
    stderr: opts.stderr ?? process.stderr,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  instance.unmount();
  await instance.waitUntilExit();
}

export function renderExplainInk(report: ExplainReport, opts: InkRenderOptions = {}): Promise<void> {
  return renderOnce(<ExplainView report={forTerminal(report)} debug={opts.debug} />, opts);
}

export function renderDoctorInk(report: DoctorReport, opts: InkRenderOptions = {}): Promise<void> {
  return renderOnce(<DoctorView report={forTerminal(report)} />, opts);
}

export function renderHistoryInk(report: HistoryReport, opts: InkRenderOptions = {}): Promise<void> {
  return renderOnce(<HistoryView report={forTerminal(report)} />, opts);
}

export function renderLastBuildInk(report: LastBuildReport, opts: InkRenderOptions = {}): Promise<void> {
  return renderOnce(<LastBuildView report={forTerminal(report)} />, opts);
}
