// Every way pybp can be stopped takes one path (issue 17, item 3), tried with
// the real CLI: SIGTERM, SIGHUP, SIGQUIT and a closed stdout (EPIPE) stop the
// children as a group, grandchildren included, roll a build back, record it in
// history, remove the build HOME and every scratch directory, and exit 130.
// `pybp run` ends with its process group, not when the last pipe closes.
//
// "Gone" is checked on the processes themselves: a grandchild's PID (written
// by the process that started it) must not be running afterwards, and no
// process may be left whose command line names the app. Every run has a
// generous kill timer so a regression fails instead of hanging; no test
// asserts on time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { cliEnv, pybpBin, type RunningCli, runPybp, startPybp } from '../support/cli.js';
import { spawnChild } from '../support/children.js';
import { testInfra } from '../support/context.js';
import { serveBlackhole } from '../support/file-server.js';
import { adoptLayersDir } from '../support/owned-layers.js';
import { alive, childPids, processesNaming, until } from '../support/procs.js';
import { cacheHomeWithPinnedUv } from '../support/tools.js';
import { BUILD_ENV_FLAGS, writeToolsConfig } from '../e2e/pybp.js';

/** A command still running after this is killed and its test fails: a safety net, not a timing assertion. */
const HANG_LIMIT_MS = 120_000;
type Env = Record<string, string | undefined>;
const start = (args: string[], env: Env = {}): RunningCli => startPybp(args, { env, timeoutMs: HANG_LIMIT_MS });

/** The variable the hanging build backend tags its grandchild with: the marker's host path, unique to this run. */
const HANG_TAG = 'PYBP_STOPS_HANG';

/** The host PID of the live process tagged with `marker`, if any. */
function processTagged(marker: string): number | null {
  const tag = `${HANG_TAG}=${marker}`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(tag) && alive(Number(name))) return Number(name);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return null;
}

function taggedPid(marker: string): number {
  const pid = processTagged(marker);
  if (pid === null) throw new Error(`no live process tagged ${HANG_TAG}=${marker}`);
  return pid;
}

/** A PID a test's process wrote to `file`, once it is there. */
async function pidFrom(file: string, cli?: RunningCli): Promise<number> {
  await until(`${file} was written`, () => existsSync(file) && /^\d+\s*$/.test(readFileSync(file, 'utf8')), cli);
  return Number(readFileSync(file, 'utf8').trim());
}

/** pybp's scratch directories and build HOMEs (pybp-*) in the TMPDIR every run of this file gets (the tools' own are theirs). */
function scratchLeft(): string[] {
  const tmp = cliEnv().TMPDIR;
  return readdirSync(tmp).filter((n) => n.startsWith('pybp-'));
}

/** Every layer toml's text and every entry name at the top of the layers dir and its control dir (history aside). */
async function snapshot(layersDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(layersDir)).sort()) {
    out[name] = name.endsWith('.toml') ? await readFile(join(layersDir, name), 'utf8') : 'entry';
  }
  for (const name of (await readdir(join(layersDir, '.pybp'))).sort()) if (name !== 'history.json') out[`.pybp/${name}`] = 'entry';
  return out;
}

async function lastBuildStatus(app: string): Promise<string | undefined> {
  const r = await runPybp(['history', app, '--json'], { timeoutMs: HANG_LIMIT_MS });
  const builds = (JSON.parse(r.stdout) as { builds: Array<{ id: number; status: string }> }).builds;
  return [...builds].sort((a, b) => b.id - a.id)[0]?.status;
}

