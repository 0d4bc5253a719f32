// The test runners' paths switch (test/support/paths-mode.ts): PYBP_TEST_PATHS
// adds --paths to build, explain and doctor, never to a command without it,
// never over a test's own --paths, never after `--`.
import { describe, expect, it } from 'vitest';
import { testPathsMode, withTestPaths } from '../support/paths-mode.js';

describe('PYBP_TEST_PATHS', () => {
  it('reads host, heroku or nothing; anything else stops the run', () => {
    expect(testPathsMode({})).toBeNull();
    expect(testPathsMode({ PYBP_TEST_PATHS: '' })).toBeNull();
    expect(testPathsMode({ PYBP_TEST_PATHS: 'host' })).toBe('host');
    expect(testPathsMode({ PYBP_TEST_PATHS: 'heroku' })).toBe('heroku');
    expect(() => testPathsMode({ PYBP_TEST_PATHS: 'Host' })).toThrow(/must be host or heroku/);
  });

  it('adds --paths after build, explain and doctor, unless the test chose a mode', () => {
    expect(withTestPaths(['build', '/a', '--json'], 'host')).toEqual(['build', '--paths', 'host', '/a', '--json']);
    expect(withTestPaths(['explain', '/a'], 'heroku')).toEqual(['explain', '--paths', 'heroku', '/a']);
    expect(withTestPaths(['doctor', '/a', '--json'], 'host')).toEqual(['doctor', '--paths', 'host', '/a', '--json']);
    expect(withTestPaths(['build', '/a', '--paths', 'heroku'], 'host')).toEqual(['build', '/a', '--paths', 'heroku']);
    expect(withTestPaths(['build', '/a', '--paths=heroku'], 'host')).toEqual(['build', '/a', '--paths=heroku']);
    expect(withTestPaths(['build', '/a'], null)).toEqual(['build', '/a']);
  });

  it('leaves run (it follows the last build), history, cache and bare flags alone', () => {
    for (const args of [['run', '/a', '--', 'python', '-V'], ['history', '/a'], ['cache', 'ls'], ['--version'], []]) {
      expect(withTestPaths(args, 'host')).toEqual(args);
    }
  });
});
