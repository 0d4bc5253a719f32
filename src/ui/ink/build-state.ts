// The build view's state, as a pure reducer over engine events. No Ink or
// React here: the view only draws what this computes, and tests drive it
// with plain event lists.
//
// What is finished goes to `done`, which only ever grows: the view prints it
// once through <Static>. Only `current` (the running step) and the closing
// summary are redrawn.
import type { Warning } from '../../engine/index.js';
import type { BuildReport } from '../../engine/index.js';
import type { ErrorData } from '../../engine/index.js';
import type { CacheDirection, CacheTransferEvent, EngineEvent, PlanSummary, StepId } from '../../engine/index.js';
import type { LayerAction, LayerDecision, Reason } from '../../engine/index.js';
import { formatCommand } from '../format.js';
import { cleanOutputLine } from './terminal-text.js';

export interface LayerState {
  name: string;
  action: LayerAction;
  reasons: Reason[];
  durationMs: number | null;
  sizeBytes: number | null;
  finished: boolean;
}

export interface OutputLine {
  text: string;
  /** A `$ command` line pybp wrote, not the tool's own output. */
  command?: boolean;
}

/** Things said inside a step, in the order they happened. */
export type StepEntry =
  | { kind: 'layer'; layer: LayerState }
  | { kind: 'info'; message: string }
  | { kind: 'warning'; warning: Warning };

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface StepState {
  id: StepId;
  title: string;
  status: StepStatus;
  startedAt: number;
  durationMs: number | null;
  entries: StepEntry[];
  /**
   * Every output line of the step while it runs, so a failure can show all of
   * it; emptied when the step succeeds (the view collapses it then).
   */
  output: OutputLine[];
  /** How many output lines the step produced, kept after `output` is emptied. */
  outputCount: number;
}

/** One blob of a shared cache's transfer, as last heard of. */
export interface TransferBlob {
  /** The layer's name; null for an image's blob of no layer (its config). */
  name: string | null;
  phase: 'packing' | 'moving';
  status: 'waiting' | 'running' | 'done' | 'failed';
  bytesDone: number;
  bytesTotal: number | null;
  /** Since the blob's phase began (the rate's time). */
  elapsedMs: number;
}

export interface TransferSkip {
  name: string | null;
  why: 'already-present' | 'not-needed';
  detail: string | null;
}

/** The restore before the build, or the save after it: live until it finishes, then a done item. */
export interface TransferState {
  direction: CacheDirection;
  cache: string;
  startedAt: number;
  blobs: TransferBlob[];
  skipped: TransferSkip[];
  end: { ok: boolean; interrupted: boolean; bytesMoved: number; blobsSkipped: number; durationMs: number } | null;
}

export type DoneItem =
  | { kind: 'recovered'; key: string; what: 'rolled-back' | 'rolled-forward' }
  | { kind: 'header'; key: string; plan: PlanSummary; drops: LayerDecision[] }
  | { kind: 'step'; key: string; step: StepState }
  | { kind: 'info'; key: string; message: string }
  | { kind: 'warning'; key: string; warning: Warning }
  | { kind: 'transfer'; key: string; transfer: TransferState }
  | { kind: 'end'; key: string; end: BuildEnd };

/** How the build ended, with what the closing summary needs to say about it. */
export interface BuildEnd {
  report: BuildReport;
  error: ErrorData | null;
  /** Title of the step that failed, or that a Ctrl-C stopped. */
  failedStep: string | null;
  interruptedStep: string | null;
  /**
   * Whether a layer step had started: the layer transaction begins once the
   * Python version is known, so before that nothing was written to roll back.
   */
  touchedLayers: boolean;
}

export interface BuildState {
  plan: PlanSummary | null;
  /** Printed once, in order; never changes after it is appended. */
  done: DoneItem[];
  current: StepState | null;
  /** A shared cache's transfer under way (redrawn, like the running step). */
  transfer: TransferState | null;
  warnings: Warning[];
  error: ErrorData | null;
  report: BuildReport | null;
}

export type BuildAction =
  | { type: 'event'; event: EngineEvent; at: number }
  | { type: 'finish'; report: BuildReport; at: number };

export const initialBuildState: BuildState = {
  plan: null,
  done: [],
  current: null,
  transfer: null,
  warnings: [],
  error: null,
  report: null,
};

