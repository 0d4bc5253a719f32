// Heroku builds what is committed, not what is on disk: the files the build
// reads must be in git, and not hidden by an ignore rule. Read-only, through
// the one git reader (../io/git.ts: git sees none of the repository's config).

import { PYTHON_VERSION_FILE } from '../analysis/python-version.js';
import { formatRequested } from '../analysis/python-version-file.js';
import { PACKAGE_MANAGER_INFO, type PackageManager, type ResolvedPython } from '../analysis/types.js';
import type { ErrorCode } from '../core/errors.js';
import type { GitResult, OpenResult, ReadCommand } from '../io/git.js';
import { DEFAULT_PYTHON } from '../core/versions.js';
import { fail, pass, unchecked, warn } from './check.js';
import type { CheckStatus, DoctorCheck } from './types.js';
import { inert } from '../core/inert-text.js';
import { shellCommand } from '../core/shell-quote.js';

const AREA = 'git';

/** pybp's default layers directory, relative to the app. */
export const PYBP_DIR = '.pybp';

/** What running git needs: the app, and its repository as the git reader opened it (once per doctor run). */
export interface GitRunContext {
  appDir: string;
  env: NodeJS.ProcessEnv;
  git: OpenResult;
}

export interface GitContext extends GitRunContext {
  listing: ReadonlySet<string>;
  packageManager: PackageManager | null;
  python: ResolvedPython | null;
}

/** Runs a reading git command in the app dir; `null` when there is no repository git can be run on. */
export async function runGit(ctx: GitRunContext, args: [ReadCommand, ...string[]], input?: string): Promise<GitResult | null> {
  if (ctx.git.kind !== 'repo') return null;
  const [command, ...rest] = args;
  const r = await ctx.git.repo.run(command, rest, { input });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.replace(/^fatal:\s*/, '') ?? '';
}

interface RequiredFile {
  name: string;
  /** What a build from the committed files would do without it. */
  consequence: string;
  severity: Exclude<CheckStatus, 'pass'>;
  code?: ErrorCode;
}

function requiredFiles(ctx: GitContext): RequiredFile[] {
  const files: RequiredFile[] = [];
  const pm = ctx.packageManager;
  if (pm) {
    files.push({
      name: PACKAGE_MANAGER_INFO[pm].marker,
      consequence: 'Heroku would find no package manager file and fail the build',
      severity: 'fail',
      code: 'no-package-manager',
    });
  }
  if (ctx.listing.has(PYTHON_VERSION_FILE)) {
    const requested = ctx.python ? ` instead of ${ctx.python.requestedText}` : '';
    files.push(
      pm === 'uv'
        ? {
            name: PYTHON_VERSION_FILE,
            consequence: 'the build would fail, since uv on Heroku requires it',
            severity: 'fail',
            code: 'python-version-required-with-uv',
          }
        : {
            name: PYTHON_VERSION_FILE,
            consequence: `Heroku would build with the default Python ${formatRequested(DEFAULT_PYTHON)}${requested}`,
            severity: 'fail',
          },
    );
  }
  if ((pm === 'uv' || pm === 'poetry') && ctx.listing.has('pyproject.toml')) {
    files.push({
      name: 'pyproject.toml',
      consequence: `${pm === 'uv' ? 'uv sync' : 'poetry sync'} would fail during the build`,
      severity: 'fail',
      code: pm === 'uv' ? 'uv-sync-failed' : 'poetry-sync-failed',
    });
  }
  if (ctx.listing.has('Procfile')) {
    files.push({ name: 'Procfile', consequence: 'the app would have no process types (no web process)', severity: 'warn' });
  }
  return files;
}

/** The files checkGit reports one by one when git doesn't have them. */
export function requiredFileNames(ctx: GitContext): Set<string> {
  return new Set(requiredFiles(ctx).map((f) => f.name));
}

