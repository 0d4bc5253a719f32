// The engine talks to the outside only through these events (and the result
// it returns). Renderers (Ink, plain lines, JSON) subscribe; the engine does
// not know which one is listening.
import type { ErrorData } from './errors.js';
import type { Warning } from '../analysis/types.js';
import type { LayerDecision } from '../layers/types.js';
import type { BuildEnvChoice } from '../project/build-env.js';

/** The buildpack's sections (spec §6), plus pybp's own preparation. */
export type StepId =
  | 'python-version'
  | 'python'
  | 'pip'
  | 'pip-deps'
  | 'poetry'
  | 'poetry-deps'
  | 'uv'
  | 'uv-deps'
  | 'django';

export interface PlanSummary {
  app: string;
  layersDir: string;
  packageManager: string;
  python: { requested: string; resolved: string; origin: string };
  source: { kind: string; interpreter: string | null; substituted: boolean; reason: string } | null;
  target: { arch: string; distro_name: string; distro_version: string; origin: string };
  /** The environment the build runs tools in: Heroku-clean, or the user's HOME and config (--host-config). */
  environment: BuildEnvChoice;
  /** Which paths the build's tools see (heroku: /layers/heroku_python and /workspace, through bubblewrap), what chose it, and the fallback note. */
  paths: { mode: 'heroku' | 'host'; origin: 'default' | 'config' | 'flag'; note: string | null; layers: string; app: string };
}

/** A shared cache's transfer: the restore before the build, or the save after it. */
export type CacheDirection = 'restore' | 'save';

export interface CacheTransferLayer {
  name: string;
  /** The bytes to move (the blob's or tar's size); null until known (a layer still to be packed for a save). */
  bytes: number | null;
}

/**
 * The shared cache's transfers (engine/cache/transfer.ts), for --cache-dir and
 * --cache-image alike. Progress is throttled at the source (at most one event
 * per blob every 100 ms, none for a blob done sooner), never one per chunk.
 * `layer` null is an image's blob of no layer (its config, lifecycle's empty layer).
 */
export type CacheTransferEvent =
  | { type: 'cache-transfer-started'; direction: CacheDirection; cache: string; layers: CacheTransferLayer[] }
  /** `packing`: a save writing a layer's tar (an image's, to a temp file first); `moving`: the bytes crossing to or from the cache. */
  | { type: 'cache-blob-progress'; direction: CacheDirection; layer: string | null; phase: 'packing' | 'moving'; bytesDone: number; bytesTotal: number | null; elapsedMs: number }
  /** One blob through a phase (ok false: refused or failed on the way; a warning says why). Packed bytes are not moved bytes. */
  | { type: 'cache-blob-done'; direction: CacheDirection; layer: string | null; phase: 'packing' | 'moving'; bytes: number; durationMs: number; ok: boolean }
  /** A blob that does not move: the cache already has it (save), the layers dir already has the layer, or the build does not take it (restore). */
  | { type: 'cache-blob-skipped'; direction: CacheDirection; layer: string | null; why: 'already-present' | 'not-needed'; detail: string | null }
  /** `blobsMoved`: blobs through whole (a restore that moved none restored nothing, whatever it read). */
  | { type: 'cache-transfer-finished'; direction: CacheDirection; cache: string; ok: boolean; bytesMoved: number; blobsMoved: number; blobsSkipped: number; durationMs: number; bytesPerSecond: number };

export type EngineEvent =
  | { type: 'plan'; plan: PlanSummary; decisions: LayerDecision[] }
  | { type: 'recovered'; what: 'rolled-back' | 'rolled-forward' }
  | { type: 'step-started'; step: StepId; title: string }
  | { type: 'info'; step: StepId | null; message: string }
  | { type: 'layer-decision'; step: StepId; decision: LayerDecision }
  | { type: 'command'; step: StepId; argv: string[] }
  | { type: 'output'; step: StepId; line: string }
  | { type: 'layer-finished'; step: StepId; layer: string; action: LayerDecision['action']; durationMs: number; sizeBytes: number | null }
  | { type: 'step-finished'; step: StepId; ok: boolean; durationMs: number }
  | { type: 'warning'; warning: Warning }
  | { type: 'error'; error: ErrorData }
  | CacheTransferEvent;

export type Emit = (event: EngineEvent) => void;
