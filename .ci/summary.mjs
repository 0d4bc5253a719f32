// Turns vitest's JSON report into the plain closing line CI reads,
// `N passed, N failed`, and decides whether the run passed. Skipped and todo
// tests fail a full run (no test may be skipped), as does a test file that
// failed to load (vitest counts it as a failed suite, not a failed test). A run
// narrowed by arguments (`npm test -- -t name`) skips the rest by design, so
// there skipped tests are only reported.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * @param {string} jsonPath vitest's `--outputFile.json`
 * @param {number | null} vitestExit vitest's exit status (null: killed by a signal)
 * @param {{ filtered?: boolean }} [options] filtered: the run was narrowed by arguments
 * @returns {{ ok: boolean, notes: string[], line: string, passed: number, failed: number, exit: number | null }}
 */
export function summarize(jsonPath, vitestExit, options = {}) {
  let report;
  try {
    report = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (error) {
    return {
      ok: false,
      notes: [`no readable vitest JSON report at ${jsonPath} (${error.code ?? error.message}); vitest exited with ${vitestExit}`],
      line: '0 passed, 0 failed',
      passed: 0,
      failed: 0,
      exit: vitestExit,
    };
  }
  const passed = report.numPassedTests ?? 0;
  const failed = report.numFailedTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const notes = [];
  const skipFails = skipped > 0 && !options.filtered;
  if (skipped > 0) notes.push(`${skipped} test(s) skipped or todo${skipFails ? ': that counts as a failure' : ' (run narrowed by arguments)'}`);
  if ((report.numFailedTestSuites ?? 0) > 0) notes.push(`${report.numFailedTestSuites} test file(s) or suite(s) failed`);
  if (passed + failed + skipped === 0) notes.push('no tests ran');
  if (vitestExit !== 0) notes.push(`vitest exited with ${vitestExit}`);
  const ok = vitestExit === 0 && failed === 0 && !skipFails && passed > 0 && report.success !== false;
  return { ok, notes, line: `${passed} passed, ${failed} failed`, passed, failed, exit: vitestExit };
}

/**
 * Several passes (.ci/test.mjs: the host-paths pass) as one closing line: the
 * counts added up, each pass's notes named after it, ok only if every pass is.
 * @param {Array<ReturnType<typeof summarize> & { pass?: string }>} results
 */
export function combine(results) {
  if (results.length === 1) return results[0];
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const notes = results.flatMap((r, i) => [`${r.pass ?? (i === 0 ? 'default paths' : `pass ${i + 1}`)}: ${r.line}`, ...r.notes.map((note) => `  ${note}`)]);
  return { ok: results.every((r) => r.ok), notes, line: `${passed} passed, ${failed} failed`, passed, failed, exit: results.find((r) => r.exit !== 0)?.exit ?? 0 };
}

// `node .ci/summary.mjs <report.json> <vitest exit status>`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [jsonPath, exit] = process.argv.slice(2);
  const result = summarize(jsonPath, exit === undefined ? 0 : Number(exit));
  for (const note of result.notes) console.log(note);
  console.log(result.line);
  process.exit(result.ok ? 0 : 1);
}
