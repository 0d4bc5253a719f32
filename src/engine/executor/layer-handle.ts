// One layer of the running build, in the spirit of libcnb's `LayerRef`: its
// directory, its planned decision, and the order every layer goes through:
//
//   ensure()  announce the decision; reuse (rewrite [types]) or set the old
//             layer aside and fill a new one; write the env files; write the
//             metadata last; put the layer's env into the build env
//   done()    record its time and size (after any work the layer's time
//             includes, such as the install into a venv)
//
// Steps only say what differs: how a layer is filled, and when it is done.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readAppText } from '../io/app-file.js';
import { applyLayerEnvFiles, type EnvFile, layerEnvIs, writeLayerEnv } from '../store/layer-env.js';
import type { StepId } from '../core/events.js';
import { faultPoint } from '../core/fault.js';
import { buildpackDecisionLines } from '../layers/buildpack-log.js';
import type { LayerDefinition } from '../layers/definition.js';
import type { LayerDecision } from '../layers/types.js';
import type { PlannedLayer } from '../plan/plan.js';
import { layerSizeBytes } from '../python-source/tree.js';
import { parseLayerToml, renderLayerToml, writeLayerToml } from '../store/layer-toml.js';
import type { LayerRecord } from '../store/sidecar.js';
import type { LayerTransaction } from '../store/transaction.js';
import type { LayerHost } from './layer-host.js';

/** Fills a new layer's directory; returns the layer's size when it already counted it (saves walking it again). */
export type LayerFill = (dir: string) => Promise<void | number>;

export class LayerHandle {
  readonly def: LayerDefinition;
  readonly decision: LayerDecision;
  readonly dir: string;
  private step: StepId | null = null;
  private started = 0;
  private stoppedAt: number | null = null;
  private knownSize: number | undefined;
  /** A reused layer's toml already says what writeMetadata() would write. */
  private tomlFinal = false;

  constructor(
    private readonly ctx: LayerHost,
    planned: PlannedLayer,
  ) {
    this.def = planned.def;
    this.decision = planned.decision;
    this.dir = path.join(ctx.layersDir, planned.def.name);
  }

  get name(): string {
    return this.def.name;
  }

  get reused(): boolean {
    return this.decision.action === 'reuse';
  }

  /** The env files this layer writes (spec §7), e.g. for a bootstrap that needs them before they are on disk. */
  envFiles(): EnvFile[] {
    // What the tools read: the layer's path as they see it.
    return this.def.env(this.ctx.toolPath(this.dir));
  }

  /** Makes the layer as planned (runs `fill` unless it is reused) and adds its env to the build env. */
  async ensure(step: StepId, fill?: LayerFill): Promise<this> {
    this.step = step;
    this.started = Date.now();
    // The buildpack's line for this decision ("Using cached Python 3.12.13"), then pybp's row with every reason.
    for (const line of buildpackDecisionLines(this.def, this.decision)) this.ctx.info(step, line);
    this.ctx.emit({ type: 'layer-decision', step, decision: this.decision });
    await this.open(this.ctx.txn);
    if (!this.reused && fill) {
      const size = await fill(this.dir);
      if (typeof size === 'number') this.knownSize = size;
    }
    const files = this.envFiles();
    // A reused layer usually holds these very files: checking them is cheaper than writing them again.
    if (!(this.reused && (await layerEnvIs(this.dir, files)))) await writeLayerEnv(this.dir, files);
    await this.writeMetadata(this.ctx.txn);
    // The files on disk are now exactly `files`: applied without reading them back.
    await applyLayerEnvFiles(this.ctx.env, this.dir, files, 'build', this.ctx.toolPath(this.dir));
    return this;
  }

  /** ensure() and done() at once, for a layer nothing writes into after it is made. */
  async ensureDone(step: StepId, fill?: LayerFill): Promise<void> {
    await this.ensure(step, fill);
    // Reused and untouched: as big as the last build measured it.
    await this.finish(this.reused ? this.previousRecord()?.sizeBytes : undefined);
  }

  /** Ends the layer's time now; done() may come later (pip-cache: its size is only known once pip has filled it). */
  stopClock(): void {
    this.stoppedAt ??= Date.now();
  }

  /** Records the layer's time and size (measured now: a tool may have written into it since ensure()), and reports it. */
  async done(): Promise<void> {
    await this.finish(undefined);
  }

  private async finish(unchangedSize: number | null | undefined): Promise<void> {
    if (this.step === null) throw new Error(`pybp bug: layer ${this.name} is done before it was ensured`);
    const durationMs = (this.stoppedAt ?? Date.now()) - this.started;
    const sizeBytes = this.knownSize ?? unchangedSize ?? (await layerSizeBytes(this.dir));
    // What making the layer cost is carried over the builds that reuse it (explain shows it as the rebuild cost).
    const madeMs = this.reused ? (this.previousRecord()?.madeMs ?? null) : durationMs;
    this.ctx.records[this.name] = { action: this.decision.action, durationMs, sizeBytes, madeMs };
    this.ctx.emit({ type: 'layer-finished', step: this.step, layer: this.name, action: this.decision.action, durationMs, sizeBytes });
  }

  /** This layer in pybp's record of the last successful build. */
  private previousRecord(): LayerRecord | undefined {
    return this.ctx.previousRecord(this.name);
  }

  /**
   * libcnb style: reuse rewrites [types] and keeps the metadata; anything else
   * sets the old layer aside (journal) and starts an empty one whose toml has
   * [types] only, so a layer cut short has no metadata and is never reused.
   */
  private async open(txn: LayerTransaction): Promise<void> {
    const { name, types } = this.def;
    if (this.reused) {
      const tomlPath = path.join(txn.layersDir, `${name}.toml`);
      const text = (await readAppText(tomlPath, 'layer-metadata')) ?? '';
      const parsed = parseLayerToml(text, tomlPath);
      // Already [types] and the metadata the layer ends with (a rebuild with nothing changed): nothing to write.
      if (this.def.kind === 'cached' && text === renderLayerToml(types, this.def.metadata)) {
        this.tomlFinal = true;
        return;
      }
      // Lifecycle strips [types] on restore; the buildpack writes them again.
      await writeLayerToml(txn.layersDir, name, types, parsed.metadata as Record<string, string>);
      return;
    }
    await txn.setAside(name);
    await fs.mkdir(this.dir, { recursive: true });
    await writeLayerToml(txn.layersDir, name, types);
  }

  /** The metadata says the layer is complete, so it is written last. */
  private async writeMetadata(txn: LayerTransaction): Promise<void> {
    faultPoint(`metadata:${this.name}:before`);
    if (this.def.kind === 'cached' && !this.tomlFinal) await writeLayerToml(txn.layersDir, this.name, this.def.types, this.def.metadata);
    faultPoint(`metadata:${this.name}:after`);
  }
}
