// The project analysis, in the buildpack's order: detect, forbidden env vars,
// package manager, Python version. The first failure wins, exactly as on Heroku.

import { resolve } from 'node:path';
import { readAppDir } from './app-dir.js';
import { detect, notAPythonAppError } from './detect.js';
import { checkForbiddenEnv } from './forbidden-env.js';
import { determinePackageManager } from './package-manager.js';
import { pythonNotices, pythonWarnings, readRequestedPython, resolvePython } from './python-version.js';
import type { ProjectAnalysis } from './types.js';
import type { Assumptions } from './assumptions.js';

/** `assume` (explain's what-if) replaces what the app's files say; every check after it runs as usual. */
export async function analyzeProject(appDir: string, configVars: Record<string, string>, assume: Assumptions = {}): Promise<ProjectAnalysis> {
  const dir = resolve(appDir);
  const listing = await readAppDir(dir);

  const detected = await detect(dir, listing);
  if (!detected.detected) throw notAPythonAppError(dir);

  checkForbiddenEnv(configVars);
  const packageManager = assume.packageManager ?? (await determinePackageManager(dir, listing));
  const { requested, origin } = await readRequestedPython(dir, packageManager, listing, assume.pythonVersionFile);
  const python = resolvePython(requested, origin);

  return {
    appDir: dir,
    packageManager,
    python,
    warnings: pythonWarnings(python),
    notices: pythonNotices(python),
  };
}
