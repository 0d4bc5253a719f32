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
  | { type: 'error'; error: ErrorData };

export type Emit = (event: EngineEvent) => void;