export function reduceBuild(state: BuildState, action: BuildAction): BuildState {
  if (action.type === 'finish') return finish(state, action.report, action.at);
  const { event: e, at } = action;
  switch (e.type) {
    case 'plan':
      return append(
        { ...state, plan: e.plan },
        { kind: 'header', plan: e.plan, drops: e.decisions.filter((d) => d.action === 'drop') },
      );
    case 'recovered':
      return append(state, { kind: 'recovered', what: e.what });
    case 'step-started': {
      const closed = closeCurrent(state, 'succeeded', at);
      const step: StepState = {
        id: e.step,
        title: e.title,
        status: 'running',
        startedAt: at,
        durationMs: null,
        entries: [],
        output: [],
        outputCount: 0,
      };
      return { ...closed, current: step };
    }
    case 'info':
      if (state.current && (e.step === null || e.step === state.current.id)) {
        return withCurrent(state, (s) => ({ ...s, entries: [...s.entries, { kind: 'info', message: e.message }] }));
      }
      return append(state, { kind: 'info', message: e.message });
    case 'layer-decision': {
      const d = e.decision;
      const layer: LayerState = {
        name: String(d.name),
        action: d.action,
        reasons: d.reasons,
        durationMs: null,
        sizeBytes: null,
        finished: false,
      };
      return withCurrent(state, (s) => ({ ...s, entries: [...s.entries, { kind: 'layer', layer }] }));
    }
    case 'layer-finished':
      return withCurrent(state, (s) => ({
        ...s,
        entries: s.entries.map((entry) =>
          entry.kind === 'layer' && entry.layer.name === e.layer
            ? { kind: 'layer', layer: { ...entry.layer, action: e.action, durationMs: e.durationMs, sizeBytes: e.sizeBytes, finished: true } }
            : entry,
        ),
      }));
    case 'command':
      return addOutput(state, { text: `$ ${formatCommand(e.argv)}`, command: true });
    case 'output':
      return addOutput(state, { text: cleanOutputLine(e.line) });
    case 'step-finished':
      // A step that did not finish is closed by the error event that follows,
      // which knows whether it failed or was interrupted.
      if (state.current?.id !== e.step || !e.ok) return state;
      return closeCurrent(state, 'succeeded', state.current.startedAt + e.durationMs);
    case 'warning': {
      const next = { ...state, warnings: [...state.warnings, e.warning] };
      if (next.current) {
        return withCurrent(next, (s) => ({ ...s, entries: [...s.entries, { kind: 'warning', warning: e.warning }] }));
      }
      return append(next, { kind: 'warning', warning: e.warning });
    }
    case 'error':
      return { ...closeCurrent(closeTransfer(state, e.error.code === 'interrupted', at), e.error.code === 'interrupted' ? 'interrupted' : 'failed', at), error: e.error };
    case 'cache-transfer-started':
    case 'cache-blob-progress':
    case 'cache-blob-done':
    case 'cache-blob-skipped':
    case 'cache-transfer-finished':
      return reduceTransfer(state, e, at);
  }
}

function reduceTransfer(state: BuildState, e: CacheTransferEvent, at: number): BuildState {
  if (e.type === 'cache-transfer-started') {
    const blobs = e.layers.map((l): TransferBlob => ({ name: l.name, phase: e.direction === 'restore' ? 'moving' : 'packing', status: 'waiting', bytesDone: 0, bytesTotal: l.bytes, elapsedMs: 0 }));
    return { ...closeTransfer(state, false, at), transfer: { direction: e.direction, cache: e.cache, startedAt: at, blobs, skipped: [], end: null } };
  }
  const t = state.transfer;
  if (!t) return state;
  switch (e.type) {
    case 'cache-blob-progress':
      return { ...state, transfer: updateBlob(t, e.layer, (b) => ({ ...b, phase: e.phase, status: 'running', bytesDone: e.bytesDone, bytesTotal: e.bytesTotal ?? (b.phase === e.phase ? b.bytesTotal : null), elapsedMs: e.elapsedMs })) };
    case 'cache-blob-done':
      return {
        ...state,
        transfer: updateBlob(t, e.layer, (b) =>
          // Packed: its upload is still to come (an image's save).
          e.phase === 'packing' && e.ok
            ? { ...b, phase: 'moving', status: 'waiting', bytesDone: 0, bytesTotal: null, elapsedMs: 0 }
            : { ...b, phase: e.phase, status: e.ok ? 'done' : 'failed', bytesDone: e.bytes, bytesTotal: e.ok ? e.bytes : b.bytesTotal, elapsedMs: e.durationMs },
        ),
      };
    case 'cache-blob-skipped':
      return {
        ...state,
        transfer: { ...t, blobs: t.blobs.filter((b) => b.name !== e.layer || b.status !== 'waiting'), skipped: [...t.skipped, { name: e.layer, why: e.why, detail: e.detail }] },
      };
    case 'cache-transfer-finished': {
      const end = { ok: e.ok, interrupted: false, bytesMoved: e.bytesMoved, blobsSkipped: e.blobsSkipped, durationMs: e.durationMs };
      return append({ ...state, transfer: null }, { kind: 'transfer', transfer: { ...t, end } });
    }
  }
}

