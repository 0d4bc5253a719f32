// One writer per layers directory. The module-level stress test hammers the
// lock from several processes, some of which die holding it; the build-level
// tests use real builds.
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { repoRoot } from '../support/cache.js';
import { testInfra } from '../support/context.js';
import { spawnChild } from '../support/children.js';
import { startPybp, type CliResult } from '../support/cli.js';
import { build, BUILD_ENV_FLAGS, writeToolsConfig } from '../e2e/pybp.js';
import { buildOk, decisionsOf, expectAppRuns, expectCleanControlDir, explainDecisions } from './harness.js';

const lockModule = pathToFileURL(join(repoRoot, 'dist', 'engine', 'store', 'lock.js')).href;
const worker = join(repoRoot, 'test', 'reliability', 'lock-stress-worker.mjs');

function runWorker(layersDir: string, runMs: number, dieRate: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const tracked = spawnChild(process.execPath, [worker, lockModule, layersDir, String(runMs), String(dieRate)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    tracked.child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    void tracked.exited.then(({ code, signal }) => resolve({ code, signal, stderr }));
  });
}

type Totals = { held: number; refused: number; tookOver: number; doubles: number };

/** The contenders' reports summed; a report being rewritten this instant is skipped (the final sum is read when all are gone). */
function totals(layersDir: string): Totals {
  const sum: Totals = { held: 0, refused: 0, tookOver: 0, doubles: 0 };
  for (const name of readdirSync(layersDir).filter((n) => n.startsWith('report-'))) {
    let r: Totals;
    try {
      r = JSON.parse(readFileSync(join(layersDir, name), 'utf8')) as Totals;
    } catch {
      continue;
    }
    for (const key of Object.keys(sum) as Array<keyof Totals>) sum[key] += r[key];
  }
  return sum;
}

describe('the layers lock under contention', () => {
  it('never has two holders, with contenders that die holding it', async () => {
    const layersDir = await makeTempDir('pybp lock-stress-');
    let deaths = 0;
    // Contention is counted, not timed (a loaded machine gets there later):
    // six contenders, each running for a second and replaced when it ends or
    // dies, until the lock was held and refused often enough, and stale locks
    // of dead holders were taken over.
    const enough = () => {
      const t = totals(layersDir);
      return t.held > 50 && t.refused > 50 && t.tookOver > 0 && deaths > 0;
    };
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (!enough()) {
          const r = await runWorker(layersDir, 1000, 0.05);
          if (r.signal === 'SIGKILL') deaths++;
          else expect(r.code, r.stderr).toBe(0);
        }
      }),
    );
    const total = totals(layersDir);
    console.log(`lock stress: ${JSON.stringify(total)}, ${deaths} died holding the lock`);
    expect(existsSync(join(layersDir, 'doubles')) ? readFileSync(join(layersDir, 'doubles'), 'utf8') : '').toBe('');
    expect(total.doubles).toBe(0);
    expect(total.held).toBeGreaterThan(50);
    expect(total.refused).toBeGreaterThan(50);
    expect(deaths).toBeGreaterThan(0);
    expect(total.tookOver).toBeGreaterThan(0);
  });
});

