// The one way pybp reads an app's git repository. It reads; it can run
// nothing the repository names, whatever the repository's config says.
//
// git itself is the reader (see "Why the git binary" below), but git never
// sees the repository's config. pybp finds the repository itself, by looking
// for `.git` in the app directory and its parents (never taking a directory
// that merely looks like a bare repository, such as a committed one inside
// the app), and hands git a directory of its own in its place
// (GIT_DIR=<shadow>): symlinks to the real HEAD, refs, objects, index and
// info files, next to a `config` pybp wrote. The repository's `.git/config`
// and `config.worktree` (with their `include.path`s, which may name a FIFO),
// and its `hooks/`, are not in it. So none of what a config can make git run
// exists for this git: no clean/smudge/process filter (a filter named `x=y`
// included: there is nothing to blank), no `core.fsmonitor`, no hook, no
// `core.sshCommand`, no diff driver or textconv, and no promisor remote: an
// object a partial clone lacks is reported missing ("unknown" to the caller)
// and never fetched. On top of that, git runs with no system or global config,
// `protocol.allow=never`, `safe.bareRepository=explicit`, GIT_NO_LAZY_FETCH
// (git 2.45+), no optional locks (nothing is written back), and only the
// subcommands that read (READ_COMMANDS). The few settings of the real config
// that are data about the repository's format (`extensions.objectFormat`,
// `core.fileMode`...) are read by pybp, bounded, and copied over if they
// have one of their known values. Of the user's own global config, only
// `core.excludesFile` is taken over (it decides which files count as ignored).
//
// The git binary is looked up on PATH, skipping relative entries and any
// inside the app or its repository: an in-app `bin/git` never runs.
//
// Why the git binary, and not a JavaScript reader (isomorphic-git 1.44):
// tried on the same repositories, isomorphic-git can't read an index in
// version 4 (what `feature.manyFiles` writes, as large repositories do), reads
// a whole packfile into memory to get one object, and has no ignore-rule
// provenance (`check-ignore -v`) or `HEAD~1`-style revisions. With its config
// taken away, git runs nothing either, and reads everything git writes.
// Overrides alone (`-c` or GIT_CONFIG_COUNT) were tried first and do not
// close the class on git 2.39: the repo's `protocol.ssh.allow=always` beats
// `protocol.allow=never` and its promisor remote is still fetched from,
// running `core.sshCommand`; and git still opens an include.path FIFO.

import { constants, type Stats } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeFileType, readAppFile } from './app-file.js';
import { runProcess } from './process.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A git run whose stdout is kept as bytes (a blob is not necessarily text). */
export interface GitBytesResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** Stopped by pybp: output over the bound, or over the time limit. */
  stopped?: 'output' | 'timeout';
}

export interface GitOptions {
  /** The environment git runs in (PATH, HOME); its GIT_* variables are dropped. */
  env?: NodeJS.ProcessEnv;
  /** Written to git's stdin. */
  input?: string;
  /** A smaller bound than MAX_OUTPUT on what git may print (stdout and stderr together). */
  maxOutputBytes?: number;
  /** A shorter limit than TIMEOUT_MS. */
  timeoutMs?: number;
}

/** The subcommands pybp runs: each only reads. */
export type ReadCommand = 'rev-parse' | 'ls-files' | 'ls-tree' | 'cat-file' | 'check-ignore' | 'status';
const READ_COMMANDS: ReadonlySet<string> = new Set<ReadCommand>(['rev-parse', 'ls-files', 'ls-tree', 'cat-file', 'check-ignore', 'status']);
/** Flags that would ask git for a conversion (none is configured, but no reader needs them). */
const REFUSED_FLAGS = /^--(filters|textconv|ext-diff|output)(=|$)/;

/** Config every git pybp starts is given (GIT_CONFIG_COUNT), over the shadow config pybp wrote. */
const HARDENED_GIT_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.fsmonitor', 'false'],
  ['core.hooksPath', '/dev/null'],
  ['core.pager', 'cat'],
  ['core.quotePath', 'false'],
  ['log.showSignature', 'false'],
  ['safe.bareRepository', 'explicit'],
  ['protocol.allow', 'never'],
  ['submodule.recurse', 'false'],
];

