// Errors name the real cause (issue 9, item 7), tried with the real CLI:
// bad --env names and --target values are usage errors that never echo a
// secret; `pybp run` passes on a command's death by signal; a failing build
// carries the tool's last lines; a full disk during a tool, a read-only file
// system and a layers directory removed mid-build each get their own code;
// an app path that is not UTF-8 is not "does not exist".
//
// The full disk and the read-only mount are real (ENOSPC from a tmpfs, EROFS
// from a read-only bind mount), made in a user namespace with `unshare -rm`,
// so these tests need no root. A build is paused at a fault point with
// SIGSTOP (PYBP_FAULT_SIGNAL), changed under, and resumed: no timing guess.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { ChildrenClosedError, spawnChild } from '../support/children.js';
import { cliEnv, pybpBin as cli } from '../support/cli.js';
import { withTestPaths } from '../support/paths-mode.js';
import { BUILD_ENV_FLAGS, writeToolsConfig } from '../e2e/pybp.js';

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface ErrorJson {
  code: string;
  title: string;
  message: string;
  fix: string;
  details?: string[];
  output?: string[];
}

const testEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => cliEnv(extra);

/**
 * Starts a program in its own process group (spawnChild: killed with
 * everything it started when the test ends); `done` settles when it exits.
 */
