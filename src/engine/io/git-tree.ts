// The app's files as they were at a git ref, without touching the work tree:
// the app directory's top level is read from git's object store (`ls-tree`,
// `cat-file blob`) into a temporary directory. `cat-file blob` gives the raw
// blob (no smudge/textconv filters), and git runs through engine/git.ts
// (fsmonitor, hooks and filter drivers off), so nothing from the repository
// is executed. Only the top level is needed:
// the buildpack's detection, package manager and Python version look nowhere
// else.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PybpError } from '../core/errors.js';
import { runGitBytes } from './git.js';

/** Largest file taken over from the ref, and all of them together (the files analysed are tiny). */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_TOTAL_BYTES = 8 * 1024 * 1024;
const GIT_TIMEOUT_MS = 20_000;

export interface RefTree {
  ref: string;
  commit: string;
  /** A temporary directory holding the app's top level at the ref. */
  dir: string;
  /** What could not be taken over as it is (a symlink leaving the app, a file too large). */
  notes: string[];
  remove(): Promise<void>;
}

export async function checkoutRefToTemp(appDir: string, ref: string): Promise<RefTree> {
  if (ref === '' || ref.startsWith('-') || /[\0\n\r]/.test(ref)) {
    throw new PybpError({
      code: 'usage',
      title: 'Bad --since',
      message: `--since needs a git revision (a branch, tag, commit or HEAD~1), not "${ref}".`,
      fix: 'Example: pybp explain --since main',
    });
  }
  const prefix = (await git(appDir, ['rev-parse', '--show-prefix'], { notARepo: true })).trim();
  const commit = (await git(appDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { ref })).trim();
  const entries = parseLsTree(await git(appDir, ['ls-tree', '--full-tree', '-z', '-l', '--end-of-options', `${commit}:${prefix}`], { ref, prefix }));

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pybp-since-'));
  const remove = () => fs.rm(dir, { recursive: true, force: true });
  const notes: string[] = [];
  try {
    let total = 0;
    for (const e of entries) {
      if (e.name === '.git' || e.name.includes('/') || e.name === '.' || e.name === '..') continue;
      const target = path.join(dir, e.name);
      if (e.type === 'tree' || e.type === 'commit') {
        await fs.mkdir(target);
      } else if (e.mode === '120000') {
        const link = await git(appDir, ['cat-file', 'blob', e.oid], {});
        // A link that stays inside the app is kept; one that leaves it points
        // at this machine's files, not the ref's, so it is left out.
        if (!path.isAbsolute(link) && !path.normalize(link).startsWith('..')) await fs.symlink(link, target);
        else notes.push(`${e.name} at ${ref} is a symlink to ${link}, outside the app; it is left out of the comparison`);
      } else if (e.type === 'blob') {
        if (e.size > MAX_FILE_BYTES || total + e.size > MAX_TOTAL_BYTES) {
          await fs.writeFile(target, '');
          notes.push(`${e.name} at ${ref} is ${e.size} bytes; only its presence is compared`);
          continue;
        }
        total += e.size;
        await fs.writeFile(target, await git(appDir, ['cat-file', 'blob', e.oid], { buffer: true }));
      }
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return { ref, commit, dir, notes, remove };
}

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  size: number;
  name: string;
}

/** `<mode> <type> <oid> <size>\t<name>\0` records. */
function parseLsTree(out: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of out.split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.+)$/s.exec(record);
    if (!m) continue;
    entries.push({ mode: m[1], type: m[2], oid: m[3], size: m[4] === '-' ? 0 : Number(m[4]), name: m[5] });
  }
  return entries;
}

type GitOpts = { notARepo?: boolean; ref?: string; prefix?: string; buffer?: boolean };

/** git through the one hardened runner (engine/git.ts), with this reader's bounds and its errors worded for --since. */
function git(cwd: string, args: string[], opts: GitOpts & { buffer: true }): Promise<Buffer>;
function git(cwd: string, args: string[], opts: GitOpts): Promise<string>;
async function git(cwd: string, args: string[], opts: GitOpts): Promise<string | Buffer> {
  const result = await runGitBytes(cwd, ['-c', 'core.quotePath=false', ...args], {
    env: { ...process.env, LC_ALL: 'C' },
    maxOutputBytes: MAX_FILE_BYTES * 2,
    timeoutMs: GIT_TIMEOUT_MS,
  });
  if (result === null) {
    throw new PybpError({ code: 'git-unavailable', title: 'git is not installed', message: '`git` was not found on PATH; --since reads the ref with git.', fix: 'Install git, or leave out --since.' });
  }
  if (result.code === 0) return opts.buffer ? result.stdout : result.stdout.toString('utf8');
  if (result.stopped) {
    throw new PybpError({ code: 'git-ref-unknown', title: `git could not read ${opts.ref ?? 'the ref'} within pybp's bounds`, message: `git ${args[0]} in ${cwd} printed more than ${MAX_FILE_BYTES * 2} bytes or ran longer than ${GIT_TIMEOUT_MS / 1000} s, so pybp stopped it.`, fix: 'Run --since on the app directory itself (not a huge repository root), or leave out --since.' });
  }
  const text = result.stderr.trim();
  if (opts.notARepo) {
    throw new PybpError({ code: 'git-ref-unknown', title: 'The app is not in a git repository', message: `${cwd} is not inside a git work tree (${text || 'git rev-parse failed'}), so there is no ref to compare with.`, fix: 'Run --since on an app inside a git repository.' });
  }
  if (opts.prefix !== undefined) {
    throw new PybpError({ code: 'git-ref-unknown', title: `The app did not exist at ${opts.ref}`, message: `${opts.prefix || 'The repository root'} is not a directory at ${opts.ref} (${text}).`, fix: 'Pick a ref where the app already existed.' });
  }
  if (opts.ref !== undefined) {
    throw new PybpError({ code: 'git-ref-unknown', title: `Unknown git ref ${opts.ref}`, message: `git does not know "${opts.ref}" as a commit in ${cwd}${text ? ` (${text})` : ''}.`, fix: 'Use a branch, tag or commit that exists locally (git fetch first, for a remote branch).' });
  }
  throw new Error(`git ${args.join(' ')} failed: ${text || `exit ${result.code}`}`);
}