/** The git checks, and the check that pybp's own directory stays out of git (a Heroku-readiness matter). */
export async function checkGit(ctx: GitContext): Promise<DoctorCheck[]> {
  const opened = ctx.git;
  if (opened.kind === 'no-git') {
    return [
      unchecked(
        'git-repo',
        AREA,
        'git is not installed (or not on PATH outside the app), so pybp could not check what is committed. Heroku builds what ' +
          'is committed, not the files on disk.',
        'Install git, commit the app, and run pybp doctor again.',
        'git is not installed, so what Heroku would receive is unknown',
      ),
    ];
  }
  const inside = opened.kind === 'repo' ? await runGit(ctx, ['rev-parse', '--is-inside-work-tree']) : null;
  if (opened.kind !== 'repo' || inside === null || inside.code !== 0 || inside.stdout.trim() !== 'true') {
    const notRepo = opened.kind === 'not-a-repo';
    const why = opened.kind === 'unreadable' ? opened.why : firstLine(inside?.stderr ?? '') || 'git rev-parse failed';
    return [
      unchecked(
        'git-repo',
        AREA,
        notRepo
          ? 'Not a git repository: Heroku builds what is committed, so pybp cannot tell whether Heroku would see these files.'
          : `git could not read the repository (${inert(why)}), so pybp could not check what is committed.`,
        notRepo
          ? 'Deploy from a git repository: git init, git add --all, git commit (keep .pybp/ in .gitignore).'
          : 'Fix the problem named above, then run pybp doctor again.',
        notRepo ? 'not a git repository, so what Heroku would receive is unknown' : 'git could not read the repository',
      ),
    ];
  }

  const checks: DoctorCheck[] = [];
  const { workTree: toplevel, prefix } = opened.repo;
  if (prefix !== '') {
    checks.push(
      warn(
        'git-repo',
        AREA,
        `The app is in the subdirectory ${inert(prefix)} of the git repository at ${inert(toplevel)}. Heroku builds the root of ` +
          `the repository you push, where it would not find this app's files.`,
        `Deploy the subdirectory as the root of what you push (e.g. ${shellCommand(['git', 'subtree', 'push', '--prefix', prefix.replace(/\/$/, '')])} ` +
          `heroku main), or move the app to the root of the repository.`,
      ),
    );
  } else {
    checks.push(pass('git-repo', AREA, `The app is the root of the git repository at ${inert(toplevel)}.`));
  }

  checks.push(...(await checkFilesCommitted(ctx, requiredFiles(ctx), prefix)));
  checks.push(await checkPybpDirNotCommitted(ctx));
  return checks;
}

function answered(result: GitResult | null): result is GitResult {
  return result !== null && result.code === 0;
}

/** A check git could not answer: a warning that says so, never a pass. */
function unknownState(id: string, area: DoctorCheck['area'], what: string, result: GitResult | null): DoctorCheck {
  return warn(
    id,
    area,
    `git could not tell ${what} (${inert(firstLine(result?.stderr ?? '') || 'git failed')}), so pybp does not know.`,
    'Fix the problem git reports, then run pybp doctor again.',
  );
}

function splitZ(text: string): string[] {
  return text.split('\0').filter((s) => s !== '');
}

