// --env names follow the config file's rule, and a malformed flag never
// echoes its text (it is most often a secret with a typo).
import { describe, expect, it } from 'vitest';
import { parseEnvFlags } from '../../../src/engine/project/build-env.js';
import { validateConfig } from '../../../src/engine/project/config.js';
import { PybpError } from '../../../src/engine/core/errors.js';

function usageError(flags: string[]): PybpError {
  try {
    parseEnvFlags(flags);
  } catch (err) {
    expect(err).toBeInstanceOf(PybpError);
    return err as PybpError;
  }
  throw new Error(`parseEnvFlags(${JSON.stringify(flags)}) was accepted`);
}

describe('--env flags', () => {
  it('accepts NAME=value, with "=" and newlines in the value', () => {
    expect(parseEnvFlags(['API_TOKEN=a=b', '_X1=', 'MULTI=one\ntwo'])).toEqual({ API_TOKEN: 'a=b', _X1: '', MULTI: 'one\ntwo' });
  });

  it.each([['1BAD=x'], ['A B=x'], ['K\nX=x'], ['A-B=x'], ['É=x']])('rejects the name in %j as usage, naming it', (flag) => {
    const error = usageError([flag]);
    expect(error.code).toBe('usage');
    expect(error.message).toContain(JSON.stringify(flag.slice(0, flag.indexOf('='))));
  });

  it('rejects the same names the config file rejects', () => {
    for (const name of ['1BAD', 'A B', 'K\nX']) {
      expect(() => validateConfig({ env: { [name]: 'x' } }, '/app/.buildpackrc.json')).toThrow(expect.objectContaining({ code: 'config-invalid' }));
      expect(() => parseEnvFlags([`${name}=x`])).toThrow(expect.objectContaining({ code: 'usage' }));
    }
    expect(validateConfig({ env: { GOOD_1: 'x' } }, '/app/.buildpackrc.json').env).toEqual({ GOOD_1: 'x' });
    expect(parseEnvFlags(['GOOD_1=x'])).toEqual({ GOOD_1: 'x' });
  });

  it.each([['API_TOKEN:abc123secret'], ['abc123secret'], ['=abc123secret']])('does not echo a malformed flag %j', (flag) => {
    const error = usageError(['OK=1', flag]);
    expect(error.code).toBe('usage');
    expect(JSON.stringify(error.toData())).not.toContain('abc123secret');
    expect(error.message).toContain('--env number 2 of 2');
  });

  it('does not echo the value of a flag with a bad name', () => {
    const error = usageError(['1BAD=abc123secret']);
    expect(JSON.stringify(error.toData())).not.toContain('abc123secret');
  });
});
