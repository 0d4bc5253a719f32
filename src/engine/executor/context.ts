// What every build step gets: the plan, the open transaction, the build
// environment as it accumulates (spec §10.1), and a way to report.
import path from 'node:path';
import type { Emit, StepId } from '../core/events.js';
import type { Env } from '../store/layer-env.js';
import type { LayerRecord } from '../store/sidecar.js';
import type { LayerTransaction } from '../store/transaction.js';
import { plannedLayer, type ReadyPlan } from '../plan/plan.js';
import { contextBuildEnv } from '../project/project-context.js';
import type { LayerName } from '../layers/types.js';
import type { ErrorData } from '../core/errors.js';
import { type CommandResult, type CommandRunner, runCommand } from '../io/run-command.js';
import { childLedger } from '../store/children.js';
import { toolFailure } from './tool-failure.js';
import { LayerHandle } from './layer-handle.js';
import type { LayerHost } from './layer-host.js';
import { linkedFileBinds, type PathView, type SandboxSpec, type ViewedDir, toHost, toView } from '../io/sandbox.js';

/** `pip`, `python -m venv`: how an error names the program it ran. */
function toolName(argv: string[]): string {
  const program = path.basename(argv[0]);
  // `python -I -m venv`: the module follows -m, after any interpreter flags.
  const m = argv.indexOf('-m', 1);
  return m !== -1 && argv[m + 1] && argv.slice(1, m).every((a) => a.startsWith('-')) ? `${program} -m ${argv[m + 1]}` : program;
}

/** The app files the build's tools open by name: pip, Poetry, uv (which reads .python-version too), manage.py. */
const TOOL_READ_FILES = ['requirements.txt', 'pyproject.toml', 'poetry.lock', 'uv.lock', '.python-version', 'manage.py'];

export class BuildContext implements LayerHost {
  readonly records: Record<string, LayerRecord> = {};
  readonly env: Env;

  constructor(
    readonly plan: ReadyPlan,
    readonly txn: LayerTransaction,
    readonly emit: Emit,
    readonly signal: AbortSignal,
    /** The build's fresh HOME (Heroku-clean), or null with host config. */
    home: string | null,
    private readonly runner: CommandRunner = runCommand,
  ) {
    this.env = contextBuildEnv(plan.context, home);
  }

  /**
   * The layers and the app as the tools see them (Heroku's paths, or the
   * host's). pybp's own file work uses host paths (layersDir, appDir,
   * layerPath); what a tool is given (argv, cwd, env values, env files) is
   * the view side: `toolPath()`.
   */
  get view(): PathView {
    return this.plan.context.view;
  }

  /** A host path inside the layers or the app, as the build's tools see it. */
  toolPath(hostPath: string): string {
    return toView(this.view, hostPath);
  }

  /** A path a tool sees, on the host. */
  hostPath(toolPath: string): string {
    return toHost(this.view, toolPath);
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

  /** A layer of this build's plan, to make or reuse as planned. */
  layer(name: LayerName): LayerHandle {
    return new LayerHandle(this, plannedLayer(this.plan.layers, name));
  }

  previousRecord(name: string): LayerRecord | undefined {
    const sidecar = this.plan.store.sidecar;
    return sidecar.ok ? sidecar.sidecar?.lastBuild?.layers[name] : undefined;
  }

  /** The python layer's directory (filled by the first step; tools bootstrap from its bundled pip). */
  get pythonDir(): string {
    return this.layerPath('python');
  }

  info(step: StepId | null, message: string): void {
    this.emit({ type: 'info', step, message });
  }

  /**
   * Runs a tool of the build: argv and cwd as the tool sees them (in heroku
   * mode inside the sandbox, io/sandbox.ts). `pybp: true` is pybp's own work
   * outside the layers (its pinned uv, `uv python install` into its cache):
   * host paths, no sandbox.
   */
  async run(
    step: StepId,
    argv: string[],
    /** `shared`: pybp's own scratch dirs a sandboxed tool must see, at their host paths. */
    opts: { env?: Env; capture?: boolean; cwd?: string; pybp?: boolean; shared?: string[] } = {},
  ): Promise<CommandResult> {
    if (!opts.capture) this.emit({ type: 'command', step, argv });
    const env = opts.env ?? this.env;
    const sandbox = opts.pybp ? undefined : this.sandbox(env, opts.shared ?? []);
    return this.runner(argv, {
      cwd: opts.cwd ?? (sandbox ? this.view.app.view : this.appDir),
      sandbox,
      env,
      signal: this.signal,
      capture: opts.capture,
      children: childLedger(this.layersDir),
      onLine: (line) => this.emit({ type: 'output', step, line }),
    });
  }

  private sandbox(env: Env, shared: string[]): SandboxSpec | undefined {
    const tools = this.plan.context.sandboxTools;
    if (this.view.mode !== 'heroku' || !tools) return undefined;
    // The build's HOME (and a host-config TMPDIR) stay writable where they are.
    this.linkedFiles ??= linkedFileBinds(this.view, TOOL_READ_FILES);
    return { tools, view: this.view, writable: [env.HOME, env.TMPDIR, ...shared].filter((d): d is string => !!d), readOnly: this.linkedFiles };
  }

  /** The app's linked files a sandboxed tool must be shown (io/sandbox.ts), looked at once per build. */
  private linkedFiles: ViewedDir[] | undefined;

  /** Runs a tool and turns a non-zero exit into the given error. */
  async runOrFail(
    step: StepId,
    argv: string[],
    /** The error for a failed run, from its status and its last output lines (so a fix can match the cause). */
    error: (status: string, tail: readonly string[]) => ErrorData,
    opts: { env?: Env } = {},
  ): Promise<void> {
    const result = await this.run(step, argv, opts);
    if (result.code !== 0) throw toolFailure(toolName(argv), result, error(result.status, result.tail ?? []));
  }
}
