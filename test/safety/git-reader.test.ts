// The one git reader (src/engine/io/git.ts) runs nothing a repository names,
// whatever its config says, and takes no embedded repository for the app's:
// tried with the real CLI (doctor and explain --since) on real repositories,
// one per class. Each trap appends to a marker file when it runs, and is
// shown to work when plain git meets it. Every run has a generous kill timer
// (a hang fails the test); no test asserts on time.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { cliEnv, type CliResult, runPybp } from '../support/cli.js';

const HANG_LIMIT_MS = 120_000;
const LOCAL = ['--python-source', 'local', '--target', 'heroku-24'];

interface ErrorJson {
  code: string;
  title: string;
  message: string;
}
interface DoctorJson {
  checks: Array<{ id: string; status: string; message: string }>;
}
interface ExplainJson {
  error: ErrorJson | null;
  since: { ref: string; commit: string } | null;
  notes: string[];
}

let root = '';
/** TMPDIR of every pybp run here: what pybp leaves in it is checked after each test. */
let tmp = '';
let marker = '';
/** A program that appends its name and arguments to the marker (git runs it through the shell: the path has a space). */
let trap = '';
/** The same for git's ssh command: it fails at once, as an unreachable host would. */
let sshTrap = '';
let plainGit = '';

beforeAll(async () => {
  root = await makeTempDir('pybp git reader-');
  tmp = join(root, 'tmp');
  await mkdir(tmp);
  marker = join(root, 'MARKER');
  trap = join(root, 'trap.sh');
  await writeFile(trap, `#!/bin/sh\necho "trap $*" >> '${marker}'\ncat\n`);
  await chmod(trap, 0o755);
  sshTrap = join(root, 'ssh-trap.sh');
  await writeFile(sshTrap, `#!/bin/sh\necho "ssh trap $*" >> '${marker}'\nexit 1\n`);
  await chmod(sshTrap, 0o755);
  plainGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});
afterEach(async () => {
  // The reader's shadow git dirs and --since's copies of the ref's files are removed on every path.
  expect((await readdir(tmp)).filter((n) => n.startsWith('pybp-git-') || n.startsWith('pybp-since-'))).toEqual([]);
  await rm(marker, { force: true });
});

const gitEnv = (extra: Record<string, string> = {}) => cliEnv({ GIT_CONFIG_NOSYSTEM: '1', HOME: root, ...extra });
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: gitEnv(),
    encoding: 'utf8',
  });
}
/** git as a user would run it, meeting the trap: its result is only used to show the trap works. */
function plain(cwd: string, ...args: string[]) {
  return spawnSync('git', args, { cwd, env: gitEnv(), encoding: 'utf8', timeout: 10_000 });
}

