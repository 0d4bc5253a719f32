// pybp's own directories ($XDG_CACHE_HOME/pybp, $XDG_STATE_HOME/pybp and what
// pybp keeps under them) are trusted only when nobody else can have put
// anything there: pybp runs the tools it finds in its cache and believes the
// records in its state. So each such directory, and every directory above it,
// is checked the way OpenSSH checks a key's path:
// - pybp's own directories (the `pybp` root and below) must belong to this
//   user and be writable by nobody else;
// - the directories above them must belong to this user or root, and may be
//   writable by others only with the sticky bit (/tmp), or by this user's own
//   group, so that nobody else can rename pybp's directory away and put
//   another in its place.
// The check runs on the real path (a symlinked ~/.cache is fine when its
// target passes). Without getuid (Windows) there is nothing to check.
import fs from 'node:fs';
import path from 'node:path';
import { PybpError } from '../core/errors.js';

export type PybpDirKind = 'cache' | 'state';

/** Why `dir` is not safe for pybp to trust, or null when it is. `root` is pybp's own top directory (checked as pybp's). */
export function unsafeDirReason(dir: string, root: string): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  const gid = process.getgid?.();
  let real: string;
  let realRoot: string;
  try {
    real = lenientRealpath(dir);
    realRoot = lenientRealpath(root);
  } catch (err) {
    return `it can't be resolved (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return `it resolves to ${real}, outside pybp's directory ${realRoot}`;
  for (let p = real; ; p = path.dirname(p)) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch (err) {
      // Not made yet: whoever could make it is decided by the directories above.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && path.dirname(p) !== p) continue;
      return `${p} can't be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
    const ours = !path.relative(realRoot, p).startsWith('..');
    if (ours) {
      if (st.uid !== uid) return `${p} belongs to another user (uid ${st.uid}, not ${uid})`;
      if ((st.mode & 0o022) !== 0) return `${p} can be written by ${(st.mode & 0o002) !== 0 ? 'every user' : 'its group'} (mode ${modeText(st.mode)})`;
    } else {
      if (st.uid !== uid && st.uid !== 0) return `${p}, above it, belongs to another user (uid ${st.uid})`;
      const sticky = (st.mode & 0o1000) !== 0;
      if ((st.mode & 0o002) !== 0 && !sticky) return `${p}, above it, can be written by every user (mode ${modeText(st.mode)})`;
      if ((st.mode & 0o020) !== 0 && !sticky && st.gid !== gid) return `${p}, above it, can be written by its group (mode ${modeText(st.mode)})`;
    }
    if (path.dirname(p) === p) return null;
  }
}

/** The real path of `p`, or of its nearest existing ancestor with the missing names appended. */
function lenientRealpath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(abs) === abs) throw err;
    return path.join(lenientRealpath(path.dirname(abs)), path.basename(abs));
  }
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** The coded error for a pybp directory that is not safe to trust. */
export function unsafeDirError(kind: PybpDirKind, dir: string, why: string): PybpError {
  const what = kind === 'cache' ? "pybp's cache directory" : "pybp's state directory";
  const variable = kind === 'cache' ? 'XDG_CACHE_HOME' : 'XDG_STATE_HOME';
  return new PybpError({
    code: kind === 'cache' ? 'pybp-cache-dir-unsafe' : 'pybp-state-dir-unsafe',
    title: `pybp does not trust ${what}`,
    message:
      `${dir} is ${what}, and ${why}. pybp runs the tools it keeps there and believes the records it keeps there, ` +
      `so it uses such a directory only when no other user can have changed it; it was left as it is.`,
    fix:
      `If the directory is yours, \`chmod go-w\` it (and \`chown\` it to yourself); else remove it and let pybp make its own ` +
      `(everything in it is pybp's and can be remade), or point ${variable} at a directory only you can write.`,
  });
}

/**
 * Makes `dir` (mode 0700, with its missing parents) unless it exists, then
 * checks it and the directories above it; throws the coded error when it can't be trusted.
 */
export function ensureOwnDir(kind: PybpDirKind, dir: string, root: string): string {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    // The check below says why it can't be used.
  }
  const why = unsafeDirReason(dir, root);
  if (why !== null) throw unsafeDirError(kind, dir, why);
  return dir;
}

/**
 * Checks `dir` without making anything: the directory, or while it does not exist the
 * directories that would hold it. Returns true when it is absent. Throws the coded error when it can't be trusted.
 */
export function checkOwnDirIfPresent(kind: PybpDirKind, dir: string, root: string): boolean {
  const why = unsafeDirReason(dir, root);
  if (why !== null) throw unsafeDirError(kind, dir, why);
  try {
    fs.lstatSync(dir);
    return false;
  } catch {
    return true;
  }
}
