// The one way pybp runs git on an app's repository. A cloned repo's own
// `.git/config` can make git run programs: `core.fsmonitor` (run by status and
// ls-files), clean/smudge/process filters named in .gitattributes (run by
// status when a file's stat data changed, and by archive/checkout), hooks,
// `log.showSignature` (runs gpg from `git show`/`git log`). pybp only ever
// reads a repository, so every git it starts runs with all of those switched
// off on the command line, where they override the repo's config:
//
//   -c core.fsmonitor=false -c core.hooksPath=/dev/null -c log.showSignature=false
//   -c filter.<name>.clean= -c filter.<name>.smudge= -c filter.<name>.process=
//   -c filter.<name>.required=false                 (for each filter the repo's config defines)
//
// plus GIT_OPTIONAL_LOCKS=0 (no index refresh written back, so no
// post-index-change hook), no pager, no prompt. Callers still choose safe
// subcommands and flags: anything that diffs (`diff`, `log -p`, `show <commit>`)
// needs --no-ext-diff --no-textconv (diff drivers can't be blanked: an empty
// command is run as one); no `archive --format=tgz` (runs `tar.<fmt>.command`);
// no fetch. Submodules have their own config: `status` needs --ignore-submodules=all.

import { runProcess } from './process.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  /** The environment git runs in (the user's, so their own git setup still applies). */
  env?: NodeJS.ProcessEnv;
  /** Written to git's stdin. */
  input?: string;
  /** A smaller bound than MAX_OUTPUT on what git may print (stdout and stderr together). */
  maxOutputBytes?: number;
  /** A shorter limit than TIMEOUT_MS. */
  timeoutMs?: number;
}

/** A git run whose stdout is kept as bytes (a blob is not necessarily text). */
export interface GitBytesResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** Stopped by pybp: output over the bound, or over the time limit. */
  stopped?: 'output' | 'timeout';
}

/** Config that makes a read-only git command run nothing the repository names. */
export const HARDENED_GIT_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'log.showSignature=false',
];

/** git's output beyond this is cut (and the command counts as failed): a repo can't make pybp buffer without bound. */
const MAX_OUTPUT = 32 * 1024 * 1024;
/** A git that takes longer than this on a read (a hung network filesystem) is stopped. */
const TIMEOUT_MS = 60_000;

/**
 * Runs `git -C dir <hardened config> args`. Resolves `null` when git itself
 * can't be started (not installed).
 */
export async function runGit(dir: string, args: readonly string[], opts: GitOptions = {}): Promise<GitResult | null> {
  const result = await runGitBytes(dir, args, opts);
  return result && { code: result.code, stdout: result.stdout.toString('utf8'), stderr: result.stderr };
}

/** As runGit, with stdout as bytes (`cat-file blob` of a file that may not be UTF-8). */
export async function runGitBytes(dir: string, args: readonly string[], opts: GitOptions = {}): Promise<GitBytesResult | null> {
  const drivers = await repoDriverOverrides(dir, opts.env);
  if (drivers === null) return null;
  return spawnGit(dir, [...configArgs(HARDENED_GIT_CONFIG), ...configArgs(drivers), ...args], opts);
}

function configArgs(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => ['-c', entry]);
}

const FILTER_KEY = /^filter\.(.+)\.(clean|smudge|process|required)$/;

/**
 * `-c` entries that blank every filter driver the repository's config (with
 * its includes) defines: git skips a filter whose command is empty. Reading
 * config runs nothing. `null` when git can't be started.
 */
async function repoDriverOverrides(dir: string, env?: NodeJS.ProcessEnv): Promise<string[] | null> {
  const listed = await spawnGit(
    dir,
    [...configArgs(HARDENED_GIT_CONFIG), 'config', '--null', '--name-only', '--get-regexp', '^filter\\.'],
    { env },
  );
  if (listed === null) return null;
  // Exit 1 means no such keys (outside a repository git config still reads the user's and system files).
  const overrides = new Set<string>();
  for (const key of listed.stdout.toString('utf8').split('\0')) {
    const filter = FILTER_KEY.exec(key);
    if (!filter) continue;
    for (const kind of ['clean', 'smudge', 'process']) overrides.add(`filter.${filter[1]}.${kind}=`);
    overrides.add(`filter.${filter[1]}.required=false`);
  }
  return [...overrides];
}

async function spawnGit(dir: string, args: readonly string[], opts: GitOptions): Promise<GitBytesResult | null> {
  const maxOutput = Math.min(opts.maxOutputBytes ?? MAX_OUTPUT, MAX_OUTPUT);
  const end = await runProcess({
    argv: ['git', '--no-pager', '-C', dir, ...args],
    env: { ...(opts.env ?? process.env), GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat' },
    stdin: { data: opts.input ?? '' },
    maxOutputBytes: maxOutput,
    overflow: 'stop',
    timeoutMs: Math.min(opts.timeoutMs ?? TIMEOUT_MS, TIMEOUT_MS),
    // A read is not worth waiting for once pybp is asked to stop.
    graceMs: 0,
  });
  if (end.kind === 'not-started') {
    if (end.error.code === 'ENOENT' || end.error.code === 'EACCES') return null;
    throw end.error;
  }
  const err = end.stderr.toString('utf8');
  if (end.stoppedBy === 'output') return { code: 1, stdout: Buffer.alloc(0), stderr: `git's output exceeded ${maxOutput} bytes`, stopped: 'output' };
  if (end.stoppedBy === 'timeout') return { code: 1, stdout: Buffer.alloc(0), stderr: err || 'git ran past its time limit', stopped: 'timeout' };
  if (end.signal) return { code: 1, stdout: end.stdout, stderr: err || `git was stopped (${end.signal})` };
  return { code: end.code ?? 1, stdout: end.stdout, stderr: err };
}