function start(program: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { child: ChildProcess; done: Promise<Outcome> } {
  const tracked = spawnChild(program, args, { cwd: opts.cwd ?? '/', env: opts.env ?? testEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const { child } = tracked;
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on('error', reject);
    void tracked.exited.then(({ code, signal, killedAtEnd }) => {
      if (killedAtEnd) reject(new ChildrenClosedError(program));
      else resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

function pybp(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Outcome> {
  return start(process.execPath, [cli, ...withTestPaths(args)], opts).done;
}

function json<T>(outcome: Outcome): T {
  try {
    return JSON.parse(outcome.stdout) as T;
  } catch {
    throw new Error(`no JSON on stdout (exit ${outcome.code}):\n${outcome.stdout}\n${outcome.stderr}`);
  }
}

const errorOf = (outcome: Outcome) => json<{ error: ErrorJson | null }>(outcome).error;

/** Waits until the process is stopped (state T in /proc/<pid>/stat) or has exited. */
async function stopped(pid: number): Promise<void> {
  for (;;) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      throw new Error(`process ${pid} ended before it reached the fault point`);
    }
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'T') return;
    if (state === 'Z') throw new Error(`process ${pid} ended before it reached the fault point`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs a shell script as root of a new user and mount namespace (`unshare -rm`): it can
 * mount a tmpfs or a read-only bind, seen by nobody else. `$PYBP` runs the CLI.
 */
function inNamespace(script: string, env: NodeJS.ProcessEnv = testEnv()): Promise<Outcome> {
  return start('unshare', ['-rm', 'sh', '-euc', script], { env: { ...env, PYBP: `${process.execPath} ${cli}` } }).done;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('usage errors name the input, never a secret', () => {
  let app: string;
  beforeAll(async () => {
    app = join(await makeTempDir(), 'usage app');
    await makePipApp(app, { indexUrl: testInfra().indexUrl, python: '3.12', requirements: [] });
  });

  it.each([['1BAD=x'], ['A B=x'], ['K\nX=x']])('--env %j is exit 2 for build, explain, doctor and run', async (flag) => {
    for (const command of [['build', app, '--json'], ['explain', app, '--json'], ['doctor', app, '--json']]) {
      const outcome = await pybp([...command, '--env', flag]);
      expect(outcome.code, `${command[0]}: ${outcome.stdout}${outcome.stderr}`).toBe(2);
      expect(errorOf(outcome)).toMatchObject({ code: 'usage', title: 'Bad --env name' });
    }
    const run = await pybp(['run', app, '--env', flag, '--', 'true']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('(usage)');
    expect(existsSync(join(app, '.pybp'))).toBe(false);
  });

  it('a malformed --env does not echo its text', async () => {
    for (const command of [['build', app, '--json'], ['explain', app], ['run', app, '--', 'true']]) {
      const outcome = await pybp([...command.slice(0, 2), '--env', 'API_TOKEN:abc123secret', ...command.slice(2)]);
      expect(outcome.code).toBe(2);
      expect(outcome.stdout + outcome.stderr).not.toContain('abc123secret');
      expect(outcome.stdout + outcome.stderr).toContain('is not of the form NAME=value');
    }
  });

  it.each([['heroku-99'], ['heroku-24/..'], ['heroku-22/arm64'], ['ubuntu-24.04/../x']])('--target %s is exit 2', async (target) => {
    for (const command of ['explain', 'build', 'doctor']) {
      const outcome = await pybp([command, app, '--json', '--target', target]);
      expect(outcome.code, outcome.stdout).toBe(2);
      expect(errorOf(outcome)).toMatchObject({ code: 'usage', title: 'Unknown build target' });
    }
    expect(existsSync(join(app, '.pybp'))).toBe(false);
  });

  it('--target heroku-24/arm64 is still a target', async () => {
    const outcome = await pybp(['explain', app, '--json', '--target', 'heroku-24/arm64', '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    expect(outcome.code, outcome.stdout).toBe(0);
    expect(json<{ target: { arch: string; distro_version: string } }>(outcome).target).toMatchObject({ arch: 'arm64', distro_version: '24.04' });
  });
});

describe('a non-UTF-8 app path that exists', () => {
  let dir: string;
  beforeAll(async () => {
    const parent = await makeTempDir();
    // Node can't name this directory: make it with the shell, from raw bytes.
    dir = join(parent, 'caf\uFFFD app');
    const made = await start('sh', ['-c', `cd ${shellQuote(parent)} && mkdir "$(printf 'caf\\351 app')" && printf 'flask\\n' > "$(printf 'caf\\351 app')/requirements.txt"`]).done;
    expect(made.code, made.stderr).toBe(0);
  });

  it('is app-dir-not-utf8 for explain, doctor and build, as an argument or the working directory, and nothing is written', async () => {
    const raw = `$(printf ${shellQuote(dir.replace('\uFFFD', '\\351'))})`;
    for (const [how, script] of [
      ['argument', `exec $PYBP explain "${raw}" --json`],
      ['argument', `exec $PYBP build "${raw}" --json`],
      ['cwd', `cd "${raw}" && exec $PYBP build --json`],
    ] as const) {
      const outcome = await start('sh', ['-c', script], { env: { ...testEnv(), PYBP: `${process.execPath} ${cli}` } }).done;
      expect(outcome.code, `${how}: ${outcome.stdout}${outcome.stderr}`).toBe(1);
      const error = errorOf(outcome)!;
      expect(error.code).toBe('app-dir-not-utf8');
      expect(error.message).toContain('caf\\xe9 app exists');
    }
    const doctor = await start('sh', ['-c', `exec $PYBP doctor "${raw}" --json`], { env: { ...testEnv(), PYBP: `${process.execPath} ${cli}` } }).done;
    expect(doctor.code).toBe(1);
    expect(json<{ checks: Array<{ code?: string }> }>(doctor).checks.map((c) => c.code)).toContain('app-dir-not-utf8');
    const listing = await start('sh', ['-c', `ls -A "${raw}"`]).done;
    expect(listing.stdout.trim().split('\n')).toEqual(['requirements.txt']);
  });

  it('a path that does not exist is still app-dir-not-found', async () => {
    const outcome = await start('sh', ['-c', `exec $PYBP explain "$(printf '/nonexistent/caf\\351')" --json`], { env: { ...testEnv(), PYBP: `${process.execPath} ${cli}` } }).done;
    expect(errorOf(outcome)?.code).toBe('app-dir-not-found');
  });
});

describe('a built pip app', () => {
  let app: string;
  let layers: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'built app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    layers = join(app, '.pybp', 'layers');
    const built = await pybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    expect(built.code, built.stdout + built.stderr).toBe(0);
  });

  it.each([
    ['kill -9 $$', 137],
    ['kill -TERM $$', 143],
    ['kill -SEGV $$', 139],
    ['exit 7', 7],
  ])('pybp run -- sh -c %j exits %i', async (script, expected) => {
    const outcome = await pybp(['run', app, '--', 'sh', '-c', script]);
    expect(outcome.signal).toBeNull();
    expect(outcome.code).toBe(expected);
  });

  it('a read-only file system is read-only-filesystem for a build, and run still works', async () => {
    const appQ = shellQuote(app);
    const outcome = await inNamespace(`mount --bind -o ro ${appQ} ${appQ}
      $PYBP build ${appQ} --json --python-source local ${BUILD_ENV_FLAGS.map(shellQuote).join(' ')} || echo "exit $?" >&2
      $PYBP run ${appQ} -- python -c 'import tinyweb; print(tinyweb.hello())' >&2`);
    const error = errorOf(outcome)!;
    expect(error.code, JSON.stringify(error)).toBe('read-only-filesystem');
    expect(error.message).toContain(layers);
    expect(outcome.stderr).toContain('exit 1');
    expect(outcome.stderr).toContain('hello from tinyweb 1.0.0');
  });
});

describe('a read-only app directory with no layers yet', () => {
  it('is read-only-filesystem, not "ENOENT mkdir"', async () => {
    const app = join(await makeTempDir(), 'ro app');
    await makePipApp(app, { indexUrl: testInfra().indexUrl, python: '3.12', requirements: [] });
    const appQ = shellQuote(app);
    const outcome = await inNamespace(`mount --bind -o ro ${appQ} ${appQ}
      exec $PYBP build ${appQ} --json --python-source local ${BUILD_ENV_FLAGS.map(shellQuote).join(' ')}`);
    expect(outcome.code).toBe(1);
    const error = errorOf(outcome)!;
    expect(error.code, JSON.stringify(error)).toBe('read-only-filesystem');
    expect(error.message).not.toContain('ENOENT');
    expect(existsSync(join(app, '.pybp'))).toBe(false);
  });
});

describe('a failing tool', () => {
  it('build --json carries its last output lines, and plain output shows them', async () => {
    const { indexUrl } = testInfra();
    const app = join(await makeTempDir(), 'failing app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: [] });
    await writeToolsConfig(app, indexUrl);
    // Built once without it: each failing build below then redoes only the venv (a failed
    // build rolls back, so from nothing each would place Python and install pip again).
    expect((await pybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS])).code).toBe(0);
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['nosuchpackage-pybp==9.9'] });
    const outcome = await pybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    expect(outcome.code).toBe(1);
    const error = errorOf(outcome)!;
    expect(error.code).toBe('pip-dependencies-failed');
    expect(error.output?.join('\n')).toMatch(/No matching distribution found for nosuchpackage-pybp==9\.9/);
    expect(error.output!.length).toBeLessThanOrEqual(20);

    const plain = await pybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    expect(plain.code).toBe(1);
    const shown = plain.stderr.slice(plain.stderr.indexOf('(pip-dependencies-failed)'));
    expect(shown).toContain('last output lines:');
    expect(shown).toMatch(/│ ERROR: No matching distribution found for nosuchpackage-pybp==9\.9/);
  });
});

describe('the disk fills up while pip is being installed (a tmpfs in a user namespace)', () => {
  it('is disk-full with pip\'s own words, not "a network problem"', async () => {
    const { indexUrl } = testInfra();
    const root = await makeTempDir('pybp full-');
    const app = join(root, 'app');
    const disk = join(root, 'disk');
    await mkdir(disk);
    await makePipApp(app, { indexUrl, python: '3.12', requirements: [] });
    await writeToolsConfig(app, indexUrl);
    const layersQ = shellQuote(join(disk, 'layers'));
    // Paused once the python layer is in place; the disk is then filled but for 2 MB, enough for
    // pybp's own small writes and not for pip, whose bootstrap then hits ENOSPC.
    const outcome = await inNamespace(
      `mount -t tmpfs -o size=800m tmpfs ${shellQuote(disk)}
      $PYBP build ${shellQuote(app)} --json --python-source local --layers-dir ${layersQ} ${BUILD_ENV_FLAGS.map(shellQuote).join(' ')} > ${shellQuote(join(root, 'out.json'))} &
      pid=$!
      until [ "$(cut -d')' -f2 /proc/$pid/stat | cut -d' ' -f2)" = T ]; do kill -0 $pid; sleep 0.05; done
      avail=$(df -k --output=avail ${shellQuote(disk)} | tail -n 1)
      dd if=/dev/zero of=${shellQuote(join(disk, 'filler'))} bs=1K count=$((avail - 2048)) 2>/dev/null
      kill -CONT $pid
      wait $pid || echo "exit $?" >&2`,
      testEnv({ PYBP_FAULT_AT: 'metadata:python:after', PYBP_FAULT_SIGNAL: 'SIGSTOP' }),
    );
    expect(outcome.stderr).toContain('exit 1');
    const report = JSON.parse(readFileSync(join(root, 'out.json'), 'utf8')) as { error: ErrorJson; layers: Array<{ name: string }> };
    expect(report.error.code, JSON.stringify(report.error)).toBe('disk-full');
    expect(report.error.message).toContain('pip failed');
    expect(report.error.message).not.toMatch(/network/i);
    expect(report.error.output?.join('\n')).toContain('No space left on device');
    await rm(root, { recursive: true, force: true });
  });
});

describe('the layers directory removed during a build', () => {
  let app: string;
  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'vanishing app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
  });

  it.each([
    // before pip's bootstrap: pip then fails to import from the python layer
    ['metadata:python:after'],
    // while committing: the journal's rename finds no directory
    ['commit:journaled'],
  ])('at %s is layers-dir-removed, exit 1', async (point) => {
    await rm(join(app, '.pybp'), { recursive: true, force: true });
    const { child, done } = start(process.execPath, [cli, ...withTestPaths(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS])], {
      env: testEnv({ PYBP_FAULT_AT: point, PYBP_FAULT_SIGNAL: 'SIGSTOP' }),
    });
    await stopped(child.pid!);
    await rm(join(app, '.pybp'), { recursive: true, force: true });
    process.kill(child.pid!, 'SIGCONT');
    const outcome = await done;
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(1);
    const error = errorOf(outcome)!;
    expect(error.code, JSON.stringify(error)).toBe('layers-dir-removed');
    expect(error.message).toContain(join(app, '.pybp', 'layers'));
    expect(error.details?.length).toBe(1);
  });
});
