// `npm test` (after the build) and CI run this: vitest with its usual output
// plus a JSON report, then the plain summary line CI reads (see summary.mjs).
// Extra arguments go to vitest: `npm test -- test/unit/foo.test.ts`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './summary.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'pybp-vitest-'));
const report = join(scratch, 'report.json');

const child = spawn(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

child.on('close', (code, signal) => {
  const result = summarize(report, signal ? null : code, { filtered: process.argv.length > 2 });
  rmSync(scratch, { recursive: true, force: true });
  console.log('');
  for (const note of result.notes) console.log(note);
  console.log(result.line);
  process.exit(result.ok ? 0 : 1);
});
