// pybp's benchmarks: pybp against the same work done by hand, both sides run
// alternately in one process. `npm run bench` runs them all and rewrites
// bench/RESULTS.md, which also says what each side runs.
import { readdirSync, realpathSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type * as BuildEnvModule from '../src/engine/project/build-env.js';
import type * as LayerEnvModule from '../src/engine/store/layer-env.js';
import type * as PythonSourceModule from '../src/engine/python-source/index.js';
import type { BuildReport } from '../src/engine/executor/build.js';
import type { ExplainReport } from '../src/engine/explain/report.js';
import { pythonPrefixFor } from '../test/support/pythons.js';
import { buildConfigVars, importDist, type Infra, pybpArgv, pybpEnv, repoRoot, setUpInfra } from './lib/infra.js';
import { alternate, fmtMs, median, stopRunning, timeCall, timeCommand } from './lib/measure.js';
import { type BenchResult, describeMachine, met, renderResults, rowMet, type SplitRow, writeResults } from './lib/report.js';
import { benchCiCache, defaultPathsMode, type CiPythonSource, type PathsMode } from './ci-cache.js';

const PIP_VERSION = '26.1.2';
/**
 * The interpreter pybp copies for the apps' `.python-version` 3.12: the newest
 * local 3.12 (pyenv's 3.12.1 on the machines this was written on).
 */
const PYENV_PYTHON = pythonPrefixFor('3.12');

interface Options {
  only: Set<string> | null;
  rounds: number | null;
  /** --before <checkout>: another built checkout of pybp, run in bench 2a's rounds too (before/after side by side). */
  before: string | null;
  /** --paths heroku|host: bench 6's mode (default: what a build without --paths takes on this machine). */
  paths: PathsMode | null;
  /** --python-source heroku|local: where bench 6's python layer comes from (default heroku: the archive, served on loopback). */
  pythonSource: CiPythonSource | null;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { only: null, rounds: null, before: null, paths: null, pythonSource: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') opts.only = new Set(argv[++i].split(','));
    else if (argv[i] === '--rounds') {
      opts.rounds = Number(argv[++i]);
      if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds takes a whole number >= 1');
    }
    else if (argv[i] === '--before') opts.before = argv[++i];
    else if (argv[i] === '--paths') {
      const mode = argv[++i];
      if (mode !== 'heroku' && mode !== 'host') throw new Error('--paths takes heroku or host');
      opts.paths = mode;
    }
    else if (argv[i] === '--python-source') {
      const source = argv[++i];
      if (source !== 'heroku' && source !== 'local') throw new Error('--python-source takes heroku or local');
      opts.pythonSource = source;
    }
    else throw new Error(`unknown argument ${argv[i]} (known: --only 1,2a,2b,3,4,5,6, --rounds N, --before <checkout>, --paths heroku|host and --python-source heroku|local)`);
  }
  return opts;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

export async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  const started = performance.now();
  const date = new Date();
  const wanted = (id: string) => !opts.only || opts.only.has(id) || opts.only.has(id.replace(/[ab]$/, ''));
  const rounds = (n: number) => opts.rounds ?? n;

  // Ctrl-C, SIGTERM or SIGHUP: stop the running command (pybp rolls its build back on SIGTERM),
  // remove the bench's directory, and exit, so that the 'exit' hook of test/support/children.ts
  // kills what the bench started in process groups of its own (bench 6's docker-registry) by PID.
  let scratchRoot: string | null = null;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      log(`bench: ${signal}, stopping`);
      void stopRunning('SIGTERM', 5000).finally(() => {
        if (scratchRoot) rmSync(scratchRoot, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
  log('bench: setting up (test wheels, loopback index, apps)');
  const infra = await setUpInfra(log);
  scratchRoot = infra.root;
  const results: BenchResult[] = [];
  try {
    // The first build of the uv app is bench 1's "built app" and bench 2a's starting point.
    if (wanted('1') || wanted('2a')) await firstBuild(infra.apps.uv, 'uv');
    if (wanted('1')) results.push(await benchExplain(infra, rounds(11)));
    if (wanted('2a')) results.push(await benchUvRebuild(infra, rounds(11), opts.before));
    if (wanted('2b')) {
      await firstBuild(infra.apps.poetry, 'Poetry');
      results.push(await benchPoetryRebuild(infra, rounds(9)));
    }
    if (wanted('3')) results.push(await benchPipCold(infra, rounds(7)));
    if (wanted('4')) results.push(await benchPythonLayer(infra, rounds(11)));
    if (wanted('5')) results.push(await benchSandbox(infra, rounds(9)));
    if (wanted('6')) {
      const chosen = opts.paths ? { mode: opts.paths, origin: "the bench's --paths" } : await pathsOfDefaultBuild();
      results.push(...(await benchCiCache(infra, { rounds, paths: chosen, pythonSource: opts.pythonSource ?? 'heroku', log })));
    }
  } finally {
    await infra.close();
  }

  addStartupFloor(results);
  const wallMs = performance.now() - started;
  const text = renderResults(results, { date, machine: describeMachine(), wallMs, command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}` });
  // A partial or shortened run must not replace the full run's record.
  const partial = opts.only !== null || opts.rounds !== null || opts.before !== null || opts.paths !== null || opts.pythonSource !== null;
  const file = partial ? join(repoRoot, 'bench', '.build', 'RESULTS.partial.md') : join(repoRoot, 'bench', 'RESULTS.md');
  await mkdir(join(repoRoot, 'bench', '.build'), { recursive: true });
  await writeResults(file, text);
  log('');
  for (const r of results) {
    log(`${r.id}. ${r.title}: A ${fmtMs(r.result.medianA)}, B ${fmtMs(r.result.medianB)}, ratio ${r.result.ratio.toFixed(2)} (target <= ${r.target}) ${met(r) ? 'met' : 'MISSED'}`);
    for (const m of r.moreRows ?? []) {
      const ok = rowMet(m);
      log(`${r.id}. ${m.title}: A ${fmtMs(m.medianA)}, B ${fmtMs(m.medianB)}, ratio ${(m.medianA / m.medianB).toFixed(2)}${ok === null ? ' (context, no target)' : ` (target <= ${m.target}) ${ok ? 'met' : 'MISSED'}`}`);
    }
    for (const row of r.split ?? []) log(`   ${row.label}: ${fmtMs(row.wall)} wall - ${fmtMs(row.tool)} ${row.toolName} - ${fmtMs(row.node)} node -e 0 = ${fmtMs(row.own)} pybp's own (target < ${fmtMs(row.target)}) ${row.own < row.target ? 'met' : 'MISSED'}`);
  }
  log(`bench: wall time ${fmtMs(wallMs)}; results in ${file.slice(repoRoot.length + 1)}`);
  return 0;
}

/** Bench 6 builds with the paths a build without --paths takes here, named explicitly so the figure says which. */
async function pathsOfDefaultBuild(): Promise<{ mode: PathsMode; origin: string }> {
  const { mode, note } = await defaultPathsMode();
  return { mode, origin: `what a build without --paths takes on this machine${note ? `: ${note}` : ''}` };
}

/**
 * pybp is a Node program and the hand-run tools are not: Node's bare start-up
 * (bench 1's B side) is a cost pybp cannot go below. Says what that alone does
 * to each warm-rebuild ratio.
 */
function addStartupFloor(results: BenchResult[]): void {
  const node = results.find((r) => r.id === '1')?.result.medianB;
  if (node === undefined) return;
  for (const r of results.filter((x) => x.id.startsWith('2'))) {
    const floor = (r.result.medianB + node) / r.result.medianB;
    (r.notes ??= []).push(
      `Node's bare start-up (bench 1, B: ${fmtMs(node)}) alone would make this ratio ${floor.toFixed(2)}× for a program that did nothing but run the same command.`,
    );
  }
}

async function firstBuild(app: string, what: string): Promise<void> {
  log(`first build of the ${what} app (untimed)`);
  const report = await pybpBuild(app);
  if (report.status !== 'succeeded') throw new Error(`the first build of the ${what} app failed: ${JSON.stringify(report.error)}`);
}

/**
 * Benches 1-4 compare pybp with the same tools run by hand on this machine's
 * paths, so pybp builds with the host's paths there too (`--paths host`; not
 * given to a --before checkout, which may predate the flag); bench 5 sets the
 * paths itself.
 */
async function pybpBuild(app: string, extra: string[] = [], cli?: string): Promise<BuildReport & { wallMs: number }> {
  const paths = cli !== undefined || extra.includes('--paths') ? [] : ['--paths', 'host'];
  const { ms, stdout } = await timeCommand({ argv: pybpArgv('build', app, [...paths, ...extra], cli), env: pybpEnv() });
  return { ...(JSON.parse(stdout) as BuildReport), wallMs: ms };
}

function actions(report: { layers: Array<{ name: string; action: string }> }): string {
  return report.layers.map((l) => `${l.name}=${l.action}`).join(' ');
}

/** Collects the per-layer durations of pybp's build reports, for the notes under a table. */
class PhaseLog {
  private readonly byLayer = new Map<string, number[]>();
  private readonly totals: number[] = [];
  private readonly walls: number[] = [];

  add(report: BuildReport & { wallMs: number }): void {
    for (const l of report.layers) {
      if (l.durationMs == null) continue;
      if (!this.byLayer.has(l.name)) this.byLayer.set(l.name, []);
      this.byLayer.get(l.name)!.push(l.durationMs);
    }
    this.totals.push(report.durationMs);
    this.walls.push(report.wallMs);
  }

  notes(): string[] {
    const layers = [...this.byLayer].map(([name, ms]) => `${name} ${fmtMs(median(ms))}`).join(', ');
    const wall = median(this.walls);
    const inside = median(this.totals);
    return [
      `pybp's own --json report, medians over the measured rounds: layers ${layers}; runBuild ${fmtMs(inside)} of ${fmtMs(wall)} wall, ` +
        `so ${fmtMs(wall - inside)} is Node start-up, imports and writing the report.`,
    ];
  }
}

// 1. explain --json on a built app, against the cost of starting Node at all.
async function benchExplain(infra: Infra, rounds: number): Promise<BenchResult> {
  log('1. pybp explain --json <built uv app> vs node -e 0');
  const env = pybpEnv();
  // The app was built with --paths host (see pybpBuild): explain asks about that same build.
  const argv = pybpArgv('explain', infra.apps.uv, ['--paths', 'host']);
  const result = await alternate(
    {
      label: 'explain',
      run: async () => {
        const { ms, stdout } = await timeCommand({ argv, env });
        const report = JSON.parse(stdout) as ExplainReport;
        if (report.error || report.layers.find((l) => l.name === 'venv')?.action !== 'reuse') {
          throw new Error(`explain did not predict a reuse of the built app: ${actions(report)} ${JSON.stringify(report.error)}`);
        }
        return ms;
      },
    },
    { label: 'node', run: async () => (await timeCommand({ argv: [process.execPath, '-e', '0'], env })).ms },
    { warmups: 2, rounds, log },
  );
  return {
    id: '1',
    title: 'explain --json vs node -e 0',
    a: '`pybp explain <uv app> --json --python-source local` (plus the tests\' `--env` flags), on an app built once before',
    b: '`node -e 0`',
    target: 3,
    result,
    warmups: 2,
  };
}

/** The environment pybp gives the build's tools, rebuilt from the layers on disk with pybp's own rules. */
async function layersBuildEnv(layersDir: string, layers: string[]): Promise<Record<string, string>> {
  const { baseBuildEnv } = await importDist<typeof BuildEnvModule>('engine/project/build-env.js');
  const { applyLayerEnv } = await importDist<typeof LayerEnvModule>('engine/store/layer-env.js');
  const env = baseBuildEnv(pybpEnv(), buildConfigVars());
  for (const layer of layers) await applyLayerEnv(env, join(layersDir, layer), 'build');
  return env;
}

function expectEnv(env: Record<string, string>, expected: Record<string, string | RegExp>): void {
  for (const [key, want] of Object.entries(expected)) {
    const value = env[key] ?? '';
    if (typeof want === 'string' ? value !== want : !want.test(value)) throw new Error(`hand-run env: ${key}=${JSON.stringify(value)}, expected ${want}`);
  }
}

/** Issue 17: pybp's own time on a warm uv rebuild (wall − uv sync − node -e 0, medians of one run). */
const OWN_TARGET_MS = 25;

// 2a. A rebuild of a built uv app with nothing changed, against the one command
// such a rebuild has to run.
async function benchUvRebuild(infra: Infra, rounds: number, before: string | null): Promise<BenchResult> {
  log('2a. warm rebuild of the uv app vs uv sync by hand');
  const app = infra.apps.uv;
  const layers = join(app, '.pybp', 'layers');
  const env = await layersBuildEnv(layers, ['python', 'uv', 'uv-cache', 'venv']);
  expectEnv(env, {
    UV_PROJECT_ENVIRONMENT: join(layers, 'venv'),
    VIRTUAL_ENV: join(layers, 'venv'),
    UV_CACHE_DIR: join(layers, 'uv-cache'),
    UV_PYTHON_DOWNLOADS: 'never',
    UV_NO_MANAGED_PYTHON: '1',
    PATH: new RegExp(`^${escapeRe(join(layers, 'venv', 'bin'))}:${escapeRe(join(layers, 'uv', 'bin'))}:${escapeRe(join(layers, 'python', 'bin'))}:`),
  });
  const phases = new PhaseLog();
  const argv = [join(layers, 'uv', 'bin', 'uv'), 'sync', '--locked', '--no-default-groups', '--compile-bytecode', '--no-progress'];
  const result = await alternate(
    {
      label: 'pybp build',
      run: async (warmUp) => {
        const report = await pybpBuild(app);
        expectWarm(report, 'uv-cache');
        if (!warmUp) phases.add(report);
        return report.wallMs;
      },
    },
    {
      label: 'uv sync',
      // The buildpack hands uv an empty uv-cache layer on every build: so does this side.
      prepare: () => emptyDir(join(layers, 'uv-cache')),
      run: async () => (await timeCommand({ argv, cwd: app, env })).ms,
    },
    {
      warmups: 2,
      rounds,
      log,
      // In the same rounds: Node's bare start, and (--before) the other checkout's build of the same app.
      also: [
        { label: 'node -e 0', run: async () => (await timeCommand({ argv: [process.execPath, '-e', '0'], env: pybpEnv() })).ms },
        ...(before
          ? [{
              label: 'pybp build (--before)',
              run: async () => {
                const report = await pybpBuild(app, [], join(before, 'dist', 'cli.js'));
                expectWarm(report, 'uv-cache');
                return report.wallMs;
              },
            }]
          : []),
      ],
    },
  );
  const node = result.also[0].median;
  const own = (label: string, wall: number): SplitRow => ({ label, wall, tool: result.medianB, toolName: 'uv sync', node, own: wall - result.medianB - node, target: OWN_TARGET_MS });
  const split = [...(before ? [own(`before: ${checkoutName(before)}`, result.also[1].median)] : []), own(before ? `after: ${checkoutName(repoRoot)}` : 'pybp build', result.medianA)];
  return {
    id: '2a',
    split,
    title: 'warm rebuild, uv app: pybp build vs uv sync',
    a: '`pybp build <uv app> --json --python-source local` with every layer in place and nothing changed',
    b: '`uv sync --locked --no-default-groups --compile-bytecode --no-progress` in the app, with the environment pybp gives it ' +
      '(pybp\'s base env and config vars, then the python, uv, uv-cache and venv layers applied by pybp\'s own rules: ' +
      'UV_PROJECT_ENVIRONMENT and VIRTUAL_ENV = <layers>/venv, UV_CACHE_DIR = <layers>/uv-cache (emptied before each run, as the buildpack does), ' +
      'UV_PYTHON_DOWNLOADS=never, UV_NO_MANAGED_PYTHON=1, PATH with venv/bin, uv/bin and python/bin)',
    // Issue 12: about Node's bare start-up on top of `uv sync` (bench 1's B side alone gives ~1.6×).
    target: 1.6,
    result,
    warmups: 2,
    notes: phases.notes(),
  };
}

// 5. What Heroku's paths cost: the same warm rebuild of the uv app with the
// tools in bubblewrap (--paths heroku) and without (--paths host), each side
// with its own layers dir, alternately in one run.
async function benchSandbox(infra: Infra, rounds: number): Promise<BenchResult> {
  log("5. warm rebuild of the uv app: Heroku's paths (bubblewrap) vs the host's");
  const app = infra.apps.uv;
  const scratch = join(infra.root, 'paths');
  await mkdir(scratch, { recursive: true });
  const side = (mode: 'heroku' | 'host') => ['--paths', mode, '--layers-dir', join(scratch, mode)];
  for (const mode of ['heroku', 'host'] as const) {
    const first = await pybpBuild(app, side(mode));
    if (first.status !== 'succeeded') throw new Error(`the first --paths ${mode} build failed: ${JSON.stringify(first.error)}`);
  }
  const run = (mode: 'heroku' | 'host') => async () => {
    const report = await pybpBuild(app, side(mode));
    expectWarm(report, 'uv-cache');
    return report.wallMs;
  };
  const result = await alternate({ label: 'pybp build --paths heroku', run: run('heroku') }, { label: 'pybp build --paths host', run: run('host') }, { warmups: 2, rounds, log });
  return {
    id: '5',
    title: "warm rebuild, uv app: Heroku's paths (bubblewrap) vs the host's",
    a: '`pybp build <uv app> --json --python-source local --paths heroku --layers-dir <own dir>`, every layer in place and nothing changed',
    b: 'the same with `--paths host` and a layers dir of its own',
    // Each tool run costs one bwrap start (a few ms) and pybp probes bwrap once per command.
    target: 1.15,
    result,
    warmups: 2,
  };
}

// 2b. The same for a Poetry app.
async function benchPoetryRebuild(infra: Infra, rounds: number): Promise<BenchResult> {
  log('2b. warm rebuild of the Poetry app vs poetry sync by hand');
  const app = infra.apps.poetry;
  const layers = join(app, '.pybp', 'layers');
  const env = await layersBuildEnv(layers, ['python', 'poetry', 'venv']);
  expectEnv(env, {
    VIRTUAL_ENV: join(layers, 'venv'),
    PYTHONUSERBASE: join(layers, 'poetry'),
    PATH: new RegExp(`^${escapeRe(join(layers, 'venv', 'bin'))}:${escapeRe(join(layers, 'poetry', 'bin'))}:${escapeRe(join(layers, 'python', 'bin'))}:`),
    LD_LIBRARY_PATH: new RegExp(`(^|:)${escapeRe(join(layers, 'python', 'lib'))}(:|$)`),
  });
  const phases = new PhaseLog();
  const argv = [join(layers, 'poetry', 'bin', 'poetry'), 'sync', '--compile', '--only', 'main', '--no-interaction'];
  const result = await alternate(
    {
      label: 'pybp build',
      run: async (warmUp) => {
        const report = await pybpBuild(app);
        expectWarm(report);
        if (!warmUp) phases.add(report);
        return report.wallMs;
      },
    },
    { label: 'poetry sync', run: async () => (await timeCommand({ argv, cwd: app, env })).ms },
    { warmups: 1, rounds, log },
  );
  return {
    id: '2b',
    title: 'warm rebuild, Poetry app: pybp build vs poetry sync',
    a: '`pybp build <Poetry app> --json --python-source local` with every layer in place and nothing changed',
    b: '`poetry sync --compile --only main --no-interaction` in the app, with the environment pybp gives it ' +
      '(base env and config vars, then the python, poetry and venv layers: VIRTUAL_ENV = <layers>/venv, PYTHONUSERBASE = <layers>/poetry, ' +
      'PATH with venv/bin, poetry/bin and python/bin, LD_LIBRARY_PATH with python/lib)',
    target: 1.1,
    result,
    warmups: 1,
    notes: phases.notes(),
  };
}

function expectWarm(report: BuildReport, ...rebuiltAlways: string[]): void {
  const ok = report.status === 'succeeded' && report.layers.every((l) => l.action === 'reuse' || (rebuiltAlways.includes(l.name) && l.action === 'rebuild-always'));
  if (!ok) throw new Error(`a rebuild with nothing changed did not reuse every layer: ${actions(report)} ${JSON.stringify(report.error)}`);
}

// 3. A pip app built from nothing, against the commands such a build runs.
async function benchPipCold(infra: Infra, rounds: number): Promise<BenchResult> {
  log('3. cold build of the pip app vs the raw commands by hand');
  const app = infra.apps.pip;
  const scratch = join(infra.root, 'cold');
  await mkdir(scratch);
  let n = 0;
  let layersA = '';
  let layersB = '';
  const phases = new PhaseLog();
  const steps = { copy: [] as number[], pip: [] as number[], venv: [] as number[], install: [] as number[] };
  const base = (await importDist<typeof BuildEnvModule>('engine/project/build-env.js')).baseBuildEnv(pybpEnv(), buildConfigVars());

  const result = await alternate(
    {
      label: 'pybp build (fresh layers dir)',
      prepare: async () => {
        layersA = join(scratch, `a${++n}`);
      },
      run: async (warmUp) => {
        const report = await pybpBuild(app, ['--layers-dir', layersA]);
        if (report.status !== 'succeeded' || report.layers.some((l) => l.action !== 'create' && l.action !== 'rebuild-always')) {
          throw new Error(`a build into an empty layers dir did not create every layer: ${actions(report)} ${JSON.stringify(report.error)}`);
        }
        if (!warmUp) phases.add(report);
        return report.wallMs;
      },
      cleanup: () => removeAndSync(layersA),
    },
    {
      label: 'by hand',
      prepare: async () => {
        layersB = join(scratch, `b${++n}`);
        await mkdir(layersB);
      },
      run: async (warmUp) => {
        const L = layersB;
        const python = join(L, 'python');
        const pythonEnv = {
          ...base,
          PATH: `${join(python, 'bin')}:${base.PATH}`,
          LD_LIBRARY_PATH: join(python, 'lib'),
          PYTHONUNBUFFERED: '1',
          SOURCE_DATE_EPOCH: '315532801',
        };
        const pipEnv = { ...pythonEnv, PYTHONUSERBASE: join(L, 'pip'), PIP_DISABLE_PIP_VERSION_CHECK: '1' };
        const installEnv = {
          ...pipEnv,
          PIP_CACHE_DIR: join(L, 'pip-cache'),
          VIRTUAL_ENV: join(L, 'venv'),
          PIP_PYTHON: join(L, 'venv'),
          PATH: `${join(L, 'venv', 'bin')}:${join(L, 'pip', 'bin')}:${pythonEnv.PATH}`,
        };
        let total = 0;
        const step = async (into: number[], argv: string[], env: NodeJS.ProcessEnv, cwd = L) => {
          const { ms } = await timeCommand({ argv, env, cwd });
          if (!warmUp) into.push(ms);
          total += ms;
        };
        await step(steps.copy, ['cp', '-a', realpathSync(PYENV_PYTHON), python], pythonEnv);
        // The same bootstrap command pybp runs: the interpreter's bundled pip wheel installs the pinned pip with --user.
        const bundled = join(python, 'lib', 'python3.12', 'ensurepip', '_bundled');
        const wheel = join(bundled, readdirSync(bundled).find((f) => f.startsWith('pip-'))!);
        await step(steps.pip, [
          join(python, 'bin', 'python'), join(wheel, 'pip'), 'install', '--disable-pip-version-check', '--isolated', '--no-cache-dir', '--no-input',
          '--no-warn-script-location', '--quiet', '--user', '--index-url', infra.index.url, `pip==${PIP_VERSION}`,
        ], pipEnv);
        await step(steps.venv, [join(python, 'bin', 'python'), '-m', 'venv', '--without-pip', join(L, 'venv')], pipEnv);
        await step(steps.install, [join(L, 'pip', 'bin', 'pip'), 'install', '--no-input', '--progress-bar', 'off', '--requirement', 'requirements.txt'], installEnv, app);
        return total;
      },
      cleanup: () => removeAndSync(layersB),
    },
    { warmups: 1, rounds, log },
  );
  const byHand = Object.entries(steps).map(([name, ms]) => `${name} ${fmtMs(median(ms))}`).join(', ');
  return {
    id: '3',
    title: 'cold build, pip app: pybp build vs the commands by hand',
    a: '`pybp build <pip app> --json --python-source local --layers-dir <a new empty dir>` (a new layers dir every round)',
    b: 'in a new empty dir every round: `cp -a ~/.pyenv/versions/3.12.1 python`; `python/bin/python <bundled pip wheel>/pip install --disable-pip-version-check ' +
      `--isolated --no-cache-dir --no-input --no-warn-script-location --quiet --user --index-url <loopback index> pip==${PIP_VERSION}\` (PYTHONUSERBASE=pip); ` +
      '`python/bin/python -m venv --without-pip venv`; `pip/bin/pip install --no-input --progress-bar off --requirement requirements.txt` ' +
      '(PIP_PYTHON and VIRTUAL_ENV = venv, PIP_CACHE_DIR = a new pip-cache), each with pybp\'s base env and config vars',
    target: 1.1,
    result,
    warmups: 1,
    notes: [...phases.notes(), `By hand, medians per command: ${byHand}. Both sides' directories are deleted and \`sync\`ed between runs, untimed.`],
  };
}

// 4. The python layer from a local interpreter, against copying it.
async function benchPythonLayer(infra: Infra, rounds: number): Promise<BenchResult> {
  log('4. installPythonLayer from pyenv 3.12.1 vs cp -a');
  const ps = await importDist<typeof PythonSourceModule>('engine/python-source/index.js');
  const found = await ps.findLocalInterpreters({ major: 3, minor: 12 });
  const interpreter = found.find((i) => i.prefix === realpathSync(PYENV_PYTHON));
  if (!interpreter) throw new Error(`pybp found no interpreter at ${PYENV_PYTHON} (it found ${found.map((i) => i.prefix).join(', ') || 'none'})`);
  const choice: PythonSourceModule.PythonSourceChoice = {
    kind: 'local',
    resolvedVersion: interpreter.version,
    requestedPinned: false,
    interpreter,
    substituted: false,
    reason: 'bench',
  };
  const scratch = join(infra.root, 'python-layer');
  await mkdir(scratch);
  // pybp's read-only copy of the interpreter (python-source/pristine.ts), in the bench's own
  // directory: the first layer of an interpreter fills it (timed once, below), every later layer
  // links to it after checking it file by file (the measured A side).
  const interpreterCache = join(infra.root, 'interpreter-cache');
  const coldDir = join(scratch, 'cold');
  const coldMs = await timeCall(() => ps.installPythonLayer(choice, coldDir, { origin: '.python-version', interpreterCache }));
  await removeAndSync(coldDir);
  log(`   first layer of this interpreter (fills pybp's copy): ${fmtMs(coldMs)}`);
  let n = 0;
  let dirA = '';
  let dirB = '';
  const methods = new Set<string>();
  const result = await alternate(
    {
      label: 'installPythonLayer',
      prepare: async () => {
        dirA = join(scratch, `a${++n}`);
      },
      run: () =>
        timeCall(async () => {
          const r = await ps.installPythonLayer(choice, dirA, { origin: '.python-version', interpreterCache });
          methods.add(r.method);
        }),
      cleanup: () => removeAndSync(dirA),
    },
    {
      label: 'cp -a',
      prepare: async () => {
        dirB = join(scratch, `b${++n}`);
      },
      run: async () => (await timeCommand({ argv: ['cp', '-a', interpreter.prefix, dirB], env: pybpEnv() })).ms,
      cleanup: () => removeAndSync(dirB),
    },
    { warmups: 1, rounds, log },
  );
  return {
    id: '4',
    title: 'python layer from a local interpreter: installPythonLayer vs cp -a',
    a: `\`installPythonLayer()\` (dist/engine/python-source) of pyenv ${interpreter.version} into a new directory, in the bench's own process, with pybp's read-only copy of the interpreter already made (every layer after an interpreter's first)`,
    b: `\`cp -a ${interpreter.prefix} <a new directory>\``,
    target: 0.5,
    result,
    warmups: 1,
    notes: [
      `pybp placed the files by: ${[...methods].join(', ')}. Both sides' directories are deleted and \`sync\`ed between runs, untimed.`,
      `The first layer of an interpreter also fills pybp's read-only copy of it: ${fmtMs(coldMs)}, once (one run, before the rounds).`,
    ],
  };
}

/** `<dir> at <short commit>` (the commit only when git can say). */
function checkoutName(dir: string): string {
  const r = spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? `${dir} at ${r.stdout.trim()}` : dir;
}

async function emptyDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

/** Deletes a scratch tree and flushes dirty pages, so one run's writeback does not land in the next run's time. */
async function removeAndSync(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  spawnSync('sync');
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