// Real builds: one paused mid-build (it stops itself at a fault point with
// SIGSTOP, holding the lock), one killed mid-build (a stale lock and a journal),
// and several started at the same moment.
describe('concurrent builds of the same app', () => {
  let app: string;
  let layersDir: string;
  const setVersion = (v: string) => writeFile(join(app, '.python-version'), `${v}\n`);

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'locked app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], requiresPython: '>=3.12' });
    await writeToolsConfig(app, indexUrl);
    layersDir = join(app, '.pybp', 'layers');
    await buildOk(app, await explainDecisions(app));
  });

  it('a second build refuses at once with layers-locked naming the holder, and changes nothing', async () => {
    await setVersion('3.13');
    const predicted = await explainDecisions(app);
    const first = startPausedBuild(app, 'metadata:python:after');
    const pid = await first.paused;
    const before = listing(layersDir);

    // The first build stays stopped until SIGCONT below: a second build that
    // waited for the lock instead of refusing would never end (the test would time out).
    const second = await build(app);
    expect(second.exitCode).toBe(1);
    expect(second.error?.code).toBe('layers-locked');
    expect(second.error?.message).toContain(`process ${pid}`);
    expect(second.error?.fix).toContain(`kill ${pid}`);
    expect(listing(layersDir)).toEqual(before);

    // explain reads without the lock, and sees through the running build.
    expect(await explainDecisions(app)).toEqual(predicted);

    process.kill(pid, 'SIGCONT');
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    const after = await explainDecisions(app);
    expect(after.map((d) => d.action)).toEqual(['reuse', 'reuse', 'rebuild-always', 'reuse']);
    await expectAppRuns(app, '3.13');
    expectCleanControlDir(layersDir);
  });

  it('the stale lock of a killed build is taken over, and its half-made layers rolled back', async () => {
    await setVersion('3.12');
    const predicted = await explainDecisions(app);
    const first = startPausedBuild(app, 'set-aside:venv:toml-moved');
    const pid = await first.paused;
    first.signal('SIGKILL');
    await first.done;
    const lock = JSON.parse(readFileSync(join(layersDir, '.pybp', 'lock'), 'utf8'));
    expect(lock.pid).toBe(pid);
    expect(existsSync(join(layersDir, '.pybp', 'journal.json'))).toBe(true);

    expect(await explainDecisions(app)).toEqual(predicted);
    await buildOk(app, predicted);
    await expectAppRuns(app, '3.12');
    expectCleanControlDir(layersDir);
  });

  it('builds started at the same moment: one writes, the others refuse with layers-locked', async () => {
    let succeeded = 0;
    let refused = 0;
    for (const version of ['3.13', '3.12', '3.13']) {
      await setVersion(version);
      const results = await Promise.all([build(app), build(app), build(app)]);
      for (const r of results) {
        if (r.status === 'succeeded') succeeded++;
        else {
          expect(r.error?.code, JSON.stringify(r.error)).toBe('layers-locked');
          refused++;
        }
      }
      expect(results.some((r) => r.status === 'succeeded')).toBe(true);
      const now = await explainDecisions(app);
      expect(now.map((d) => d.action)).toEqual(['reuse', 'reuse', 'rebuild-always', 'reuse']);
      await expectAppRuns(app, version);
      expectCleanControlDir(layersDir);
    }
    console.log(`simultaneous builds: ${succeeded} succeeded, ${refused} refused with layers-locked`);
  });

  it('a build that looked at the layers before another build committed decides again under the lock', async () => {
    // Y plans on the 3.13 layers (everything reused) and pauses before taking the lock...
    await setVersion('3.13');
    await buildOk(app, await explainDecisions(app));
    const late = startPausedBuild(app, 'lock:before', ['--json']);
    const pid = await late.paused;
    // ...meanwhile X builds 3.12 and commits...
    await setVersion('3.12');
    await buildOk(app, await explainDecisions(app));
    // ...and Y goes on, for 3.13 again. What follows X's build is discarding python and venv.
    await setVersion('3.13');
    const predicted = await explainDecisions(app);
    expect(predicted.map((d) => d.action)).toEqual(['discard', 'reuse', 'rebuild-always', 'discard']);
    process.kill(pid, 'SIGCONT');
    const done = await late.done;
    expect(done.code, done.stderr).toBe(0);
    expect(decisionsOf(JSON.parse(done.stdout))).toEqual(predicted);
    await expectAppRuns(app, '3.13');
    expect((await explainDecisions(app)).map((d) => d.action)).toEqual(['reuse', 'reuse', 'rebuild-always', 'reuse']);
  });
});

/** A build that stops itself (SIGSTOP) at a fault point (holding the lock, past `lock:before`). */
function startPausedBuild(
  app: string,
  point: string,
  extra: string[] = [],
): { paused: Promise<number>; done: Promise<CliResult>; signal(signal: NodeJS.Signals): void } {
  const build = startPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS, ...extra], {
    env: { PYBP_FAULT_AT: point, PYBP_FAULT_SIGNAL: 'SIGSTOP' },
  });
  const stopped = (async () => {
    const pid = build.pid;
    // No bound of its own: on a loaded machine the build gets there late; the test's timeout ends a build that never does.
    for (;;) {
      if (!build.running) throw new Error(`the build ended before ${point}: ${build.stderr}`);
      try {
        if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T')) return pid;
      } catch {
        // not there yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { paused: stopped, done: build.done, signal: (signal) => build.signal(signal) };
}

/** Every path under `dir` with its size and mtime. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      // A directory's mtime only says entries came and went, which the listing shows itself.
      out.push(`${rel}${e.name} ${e.isDirectory() ? 'dir' : `${st.size} ${st.mtimeMs}`}`);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
    }
  };
  walk(dir, '');
  return out.sort();
}