function updateBlob(t: TransferState, name: string | null, update: (b: TransferBlob) => TransferBlob): TransferState {
  const i = t.blobs.findIndex((b) => b.name === name);
  if (i < 0) return { ...t, blobs: [...t.blobs, update({ name, phase: 'moving', status: 'waiting', bytesDone: 0, bytesTotal: null, elapsedMs: 0 })] };
  return { ...t, blobs: t.blobs.map((b, j) => (j === i ? update(b) : b)) };
}

/** A transfer the engine never said was finished (an error, an interrupt, the build's end) ends here, with what was heard. */
function closeTransfer(state: BuildState, interrupted: boolean, at: number): BuildState {
  const t = state.transfer;
  if (!t) return state;
  const bytesMoved = t.blobs.reduce((n, b) => n + (b.phase === 'moving' ? b.bytesDone : 0), 0);
  const end = { ok: false, interrupted, bytesMoved, blobsSkipped: t.skipped.length, durationMs: Math.max(0, at - t.startedAt) };
  return append({ ...state, transfer: null }, { kind: 'transfer', transfer: { ...t, end } });
}

function finish(state: BuildState, report: BuildReport, at: number): BuildState {
  const status: StepStatus = report.status === 'succeeded' ? 'succeeded' : report.status === 'interrupted' ? 'interrupted' : 'failed';
  const closed = closeCurrent(closeTransfer(state, report.status === 'interrupted', at), status, at);
  const error = closed.error ?? report.error;
  const end: BuildEnd = {
    report,
    error,
    failedStep: failedStep(closed)?.title ?? null,
    interruptedStep: interruptedStep(closed)?.title ?? null,
    touchedLayers: finishedSteps(closed).some((st) => st.id !== 'python-version'),
  };
  // The summary is printed once too: redrawing a frame taller than the
  // terminal makes Ink clear the whole screen, scrollback included.
  return append({ ...closed, error, report }, { kind: 'end', end });
}

/** The step the engine never said was finished is finished when the next starts, or when the build ends. */
function closeCurrent(state: BuildState, status: Exclude<StepStatus, 'running'>, at: number): BuildState {
  const step = state.current;
  if (!step) return state;
  const closed: StepState = {
    ...step,
    status,
    durationMs: Math.max(0, at - step.startedAt),
    // A step that worked does not need its output again; a failed one shows all of it.
    output: status === 'succeeded' ? [] : step.output,
  };
  return append({ ...state, current: null }, { kind: 'step', step: closed });
}

function append(state: BuildState, item: DistributiveOmit<DoneItem, 'key'>): BuildState {
  const key = `${item.kind}-${state.done.length}`;
  return { ...state, done: [...state.done, { ...item, key } as DoneItem] };
}

function withCurrent(state: BuildState, update: (s: StepState) => StepState): BuildState {
  return state.current ? { ...state, current: update(state.current) } : state;
}

function addOutput(state: BuildState, line: OutputLine): BuildState {
  return withCurrent(state, (s) => ({ ...s, output: [...s.output, line], outputCount: s.outputCount + 1 }));
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Every step that has finished, in order. */
export function finishedSteps(state: BuildState): StepState[] {
  return state.done.flatMap((item) => (item.kind === 'step' ? [item.step] : []));
}

/** The step a Ctrl-C stopped, if the build was interrupted during one. */
export function interruptedStep(state: BuildState): StepState | null {
  return finishedSteps(state).find((s) => s.status === 'interrupted') ?? null;
}

/** The step that failed, if one did. */
export function failedStep(state: BuildState): StepState | null {
  return finishedSteps(state).find((s) => s.status === 'failed') ?? null;
}