async function checkFilesCommitted(ctx: GitContext, files: RequiredFile[], prefix: string): Promise<DoctorCheck[]> {
  if (files.length === 0) return [];
  const names = files.map((f) => f.name);
  const listed = await runGit(ctx, ['ls-files', '-z', '--', ...names]);
  // git that could not answer (stopped at its time limit, a broken index) is no answer: each file is unknown, not untracked.
  if (!answered(listed)) return files.map((file) => unknownState(`git-tracked:${file.name}`, AREA, `whether ${file.name} is committed`, listed));
  const tracked = new Set(splitZ(listed.stdout));

  // Why each untracked file is left out: `source`, `line`, `pattern` of the ignore rule.
  const ignored = new Map<string, { source: string; line: string; pattern: string }>();
  const untracked = names.filter((n) => !tracked.has(n));
  if (untracked.length > 0) {
    const result = await runGit(ctx, ['check-ignore', '-v', '-z', '--stdin'], untracked.join('\0') + '\0');
    const fields = (result?.stdout ?? '').split('\0');
    for (let i = 0; i + 3 < fields.length; i += 4) {
      const [source, line, pattern, path] = fields.slice(i, i + 4);
      // With -v a matching negation ("!name") is listed too, though it un-ignores.
      if (pattern.startsWith('!')) continue;
      ignored.set(path, { source, line, pattern });
    }
  }

  // Porcelain paths are relative to the repository root.
  const states = new Map<string, string>();
  let statusUnknown: GitResult | null | undefined;
  const trackedNames = names.filter((n) => tracked.has(n));
  if (trackedNames.length > 0) {
    const status = await runGit(ctx, ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=all', '--', ...trackedNames]);
    if (!answered(status)) statusUnknown = status;
    const entries = (status?.stdout ?? '').split('\0');
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry.length < 4) continue;
      const xy = entry.slice(0, 2);
      const path = entry.slice(3);
      if (xy[0] === 'R' || xy[0] === 'C') i++; // the original path follows
      states.set(path.startsWith(prefix) ? path.slice(prefix.length) : path, xy);
    }
  }

  return files.map((file) => {
    const id = `git-tracked:${file.name}`;
    const problem = file.severity === 'fail' ? fail : warn;
    const rule = ignored.get(file.name);
    if (rule) {
      return problem(
        id,
        AREA,
        `${file.name} is ignored by git (${inert(rule.source)} line ${inert(rule.line)}: ${inert(rule.pattern)}), so it isn't committed ` +
          `and ${file.consequence}.`,
        `Remove or narrow that ignore rule (or add a line "!${inert(file.name)}" after it), then: ` +
          `${shellCommand(['git', 'add', '--', file.name])} && git commit`,
        file.code,
      );
    }
    if (!tracked.has(file.name)) {
      return problem(
        id,
        AREA,
        `${file.name} is not tracked by git, so it isn't part of what you push and ${file.consequence}.`,
        `${shellCommand(['git', 'add', '--', file.name])} && git commit`,
        file.code,
      );
    }
    if (statusUnknown !== undefined) return unknownState(id, AREA, `whether the committed ${file.name} is the one on disk`, statusUnknown);
    const xy = states.get(file.name) ?? '  ';
    if (xy[0] === 'A') {
      return problem(
        id,
        AREA,
        `${file.name} is staged but not committed yet: Heroku builds the last commit, which doesn't have it, so ${file.consequence}.`,
        `git commit`,
        file.code,
      );
    }
    if (xy.trim() !== '') {
      return warn(
        id,
        AREA,
        `${file.name} has changes that aren't committed: Heroku would build the committed version.`,
        `${shellCommand(['git', 'add', '--', file.name])} && git commit`,
      );
    }
    return pass(id, AREA, `${file.name} is committed.`);
  });
}

async function checkPybpDirNotCommitted(ctx: GitContext): Promise<DoctorCheck> {
  const id = 'pybp-dir';
  const area = 'heroku readiness';
  const listed = await runGit(ctx, ['ls-files', '-z', '--', PYBP_DIR]);
  if (!answered(listed)) return unknownState(id, area, `whether ${PYBP_DIR}/ is tracked`, listed);
  const files = splitZ(listed.stdout);
  if (files.length > 0) {
    return warn(
      id,
      area,
      `${files.length} file${files.length === 1 ? ' is' : 's are'} under ${PYBP_DIR}/ (pybp's local layers and state) ` +
        `tracked by git: they would be pushed to Heroku with the app, where they are useless and large.`,
      `git rm -r --cached ${PYBP_DIR} && echo '${PYBP_DIR}/' >> .gitignore && git commit`,
    );
  }
  if (ctx.listing.has(PYBP_DIR)) {
    // Ask about something inside: `.pybp/.gitignore` (`*`) ignores the contents, not the directory itself.
    const ignored = await runGit(ctx, ['check-ignore', '-q', '--', `${PYBP_DIR}/layers`]);
    // Exit 0: ignored, 1: not ignored, anything else: no answer.
    if (ignored === null || ignored.code > 1) return unknownState(id, area, `whether ${PYBP_DIR}/ is ignored`, ignored);
    if (ignored.code === 1) {
      return warn(
        id,
        area,
        `${PYBP_DIR}/ (pybp's local layers, often hundreds of MB) is not ignored by git: a "git add --all" would commit it.`,
        `echo '${PYBP_DIR}/' >> .gitignore`,
      );
    }
  }
  return pass(id, area, `${PYBP_DIR}/ (pybp's local layers) is not tracked by git.`);
}
