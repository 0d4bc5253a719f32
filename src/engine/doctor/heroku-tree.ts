// What Heroku receives: in a git repository, the files git tracks, not the
// working tree. Doctor judges the app on the tracked top-level names; files
// that are neither tracked nor ignored (a `git add --all` away from changing
// the verdict) and ignored build files are listed in a warning of their own.
// Outside git, the working tree is all there is (checkGit says so).
import { PYBP_DIR, runGit, type GitRunContext } from './git.js';
import { warn } from './check.js';
import type { DoctorCheck } from './types.js';
import { inert } from '../core/inert-text.js';
import { shellCommand } from '../core/shell-quote.js';

/** Files the build reads from the app root, whose absence from git changes what Heroku does. */
const BUILD_FILES = new Set(['requirements.txt', 'poetry.lock', 'uv.lock', 'pyproject.toml', '.python-version', 'runtime.txt', 'Procfile', 'manage.py', 'uv.toml', 'poetry.toml']);

export interface HerokuTree {
  /** Top-level names Heroku would receive (the working listing when not in git). */
  listing: ReadonlySet<string>;
  inGit: boolean;
  /** Top-level names on disk that git neither tracks nor ignores. */
  untracked: string[];
  /** Build files on disk that git ignores, each with the rule (`uv.lock (ignored by .gitignore line 3: *.lock)`). */
  ignored: Array<{ name: string; rule: string }>;
}

function topLevel(paths: string[]): Set<string> {
  return new Set(paths.map((p) => p.replace(/\/$/, '').split('/')[0]).filter((n) => n !== ''));
}

function splitZ(text: string): string[] {
  return text.split('\0').filter((s) => s !== '');
}

export async function herokuTree(ctx: GitRunContext, working: ReadonlySet<string>): Promise<HerokuTree> {
  const inside = await runGit(ctx, ['rev-parse', '--is-inside-work-tree']);
  if (inside === null || inside.code !== 0 || inside.stdout.trim() !== 'true') return { listing: working, inGit: false, untracked: [], ignored: [] };
  const cached = await runGit(ctx, ['ls-files', '-z', '--cached']);
  if (cached === null || cached.code !== 0) return { listing: working, inGit: false, untracked: [], ignored: [] };
  const tracked = topLevel(splitZ(cached.stdout));
  const others = await runGit(ctx, ['ls-files', '-z', '--others', '--exclude-standard', '--directory', '--no-empty-directory']);
  const untracked = [...topLevel(splitZ(others?.stdout ?? ''))].filter((n) => working.has(n) && !tracked.has(n) && n !== PYBP_DIR).sort();

  // Build files on disk that git ignores (and does not track): say which rule hides them.
  const candidates = [...working].filter((n) => BUILD_FILES.has(n) && !tracked.has(n) && !untracked.includes(n));
  const ignored: Array<{ name: string; rule: string }> = [];
  if (candidates.length > 0) {
    const result = await runGit(ctx, ['check-ignore', '-v', '-z', '--stdin'], candidates.join('\0') + '\0');
    const fields = (result?.stdout ?? '').split('\0');
    for (let i = 0; i + 3 < fields.length; i += 4) {
      const [source, line, pattern, file] = fields.slice(i, i + 4);
      if (!pattern.startsWith('!')) ignored.push({ name: file, rule: `${source} line ${line}: ${pattern}` });
    }
  }

  const listing = new Set([...working].filter((n) => tracked.has(n)));
  return { listing, inGit: true, untracked, ignored };
}

/**
 * The warning naming what is on disk but not in git. `covered` names files
 * another git check already reports one by one (the package manager file,
 * .python-version...), so they are not repeated here.
 */
export function untrackedFilesCheck(tree: HerokuTree, covered: ReadonlySet<string>): DoctorCheck | null {
  const untracked = tree.untracked.filter((n) => !covered.has(n));
  const ignored = tree.ignored.filter((f) => !covered.has(f.name));
  if (untracked.length === 0 && ignored.length === 0) return null;
  const parts: string[] = [];
  if (untracked.length > 0) {
    const shown = untracked.slice(0, 12).map(inert).join(', ') + (untracked.length > 12 ? `, and ${untracked.length - 12} more` : '');
    parts.push(`not tracked by git: ${shown}`);
  }
  if (ignored.length > 0) parts.push(`ignored by git: ${ignored.map((f) => `${inert(f.name)} (${inert(f.rule)})`).join(', ')}`);
  const buildFiles = untracked.filter((n) => BUILD_FILES.has(n));
  return warn(
    'git-untracked',
    'git',
    `Heroku builds what is committed, so doctor judged the app without these files on disk that are ${parts.join('; ')}.` +
      (buildFiles.length > 0 ? ` Committing ${buildFiles.map(inert).join(', ')} would change what the build does: run pybp doctor again after you decide.` : ''),
    untracked.length > 0
      ? `Commit what the app needs (${shellCommand(['git', 'add', '--', ...untracked.slice(0, 3)])} && git commit${untracked.length > 3 ? `, and git add the others it needs` : ''}), and add the rest to .gitignore.`
      : 'Remove or narrow the ignore rule for files the build needs, then commit them.',
  );
}
