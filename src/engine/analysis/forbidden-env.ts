// The buildpack's first build step (spec §3.2): env vars that would move pip,
// Poetry, uv or Python away from the layers the buildpack manages.
// Checked on the app's config vars only, never on pybp's own environment.

import { PybpError } from '../core/errors.js';

export const FORBIDDEN_ENV_VARS: readonly string[] = [
  'PIP_CACHE_DIR',
  'PIP_PREFIX',
  'PIP_PYTHON',
  'PIP_ROOT',
  'PIP_TARGET',
  'PIP_USER',
  'POETRY_CACHE_DIR',
  'POETRY_DATA_DIR',
  'POETRY_HOME',
  'POETRY_VIRTUALENVS_CREATE',
  'POETRY_VIRTUALENVS_IN_PROJECT',
  'POETRY_VIRTUALENVS_USE_POETRY_PYTHON',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PYTHONNOUSERSITE',
  'PYTHONPLATLIBDIR',
  'PYTHONUSERBASE',
  'UV_CACHE_DIR',
  'UV_LINK_MODE',
  'UV_MANAGED_PYTHON',
  'UV_NO_CACHE',
  'UV_NO_MANAGED_PYTHON',
  'UV_PROJECT',
  'UV_PROJECT_ENVIRONMENT',
  'UV_PYTHON',
  'UV_PYTHON_DOWNLOADS',
  'UV_PYTHON_PREFERENCE',
  'VIRTUAL_ENV',
];

/** Forbidden names present in `vars` (any value, even empty), in list order, matched case-sensitively. */
export function findForbiddenEnvVars(vars: Readonly<Record<string, string>>): string[] {
  return FORBIDDEN_ENV_VARS.filter((name) => Object.hasOwn(vars, name));
}

export function checkForbiddenEnv(vars: Readonly<Record<string, string>>): void {
  const found = findForbiddenEnvVars(vars);
  if (found.length === 0) return;
  const plural = found.length > 1;
  throw new PybpError({
    code: 'forbidden-env-vars',
    title: 'The build environment contains unsafe variables',
    message:
      `The config vars set ${found.join(', ')}. ` +
      `${plural ? 'These variables' : 'This variable'} can make pip, Poetry, uv or Python use the wrong ` +
      `location or interpreter and break the build, so the Heroku Python buildpack refuses to build while ` +
      `${plural ? 'they are' : 'it is'} set (even to an empty value).`,
    fix:
      `Unset ${found.join(', ')} in the app's config vars and build again. If you did not set ` +
      `${plural ? 'them' : 'it'} yourself, an earlier buildpack may have exported ${plural ? 'them' : 'it'}.`,
    details: found,
  });
}
