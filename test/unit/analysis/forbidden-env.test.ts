import { describe, expect, it } from 'vitest';
import {
  FORBIDDEN_ENV_VARS,
  checkForbiddenEnv,
  findForbiddenEnvVars,
} from '../../../src/engine/analysis/forbidden-env.js';
import { expectPybpError } from './temp-apps.js';

const SPEC_LIST = [
  'PIP_CACHE_DIR', 'PIP_PREFIX', 'PIP_PYTHON', 'PIP_ROOT', 'PIP_TARGET', 'PIP_USER',
  'POETRY_CACHE_DIR', 'POETRY_DATA_DIR', 'POETRY_HOME', 'POETRY_VIRTUALENVS_CREATE',
  'POETRY_VIRTUALENVS_IN_PROJECT', 'POETRY_VIRTUALENVS_USE_POETRY_PYTHON',
  'PYTHONHOME', 'PYTHONINSPECT', 'PYTHONNOUSERSITE', 'PYTHONPLATLIBDIR', 'PYTHONUSERBASE',
  'UV_CACHE_DIR', 'UV_LINK_MODE', 'UV_MANAGED_PYTHON', 'UV_NO_CACHE', 'UV_NO_MANAGED_PYTHON',
  'UV_PROJECT', 'UV_PROJECT_ENVIRONMENT', 'UV_PYTHON', 'UV_PYTHON_DOWNLOADS',
  'UV_PYTHON_PREFERENCE', 'VIRTUAL_ENV',
];

describe('FORBIDDEN_ENV_VARS', () => {
  it('is the 28 names of spec §3.2, in alphabetical order', () => {
    expect(FORBIDDEN_ENV_VARS).toEqual(SPEC_LIST);
    expect(FORBIDDEN_ENV_VARS).toHaveLength(28);
    expect([...FORBIDDEN_ENV_VARS].sort()).toEqual(FORBIDDEN_ENV_VARS);
  });
});

describe('findForbiddenEnvVars', () => {
  it.each(SPEC_LIST)('finds %s', (name) => {
    expect(findForbiddenEnvVars({ [name]: 'x' })).toEqual([name]);
  });

  it('counts a variable set to the empty string', () => {
    expect(findForbiddenEnvVars({ VIRTUAL_ENV: '' })).toEqual(['VIRTUAL_ENV']);
  });

  it('allows other PIP_*, POETRY_*, UV_* and PYTHON* variables and other cases', () => {
    expect(
      findForbiddenEnvVars({
        PYTHONPATH: '/x',
        PYTHONUNBUFFERED: '1',
        PIP_EXTRA_INDEX_URL: 'https://example.com/simple',
        PIP_DISABLE_PIP_VERSION_CHECK: '1',
        POETRY_VIRTUALENVS_PATH: '/x',
        UV_INDEX_URL: 'https://example.com',
        virtual_env: '/venv',
        Pip_User: '1',
        VIRTUAL_ENV_PROMPT: 'x',
        PATH: '/usr/bin',
      }),
    ).toEqual([]);
    expect(findForbiddenEnvVars({})).toEqual([]);
  });

  it('lists names in the buildpack order, not the order they were given', () => {
    expect(findForbiddenEnvVars({ VIRTUAL_ENV: '1', UV_PYTHON: '1', PATH: '', PIP_USER: '1', PYTHONHOME: '' })).toEqual([
      'PIP_USER',
      'PYTHONHOME',
      'UV_PYTHON',
      'VIRTUAL_ENV',
    ]);
  });

  it('finds all 28 at once and ignores inherited properties', () => {
    expect(findForbiddenEnvVars(Object.fromEntries([...SPEC_LIST].reverse().map((n) => [n, n])))).toEqual(SPEC_LIST);
    const inherited = Object.create({ VIRTUAL_ENV: '/venv' }) as Record<string, string>;
    expect(findForbiddenEnvVars(inherited)).toEqual([]);
    const bare = Object.create(null) as Record<string, string>;
    bare.PIP_TARGET = '/t';
    expect(findForbiddenEnvVars(bare)).toEqual(['PIP_TARGET']);
  });
});

describe('checkForbiddenEnv', () => {
  it('passes when nothing forbidden is set', () => {
    expect(checkForbiddenEnv({ PYTHONPATH: '/x', virtual_env: '1' })).toBeUndefined();
  });

  it('throws forbidden-env-vars listing every offending name, one per line, in list order', async () => {
    const error = await expectPybpError(
      () => checkForbiddenEnv({ VIRTUAL_ENV: '/v', PYTHONPATH: '/ok', PIP_USER: '', UV_CACHE_DIR: '/c' }),
      'forbidden-env-vars',
    );
    expect(error.details).toEqual(['PIP_USER', 'UV_CACHE_DIR', 'VIRTUAL_ENV']);
    expect(error.message).toContain('PIP_USER, UV_CACHE_DIR, VIRTUAL_ENV');
    expect(error.message).not.toContain('PYTHONPATH');
    expect(error.fix).toContain('Unset PIP_USER, UV_CACHE_DIR, VIRTUAL_ENV');
    expect(error.fix).toContain('earlier buildpack');
  });

  it('names a single offending variable', async () => {
    const error = await expectPybpError(() => checkForbiddenEnv({ PYTHONHOME: '' }), 'forbidden-env-vars');
    expect(error.details).toEqual(['PYTHONHOME']);
    expect(error.message).toContain('PYTHONHOME');
    expect(error.fix).toContain('PYTHONHOME');
  });
});
