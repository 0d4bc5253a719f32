// Runs once per test run, before any test file: builds the test wheels, makes
// sure the tool wheelhouse and tools exist (downloaded once per machine), and
// serves both from ONE loopback index for the whole run. Tests read the
// results with `testInfra()` from test/support/context.ts.
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { TestInfra } from './support/context.js';
import { startIndex, type IndexHandle } from './support/index-server.js';
import { removeTree } from './support/remove-tree.js';
import { makeTestWheels } from './support/test-wheels.js';
import { ensureTools, type Tools } from './support/tools.js';
import { ensureToolWheelhouse } from './support/wheelhouse.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every temp dir of the run goes under this root (test/support/temp-dirs.ts):
  // removed at the end even where a worker died before its cleanup ran.
  const tempRoot = await mkdtemp(join(tmpdir(), 'pybp-test-run-'));
  // Searchable by every user, as the machine's temp dir is: tests run pybp as
  // `nobody` on a dir of their own in it (mkdtemp makes each one 0700 anyway).
  await chmod(tempRoot, 0o755);
  const testWheelsDir = await mkdtemp(join(tempRoot, 'pybp wheels-'));
  let index: IndexHandle, wheelhouseDir: string, tools: Tools;
  try {
    await makeTestWheels(testWheelsDir);
    // Downloads from PyPI the first time on a machine (about 30 s), then only checks a marker file.
    wheelhouseDir = await ensureToolWheelhouse();
    tools = await ensureTools();
    index = await startIndex([testWheelsDir, wheelhouseDir]);
  } catch (error) {
    await removeTree(tempRoot);
    throw error;
  }

  const provided: TestInfra = { indexUrl: index.url, wheelhouseDir, testWheelsDir, uvPath: tools.uv, poetryPath: tools.poetry, tempRoot };
  for (const [key, value] of Object.entries(provided) as [keyof TestInfra, string][]) project.provide(key, value);

  return async () => {
    await index.close();
    await removeTree(tempRoot);
  };
}
