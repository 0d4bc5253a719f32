// What the global setup (test/global-setup.ts) hands to every test file.
import { inject } from 'vitest';

export interface TestInfra {
  /** The run's loopback PEP 503 index, `http://127.0.0.1:PORT/simple/`: the test wheels and the tool wheelhouse. */
  indexUrl: string;
  /** The tool wheelhouse (pip, Poetry and its dependencies, uv at the buildpack's pins), for `--find-links`. */
  wheelhouseDir: string;
  /** This run's test wheels (tinyweb, tinydep, tinydev, fakedjango): see test/support/test-wheels.ts. */
  testWheelsDir: string;
  /** uv 0.11.33, for making lock files. */
  uvPath: string;
  /** Poetry 2.4.1, for making lock files. */
  poetryPath: string;
  /** The run's root for test temp dirs (test/support/temp-dirs.ts), removed when the run ends. */
  tempRoot: string;
}

declare module 'vitest' {
  export interface ProvidedContext extends TestInfra {}
}

export function testInfra(): TestInfra {
  return {
    indexUrl: inject('indexUrl'),
    wheelhouseDir: inject('wheelhouseDir'),
    testWheelsDir: inject('testWheelsDir'),
    uvPath: inject('uvPath'),
    poetryPath: inject('poetryPath'),
    tempRoot: inject('tempRoot'),
  };
}

export function testIndexUrl(): string {
  return inject('indexUrl');
}