function pybp(args: string[], env: Record<string, string> = {}, cwd = root): Promise<CliResult> {
  return runPybp(args, { cwd, env: { TMPDIR: tmp, ...env }, timeoutMs: HANG_LIMIT_MS });
}
function json<T>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`no JSON on stdout (exit ${r.code}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
}
async function doctor(app: string, env: Record<string, string> = {}): Promise<DoctorJson> {
  return json<DoctorJson>(await pybp(['doctor', app, '--json'], env));
}
async function since(app: string, ref: string, env: Record<string, string> = {}): Promise<ExplainJson & { exitCode: number | null }> {
  const r = await pybp(['explain', app, '--json', ...LOCAL, '--since', ref], env);
  return { ...json<ExplainJson>(r), exitCode: r.code };
}
const check = (report: DoctorJson, id: string) => report.checks.find((c) => c.id === id);
const ran = () => (existsSync(marker) ? readFileSync(marker, 'utf8') : '');

/** A pip app committed at the root of a fresh repository, in two commits (requirements.txt differs). */
async function committedApp(name: string, files: Record<string, string> = {}): Promise<string> {
  const app = join(root, name);
  await makePipApp(app, { indexUrl: 'http://127.0.0.1:9/simple', python: '3.12', requirements: [] });
  for (const [file, text] of Object.entries(files)) await writeFile(join(app, file), text);
  git(app, 'init', '-q');
  git(app, 'add', '-A');
  git(app, 'commit', '-qm', 'one');
  await writeFile(join(app, 'requirements.txt'), '--index-url http://127.0.0.1:9/simple\n# two\n');
  git(app, 'commit', '-qam', 'two');
  return app;
}

describe("the app's repository is found by pybp, not by git", () => {
  it('an app directory that is itself a committed bare repository is not taken for the repository', async () => {
    const outer = join(root, 'outer');
    const app = join(outer, 'app');
    await makePipApp(app, { indexUrl: 'http://127.0.0.1:9/simple', python: '3.12', requirements: [] });
    // The layout of a bare repository whose HEAD names a commit it lacks, with a promisor remote over ssh.
    await mkdir(join(app, 'objects'));
    await mkdir(join(app, 'refs', 'heads'), { recursive: true });
    await writeFile(join(app, 'objects', '.keep'), '');
    await writeFile(join(app, 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(app, 'refs', 'heads', 'main'), '1'.repeat(40) + '\n');
    await writeFile(
      join(app, 'config'),
      `[core]\n\trepositoryformatversion = 1\n\tbare = true\n\tsshCommand = '${sshTrap}'\n\tfsmonitor = '${trap}'\n` +
        '[extensions]\n\tpartialClone = origin\n[remote "origin"]\n\turl = ssh://example.invalid/x\n\tpromisor = true\n',
    );
    git(outer, 'init', '-q');
    git(outer, 'add', '-A');
    git(outer, 'commit', '-qm', 'app');

    const report = await doctor(app);
    expect(check(report, 'git-repo')?.message).toContain(`The app is in the subdirectory app/ of the git repository at ${outer}`);
    expect(check(report, 'git-tracked:requirements.txt')?.status).toBe('pass');
    const r = await since(app, 'HEAD');
    expect(r.error).toBeNull();
    expect(r.since?.commit).toBe(git(outer, 'rev-parse', 'HEAD').trim());
    expect(ran()).toBe('');

    // The trap works: git run in the app takes the embedded repository and fetches its missing HEAD over "ssh".
    plain(app, 'rev-parse', '--verify', 'HEAD^{commit}');
    expect(ran()).toContain('ssh trap');
  });

  it('a linked worktree and its main repository are both read', async () => {
    const main = await committedApp('worktree-main');
    const linked = join(root, 'worktree-linked');
    git(main, 'worktree', 'add', '-q', linked, '-b', 'other', 'HEAD~1');
    const report = await doctor(linked);
    expect(check(report, 'git-repo')?.status).toBe('pass');
    expect(check(report, 'git-tracked:requirements.txt')?.status).toBe('pass');
    const r = await since(linked, 'main');
    expect(r.error).toBeNull();
    expect(r.since?.commit).toBe(git(main, 'rev-parse', 'main').trim());
  });
});

describe("nothing the repository's config names runs", () => {
  it('a filter named `x=y` (which -c could not blank) is not run by doctor or --since', async () => {
    const app = await committedApp('filter-eq', { '.gitattributes': 'requirements.txt filter=x=y\n.python-version filter=x=y\n' });
    git(app, 'config', 'filter.x=y.clean', `'${trap}'`);
    git(app, 'config', 'filter.x=y.smudge', `'${trap}'`);
    git(app, 'config', 'filter.x=y.required', 'true');
    // Stat data that no longer matches the index: status must look at the content (and would run the filter).
    execFileSync('touch', ['-d', '2001-01-01', join(app, 'requirements.txt'), join(app, '.python-version')]);

    const report = await doctor(app);
    expect(check(report, 'git-repo')?.status).toBe('pass');
    expect(check(report, 'git-tracked:requirements.txt')?.status).toBe('pass');
    expect((await since(app, 'HEAD~1')).error).toBeNull();
    expect(ran()).toBe('');

    plain(app, 'status', '--porcelain');
    expect(ran()).toContain('trap');
  });

  it('hooks and fsmonitor in the repository run for neither doctor nor --since', async () => {
    const app = await committedApp('hooks');
    for (const hook of ['post-index-change', 'reference-transaction', 'post-checkout', 'pre-auto-gc', 'fsmonitor-watchman']) {
      await writeFile(join(app, '.git', 'hooks', hook), `#!/bin/sh\necho "hook ${hook}" >> '${marker}'\n`);
      await chmod(join(app, '.git', 'hooks', hook), 0o755);
    }
    git(app, 'config', 'core.fsmonitor', `'${trap}'`);
    git(app, 'config', 'log.showSignature', 'true');
    git(app, 'config', 'gpg.program', `'${trap}'`);
    await writeFile(join(app, 'untracked.txt'), 'x\n');

    expect(check(await doctor(app), 'git-repo')?.status).toBe('pass');
    expect((await since(app, 'HEAD~1')).error).toBeNull();
    expect(ran()).toBe('');

    plain(app, 'status', '--porcelain');
    expect(ran()).toContain('trap');
  });

  it('a partial clone: a missing object is unknown, never fetched (core.sshCommand and an ssh remote do not run)', async () => {
    const source = await committedApp('partial-source');
    const server = join(root, 'partial-server.git');
    git(root, 'clone', '-q', '--bare', source, server);
    git(server, 'config', 'uploadpack.allowFilter', 'true');
    git(server, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
    const app = join(root, 'partial-clone');
    git(root, 'clone', '-q', '--filter=blob:none', `file://${server}`, app);
    git(app, 'config', 'remote.origin.url', 'ssh://example.invalid/app.git');
    git(app, 'config', 'core.sshCommand', `'${sshTrap}'`);
    git(app, 'config', 'protocol.ssh.allow', 'always');
    // HEAD~1's requirements.txt is not in the clone (the trap below fires only because git goes to fetch it).
    const oid = git(app, 'rev-parse', 'HEAD~1:requirements.txt').trim();

    const r = await since(app, 'HEAD~1');
    expect(r.exitCode).toBe(1);
    expect(r.error?.code).toBe('git-object-missing');
    expect(r.error?.title).toBe('What HEAD~1 held is unknown');
    expect(r.error?.message).toContain('requirements.txt');
    expect(r.error?.title).not.toContain('did not exist');
    expect(check(await doctor(app), 'git-tracked:requirements.txt')?.status).toBe('pass');
    expect(ran()).toBe('');

    plain(app, 'cat-file', '-p', oid);
    expect(ran()).toContain('ssh trap');
  });

  it('an include.path naming a FIFO is never opened: doctor and --since finish', async () => {
    const app = await committedApp('fifo-include');
    const fifo = join(root, 'include.fifo');
    execFileSync('mkfifo', [fifo]);
    git(app, 'config', 'include.path', fifo);

    expect(check(await doctor(app), 'git-repo')?.status).toBe('pass');
    expect((await since(app, 'HEAD~1')).error).toBeNull();

    // The trap works: plain git waits on the FIFO (stopped by spawnSync's timer).
    const stuck = spawnSync('git', ['status'], { cwd: app, env: gitEnv(), timeout: 2000 });
    expect((stuck.error as NodeJS.ErrnoException | undefined)?.code).toBe('ETIMEDOUT');
  });

  it('a `git` in an in-app bin/ on PATH (or a link to it) is not run; the one outside the app is', async () => {
    const app = await committedApp('path-git');
    await mkdir(join(app, 'bin'));
    await writeFile(join(app, 'bin', 'git'), `#!/bin/sh\necho "app git $*" >> '${marker}'\nexit 1\n`);
    await chmod(join(app, 'bin', 'git'), 0o755);
    const linkDir = join(root, 'link-bin');
    await symlink(join(app, 'bin'), linkDir);
    const env = { PATH: `${join(app, 'bin')}:${linkDir}:${cliEnv().PATH}` };

    expect(check(await doctor(app, env), 'git-repo')?.status).toBe('pass');
    expect((await since(app, 'HEAD~1', env)).error).toBeNull();
    expect(ran()).toBe('');

    spawnSync('git', ['status'], { cwd: app, env: gitEnv(env) });
    expect(ran()).toContain('app git');
  });
});

