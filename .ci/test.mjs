// `npm test` (after the build) and CI run this: vitest with its usual output
// plus a JSON report, then the plain summary line CI reads (see summary.mjs).
// Extra arguments go to vitest: `npm test -- test/unit/foo.test.ts`.
//
// A full run (no arguments) has a second pass: the build, reliability and
// safety files again with the host's paths (PYBP_TEST_PATHS=host:
// test/support/paths-mode.ts), since the first pass builds with Heroku's
// where bubblewrap works (issue 20: every such test passes in both modes).
// The closing line counts both passes. A run given arguments is one pass, in
// the mode PYBP_TEST_PATHS names (default: pybp's own default).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { combine, summarize } from './summary.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'pybp-vitest-'));

/**
 * The host-paths pass: every file that builds. Not heroku-paths.test.ts (it is
 * about the mode itself, and asks for each), nor the doctor files that build
 * nothing (doctor reads layers as data and never runs a sandbox).
 */
const HOST_PASS = ['test/e2e/', 'test/reliability/', 'test/safety/', 'test/cli/build-python-version-errors.test.ts'];
const HOST_PASS_EXCLUDE = ['heroku-paths', 'doctor-requirements-wheels', 'doctor-tools', 'doctor-verdicts'].map((name) => `test/e2e/${name}.test.ts`);

let child = null;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child?.kill(signal));

function vitest(args, report, env = process.env) {
  return new Promise((resolve) => {
    child = spawn(
      process.execPath,
      [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
      { cwd: root, stdio: 'inherit', env },
    );
    child.on('close', (code, signal) => resolve(signal ? null : code));
  });
}

const filtered = process.argv.length > 2;
const first = join(scratch, 'report.json');
const results = [summarize(first, await vitest(process.argv.slice(2), first), { filtered })];
if (!filtered && results[0].exit !== null && !process.env.PYBP_TEST_PATHS) {
  const second = join(scratch, 'report-host.json');
  console.log('\n.ci/test.mjs: the build, reliability and safety files again with the host\'s paths (PYBP_TEST_PATHS=host)\n');
  const exit = await vitest([...HOST_PASS, ...HOST_PASS_EXCLUDE.map((f) => `--exclude=${f}`)], second, { ...process.env, PYBP_TEST_PATHS: 'host' });
  results.push({ ...summarize(second, exit), pass: 'host paths' });
}
rmSync(scratch, { recursive: true, force: true });
const result = combine(results);
console.log('');
for (const note of result.notes) console.log(note);
console.log(result.line);
process.exit(result.ok ? 0 : 1);
