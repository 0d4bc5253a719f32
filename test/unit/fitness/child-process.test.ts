// Fitness: one module starts processes (src/engine/io/process.ts). Any other
// file in src/ that names node:child_process, statically, dynamically or
// through require, fails this test: its child would escape the runner's rules
// (own process group, signalled as a group, the one stop signal, bounded
// output, killed when pybp exits).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/cache.js';

const RUNNER = 'src/engine/io/process.ts';

/** The module named as a string anywhere: `from 'node:child_process'`, `import("child_process")`, `require(`child_process`)`. */
const NAMES_CHILD_PROCESS = /(['"`])(?:node:)?child_process\1/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(?:[cm]?[jt]sx?)$/.test(entry.name) ? [full] : [];
  });
}

describe('node:child_process is imported by the process runner only', () => {
  it('the pattern catches every way of importing it', () => {
    for (const line of [
      "import { spawn } from 'node:child_process';",
      'import type { ChildProcess } from "child_process";',
      "export { spawn } from 'node:child_process';",
      "const cp = await import('node:child_process');",
      'const { execFile } = require(`child_process`);',
      "import 'child_process';",
    ]) {
      expect(NAMES_CHILD_PROCESS.test(line), line).toBe(true);
    }
    // Prose about it (a comment that names the module without quoting it) is not an import.
    expect(NAMES_CHILD_PROCESS.test("// Node's child_process drops that bit")).toBe(false);
  });

  it('no file in src/ but the runner names it', () => {
    const files = sourceFiles(path.join(repoRoot, 'src')).map((f) => path.relative(repoRoot, f));
    expect(files).toContain(RUNNER);
    const offenders = files.filter((f) => f !== RUNNER && NAMES_CHILD_PROCESS.test(readFileSync(path.join(repoRoot, f), 'utf8')));
    expect(offenders).toEqual([]);
    // And the runner is where spawning lives.
    expect(NAMES_CHILD_PROCESS.test(readFileSync(path.join(repoRoot, RUNNER), 'utf8'))).toBe(true);
  });
});
