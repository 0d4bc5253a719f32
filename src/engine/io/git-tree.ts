// The app's files as they were at a git ref, without touching the work tree:
// the app directory's top level is read from git's object store through the
// one git reader (./git.ts: git sees none of the repository's config, so no
// filter, hook or fetch runs) into a temporary directory. The listing is one
// `ls-tree`, every blob comes out of one `cat-file --batch`, so a tree of
// thousands of files costs a handful of git processes. Only the top level is
// needed: the buildpack's detection, package manager and Python version look
// nowhere else.
//
// An object the clone does not have (a partial or shallow clone) is never
// fetched: what the ref held is then unknown, and said so (`git-object-missing`).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PybpError } from '../core/errors.js';
import { hasUnsafe, inert } from '../core/inert-text.js';
import { type AppRepo, type GitBytesResult, openAppRepo } from './git.js';
import { makeScratchDir, removeScratchDir } from './scratch-dir.js';

/** Largest file taken over from the ref, and all of them together (the files analysed are tiny). */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_TOTAL_BYTES = 8 * 1024 * 1024;
/** A symlink target longer than this is no link an app needs (and may be longer than the OS takes). */
const MAX_LINK_BYTES = 1024;
/** What `ls-tree` of one directory may print. */
const MAX_LISTING_BYTES = 16 * 1024 * 1024;
const GIT_TIMEOUT_MS = 20_000;
/** Files of the ref written at once. */
const WRITE_CONCURRENCY = 16;

export interface RefTree {
  ref: string;
  commit: string;
  /** A temporary directory holding the app's top level at the ref. */
  dir: string;
  /** What could not be taken over as it is (a symlink leaving the app, a file too large). */
  notes: string[];
  remove(): Promise<void>;
}

/** Repository text quoted in a message: inert (core/inert-text.ts), and cut when long. */
function shownText(text: string, max = 120): string {
  return inert(text.length > max ? text.slice(0, max) + '…' : text);
}

export async function checkoutRefToTemp(appDir: string, ref: string): Promise<RefTree> {
  if (ref === '' || ref.startsWith('-') || hasUnsafe(ref)) {
    throw new PybpError({
      code: 'usage',
      title: 'Bad --since',
      message: `--since needs a git revision (a branch, tag, commit or HEAD~1), not "${shownText(ref, 200)}".`,
      fix: 'Example: pybp explain --since main',
    });
  }
  const shown = shownText(ref);
  const opened = await openAppRepo(appDir, process.env);
  if (opened.kind === 'no-git') {
    throw new PybpError({ code: 'git-unavailable', title: 'git is not installed', message: '`git` was not found on PATH (outside the app); --since reads the ref with git.', fix: 'Install git, or leave out --since.' });
  }
  if (opened.kind !== 'repo') {
    throw new PybpError({
      code: 'git-ref-unknown',
      title: opened.kind === 'not-a-repo' ? 'The app is not in a git repository' : 'pybp does not read this git repository',
      message: `${appDir}: ${opened.why}, so there is no ref to compare with.`,
      fix: opened.kind === 'not-a-repo' ? 'Run --since on an app inside a git repository.' : 'Fix what is named above, or leave out --since.',
    });
  }
  const repo = opened.repo;
  try {
    return await readRefTree(repo, ref, shown);
  } finally {
    await repo.close();
  }
}