/** git's output beyond this is cut (and the command counts as failed): a repo can't make pybp buffer without bound. */
const MAX_OUTPUT = 32 * 1024 * 1024;
/** A git read that takes longer than this (a hung filesystem, a FIFO among the refs) is stopped. */
const TIMEOUT_MS = 20_000;
/** A `.git` directory with more entries than this is not one git made. */
const MAX_GITDIR_ENTRIES = 512;

/** The app's repository, read through git with pybp's config only. */
export interface AppRepo {
  /** The app directory (symlinks resolved). */
  appDir: string;
  /** The repository's work tree: the directory holding `.git`. */
  workTree: string;
  /** The app's path inside the work tree, '' at its root, else with a trailing '/' (as `git rev-parse --show-prefix`). */
  prefix: string;
  /** Runs `git <command> args` in the app directory. After one run past the time limit, every later run fails at once. */
  run(command: ReadCommand, args: readonly string[], opts?: Omit<GitOptions, 'env'>): Promise<GitBytesResult>;
  /** Removes the shadow git directory. */
  close(): Promise<void>;
}

export type OpenResult =
  | { kind: 'repo'; repo: AppRepo }
  /** No git binary on PATH outside the app. */
  | { kind: 'no-git' }
  | { kind: 'not-a-repo'; why: string }
  /** There is a repository, but pybp won't or can't read it (a FIFO where git keeps a file...). */
  | { kind: 'unreadable'; why: string };

/** Opens the repository `appDir` is in. Reads files only; starts no process. */
export async function openAppRepo(appDir: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenResult> {
  let app: string;
  try {
    app = await realpath(appDir);
  } catch (err) {
    return { kind: 'not-a-repo', why: `${appDir} can't be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  const found = await findRepository(app, env);
  const untrusted = found.kind === 'found' ? [app, found.workTree] : [app];
  const pathEntries = trustedPathEntries(env.PATH ?? '', untrusted);
  const git = await findGitBinary(pathEntries, untrusted);
  if (git === null) return { kind: 'no-git' };
  if (found.kind !== 'found') return found;
  const shadow = await makeShadow(found);
  if ('why' in shadow) return { kind: 'unreadable', why: shadow.why };
  const childEnv = gitEnv(env, pathEntries, shadow.gitDir, found);
  let stalled = false;
  let excludes: Promise<NodeJS.ProcessEnv> | undefined;
  const repo: AppRepo = {
    appDir: app,
    workTree: found.workTree,
    prefix: found.prefix,
    async run(command, args, opts = {}) {
      if (!READ_COMMANDS.has(command) || args.some((a) => REFUSED_FLAGS.test(a))) {
        throw new Error(`pybp's git reader does not run git ${command} ${args.join(' ')}`);
      }
      if (stalled) return { code: 1, stdout: Buffer.alloc(0), stderr: 'an earlier git read of this repository ran past its time limit', stopped: 'timeout' };
      // Ignore rules matter to ls-files, check-ignore and status: those get the user's own excludes file.
      const runEnv = command === 'ls-files' || command === 'check-ignore' || command === 'status' ? await (excludes ??= withUserExcludes(git, env, childEnv)) : childEnv;
      const result = await spawnGit(git, [command, ...args], { ...opts, cwd: app, env: runEnv });
      if (result.stopped === 'timeout') stalled = true;
      return result;
    },
    close: () => shadow.remove(),
  };
  return { kind: 'repo', repo };
}

/** Opens the repository of `dir`, runs one read, closes it. `null` when there is no git to run; exit 128 with the reason when `dir` is in no repository pybp reads. */
export async function runGitBytes(dir: string, args: readonly string[], opts: GitOptions = {}): Promise<GitBytesResult | null> {
  const opened = await openAppRepo(dir, opts.env);
  if (opened.kind === 'no-git') return null;
  if (opened.kind !== 'repo') return { code: 128, stdout: Buffer.alloc(0), stderr: opened.why };
  try {
    const [command, ...rest] = args;
    return await opened.repo.run(command as ReadCommand, rest, opts);
  } finally {
    await opened.repo.close();
  }
}

