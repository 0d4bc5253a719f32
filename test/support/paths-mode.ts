// Which paths the tests' builds give their tools (issue 20: every build,
// reliability and safety test passes in both modes). Unset, pybp decides as a
// user's pybp does: Heroku's where bubblewrap works, else the host's. With
// PYBP_TEST_PATHS=host (or heroku) every build, explain and doctor a test
// starts through the test runners asks for that mode with `--paths`, unless
// the test asks for a mode itself. `.ci/test.mjs` runs the build, reliability
// and safety files a second time with PYBP_TEST_PATHS=host.
//
// `pybp run` has no --paths: it runs in the view of the last build.

export type TestPathsMode = 'heroku' | 'host';

/** The commands that take --paths. */
const WITH_PATHS = new Set(['build', 'explain', 'doctor']);

export function testPathsMode(env: NodeJS.ProcessEnv = process.env): TestPathsMode | null {
  const value = env.PYBP_TEST_PATHS;
  if (value === undefined || value === '') return null;
  if (value === 'host' || value === 'heroku') return value;
  throw new Error(`PYBP_TEST_PATHS must be host or heroku (or unset), not ${JSON.stringify(value)}`);
}

/** pybp's arguments with the test run's `--paths`, right after the command (before any `--`). */
export function withTestPaths(args: readonly string[], mode: TestPathsMode | null = testPathsMode()): string[] {
  const [command, ...rest] = args;
  if (mode === null || command === undefined || !WITH_PATHS.has(command)) return [...args];
  const end = rest.indexOf('--');
  const options = end === -1 ? rest : rest.slice(0, end);
  if (options.some((a) => a === '--paths' || a.startsWith('--paths='))) return [...args];
  return [command, '--paths', mode, ...rest];
}
