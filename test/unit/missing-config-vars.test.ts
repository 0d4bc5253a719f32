// Naming the config var an app stopped for, from its stderr: only what the
// output proves (a KeyError through os.environ, an ImproperlyConfigured that
// names an environment variable), and never a variable the process had.
import { describe, expect, it } from 'vitest';
import { findMissingConfigVars, TailBuffer } from '../../src/engine/dyno/missing-config-vars.js';

const keyErrorTraceback = (frame: string, name: string) =>
  [
    'Traceback (most recent call last):',
    '  File "/app/app.py", line 3, in <module>',
    `    SECRET = os.environ["${name}"]`,
    '             ~~~~~~~~~~^^^^^^^^^^^^^^',
    `  File "${frame}", line 714, in __getitem__`,
    `KeyError: '${name}'`,
  ].join('\n');

describe('findMissingConfigVars', () => {
  it("names the variable of a KeyError raised in os.environ (3.11+'s <frozen os> and 3.10's os.py)", () => {
    expect(findMissingConfigVars(keyErrorTraceback('<frozen os>', 'SECRET_KEY'), {})).toEqual([{ name: 'SECRET_KEY', evidence: "KeyError: 'SECRET_KEY'" }]);
    expect(findMissingConfigVars(keyErrorTraceback('/root/.pyenv/versions/3.10.13/lib/python3.10/os.py', 'API_TOKEN'), {}).map((m) => m.name)).toEqual(['API_TOKEN']);
  });

  it('a KeyError from any other mapping names no config var', () => {
    const text = ['Traceback (most recent call last):', '  File "/app/app.py", line 3, in <module>', "    d['id']", "KeyError: 'id'"].join('\n');
    expect(findMissingConfigVars(text, {})).toEqual([]);
  });

  it("names the variable of django-environ's ImproperlyConfigured once, with its KeyError", () => {
    const text = [
      keyErrorTraceback('<frozen os>', 'SECRET_KEY'),
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "/app/manage.py", line 22, in <module>',
      'django.core.exceptions.ImproperlyConfigured: Set the SECRET_KEY environment variable',
      "[2026-12-01 18:00:00 +0000] [12] [ERROR] Exception in worker process",
      'django.core.exceptions.ImproperlyConfigured: Set the DATABASE_URL environment variable',
    ].join('\n');
    expect(findMissingConfigVars(text, {})).toEqual([
      { name: 'SECRET_KEY', evidence: "KeyError: 'SECRET_KEY'" },
      { name: 'DATABASE_URL', evidence: 'django.core.exceptions.ImproperlyConfigured: Set the DATABASE_URL environment variable' },
    ]);
  });

  it('a variable the process had is not missing; an ImproperlyConfigured naming no environment variable names nothing', () => {
    expect(findMissingConfigVars(keyErrorTraceback('<frozen os>', 'SECRET_KEY'), { SECRET_KEY: '' })).toEqual([]);
    expect(findMissingConfigVars('django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.', {})).toEqual([]);
  });
});

describe('TailBuffer', () => {
  it('keeps the last max bytes of what it was given', () => {
    const tail = new TailBuffer(10);
    for (const s of ['0123', '4567', '89ab', 'cdef']) tail.push(Buffer.from(s));
    expect(tail.text()).toBe('6789abcdef');
    const big = new TailBuffer(4);
    big.push(Buffer.from('x'.repeat(100) + 'tail'));
    expect(big.text()).toBe('tail');
  });
});
