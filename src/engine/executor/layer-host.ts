// What a layer handle needs of the build it belongs to, and no more: the
// layers directory and its open transaction, the build env its env files are
// applied to, where its record goes, the last build's record of it, and a way
// to report. BuildContext is the one host; a narrow interface keeps the
// handle from importing the whole build context (and the context from being
// imported back by what it creates).
import type { Emit, StepId } from '../core/events.js';
import type { Env } from '../store/layer-env.js';
import type { LayerRecord } from '../store/sidecar.js';
import type { LayerTransaction } from '../store/transaction.js';

export interface LayerHost {
  readonly layersDir: string;
  readonly txn: LayerTransaction;
  /** The build env as it accumulates: a layer adds its env files' effect to it. */
  readonly env: Env;
  /** This build's record of each finished layer, by name. */
  readonly records: Record<string, LayerRecord>;
  readonly emit: Emit;
  info(step: StepId | null, message: string): void;
  /** A layer in pybp's record of the last successful build (its size and cost when it is reused). */
  previousRecord(name: string): LayerRecord | undefined;
  /** A host path as the build's tools see it (/layers/heroku_python/... with Heroku's paths): what env files name. */
  toolPath(hostPath: string): string;
}