/** As runGitBytes, with stdout as text. */
export async function runGit(dir: string, args: readonly string[], opts: GitOptions = {}): Promise<GitResult | null> {
  const result = await runGitBytes(dir, args, opts);
  return result && { code: result.code, stdout: result.stdout.toString('utf8'), stderr: result.stderr };
}

// ---------------------------------------------------------------------------
// Finding the repository, as git's discovery does, minus what a clone can plant.

interface Found {
  kind: 'found';
  workTree: string;
  prefix: string;
  /** The repository's git directory: `<workTree>/.git`, or where a `.git` file points. */
  gitDir: string;
  /** Where refs, objects and config live: gitDir, or its `commondir` (a linked worktree). */
  commonDir: string;
}

type Discovery = Found | { kind: 'not-a-repo'; why: string } | { kind: 'unreadable'; why: string };

async function findRepository(app: string, env: NodeJS.ProcessEnv): Promise<Discovery> {
  const ceilings = await ceilingDirectories(env.GIT_CEILING_DIRECTORIES);
  const acrossFilesystems = /^(1|true|yes|on)$/i.test(env.GIT_DISCOVERY_ACROSS_FILESYSTEM ?? '');
  const device = (await stat(app)).dev;
  for (let dir = app; ; ) {
    const dotGit = path.join(dir, '.git');
    let st: Stats | null = null;
    try {
      st = await stat(dotGit);
    } catch {
      st = null;
    }
    if (st?.isDirectory()) {
      const checked = await checkGitDir(dotGit);
      if (checked.ok) return located(app, dir, dotGit, checked.commonDir);
      // git passes over a `.git` that is not a repository, and so does pybp.
    } else if (st?.isFile()) {
      const pointed = await readGitFile(dotGit);
      if ('why' in pointed) return { kind: 'unreadable', why: pointed.why };
      const checked = await checkGitDir(pointed.gitDir);
      if (!checked.ok) return { kind: 'unreadable', why: `${dotGit} points at ${pointed.gitDir}, which is not a git directory (${checked.why})` };
      return located(app, dir, pointed.gitDir, checked.commonDir);
    } else if (st) {
      return { kind: 'unreadable', why: `${dotGit} is ${describeFileType(st)}` };
    }
    const parent = path.dirname(dir);
    if (parent === dir || ceilings.has(parent)) break;
    if (!acrossFilesystems) {
      try {
        if ((await stat(parent)).dev !== device) break;
      } catch {
        break;
      }
    }
    dir = parent;
  }
  return { kind: 'not-a-repo', why: `not a git repository (no .git in ${app} or its parents)` };
}

function located(app: string, workTree: string, gitDir: string, commonDir: string): Discovery {
  if (isWithin(app, gitDir) || isWithin(app, commonDir)) return { kind: 'not-a-repo', why: `${app} is inside the git directory ${gitDir}, not in a work tree` };
  const rel = path.relative(workTree, app);
  return { kind: 'found', workTree, prefix: rel === '' ? '' : rel.split(path.sep).join('/') + '/', gitDir, commonDir };
}

async function ceilingDirectories(value: string | undefined): Promise<Set<string>> {
  const dirs = new Set<string>();
  for (const entry of (value ?? '').split(':')) {
    if (!path.isAbsolute(entry)) continue;
    dirs.add(path.resolve(entry));
    try {
      dirs.add(await realpath(entry));
    } catch {
      // a ceiling that does not exist stops nothing
    }
  }
  return dirs;
}

