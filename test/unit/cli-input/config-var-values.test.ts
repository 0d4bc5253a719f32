// A config var value pybp cannot pass on (a NUL, more than the OS takes) is a
// coded error naming the variable, never the value, wherever it comes from;
// `__proto__` is refused where it comes in rather than silently swallowed.
import { describe, expect, it } from 'vitest';
import { PybpError } from '../../../src/engine/core/errors.js';
import { parseDotenv } from '../../../src/engine/dyno/dotenv.js';
import { execSizeProblem } from '../../../src/engine/dyno/launch-env.js';
import { configVarsTotalProblem, envNameProblem, envValueProblem, MAX_ENV_STRING_BYTES, parseEnvFlags } from '../../../src/engine/project/build-env.js';
import { validateConfig } from '../../../src/engine/project/config.js';

const SECRET = 'hunter2';

function thrown(fn: () => unknown): PybpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PybpError);
    return err as PybpError;
  }
  throw new Error('accepted');
}

function expectNamedNotShown(error: PybpError, name: string): void {
  const all = [error.title, error.message, error.fix, ...(error.details ?? [])].join('\n');
  expect(all).toContain(name);
  expect(all).not.toContain(SECRET);
}

describe('a config var value', () => {
  it('with a NUL: --env usage, config-invalid, env-file-invalid with the line; the name, never the value', () => {
    const value = `${SECRET}\u0000x`;
    const flag = thrown(() => parseEnvFlags([`SECRET=${value}`]));
    expect(flag.code).toBe('usage');
    expectNamedNotShown(flag, 'SECRET');
    const config = thrown(() => validateConfig({ env: { SECRET: value } }, '/app/.buildpackrc.json'));
    expect(config.code).toBe('config-invalid');
    expectNamedNotShown(config, 'SECRET');
    const dotenv = thrown(() => parseDotenv(`A=1\nSECRET=${value}\n`, '/app/.env'));
    expect(dotenv.code).toBe('env-file-invalid');
    expect(dotenv.message).toContain('line 2');
    expectNamedNotShown(dotenv, 'SECRET');
  });

  it('longer than MAX_ARG_STRLEN (NAME=value and its NUL) is config-var-too-large from every source; one byte less passes', () => {
    const fits = 'a'.repeat(MAX_ENV_STRING_BYTES - 'BIG='.length - 1);
    expect(envValueProblem('BIG', fits)).toBeNull();
    const big = `${SECRET}${'a'.repeat(MAX_ENV_STRING_BYTES)}`;
    for (const fn of [
      () => parseEnvFlags([`BIG=${big}`]),
      () => validateConfig({ env: { BIG: big } }, '/app/.buildpackrc.json'),
      () => parseDotenv(`BIG=${big}\n`, '/app/.env'),
    ]) {
      const error = thrown(fn);
      expect(error.code).toBe('config-var-too-large');
      expectNamedNotShown(error, 'BIG');
    }
  });

  it('all of them together past 1 MiB: config-var-too-large naming the largest', () => {
    const vars = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`PART_${i}`, `${SECRET}${'b'.repeat(120 * 1024 + i)}`]));
    const error = configVarsTotalProblem(vars)!;
    expect(error.code).toBe('config-var-too-large');
    expectNamedNotShown(error, 'PART_8');
    expect(configVarsTotalProblem({ A: 'x'.repeat(1000) })).toBeNull();
  });

  it('a command and environment past ARG_MAX: config-var-too-large before any spawn', () => {
    const env = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`V${i}`, `${SECRET}${'c'.repeat(125 * 1024)}`]));
    const error = execSizeProblem(['bash', '-c', 'true'], env)!;
    expect(error.code).toBe('config-var-too-large');
    expect(error.message).not.toContain(SECRET);
    expect(execSizeProblem(['true'], { PATH: '/usr/bin' })).toBeNull();
  });
});

describe('__proto__ as a name', () => {
  it('is refused by --env, the config file and .env, with a code', () => {
    expect(envNameProblem('__proto__')).not.toBeNull();
    expect(thrown(() => parseEnvFlags([`__proto__=${SECRET}`])).code).toBe('usage');
    expect(thrown(() => validateConfig(JSON.parse(`{"env": {"__proto__": "${SECRET}"}}`), '/app/.buildpackrc.json')).code).toBe('config-invalid');
    const dotenv = thrown(() => parseDotenv(`__proto__=${SECRET}\n`, '/app/.env'));
    expect(dotenv.code).toBe('env-file-invalid');
    expect(dotenv.message).not.toContain(SECRET);
  });

  it('other names that objects know (constructor, toString) are ordinary config vars', () => {
    expect(parseEnvFlags(['constructor=1', 'toString=2'])).toEqual({ constructor: '1', toString: '2' });
    expect({ ...parseDotenv('constructor=1\nhasOwnProperty=2\n', '/app/.env') }).toEqual({ constructor: '1', hasOwnProperty: '2' });
  });
});