describe('pybp run stops the whole process group', () => {
  let root: string;
  let layers: string;
  let count = 0;
  beforeAll(async () => {
    root = await makeTempDir('pybp stops-run-');
    layers = join(root, 'layers');
    await mkdir(join(layers, 'venv', 'bin'), { recursive: true });
    await writeFile(join(layers, 'venv.toml'), '[types]\nlaunch = true\n');
    await adoptLayersDir(layers, cliEnv());
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function app(procfile?: string): Promise<string> {
    const dir = join(root, `app-${++count}`);
    await mkdir(dir);
    await writeFile(join(dir, 'requirements.txt'), '');
    if (procfile) await writeFile(join(dir, 'Procfile'), procfile);
    return dir;
  }

  it.each([
    ['a command: sh -c "sleep & wait"', 'command'],
    ['a Procfile process: web: sleep & sleep', 'procfile'],
  ])('SIGTERM during %s stops pybp and the grandchild with it', async (_label, kind) => {
    const marker = join(root, `grandchild-${kind}.pid`);
    const line = `sleep 300 & echo $! > '${marker}'; `;
    const dir = kind === 'procfile' ? await app(`web: ${line}sleep 301\n`) : await app();
    const args = kind === 'procfile' ? ['run', dir, '--layers-dir', layers] : ['run', dir, '--layers-dir', layers, '--', 'sh', '-c', `${line}wait`];
    const running = start(args);
    const grandchild = await pidFrom(marker, running);
    expect(alive(grandchild)).toBe(true);
    running.signal('SIGTERM');
    const r = await running.done;
    // The shell died of the SIGTERM pybp passed on to its group: 128 + 15.
    expect(r.code).toBe(143);
    await until('the grandchild is gone', () => !alive(grandchild));
  });

  it('an interactive command (stdin a terminal) keeps the terminal, and SIGTERM still stops it and its descendants', async () => {
    const dir = await app();
    const pybpPid = join(root, 'tty-pybp.pid');
    const marker = join(root, 'tty-grandchild.pid');
    const readsTerminal = join(root, 'tty-read.ok');
    // script(1) gives pybp a terminal; the command reads it (a background group could not: SIGTTIN), reports
    // pybp's PID (its parent), starts a background job and waits. The terminal stays open after pybp ends
    // (`; sleep 30`), so no hangup from it stops the job: only pybp can.
    const inner = `read -t 1 x < /dev/tty; [ $? -gt 128 ] && touch '${readsTerminal}'; echo $PPID > '${pybpPid}'; sleep 300 & echo $! > '${marker}'; wait`;
    const command = [process.execPath, '--', pybpBin, 'run', dir, '--layers-dir', layers, '--', 'bash', '-c', inner].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const tty = spawnChild('script', ['-qec', `${command}; sleep 30`, '/dev/null'], { env: cliEnv(), stdio: ['pipe', 'ignore', 'ignore'] });
    const grandchild = await pidFrom(marker);
    const pid = await pidFrom(pybpPid);
    // `read -t 1` timed out (status > 128) rather than being stopped by SIGTTIN: the command had the terminal.
    expect(existsSync(readsTerminal)).toBe(true);
    process.kill(pid, 'SIGTERM');
    await until('pybp is gone', () => !alive(pid));
    await until('the grandchild is gone', () => !alive(grandchild));
    await tty.killTree();
  });

  it('a process that exits while a grandchild still holds its stderr ends the run; the grandchild goes too', async () => {
    const marker = join(root, 'holder.pid');
    // The Procfile's shell exits at once; its background sleep inherits the stderr pipe pybp reads.
    const dir = await app(`web: sleep 300 & echo $! > '${marker}'; exit 3\n`);
    const r = await runPybp(['run', dir, '--layers-dir', layers], { timeoutMs: HANG_LIMIT_MS });
    expect(r.code).toBe(3);
    const grandchild = await pidFrom(marker);
    await until('the grandchild is gone', () => !alive(grandchild));
  });
});

describe('a build stopped by a signal or a closed stdout rolls back and says so in history', () => {
  let root: string;
  let app: string;
  let layersDir: string;
  let before: Record<string, string>;
  let count = 0;
  beforeAll(async () => {
    root = await makeTempDir('pybp stops-build-');
    const { indexUrl } = testInfra();
    app = join(root, 'app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: [] });
    await writeToolsConfig(app, indexUrl);
    const first = await runPybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { timeoutMs: 600_000 });
    expect(JSON.parse(first.stdout).status).toBe('succeeded');
    layersDir = join(app, '.pybp', 'layers');
    before = await snapshot(layersDir);
  }, 600_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  /**
   * requirements.txt names a local project whose in-tree build backend starts a
   * grandchild of pip (`sleep`, holding pip's stdout), writes its PID, and
   * hangs: pip is then busy for as long as the test likes, with a grandchild.
   */
  async function hangingRequirement(): Promise<string> {
    // In the app, found by the backend from its own file: with Heroku's paths pip sees the app at
    // /workspace and a /tmp of its own, so a host path under /tmp names nothing for it.
    const marker = join(app, `backend-${++count}.pid`);
    const pkg = join(app, `hang${count}`);
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'pyproject.toml'), '[build-system]\nrequires = []\nbuild-backend = "hang_backend"\nbackend-path = ["."]\n');
    await writeFile(
      join(pkg, 'hang_backend.py'),
      [
        'import os, subprocess, time',
        `_marker = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ${JSON.stringify(`backend-${count}.pid`)})`,
        'def _hang(*args, **kwargs):',
        // Tagged with the marker's host path, so the test finds it on the host: in the sandbox's PID namespace its PID means nothing outside.
        `    child = subprocess.Popen(['sleep', '300'], env={**os.environ, ${JSON.stringify(HANG_TAG)}: ${JSON.stringify(marker)}})`,
        "    open(_marker + '.tmp', 'w').write(str(child.pid))",
        "    os.rename(_marker + '.tmp', _marker)",
        '    time.sleep(300)',
        'get_requires_for_build_wheel = _hang',
        'prepare_metadata_for_build_wheel = _hang',
        'build_wheel = _hang',
        '',
      ].join('\n'),
    );
    await writeFile(join(app, 'requirements.txt'), `./hang${count}\n`);
    return marker;
  }

  async function expectRolledBackAndClean(): Promise<void> {
    expect(await snapshot(layersDir)).toEqual(before);
    expect(await lastBuildStatus(app)).toBe('interrupted');
    expect(scratchLeft()).toEqual([]);
    await until('nothing pybp started for the app runs', () => processesNaming(app).length === 0);
  }

  it.each(['SIGHUP', 'SIGQUIT', 'SIGTERM'] as const)('%s while pip runs a build backend with a grandchild', async (signal) => {
    const marker = await hangingRequirement();
    const build = start(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    await pidFrom(marker, build);
    const grandchild = taggedPid(marker);
    expect(alive(grandchild)).toBe(true);
    build.signal(signal);
    const outcome = await build.done;
    expect(outcome.code).toBe(130);
    expect(outcome.stdout + outcome.stderr).toContain('interrupted');
    await until('the grandchild is gone', () => !alive(grandchild));
    await expectRolledBackAndClean();
  }, 300_000);

  it('`pybp build | sed …q`: the reader goes away while pip runs, and the next write (EPIPE) stops the build', async () => {
    const marker = await hangingRequirement();
    const status = join(root, 'epipe.status');
    // A real pipeline: sed prints up to the line that names pip install and quits, closing the pipe.
    const node = process.execPath;
    const script = `'${node}' -- '${pybpBin}' build '${app}' --python-source local ${BUILD_ENV_FLAGS.map((f) => `'${f}'`).join(' ')} | sed '/pip install/q'; echo \${PIPESTATUS[0]} > '${status}'`;
    const shell = spawnChild('bash', ['-c', script], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    shell.child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    shell.child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exit = await shell.exited;
    expect(exit.code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('pip install');
    // pybp did not die of the EPIPE: it stopped, rolled back and exited as interrupted.
    expect(readFileSync(status, 'utf8').trim(), stderr).toBe('130');
    expect(stderr).toContain('interrupted');
    expect(stderr).not.toContain('EPIPE\n');
    // If pip got as far as the backend, its grandchild went with it.
    if (existsSync(marker)) await until('the grandchild is gone', () => !processTagged(marker));
    await expectRolledBackAndClean();
  }, 300_000);
});

describe('explain --since and doctor remove their scratch dirs and stop their children, whatever stops them', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir('pybp stops-inspect-');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('explain --since, %s while the ref is copied out', async (signal) => {
    const app = join(root, `since-${signal}`);
    await makePipApp(app, { indexUrl: 'http://127.0.0.1:9/simple', python: '3.12', requirements: [] });
    await writeFile(join(app, '.env'), 'SECRET=in-the-ref\n');
    // Enough files that copying the ref out takes a while (one git cat-file each).
    for (let i = 0; i < 400; i++) await writeFile(join(app, `f${i}.txt`), `${i}\n`);
    const git = (args: string[]) => runGit(app, args);
    await git(['init', '-q']);
    await git(['add', '-A']);
    await git(['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'ref']);
    const explain = start(['explain', app, '--since', 'HEAD', '--json', '--python-source', 'local']);
    await until('the ref is being copied out', () => scratchLeft().some((n) => n.startsWith('pybp-since-')), explain);
    explain.signal(signal);
    const outcome = await explain.done;
    expect(outcome.code).toBe(130);
    expect((JSON.parse(outcome.stdout) as { error: { code: string } }).error.code).toBe('interrupted');
    expect(scratchLeft()).toEqual([]);
    await until('no git is left', () => processesNaming(app).length === 0);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)("doctor, %s while the pinned uv checks requirements.txt's wheels", async (signal) => {
    const app = join(root, `doctor-${signal}`);
    await mkdir(app, { recursive: true });
    await writeFile(join(app, '.python-version'), '3.12\n');
    const stalling = await serveBlackhole();
    try {
      // The real pinned uv in pybp's tool cache; its `uv pip compile` waits on
      // the index the user gave (doctor never asks one the app names).
      await writeFile(join(app, 'requirements.txt'), 'tinyweb==1.0.0\n');
      const cache = await cacheHomeWithPinnedUv(join(root, `uv-cache-${signal}`));
      const doctor = start(['doctor', app, '--env', `PIP_INDEX_URL=${stalling.url}/simple`], { XDG_CACHE_HOME: cache });
      await Promise.race([stalling.requested, doctor.done]);
      expect(doctor.running).toBe(true);
      const children = childPids(doctor.pid);
      expect(children.length).toBeGreaterThan(0);
      expect(scratchLeft().some((n) => n.startsWith('pybp-doctor-wheels-'))).toBe(true);
      doctor.signal(signal);
      const outcome = await doctor.done;
      expect(outcome.code).toBe(130);
      expect(outcome.stderr).toContain('interrupted');
      expect(scratchLeft()).toEqual([]);
      for (const pid of children) await until(`child ${pid} is gone`, () => !alive(pid));
    } finally {
      await stalling.close();
    }
  });
});

async function runGit(cwd: string, args: string[]): Promise<void> {
  const tracked = spawnChild('git', args, { cwd, stdio: 'ignore', env: cliEnv() });
  const exit = await tracked.exited;
  if (exit.code !== 0) throw new Error(`git ${args.join(' ')} exited ${exit.code}`);
}
