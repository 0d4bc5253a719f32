// 6. A cold build on a fresh CI runner, with and without a shared build cache
// (issue 19, item 9), against a warm local rebuild of the same app.
//
// A fresh runner here is what a CI job starts from: a new HOME (so pybp's
// state, its ownership record and its own cache are new), an empty layers dir,
// and a checkout of the app at a FIXED path (runners check out to the same
// directory every job, so path-bound layers - venv, pip, poetry - can be
// reused in host mode too). Three ways, alternated in one run:
//   - no shared cache: everything is made (for context: what CI pays today);
//   - --cache-dir DIR: lifecycle's volume layout, as a CI cache step keeps it;
//   - --cache-image REF on a loopback docker-registry (HTTP, no auth).
// Each cache is filled once (untimed: the first CI run), so every measured
// build restores, builds, and saves with nothing changed; the bench checks
// that those saves move no bytes and add no blob.
//
// The python layer comes, by default, from "Heroku's archive" as on a real
// runner (`--python-source heroku`): a Heroku-shaped zstd archive made from a
// pyenv interpreter and served on loopback (lib/python-archive.ts), so the
// cache shares it like any layer. `--python-source local` (bench option) makes
// it from a local interpreter instead, which pybp never puts in a cache.
import { cp, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import type * as PathsChoiceModule from '../src/engine/project/paths-choice.js';
import type * as VersionsModule from '../src/engine/core/versions.js';
import type * as TargetModule from '../src/engine/core/target.js';
import type { BuildReport } from '../src/engine/executor/build.js';
import { hermeticCacheHome } from '../test/support/env.js';
import { startRegistry, type LoopbackRegistry } from '../test/support/registry.js';
import { importDist, type Infra, pybpArgv, pybpEnv } from './lib/infra.js';
import { alternate, fmtMs, median, timeCommand } from './lib/measure.js';
import { servePythonArchive, type PythonArchive } from './lib/python-archive.js';
import type { BenchResult } from './lib/report.js';

export type PathsMode = 'heroku' | 'host';
/** Where the python layer comes from: Heroku's archive (served on loopback), or a local interpreter. */
export type CiPythonSource = 'heroku' | 'local';

/** The python the apps ask for (`3.12` in .python-version). */
const PYTHON_MINOR = 12;

/** How the builds get their python layer. */
interface PythonSetup {
  source: CiPythonSource;
  /** The loopback "Heroku archive" (heroku only). */
  archive: PythonArchive | null;
  /** The build target the config names (heroku only: Heroku's archives exist only for its stacks). */
  target: string | null;
}

/** Goal of issue 19: a cache-restored CI build at most 1.5× a warm local rebuild. */
const TARGET = 1.5;

/** The mode a build without --paths takes on this machine (the build's own decision), and why when it fell back. */
export async function defaultPathsMode(): Promise<{ mode: PathsMode; note: string | null }> {
  const { choosePaths } = await importDist<typeof PathsChoiceModule>('engine/project/paths-choice.js');
  const chosen = await choosePaths(undefined, undefined, pybpEnv());
  return { mode: chosen.choice.mode, note: chosen.choice.note };
}

type Way = 'none' | 'dir' | 'image';
type Report = BuildReport & { wallMs: number; archiveDownloads: number | null };

interface AppSpec {
  key: 'uv' | 'poetry';
  name: string;
  /** Layers a build always makes again (not a sign of a cold cache). */
  rebuiltAlways: string[];
  rounds: number;
  /** Unmeasured rounds first (the first CI runs that fill the caches already warmed the page cache). */
  warmups: number;
}

/** What one measured build left to report. */
interface Sample {
  actions: string;
  restoredBytes: number;
  /** Times the build downloaded the python archive (null: local source). */
  archiveDownloads: number | null;
  restored: string[];
  /** Layers the cache had that the build did not take, with the reasons. */
  notTaken: string[];
  saveBytes: number | null;
  blobsSkipped: number | null;
  saveProblem: string | null;
  /** Blobs that appeared in the registry's storage (digests), or tars written into DIR/committed (layer names), during the build. */
  newBlobs: string[] | null;
  layerMs: Record<string, number>;
}

export async function benchCiCache(
  infra: Infra,
  opts: { rounds: (n: number) => number; paths: { mode: PathsMode; origin: string }; pythonSource: CiPythonSource; log: (line: string) => void },
): Promise<BenchResult[]> {
  const { log } = opts;
  const started = performance.now();
  const base = join(infra.root, 'ci');
  await mkdir(base, { recursive: true });
  log(`6. cold build on a fresh runner (--paths ${opts.paths.mode}, --python-source ${opts.pythonSource}): no cache, --cache-dir, --cache-image vs a warm local rebuild`);
  const python: PythonSetup = { source: opts.pythonSource, archive: null, target: null };
  if (opts.pythonSource === 'heroku') {
    const { LATEST_PATCH } = await importDist<typeof VersionsModule>('engine/core/versions.js');
    const { mapNodeArch } = await importDist<typeof TargetModule>('engine/core/target.js');
    python.target = `heroku-24/${mapNodeArch(process.arch)}`;
    const version = `3.${PYTHON_MINOR}.${LATEST_PATCH[PYTHON_MINOR]}`;
    log(`   packing a Heroku-style archive of Python ${version} (from the local 3.${PYTHON_MINOR} interpreter; untimed)`);
    python.archive = await servePythonArchive(join(base, 'python-archive'), version, python.target);
    log(`   python archive (${fmtBytes(python.archive.sizeBytes)}) served at ${python.archive.server.url}${python.archive.path}`);
  }
  const results: BenchResult[] = [];
  let registry: LoopbackRegistry | null = null;
  try {
    registry = await startRegistry(join(base, 'registry'));
    log(`   loopback docker-registry at ${registry.host} (pid ${registry.pid})`);
    const apps: AppSpec[] = [
      // Kept modest: a Poetry round is four builds, one of them installing Poetry (~30 s loaded).
      { key: 'uv', name: 'uv', rebuiltAlways: ['uv-cache'], rounds: opts.rounds(5), warmups: 1 },
      { key: 'poetry', name: 'Poetry', rebuiltAlways: [], rounds: opts.rounds(3), warmups: 0 },
    ];
    for (const app of apps) results.push(await benchApp(infra, app, registry, base, opts.paths, python, log));
  } finally {
    if (registry) {
      await stopRegistry(registry);
      log(`   docker-registry (pid ${registry.pid}) stopped`);
    }
    if (python.archive) {
      await python.archive.close();
      log('   python archive server stopped');
    }
  }
  const wall = performance.now() - started;
  for (const r of results) (r.notes ??= []).push(`Bench 6's own wall time (registry, first builds, seeds and every round of both apps): ${fmtMs(wall)}.`);
  return results;
}

async function stopRegistry(registry: LoopbackRegistry): Promise<void> {
  // SIGTERM by PID (registry.stop); if it has not gone in 5 s, SIGKILL by the same PID (still ours: we wait for its exit).
  const timer = setTimeout(() => {
    try {
      process.kill(registry.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }, 5000);
  try {
    await registry.stop();
  } finally {
    clearTimeout(timer);
  }
}

async function benchApp(
  infra: Infra,
  app: AppSpec,
  registry: LoopbackRegistry,
  base: string,
  paths: { mode: PathsMode; origin: string },
  python: PythonSetup,
  log: (line: string) => void,
): Promise<BenchResult> {
  const dir = join(base, app.key);
  // The app's files as a checkout has them (no .pybp: other benches may have built it in place).
  const source = join(dir, 'source');
  const from = infra.apps[app.key];
  await cp(from, source, { recursive: true, filter: (p) => !relative(from, p).split(sep).includes('.pybp') });
  if (python.archive) {
    // The repo's config (the one it already has names the loopback index for the tools) gets the
    // target and the archive's URL, the one setting a real runner would not need. Laptop and runner
    // build the same checkout, so both get it.
    const rc = join(source, '.buildpackrc.json');
    const config = JSON.parse(await readFile(rc, 'utf8')) as Record<string, unknown>;
    Object.assign(config, { target: python.target, python: { source: 'heroku', archiveUrlTemplate: python.archive.urlTemplate } });
    await writeFile(rc, JSON.stringify(config, null, 2));
  }
  // The runner: one HOME and one checkout path, made afresh for every build.
  const home = join(base, 'runner', 'home');
  const checkout = join(base, 'runner', 'work', `${app.key}-app`);
  const cacheDir = join(dir, 'cache-dir');
  const imageRef = `${registry.host}/bench/${app.key}-app-cache:latest`;
  const runnerEnv = pybpEnv();
  Object.assign(runnerEnv, { HOME: home, XDG_CACHE_HOME: join(home, '.cache'), XDG_CONFIG_HOME: join(home, '.config') });
  for (const key of ['XDG_STATE_HOME', 'XDG_DATA_HOME', 'DOCKER_CONFIG']) delete runnerEnv[key];
  const pathsFlag = ['--paths', paths.mode];
  const cacheFlags: Record<Way, string[]> = { none: [], dir: ['--cache-dir', cacheDir], image: ['--cache-image', imageRef] };

  const freshRunner = async () => {
    await rm(checkout, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
    await mkdir(join(home, '.cache', 'pybp'), { recursive: true });
    // Local source: pybp's read-only copies of the local interpreters, hard-linked in (see the notes): the
    // runner image's Python. Heroku's archive needs none.
    const seed = join(hermeticCacheHome, 'pybp', 'interpreters');
    if (python.source === 'local' && (await lstat(seed).catch(() => null))?.isDirectory()) {
      const r = spawnSync('cp', ['-al', seed, join(home, '.cache', 'pybp', 'interpreters')]);
      if (r.status !== 0) throw new Error(`cp -al ${seed}: ${r.stderr.toString()}`);
    }
    await cp(source, checkout, { recursive: true });
  };
  const cleanRunner = async () => {
    await rm(checkout, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  };
  const build = async (appDir: string, env: NodeJS.ProcessEnv, extra: string[]): Promise<Report> => {
    const downloadsBefore = python.archive?.downloads() ?? 0;
    const { ms, stdout } = await timeCommand({ argv: pybpArgv('build', appDir, [...pathsFlag, ...extra], undefined, python.source), env });
    const report = JSON.parse(stdout) as BuildReport;
    if (report.status !== 'succeeded') throw new Error(`a build of the ${app.name} app failed: ${JSON.stringify(report.error)}`);
    return { ...report, wallMs: ms, archiveDownloads: python.archive ? python.archive.downloads() - downloadsBefore : null };
  };

  // The laptop: the same app at its own path, built once, then rebuilt warm (this machine's HOME).
  const laptop = join(dir, 'laptop', `${app.key}-app`);
  await cp(source, laptop, { recursive: true });
  log(`   ${app.name} app: first local build (untimed)`);
  await build(laptop, pybpEnv(), []);

  // The first CI run of each cache (untimed): a fresh runner with an empty --cache-dir, which the build
  // fills; then, on the same runner (its layers in place, so nothing is made twice), a build with the
  // empty --cache-image, which saves every cached layer as the first CI run would.
  const firstSave: Partial<Record<Way, Report>> = {};
  log(`   ${app.name} app: first CI run (untimed, fills the caches): ${cacheFlags.dir.join(' ')}, then ${cacheFlags.image.join(' ')}`);
  await freshRunner();
  try {
    for (const way of ['dir', 'image'] as const) firstSave[way] = await build(checkout, runnerEnv, cacheFlags[way]);
  } finally {
    await cleanRunner();
  }

  const samples: Record<Way, Sample[]> = { none: [], dir: [], image: [] };
  /** Every save after the first, warm-ups included: what each uploaded. */
  const laterSaves: Record<'dir' | 'image', Sample[]> = { dir: [], image: [] };
  const warmLayerMs: Array<Record<string, number>> = [];
  const warmDownloads: Array<number | null> = [];
  const cold = (way: Way) => ({
    label: way === 'none' ? 'no cache' : cacheFlags[way][0],
    prepare: freshRunner,
    cleanup: cleanRunner,
    run: async (warmUp: boolean) => {
      const blobsBefore = way === 'image' ? await registryBlobs(registry) : null;
      const tarsBefore = way === 'dir' ? await committedTars(cacheDir) : null;
      const report = await build(checkout, runnerEnv, cacheFlags[way]);
      const blobsAfter = way === 'image' ? await registryBlobs(registry) : null;
      const written = tarsBefore ? tarsWritten(tarsBefore, await committedTars(cacheDir)) : null;
      const sample = sampleOf(report, blobsBefore && blobsAfter ? [...blobsAfter].filter((x) => !blobsBefore.has(x)) : written);
      if (way === 'none' && report.layers.some((l) => l.action === 'reuse')) {
        throw new Error(`a build on a fresh runner without a cache reused a layer: ${sample.actions}`);
      }
      if (way !== 'none') {
        if (!report.cache) throw new Error(`a build with ${cacheFlags[way][0]} reported no cache summary`);
        laterSaves[way].push(sample);
      }
      if (!warmUp) samples[way].push(sample);
      return report.wallMs;
    },
  });
  // The floor under the restore (in the same rounds, right after the --cache-dir build and the warm
  // rebuild, so the tars are as warm in the page cache as the restore found them): the committed tars
  // that build restored, extracted by GNU tar into an empty dir on the same filesystem, one tar process
  // per layer one after the other as pybp restores them; then all at once; then one sha256sum over them
  // (pybp checks each tar's diffID on the way, which tar -x does not). Timed: the sequential extraction.
  const floorDir = join(base, 'runner', 'floor');
  const floorSamples: FloorSample[] = [];
  const floor = {
    label: 'tar -x floor',
    prepare: async () => {
      await rm(floorDir, { recursive: true, force: true });
      await mkdir(floorDir, { recursive: true });
    },
    cleanup: () => rm(floorDir, { recursive: true, force: true }),
    run: async (warmUp: boolean) => {
      const lastDir = laterSaves.dir.at(-1);
      const restored = lastDir?.restored ?? [];
      if (restored.length === 0) throw new Error(`the floor: the --cache-dir build of this round restored nothing (${lastDir?.actions ?? 'no build'})`);
      const tars: Array<{ layer: string; file: string; size: number }> = [];
      for (const [name, t] of await committedTars(cacheDir)) {
        if (!restored.includes(t.layer)) continue;
        const file = join(cacheDir, 'committed', name);
        tars.push({ layer: t.layer, file, size: (await lstat(file)).size });
      }
      const missing = restored.filter((l) => !tars.some((t) => t.layer === l));
      if (missing.length) throw new Error(`the floor: no committed tar for the restored layer(s) ${missing.join(', ')}`);
      const untar = (file: string, into: string) => timeCommand({ argv: ['tar', '-xf', file, '-C', into, '--no-same-owner'], env: process.env });
      const seq = join(floorDir, 'sequential');
      const par = join(floorDir, 'parallel');
      for (const t of tars) {
        await mkdir(join(seq, t.layer), { recursive: true });
        await mkdir(join(par, t.layer), { recursive: true });
      }
      const t0 = performance.now();
      for (const t of tars) await untar(t.file, join(seq, t.layer));
      const seqMs = performance.now() - t0;
      await rm(seq, { recursive: true, force: true });
      const t1 = performance.now();
      await Promise.all(tars.map((t) => untar(t.file, join(par, t.layer))));
      const parMs = performance.now() - t1;
      const shaMs = (await timeCommand({ argv: ['sha256sum', ...tars.map((t) => t.file)], env: process.env })).ms;
      if (!warmUp) {
        floorSamples.push({ seqMs, parMs, shaMs, bytes: tars.reduce((n, t) => n + t.size, 0), layers: tars.map((t) => t.layer), restoredBytes: lastDir?.restoredBytes ?? null });
      }
      return seqMs;
    },
  };
  log(`   ${app.name} app: ${app.rounds} rounds (after ${app.warmups} warm-up) of: --cache-dir, warm local rebuild, tar -x floor, --cache-image, no cache`);
  const result = await alternate(
    cold('dir'),
    {
      label: 'warm local rebuild',
      run: async (warmUp) => {
        const report = await build(laptop, pybpEnv(), []);
        const ok = report.layers.every((l) => l.action === 'reuse' || (app.rebuiltAlways.includes(l.name) && l.action === 'rebuild-always'));
        if (!ok) throw new Error(`a warm rebuild of the ${app.name} app did not reuse every layer: ${sampleOf(report, null).actions}`);
        if (!warmUp) {
          warmLayerMs.push(layerMs(report));
          warmDownloads.push(report.archiveDownloads);
        }
        return report.wallMs;
      },
    },
    { warmups: app.warmups, rounds: app.rounds, log, also: [floor, cold('image'), cold('none')] },
  );
  const [, image, none] = result.also;
  const floorLines = floorVerdict(app, floorSamples, samples.dir, result.medianB, result.medianA);
  for (const line of floorLines) log(`   ${line}`);
  const id = app.key === 'uv' ? '6a' : '6b';
  const what = `cold build on a fresh runner, ${app.name} app, python ${python.source === 'heroku' ? "from Heroku's archive" : 'from a local interpreter'}`;
  const runnerPython =
    python.source === 'heroku'
      ? `the python layer from a Heroku-style archive on loopback (\`python.archiveUrlTemplate\` and \`target: ${python.target}\` in the app's .buildpackrc.json)`
      : "pybp's read-only interpreter copies hard-linked in, standing for the runner image's Python";
  return {
    id,
    title: `${what}: --cache-dir vs warm local rebuild`,
    a:
      `\`pybp build <fresh checkout> --json --python-source ${python.source} --paths ${paths.mode}\` on a fresh runner: a new HOME (pybp's state and cache new; ` +
      `${runnerPython}), an empty layers dir, the app checked out afresh at one fixed path ` +
      `(\`<bench>/ci/runner/work/${app.key}-app\`, as a CI runner's); three ways in the same rounds: \`--cache-dir <dir>\`, \`--cache-image ${registry.host}/bench/${app.key}-app-cache:latest\` ` +
      '(Debian\'s docker-registry on loopback, HTTP), and no cache. Each cache was filled by an untimed first CI run (the image\'s by a second build on that runner, which saved every cached layer), so every measured build restores, builds and saves with nothing changed',
    b: `\`pybp build <the same app, at its own path> --json --python-source ${python.source} --paths ${paths.mode}\`, every layer in place and nothing changed (this machine's HOME)`,
    target: TARGET,
    result,
    warmups: app.warmups,
    moreRows: [
      { title: `${what}: --cache-image vs warm local rebuild`, medianA: image.median, medianB: result.medianB, target: TARGET },
      { title: `${what}: no cache vs warm local rebuild (context)`, medianA: none.median, medianB: result.medianB, target: null },
    ],
    extraLines: [...extraLines(app, paths, python, samples, laterSaves, firstSave, { layerMs: warmLayerMs, downloads: warmDownloads }), '', ...floorLines],
  };
}

/** One round of the floor: GNU tar extracting the tars the --cache-dir build of that round restored. */
interface FloorSample {
  /** One tar process per layer, one after the other. */
  seqMs: number;
  /** The same, all at once. */
  parMs: number;
  /** One sha256sum over the same tars. */
  shaMs: number;
  bytes: number;
  layers: string[];
  /** What the --cache-dir build said it restored (the same tars: the bytes should agree). */
  restoredBytes: number | null;
}

/**
 * Is the 1.5× target below a floor? A build restored from --cache-dir restores its layers and then does
 * at least what a warm rebuild does (every layer reused), so it can be no faster than the warm rebuild
 * plus GNU tar extracting the same tars.
 */
function floorVerdict(app: AppSpec, floor: FloorSample[], dir: Sample[], warmMs: number, cachedMs: number): string[] {
  if (floor.length === 0) return [];
  const x = median(floor.map((f) => f.seqMs));
  const par = median(floor.map((f) => f.parMs));
  const sha = median(floor.map((f) => f.shaMs));
  const restores = dir.map((s) => s.layerMs['cache restore']).filter((v): v is number => v !== undefined);
  const y = restores.length ? median(restores) : NaN;
  const z = warmMs + x;
  const r = z / warmMs;
  const rPar = (warmMs + par) / warmMs;
  const bytes = [...new Set(floor.map((f) => fmtBytes(f.bytes)))].join('; ');
  const agree = floor.every((f) => f.restoredBytes === f.bytes);
  const lines = [
    `${app.name} app: restore floor (tar -x of the same tars): ${fmtMs(x)}; pybp's restore: ${fmtMs(y)} (${(y / x).toFixed(2)}×); ` +
      `a cached build can be no faster than warm rebuild + floor = ${fmtMs(warmMs)} + ${fmtMs(x)} = ${fmtMs(z)} → best possible ratio ${r.toFixed(2)}×`,
    `${app.name} app: best possible ratio ${r.toFixed(2)}× against the ≤ ${TARGET}× target: ` +
      (r <= TARGET
        ? `met by the floor (reachable; measured --cache-dir ratio ${(cachedMs / warmMs).toFixed(2)}×, so ${fmtMs(cachedMs - z)} of the cached build is above the floor)`
        : `not reachable (warm rebuild + floor is already ${r.toFixed(2)}×)`),
    `${app.name} app: floor details (medians of ${floor.length} rounds): ${floor[0].layers.join(', ')} = ${bytes} of tars` +
      `${agree ? ' (the bytes the --cache-dir build restored)' : ` (the build reported ${[...new Set(floor.map((f) => fmtBytes(f.restoredBytes)))].join('; ')} restored)`}; ` +
      `the same tars extracted in parallel: ${fmtMs(par)} (→ ${rPar.toFixed(2)}×); sha256sum of them (pybp checks each tar's diffID, tar -x does not): ${fmtMs(sha)}; ` +
      (y / x > 1.5
        ? `the restore has room: ${fmtMs(y - x)} above tar -x (${(y / x).toFixed(2)}×)`
        : `the restore is near the floor (${(y / x).toFixed(2)}× tar -x)`),
  ];
  return lines;
}

function sampleOf(report: Report, newBlobs: string[] | null): Sample {
  const restore = report.cache?.restore ?? null;
  const save = report.cache?.save ?? null;
  return {
    actions: report.layers.map((l) => `${l.name}=${l.action}`).join(' '),
    restored: restore?.restored.map((l) => l.name) ?? [],
    notTaken: [
      ...(restore?.skipped.map((l) => `${l.name} (${l.reasons.join('; ')})`) ?? []),
      ...(restore?.problem ? [`the whole cache (${restore.problem})`] : []),
    ],
    restoredBytes: restore?.restored.reduce((n, l) => n + l.bytes, 0) ?? 0,
    archiveDownloads: report.archiveDownloads,
    saveBytes: save?.stats?.bytesMoved ?? null,
    blobsSkipped: save?.stats?.blobsSkipped ?? null,
    saveProblem: save?.problem ?? (report.cache && !save ? 'no save report' : null),
    newBlobs,
    layerMs: layerMs(report),
  };
}

function layerMs(report: Report): Record<string, number> {
  const out: Record<string, number> = { runBuild: report.durationMs };
  let layers = 0;
  for (const l of report.layers) {
    if (l.durationMs == null) continue;
    out[l.name] = l.durationMs;
    layers += l.durationMs;
  }
  // The shared cache's restore and save, as pybp times them; what is left is planning, commit and history.
  const restore = report.cache?.restore?.durationMs;
  const save = report.cache?.save?.durationMs;
  if (restore !== undefined) out['cache restore'] = restore;
  if (save !== undefined) out['cache save'] = save;
  out['rest of runBuild (planning, commit, history)'] = report.durationMs - layers - (restore ?? 0) - (save ?? 0);
  return out;
}

function extraLines(
  app: AppSpec,
  paths: { mode: PathsMode; origin: string },
  python: PythonSetup,
  samples: Record<Way, Sample[]>,
  laterSaves: Record<'dir' | 'image', Sample[]>,
  firstSave: Partial<Record<Way, Report>>,
  warm: { layerMs: Array<Record<string, number>>; downloads: Array<number | null> },
): string[] {
  const label: Record<Way, string> = { none: 'no cache', dir: '--cache-dir', image: '--cache-image' };
  // One cell of a markdown table: the distinct values, with any '|' escaped.
  const distinct = (xs: string[]) => [...new Set(xs)].join('; ').replace(/\|/g, '\\|');
  const medianOf = (xs: Array<number | null>) => {
    const ns = xs.filter((x): x is number => x !== null);
    return ns.length ? median(ns) : null;
  };
  const phases = (rows: Array<Record<string, number>>) => {
    const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    return names.map((n) => `${n} ${fmtMs(median(rows.map((r) => r[n]).filter((x) => x !== undefined)))}`).join(', ');
  };
  const lines = [
    `Paths: \`--paths ${paths.mode}\` on every build (${paths.origin}).` +
      (paths.mode === 'heroku'
        ? ' The tools see the layers at /layers/heroku_python and the app at /workspace whatever the checkout path.'
        : ' The tools see the checkout\'s own path, so the path-bound layers (venv, poetry) are reusable because the runner\'s checkout path is fixed.'),
    '',
    `Python: \`--python-source ${python.source}\`` +
      (python.archive
        ? ` — a Heroku-style archive (${fmtBytes(python.archive.sizeBytes)} zstd, made from the local 3.${PYTHON_MINOR} interpreter) served on loopback at \`${python.archive.path}\`; ` +
          'a build that makes the python layer downloads and unpacks it, as from Heroku\'s S3.'
        : ' — a local interpreter, which pybp never puts in a shared cache, so every cold build makes the python layer again.'),
    '',
    `| way | layers (every measured round) | restored from the cache | bytes restored (median) | bytes saved (median) | ${python.archive ? 'python archive downloads per build | ' : ''}pybp\'s phases (medians) |`,
    `|---|---|---|---:|---:|${python.archive ? '---:|' : ''}---|`,
  ];
  for (const way of ['dir', 'image', 'none'] as const) {
    const s = samples[way];
    const restored = medianOf(s.map((x) => x.restoredBytes));
    const saved = medianOf(s.map((x) => x.saveBytes));
    lines.push(
      `| ${label[way]} | ${distinct(s.map((x) => x.actions))} | ${way === 'none' ? '–' : distinct(s.map((x) => (x.restored.join(', ') || 'nothing') + (x.notTaken.length ? `; not taken: ${x.notTaken.join(', ')}` : '')))} | ` +
        `${way === 'none' ? '–' : fmtBytes(restored)} | ${way === 'none' ? '–' : fmtBytes(saved)} | ${python.archive ? `${distinct(s.map((x) => String(x.archiveDownloads)))} | ` : ''}${phases(s.map((x) => x.layerMs))} |`,
    );
  }
  lines.push(`| warm local rebuild | every layer reused${app.rebuiltAlways.length ? ` (${app.rebuiltAlways.join(', ')} rebuilt always)` : ''} | – | – | – | ${python.archive ? `${distinct(warm.downloads.map(String))} | ` : ''}${phases(warm.layerMs)} |`, '');

  for (const way of ['dir', 'image'] as const) {
    const first = firstSave[way]?.cache?.save;
    const later = laterSaves[way];
    const nothing = later.filter((x) => x.saveBytes === 0 && x.newBlobs?.length === 0 && x.saveProblem === null).length;
    const where = way === 'image' ? 'new blobs in the registry\'s storage' : 'tars written into DIR/committed';
    const listed = (x: Sample) => (x.newBlobs === null ? '?' : x.newBlobs.length === 0 ? '0' : way === 'image' ? `${x.newBlobs.length} (${x.newBlobs.map((d) => d.slice(0, 12)).join(', ')})` : `${x.newBlobs.length}: ${x.newBlobs.join(', ')}`);
    lines.push(
      `${label[way]}: the first save (the untimed first CI run) moved ${fmtBytes(first?.stats?.bytesMoved ?? null)} (${first?.saved.join(', ') || 'nothing'} saved` +
        `${first?.notSaved.length ? `; not saved: ${first.notSaved.map((n) => n.name).join(', ')}` : ''}${first?.problem ? `; problem: ${first.problem}` : ''}). ` +
        `**Second save uploads nothing: ${nothing === later.length && later.length > 0 ? 'yes' : 'no'}** — ${nothing} of the ${later.length} saves after the first${app.warmups ? ' (warm-up included)' : ''} ` +
        `moved 0 bytes and added 0 blobs (per save: bytes moved ${distinct(later.map((x) => String(x.saveBytes)))}; blobs already there ${distinct(later.map((x) => String(x.blobsSkipped)))}; ` +
        `${where} ${distinct(later.map(listed))}${later.some((x) => x.saveProblem) ? `; problems: ${distinct(later.map((x) => x.saveProblem ?? 'none'))}` : ''}).`,
      '',
    );
  }
  lines.push(
    'Bytes restored are what was read from the cache: for `--cache-dir` the layer tars (uncompressed, as lifecycle\'s volume cache keeps them), ' +
      'for `--cache-image` the gzip blobs downloaded. "cache restore" and "cache save" are the durations pybp\'s cache report gives ' +
      '(the restore before planning; the save after the commit, packing included); "rest of runBuild" is what runBuild spent outside them and the layers\' own steps: planning, commit and history.',
    ...(python.archive
      ? []
      : [
          '',
          'The python layer comes from a local interpreter (`--python-source local`), which pybp never shares (issue 19: under a second to make again), so every cold build makes it; ' +
            'with Heroku\'s archive (the default of this bench, as on a real runner) or uv as the source it is restored from the cache like the rest.',
        ]),
  );
  return lines;
}

/** The blobs the loopback registry holds (directories under its blob store), by digest. */
async function registryBlobs(registry: LoopbackRegistry): Promise<Set<string>> {
  const root = join(registry.dataDir, 'docker', 'registry', 'v2', 'blobs', 'sha256');
  const out = new Set<string>();
  for (const prefix of await readdir(root).catch(() => [] as string[])) {
    for (const hex of await readdir(join(root, prefix)).catch(() => [] as string[])) out.add(hex);
  }
  return out;
}

/** The layer tars in DIR/committed: name (the diffID), inode and the layer the metadata gives it. */
async function committedTars(cacheDir: string): Promise<Map<string, { ino: number; layer: string }>> {
  const committed = join(cacheDir, 'committed');
  const layerOf = new Map<string, string>();
  try {
    const meta = JSON.parse(await readFile(join(committed, 'io.buildpacks.lifecycle.cache.metadata'), 'utf8')) as {
      buildpacks?: Array<{ layers?: Record<string, { sha?: string }> }>;
    };
    for (const bp of meta.buildpacks ?? []) for (const [name, l] of Object.entries(bp.layers ?? {})) if (l.sha) layerOf.set(`${l.sha}.tar`, name);
  } catch {
    // no metadata yet: names only
  }
  const out = new Map<string, { ino: number; layer: string }>();
  for (const name of await readdir(committed).catch(() => [] as string[])) {
    if (!name.endsWith('.tar')) continue;
    const st = await lstat(join(committed, name)).catch(() => null);
    if (st) out.set(name, { ino: st.ino, layer: layerOf.get(name) ?? '?' });
  }
  return out;
}

/**
 * What a save wrote into DIR/committed: each tar with an inode it did not have before (a tar kept as it
 * was is hard-linked into the new committed dir, keeping its inode), and whether its diffID was new.
 */
function tarsWritten(before: Map<string, { ino: number; layer: string }>, after: Map<string, { ino: number; layer: string }>): string[] {
  const out: string[] = [];
  for (const [name, t] of after) {
    const was = before.get(name);
    if (!was) out.push(`${t.layer} (new diffID)`);
    else if (was.ino !== t.ino) out.push(`${t.layer} (same diffID, tar written again)`);
  }
  return out;
}

function fmtBytes(n: number | null): string {
  if (n === null) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