/** A small file of a git directory, read as data: regular, bounded, never waiting on a FIFO. */
async function readGitMetadata(file: string): Promise<{ text: string } | { absent: true } | { why: string }> {
  try {
    const bytes = await readAppFile(file, 'git-metadata');
    return bytes === undefined ? { absent: true } : { text: bytes.toString('utf8') };
  } catch (err) {
    return { why: `${file} can't be read as git's own file (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** `.git` as a file: `gitdir: <path>` (a linked worktree, a submodule). */
async function readGitFile(file: string): Promise<{ gitDir: string } | { why: string }> {
  const read = await readGitMetadata(file);
  if (!('text' in read)) return { why: 'why' in read ? read.why : `${file} vanished` };
  const m = /^gitdir: (.+?)\r?\n?$/.exec(read.text);
  if (!m) return { why: `${file} is not a "gitdir: <path>" file` };
  return { gitDir: path.resolve(path.dirname(file), m[1]) };
}

const HEAD_TEXT = /^(ref: refs\/[^\0\n]+|[0-9a-f]{40}|[0-9a-f]{64})\n?$/;

/** git's is_git_directory: a HEAD, and objects/ and refs/ (in the common dir of a linked worktree). */
async function checkGitDir(gitDir: string): Promise<{ ok: true; commonDir: string } | { ok: false; why: string }> {
  const head = await readGitMetadata(path.join(gitDir, 'HEAD'));
  if (!('text' in head) || !HEAD_TEXT.test(head.text)) return { ok: false, why: 'no valid HEAD' };
  let commonDir = gitDir;
  const common = await readGitMetadata(path.join(gitDir, 'commondir'));
  if ('why' in common) return { ok: false, why: common.why };
  if ('text' in common) commonDir = path.resolve(gitDir, common.text.trim());
  for (const sub of ['objects', 'refs']) {
    if (!(await isDirectory(path.join(commonDir, sub)))) return { ok: false, why: `no ${sub}/` };
  }
  return { ok: true, commonDir };
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

// ---------------------------------------------------------------------------
// The shadow git directory: the repository's data, pybp's config.

/** Entries of a git directory that are (or hold) config or programs: never linked. */
const NOT_LINKED = new Set(['config', 'config.worktree', 'hooks', 'HEAD', 'commondir']);
/** Files git reads by name from a git directory: absent or regular, so git can't be made to wait on a FIFO or device. */
const DATA_FILES = ['HEAD', 'index', 'packed-refs', 'shallow', 'info/exclude', 'info/attributes', 'info/grafts', 'objects/info/alternates'];

const live = new Set<string>();
let exitHooked = false;

async function makeShadow(found: Found): Promise<{ gitDir: string; remove: () => Promise<void> } | { why: string }> {
  for (const dir of new Set([found.gitDir, found.commonDir])) {
    for (const name of DATA_FILES) {
      const problem = await notRegular(path.join(dir, name));
      if (problem) return { why: problem };
    }
  }
  // The branch HEAD names is read by nearly every command (status, rev-parse HEAD).
  const head = await readGitMetadata(path.join(found.gitDir, 'HEAD'));
  const branch = 'text' in head ? /^ref: (refs\/[^\0\n]+)/.exec(head.text)?.[1] : undefined;
  if (branch !== undefined && !branch.split('/').includes('..')) {
    const problem = await notRegular(path.join(found.commonDir, branch));
    if (problem) return { why: problem };
  }
  const formatConfig = await repositoryFormat(found.commonDir);
  const root = await mkdtemp(path.join(os.tmpdir(), 'pybp-git-'));
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const dir of live) rmSync(dir, { recursive: true, force: true });
    });
  }
  live.add(root);
  const remove = async () => {
    live.delete(root);
    await rm(root, { recursive: true, force: true });
  };
  try {
    const gitDir = path.join(root, 'git');
    await mkdir(gitDir);
    let configDir = gitDir;
    if (found.commonDir !== found.gitDir) {
      // A linked worktree: its own HEAD and index, the main repository's refs and objects.
      configDir = path.join(root, 'common');
      await mkdir(configDir);
      await linkEntries(found.commonDir, configDir, new Set([...NOT_LINKED, 'worktrees']));
      await writeFile(path.join(gitDir, 'commondir'), configDir + '\n');
    }
    await linkEntries(found.gitDir, gitDir, NOT_LINKED);
    if (!('text' in head)) throw new Error('HEAD vanished');
    await writeFile(path.join(gitDir, 'HEAD'), head.text);
    await writeFile(path.join(configDir, 'config'), formatConfig);
    return { gitDir, remove };
  } catch (err) {
    await remove();
    return { why: `pybp could not set up its read of ${found.gitDir} (${err instanceof Error ? err.message : String(err)})` };
  }
}

async function notRegular(file: string): Promise<string | null> {
  try {
    const st = await stat(file);
    return st.isFile() ? null : `${file} is ${describeFileType(st)}, where git keeps a file`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : `${file} can't be read (${code})`;
  }
}

async function linkEntries(from: string, to: string, skip: ReadonlySet<string>): Promise<void> {
  const names = await readdir(from);
  if (names.length > MAX_GITDIR_ENTRIES) throw new Error(`${from} holds ${names.length} entries, more than a git directory does`);
  for (const name of names) {
    if (skip.has(name)) continue;
    await symlink(path.join(from, name), path.join(to, name));
  }
}

/** Settings of the repository's config that describe its data, each with the values it may have. */
const FORMAT_SETTINGS: Record<string, RegExp> = {
  'extensions.objectformat': /^(sha1|sha256)$/i,
  'extensions.refstorage': /^(files|reftable)$/i,
  'core.filemode': /^(true|false|yes|no|on|off|1|0)$/i,
  'core.ignorecase': /^(true|false|yes|no|on|off|1|0)$/i,
  'core.precomposeunicode': /^(true|false|yes|no|on|off|1|0)$/i,
  'core.symlinks': /^(true|false|yes|no|on|off|1|0)$/i,
  'core.autocrlf': /^(true|false|input)$/i,
  'core.eol': /^(lf|crlf|native)$/i,
};

/**
 * The config git gets: a non-bare repository with the real one's data-format
 * settings. The real config is read as data, without its includes; a config
 * pybp can't read leaves the defaults.
 */
async function repositoryFormat(commonDir: string): Promise<string> {
  const read = await readGitMetadata(path.join(commonDir, 'config'));
  const kept = new Map<string, string>();
  if ('text' in read) {
    let section = '';
    for (const line of read.text.split(/\r?\n/)) {
      const header = /^\s*\[\s*([A-Za-z0-9.-]+)\s*\]/.exec(line);
      if (header) {
        section = header[1].toLowerCase();
        continue;
      }
      if (/^\s*\[/.test(line)) {
        section = ''; // a subsection ([remote "origin"]): nothing pybp keeps
        continue;
      }
      const entry = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*=\s*([A-Za-z0-9]+)\s*([#;].*)?$/.exec(line);
      if (!entry) continue;
      const key = `${section}.${entry[1].toLowerCase()}`;
      if (FORMAT_SETTINGS[key]?.test(entry[2])) kept.set(key, entry[2].toLowerCase());
    }
  }
  const extensions = [...kept].filter(([k]) => k.startsWith('extensions.'));
  const core = [...kept].filter(([k]) => k.startsWith('core.'));
  const lines = ['[core]', `\trepositoryformatversion = ${extensions.length > 0 ? 1 : 0}`, '\tbare = false'];
  for (const [k, v] of core) lines.push(`\t${k.slice('core.'.length)} = ${v}`);
  if (extensions.length > 0) {
    lines.push('[extensions]');
    for (const [k, v] of extensions) lines.push(`\t${k.slice('extensions.'.length)} = ${v}`);
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// The git binary and its environment.

/** PATH entries that are absolute and outside the app and its repository (an in-app `bin/` is the repo's code). */
function trustedPathEntries(value: string, untrusted: readonly string[]): string[] {
  return value.split(':').filter((entry) => path.isAbsolute(entry) && !untrusted.some((dir) => isWithin(path.resolve(entry), dir)));
}

async function findGitBinary(entries: readonly string[], untrusted: readonly string[]): Promise<string | null> {
  for (const entry of entries) {
    const candidate = path.join(entry, 'git');
    try {
      // The entry as it resolves: a symlink into the app is the app's too.
      const real = await realpath(candidate);
      if (untrusted.some((dir) => isWithin(real, dir) || isWithin(path.dirname(real), dir))) continue;
      const st = await stat(real);
      if (!st.isFile()) continue;
      await access(real, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function gitEnv(env: NodeJS.ProcessEnv, pathEntries: readonly string[], gitDir: string, found: Found): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  // The user's GIT_* variables (GIT_DIR, GIT_SSH_COMMAND, GIT_CONFIG_PARAMETERS...) would override pybp's.
  for (const [key, value] of Object.entries(env)) if (!key.startsWith('GIT_')) out[key] = value;
  out.PATH = pathEntries.join(':');
  Object.assign(out, {
    GIT_DIR: gitDir,
    GIT_WORK_TREE: found.workTree,
    // The real objects directory, so relative paths in its info/alternates mean what they say.
    GIT_OBJECT_DIRECTORY: path.join(found.commonDir, 'objects'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_NO_LAZY_FETCH: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    LC_ALL: 'C',
    GIT_CONFIG_COUNT: String(HARDENED_GIT_CONFIG.length),
  });
  HARDENED_GIT_CONFIG.forEach(([key, value], i) => {
    out[`GIT_CONFIG_KEY_${i}`] = key;
    out[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return out;
}

/**
 * `env` plus the user's own `core.excludesFile` (`~/.gitignore_global` and the
 * like), the one setting of their global config that changes what git
 * reads here: which files count as ignored. Read with git from the user's
 * global config only (the repository's is not in the shadow git dir), and
 * given to git like the other overrides. Without one, git's default
 * (`$XDG_CONFIG_HOME/git/ignore`) applies as it is.
 */
async function withUserExcludes(git: string, userEnv: NodeJS.ProcessEnv, env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const globalEnv: NodeJS.ProcessEnv = { ...env };
  delete globalEnv.GIT_CONFIG_GLOBAL;
  if (userEnv.GIT_CONFIG_GLOBAL !== undefined) globalEnv.GIT_CONFIG_GLOBAL = userEnv.GIT_CONFIG_GLOBAL;
  const r = await spawnGit(git, ['config', '--global', '--null', '--path', '--get', 'core.excludesFile'], {
    cwd: path.dirname(env.GIT_DIR ?? os.tmpdir()),
    env: globalEnv,
    timeoutMs: 5_000,
    maxOutputBytes: 64 * 1024,
  });
  const file = r.code === 0 ? r.stdout.toString('utf8').split('\0')[0] : '';
  if (file === '' || file.includes('\n')) return env;
  const n = Number(env.GIT_CONFIG_COUNT ?? 0);
  return { ...env, GIT_CONFIG_COUNT: String(n + 1), [`GIT_CONFIG_KEY_${n}`]: 'core.excludesFile', [`GIT_CONFIG_VALUE_${n}`]: file };
}

/** The one place a git process is started, through pybp's process runner. */
async function spawnGit(git: string, args: readonly string[], opts: Omit<GitOptions, 'env'> & { cwd: string; env: NodeJS.ProcessEnv }): Promise<GitBytesResult> {
  const maxOutput = Math.min(opts.maxOutputBytes ?? MAX_OUTPUT, MAX_OUTPUT);
  const end = await runProcess({
    argv: [git, '--no-pager', ...args],
    cwd: opts.cwd,
    env: opts.env,
    stdin: { data: opts.input ?? '' },
    maxOutputBytes: maxOutput,
    overflow: 'stop',
    timeoutMs: Math.min(opts.timeoutMs ?? TIMEOUT_MS, TIMEOUT_MS),
    // A read is not worth waiting for once pybp is asked to stop.
    graceMs: 0,
  });
  if (end.kind === 'not-started') {
    if (end.error.code === 'ENOENT' || end.error.code === 'EACCES') return { code: 127, stdout: Buffer.alloc(0), stderr: `git could not be started (${end.error.code})` };
    throw end.error;
  }
  const err = end.stderr.toString('utf8');
  if (end.stoppedBy === 'output') return { code: 1, stdout: Buffer.alloc(0), stderr: `git's output exceeded ${maxOutput} bytes`, stopped: 'output' };
  if (end.stoppedBy === 'timeout') return { code: 1, stdout: Buffer.alloc(0), stderr: err || 'git ran past its time limit', stopped: 'timeout' };
  if (end.signal) return { code: 1, stdout: end.stdout, stderr: err || `git was stopped (${end.signal})` };
  return { code: end.code ?? 1, stdout: end.stdout, stderr: err };
}