async function readRefTree(repo: AppRepo, ref: string, shown: string): Promise<RefTree> {
  const commit = await resolveCommit(repo, ref, shown);
  const peeled = await repo.run('rev-parse', ['--verify', '--end-of-options', `${commit}^{tree}`], { timeoutMs: GIT_TIMEOUT_MS });
  stoppedError(peeled, shown);
  if (peeled.code !== 0) throw objectMissing(shown, [`the commit ${commit}`]);
  const rootTree = peeled.stdout.toString('utf8').trim();
  // Down to the app's directory, one tree at a time, so a missing tree is told from a missing directory.
  let tree = rootTree;
  for (const part of repo.prefix.split('/').filter((p) => p !== '')) {
    const dir = (await listTree(repo, tree, shown, repo.prefix)).find((e) => e.name === part);
    if (!dir || dir.type !== 'tree') {
      throw new PybpError({ code: 'git-ref-unknown', title: `The app did not exist at ${shown}`, message: `${shownText(repo.prefix)} is not a directory at ${shown}.`, fix: 'Pick a ref where the app already existed.' });
    }
    tree = dir.oid;
  }
  const entries = await listTree(repo, tree, shown, repo.prefix || 'the repository root');

  // What to take over: each file within the bounds, each short symlink, in one batch.
  const wanted: TreeEntry[] = [];
  const notes: string[] = [];
  const unreadable: string[] = [];
  let total = 0;
  for (const e of entries) {
    if (e.type !== 'blob' || !isPlainName(e.name)) continue;
    if (e.size === null) {
      unreadable.push(e.name);
    } else if (e.mode === '120000') {
      if (e.size > MAX_LINK_BYTES) notes.push(`${shownText(e.name)} at ${shown} is a symlink with a ${e.size}-byte target; it is left out of the comparison`);
      else wanted.push(e);
    } else if (e.size <= MAX_FILE_BYTES && total + e.size <= MAX_TOTAL_BYTES) {
      total += e.size;
      wanted.push(e);
    }
  }
  const blobs = await readBlobs(repo, wanted, shown);
  const missing = [...unreadable, ...wanted.filter((e) => !blobs.has(e.oid)).map((e) => e.name)];
  if (missing.length > 0) throw objectMissing(shown, missing);

  const dir = await makeScratchDir('pybp-since-');
  const remove = () => removeScratchDir(dir);
  // One entry: what to write for it, and a note when it is not taken over as it is.
  const takeOver = async (e: TreeEntry): Promise<string | null> => {
    const target = path.join(dir, e.name);
    if (e.type === 'tree' || e.type === 'commit') {
      await fs.mkdir(target);
    } else if (e.type === 'blob' && e.mode === '120000') {
      const link = blobs.get(e.oid)?.toString('utf8');
      if (link === undefined) return null; // too long: noted above
      // A link that stays inside the app is kept; one that leaves it points
      // at this machine's files, not the ref's, so it is left out.
      if (link === '' || link.includes('\0') || path.isAbsolute(link) || path.normalize(link).startsWith('..')) {
        return `${shownText(e.name)} at ${shown} is a symlink to ${shownText(link)}, outside the app; it is left out of the comparison`;
      }
      try {
        await fs.symlink(link, target);
      } catch (err) {
        return `${shownText(e.name)} at ${shown} is a symlink pybp could not recreate (${(err as NodeJS.ErrnoException).code ?? 'error'}); it is left out of the comparison`;
      }
    } else if (e.type === 'blob') {
      const content = blobs.get(e.oid);
      await fs.writeFile(target, content ?? '');
      if (content === undefined) return `${shownText(e.name)} at ${shown} is ${e.size} bytes; only its presence is compared`;
    }
    return null;
  };
  try {
    // A few writes at a time: thousands of top-level files one by one take a second.
    const plain = entries.filter((e) => isPlainName(e.name));
    const results: Array<string | null> = new Array(plain.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < plain.length) {
        const i = next++;
        results[i] = await takeOver(plain[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, plain.length) }, worker));
    for (const note of results) if (note !== null) notes.push(note);
  } catch (err) {
    await remove();
    throw err;
  }
  return { ref, commit, dir, notes, remove };
}

function isPlainName(name: string): boolean {
  return name !== '.git' && name !== '.' && name !== '..' && !name.includes('/');
}

