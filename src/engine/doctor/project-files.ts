// The app directory, detection (spec §2), and whether the TOML files Poetry
// and uv read parse at all (beyond the buildpack: they would fail mid-build).

import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { readAppDir } from '../analysis/app-dir.js';
import { detect, notAPythonAppError } from '../analysis/detect.js';
import type { PackageManager } from '../analysis/types.js';
import { describeIoError } from '../io/fs.js';
import { readAppFile } from '../io/app-file.js';
import { isPybpError, type ErrorCode } from '../core/errors.js';
import { errorText, fail, failFromError, pass, warn } from './check.js';
import type { DoctorCheck } from './types.js';

const AREA = 'project files';

export async function checkAppDir(appDir: string): Promise<{ check: DoctorCheck; listing: ReadonlySet<string> | null }> {
  try {
    const listing = await readAppDir(appDir);
    return { check: pass('app-dir', AREA, `App directory: ${appDir}`), listing };
  } catch (err) {
    if (!isPybpError(err)) throw err;
    return { check: failFromError('app-dir', AREA, err), listing: null };
  }
}

export async function checkDetection(appDir: string, listing: ReadonlySet<string>): Promise<DoctorCheck> {
  const result = await detect(appDir, listing);
  if (result.detected) {
    return pass('detect', AREA, `The Heroku Python buildpack detects this app as Python (found ${result.match}).`);
  }
  return failFromError('detect', AREA, notAPythonAppError(appDir));
}

/** The TOML files pybp checks, and the package managers that read them during the build. */
const TOML_FILES: ReadonlyArray<{ name: string; readBy: readonly PackageManager[] }> = [
  { name: 'pyproject.toml', readBy: ['poetry', 'uv'] },
  { name: 'poetry.lock', readBy: ['poetry'] },
  { name: 'uv.lock', readBy: ['uv'] },
];

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export type TomlTable = Record<string, unknown>;

/**
 * Parses pyproject.toml, poetry.lock and uv.lock when present. A broken file
 * the package manager reads fails the build mid-way (a warning when the
 * chosen manager doesn't read it). Returns the parsed pyproject.toml.
 */
export async function checkTomlFiles(
  appDir: string,
  listing: ReadonlySet<string>,
  pm: PackageManager | null,
): Promise<{ checks: DoctorCheck[]; pyproject: TomlTable | null }> {
  const checks: DoctorCheck[] = [];
  let pyproject: TomlTable | null = null;
  for (const { name, readBy } of TOML_FILES) {
    if (!listing.has(name)) continue;
    const id = `toml:${name}`;
    const path = join(appDir, name);
    const readers = readBy.map((r) => (r === 'poetry' ? 'Poetry' : r)).join(' and ');
    const relevant = pm === null || readBy.includes(pm);
    const code: ErrorCode | undefined = !relevant ? undefined : pm === 'poetry' ? 'poetry-sync-failed' : pm === 'uv' ? 'uv-sync-failed' : undefined;
    const problem = (message: string, fix: string, excerpt = ''): DoctorCheck => {
      const tail = excerpt ? `\n${excerpt}` : '';
      return relevant
        ? fail(id, AREA, `${message} ${readers} would stop on it during the dependency install.${tail}`, fix, code)
        : warn(id, AREA, `${message} ${readers} would reject it (this app uses ${pm}, which doesn't read it during the build).${tail}`, fix);
    };

    let text: string;
    try {
      const bytes = await readAppFile(path, name === 'pyproject.toml' ? 'pyproject' : 'lock-file');
      if (bytes === undefined) continue; // a broken symlink: not there, as the build sees it
      text = UTF8.decode(bytes);
    } catch (err) {
      if (isPybpError(err)) {
        // A FIFO, a device, a directory or a huge file: pybp refuses it, and a build stops on it with that code.
        checks.push(relevant ? fail(id, AREA, errorText(err), err.fix, err.code) : warn(id, AREA, errorText(err), err.fix));
      } else if (err instanceof TypeError) {
        checks.push(problem(`${name} is not valid UTF-8, which TOML requires.`, `Save ${name} as UTF-8.`));
      } else {
        checks.push(problem(`${path} could not be read: ${describeIoError(err)}.`, `Check the permissions of ${name}.`));
      }
      continue;
    }
    try {
      const parsed = parse(text);
      if (name === 'pyproject.toml') pyproject = parsed as TomlTable;
      checks.push(pass(id, AREA, `${name} is valid TOML.`));
    } catch (err) {
      if (!(err instanceof TomlError)) throw err;
      const { message, excerpt } = describeTomlError(name, err);
      checks.push(problem(message, tomlFix(name), excerpt));
    }
  }
  return { checks, pyproject };
}

/** The parser's reason on one line, and its excerpt of the file (with a caret under the column). */
function describeTomlError(name: string, err: TomlError): { message: string; excerpt: string } {
  const [first, ...rest] = err.message.split('\n');
  const reason = first.replace(/^Invalid TOML document:\s*/, '');
  return {
    message: `${name} is not valid TOML (line ${err.line}, column ${err.column}): ${reason}.`,
    excerpt: rest.join('\n').replace(/^\n+|\s+$/g, ''),
  };
}

function tomlFix(name: string): string {
  if (name === 'poetry.lock') return 'Fix the syntax error, or regenerate the lock file with: poetry lock';
  if (name === 'uv.lock') return 'Fix the syntax error, or regenerate the lock file with: uv lock';
  return `Fix the syntax error in ${name} at the line shown.`;
}

/**
 * A virtualenv committed to git (`.venv/`, `venv/`): it holds this machine's
 * interpreter paths and compiled files, so it is of no use on a dyno. Heroku's
 * classic Python buildpack stops the build on a committed `.venv`; this
 * buildpack installs into its own venv layer and leaves it in the app (and in
 * the slug). Only in git: a local venv that git ignores is not sent.
 */
export function committedVenvCheck(inGit: boolean, listing: ReadonlySet<string>): DoctorCheck | null {
  if (!inGit) return null;
  const found = ['.venv', 'venv'].filter((n) => listing.has(n));
  if (found.length === 0) return null;
  const list = found.map((n) => `${n}/`).join(' and ');
  return warn(
    'committed-venv',
    AREA,
    `${list} ${found.length === 1 ? 'is' : 'are'} committed to git: a virtualenv holds this machine's interpreter paths and compiled files, ` +
      `useless on a dyno and sent with every push. Heroku's classic Python buildpack stops the build on a committed .venv; ` +
      `this buildpack installs into its own venv and leaves ${list} in the app.`,
    `Remove ${found.length === 1 ? 'it' : 'them'} from git and ignore ${found.length === 1 ? 'it' : 'them'}: ` +
      `git rm -r --cached ${found.join(' ')} && printf '${found.map((n) => `${n}/`).join('\\n')}\\n' >> .gitignore, then commit.`,
  );
}
