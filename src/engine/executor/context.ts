// What every build step gets: the plan, the open transaction, the build
// environment as it accumulates (spec §10.1), and a way to report.
import path from 'node:path';
import type { Emit, StepId } from '../events.js';
import type { Env } from '../cnb/layer-env.js';
import type { LayerRecord } from '../store/sidecar.js';
import type { LayerTransaction } from '../store/transaction.js';
import { type PlannedLayer, plannedLayer, type ReadyPlan } from '../plan.js';
import type { LayerName } from '../layers/types.js';
import type { ErrorData } from '../errors.js';
import { type CommandResult, runCommand } from './run-command.js';
import { finishLayer, layerSize, openLayer } from './layer-ops.js';
import { toolFailure } from './tool-failure.js';

/** `pip`, `python -m venv`: how an error names the program it ran. */
function toolName(argv: string[]): string {
  const program = path.basename(argv[0]);
  return argv[1] === '-m' && argv[2] ? `${program} -m ${argv[2]}` : program;
}

export class BuildContext {
  readonly records: Record<string, LayerRecord> = {};
  readonly env: Env;

  constructor(
    readonly plan: ReadyPlan,
    readonly txn: LayerTransaction,
    readonly emit: Emit,
    readonly signal: AbortSignal,
  ) {
    this.env = { ...plan.context.baseEnv };
  }

  get layersDir(): string {
    return this.plan.context.layersDir;
  }

  get appDir(): string {
    return this.plan.context.appDir;
  }

  layerPath(name: LayerName): string {
    return path.join(this.layersDir, name);
  }

  planned(name: LayerName): PlannedLayer {
    return plannedLayer(this.plan.layers, name);
  }

  info(step: StepId | null, message: string): void {
    this.emit({ type: 'info', step, message });
  }

  /**
   * Opens a layer as planned, runs `fill` when the layer is not reused, then
   * writes its metadata (last) and reports time and size. A `fill` that already
   * knows the layer's size returns it, which saves walking the layer again.
   */
  async withLayer(
    step: StepId,
    name: LayerName,
    fill: (dir: string) => Promise<void | number>,
    opts: { reportDone?: boolean } = {},
  ): Promise<{ dir: string; reused: boolean }> {
    const started = Date.now();
    const { def, decision } = this.planned(name);
    this.emit({ type: 'layer-decision', step, decision });
    const dir = await openLayer(this.txn, def, decision);
    const reused = decision.action === 'reuse';
    const filledSize = reused ? undefined : await fill(dir);
    await finishLayer(this.txn, def);
    if (opts.reportDone !== false) await this.layerDone(step, name, started, !reused, typeof filledSize === 'number' ? filledSize : undefined);
    return { dir, reused };
  }

  /** Records a layer's time; its size is measured (unless `knownSize` gives it) only when it was (re)made. */
  async layerDone(step: StepId, name: LayerName, started: number, measure: boolean, knownSize?: number): Promise<void> {
    const { decision } = this.planned(name);
    const durationMs = Date.now() - started;
    const sidecar = this.plan.store.sidecar;
    const previous = sidecar.ok ? sidecar.sidecar?.lastBuild?.layers[name] : undefined;
    let sizeBytes = knownSize ?? (measure ? null : (previous?.sizeBytes ?? null));
    if (sizeBytes == null) sizeBytes = await layerSize(this.layerPath(name));
    const madeMs = decision.action === 'reuse' ? (previous?.madeMs ?? null) : durationMs;
    this.records[name] = { action: decision.action, durationMs, sizeBytes, madeMs };
    this.emit({ type: 'layer-finished', step, layer: name, action: decision.action, durationMs, sizeBytes });
  }

  async run(step: StepId, argv: string[], opts: { env?: Env; capture?: boolean; cwd?: string } = {}): Promise<CommandResult> {
    if (!opts.capture) this.emit({ type: 'command', step, argv });
    return runCommand(argv, {
      cwd: opts.cwd ?? this.appDir,
      env: opts.env ?? this.env,
      signal: this.signal,
      capture: opts.capture,
      layersDir: this.layersDir,
      onLine: (line) => this.emit({ type: 'output', step, line }),
    });
  }

  /** Runs a tool and turns a non-zero exit into the given error. */
  async runOrFail(
    step: StepId,
    argv: string[],
    error: (status: string) => ErrorData,
    opts: { env?: Env } = {},
  ): Promise<void> {
    const result = await this.run(step, argv, opts);
    if (result.code !== 0) throw toolFailure(toolName(argv), result, error(result.status));
  }
}