describe('explain --since reads the ref as data', () => {
  it('skips a committed symlink whose target is 6 KB long, with a note', async () => {
    const app = await committedApp('long-link');
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: app, env: gitEnv(), input: 'a/'.repeat(3000) }).toString().trim();
    git(app, 'update-index', '--add', '--cacheinfo', `120000,${blob},long-link`);
    git(app, 'commit', '-qm', 'long link');
    const r = await since(app, 'HEAD');
    expect(r.error).toBeNull();
    expect(r.notes.join('\n')).toContain('long-link at HEAD is a symlink with a 6000-byte target; it is left out of the comparison');
  });

  it('reads a top level of 3000 files with a handful of git processes, not two per file', async () => {
    const app = await committedApp('many-files');
    await Promise.all(Array.from({ length: 3000 }, (_, i) => writeFile(join(app, `file-${i}.txt`), `${i}\n`)));
    git(app, 'add', '-A');
    git(app, 'commit', '-qm', 'many');
    // A git outside the app that logs each start, first on PATH.
    const logged = join(root, 'logged-bin');
    const log = join(root, 'git-starts.log');
    await mkdir(logged);
    await writeFile(join(logged, 'git'), `#!/bin/sh\necho "$2" >> '${log}'\nexec '${plainGit}' "$@"\n`);
    await chmod(join(logged, 'git'), 0o755);

    const r = await since(app, 'HEAD~1', { PATH: `${logged}:${cliEnv().PATH}` });
    expect(r.error).toBeNull();
    const starts = readFileSync(log, 'utf8').trim().split('\n');
    expect(starts).toContain('cat-file');
    expect(starts.length).toBeLessThanOrEqual(6);
  });

  it('refs that look like options or shell stay clean errors; control characters are not echoed', async () => {
    const app = await committedApp('refs');
    const cwd = join(root, 'refs-cwd');
    await mkdir(cwd);
    for (const ref of ['--output=x', 'HEAD; touch x', '$(touch x)', '`touch x`', 'main..HEAD', 'refs/../../x', 'HEAD\u001b]52;c;aGk=\u0007', ':/\u001b[2J']) {
      const r = await pybp(['explain', app, '--json', ...LOCAL, `--since=${ref}`], {}, cwd);
      expect([1, 2], ref).toContain(r.code);
      expect(r.stdout + r.stderr, ref).not.toContain('\u001b');
      expect(['usage', 'git-ref-unknown'], ref).toContain(json<ExplainJson>(r).error?.code);
    }
    expect(await readdir(cwd)).toEqual([]);
    expect(existsSync(join(app, 'x'))).toBe(false);
  });
});