async function resolveCommit(repo: AppRepo, ref: string, shown: string): Promise<string> {
  const peeled = await repo.run('rev-parse', ['--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { timeoutMs: GIT_TIMEOUT_MS });
  if (peeled.code === 0) return peeled.stdout.toString('utf8').trim();
  stoppedError(peeled, shown);
  // The name may be known while its object is not here (a partial clone).
  const named = await repo.run('rev-parse', ['--verify', '--quiet', '--end-of-options', ref], { timeoutMs: GIT_TIMEOUT_MS });
  const oid = named.stdout.toString('utf8').trim();
  if (named.code === 0 && (await isMissing(repo, oid))) throw objectMissing(shown, [`the commit ${oid}`]);
  const shallow = await repo.run('rev-parse', ['--is-shallow-repository']);
  const isShallow = shallow.code === 0 && shallow.stdout.toString('utf8').trim() === 'true';
  throw new PybpError({
    code: 'git-ref-unknown',
    title: `Unknown git ref ${shown}`,
    message: `git does not know ${shown} as a commit in ${repo.workTree}${isShallow ? ' (a shallow clone: older commits are not here, and pybp never fetches them)' : ''}.`,
    fix: isShallow ? 'Fetch more history yourself (git fetch --deepen=50, or --unshallow), then run again.' : 'Use a branch, tag or commit that exists locally (git fetch first, for a remote branch).',
  });
}

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  /** null: git could not read the object to size it. */
  size: number | null;
  name: string;
}

async function listTree(repo: AppRepo, tree: string, shown: string, where: string): Promise<TreeEntry[]> {
  const r = await repo.run('ls-tree', ['-z', '-l', '--full-tree', '--end-of-options', tree], { maxOutputBytes: MAX_LISTING_BYTES, timeoutMs: GIT_TIMEOUT_MS });
  if (r.code !== 0) {
    stoppedError(r, shown);
    if (await isMissing(repo, tree)) throw objectMissing(shown, [where]);
    throw new Error(`git ls-tree ${tree} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  // `<mode> <type> <oid> <size>\t<name>\0` records.
  const entries: TreeEntry[] = [];
  for (const record of r.stdout.toString('utf8').split('\0')) {
    // The size is `-` for a tree or submodule, and `BAD` for a blob git can't read (missing from a partial clone).
    const m = /^(\d+) (\w+) ([0-9a-f]+) +(\S+)\t(.+)$/s.exec(record);
    if (m) entries.push({ mode: m[1], type: m[2], oid: m[3], size: /^\d+$/.test(m[4]) ? Number(m[4]) : m[4] === '-' ? 0 : null, name: m[5] });
  }
  return entries;
}

async function isMissing(repo: AppRepo, oid: string): Promise<boolean> {
  if (!/^[0-9a-f]{40,64}$/.test(oid)) return false;
  const r = await repo.run('cat-file', ['--batch-check'], { input: `${oid}\n`, timeoutMs: GIT_TIMEOUT_MS });
  return r.code === 0 && r.stdout.toString('utf8').trim() === `${oid} missing`;
}

/** The blobs of `entries`, by oid, from one `cat-file --batch`; an object the clone lacks is absent from the map. */
async function readBlobs(repo: AppRepo, entries: readonly TreeEntry[], shown: string): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  const oids = [...new Set(entries.map((e) => e.oid))];
  if (oids.length === 0) return blobs;
  const bound = entries.reduce((n, e) => n + (e.size ?? 0), 0) + oids.length * 100 + 4096;
  const r = await repo.run('cat-file', ['--batch', '--buffer'], { input: oids.join('\n') + '\n', maxOutputBytes: bound, timeoutMs: GIT_TIMEOUT_MS });
  if (r.code !== 0) {
    stoppedError(r, shown);
    throw new Error(`git cat-file --batch failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  // `<oid> <type> <size>\n<content>\n`, or `<oid> missing\n`.
  const out = r.stdout;
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) break;
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
    if (!m) continue; // `<oid> missing`
    const size = Number(m[3]);
    if (m[2] === 'blob') blobs.set(m[1], out.subarray(at, at + size));
    at += size + 1;
  }
  return blobs;
}

function objectMissing(shown: string, what: readonly string[]): PybpError {
  const names = what.slice(0, 5).map((n) => shownText(n)).join(', ') + (what.length > 5 ? `, and ${what.length - 5} more` : '');
  return new PybpError({
    code: 'git-object-missing',
    title: `What ${shown} held is unknown`,
    message:
      `This clone does not have the git objects of ${names} at ${shown} (a partial or shallow clone). ` +
      `pybp never fetches, so it can't know what a build of ${shown} would do.`,
    fix: 'Fetch the missing objects yourself (for a partial clone: git fetch --refetch, or a full clone), then run again.',
  });
}

function stoppedError(r: GitBytesResult, shown: string): void {
  if (!r.stopped) return;
  throw new PybpError({
    code: 'git-ref-unknown',
    title: `git could not read ${shown} within pybp's bounds`,
    message: `git printed more than pybp reads or ran longer than ${GIT_TIMEOUT_MS / 1000} s (${shownText(r.stderr.trim() || r.stopped)}), so pybp stopped it.`,
    fix: 'Run --since on the app directory itself (not a huge repository root), or leave out --since.',
  });
}
