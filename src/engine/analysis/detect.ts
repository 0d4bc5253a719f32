// Detection (spec §2): does the app look like a Python app at all?
// File contents are never read; only names are checked.

import { PybpError } from '../core/errors.js';
import { entryExists, listDir, type DirListing } from '../io/fs.js';

/**
 * The buildpack's list, in its order (first hit wins). A trailing `/` means
 * only a directory, or a symlink to one, matches. The list is wider than the
 * supported package-manager files on purpose: half-configured apps pass
 * detection and then get a helpful build error instead of "not Python".
 */
/**
 * Common misspellings of requirements.txt: detection accepts them (spec §2) so
 * such apps reach a build error that helps, rather than "not a Python app".
 */
export const MISSPELLED_REQUIREMENTS: readonly string[] = [
  'requeriments.txt',
  'requirement.txt',
  'requirements',
  'requirements.text',
  'Requirements.txt',
  'requirements.txt.txt',
  'requirments.txt',
];

export const DETECT_ENTRIES: readonly string[] = [
  '.python-version',
  '__init__.py',
  'app.py',
  'main.py',
  'manage.py',
  'pdm.lock',
  'Pipfile',
  'Pipfile.lock',
  'poetry.lock',
  'pyproject.toml',
  'requirements.txt',
  'runtime.txt',
  'server.py',
  'setup.cfg',
  'setup.py',
  'uv.lock',
  ...MISSPELLED_REQUIREMENTS,
  '__pycache__/',
  '.venv/',
  'venv/',
];

/** `match` is the entry as written in `DETECT_ENTRIES` (directories keep their `/`). */
export type DetectResult = { detected: true; match: string } | { detected: false };

export async function detect(appDir: string, listing?: DirListing): Promise<DetectResult> {
  const names = listing !== undefined ? listing : await listDir(appDir);
  // Sequential on purpose: the buildpack stops at the first hit, so an I/O
  // error on a later entry must not fail an app an earlier entry detected.
  for (const entry of DETECT_ENTRIES) {
    const directoryOnly = entry.endsWith('/');
    const name = directoryOnly ? entry.slice(0, -1) : entry;
    if (await entryExists(appDir, name, { directoryOnly, listing: names })) {
      return { detected: true, match: entry };
    }
  }
  return { detected: false };
}

/** What the build (and doctor) say when detection fails. */
export function notAPythonAppError(dir: string): PybpError {
  return new PybpError({
    code: 'not-a-python-app',
    title: 'This does not look like a Python app',
    message:
      `No Python project files were found in ${dir}, so the Heroku Python buildpack would not run ` +
      `(detection fails). It looks for files such as requirements.txt, poetry.lock, uv.lock or .python-version in the app's root directory.`,
    fix:
      'Run pybp on the directory that contains the app, and make sure it has a package manager file: ' +
      'requirements.txt (pip), poetry.lock (Poetry) or uv.lock (uv). An empty requirements.txt is fine ' +
      'if the app has no dependencies.',
  });
}
