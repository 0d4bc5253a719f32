// Runs once per test run, before any test file: builds the test wheels, makes
// sure the tool wheelhouse and tools exist (downloaded once per machine), and
// serves both from ONE loopback index for the whole run. Tests read the
// results with `testInfra()` from test/support/context.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { TestInfra } from './support/context.js';
import { startIndex, type IndexHandle } from './support/index-server.js';
import { makeTestWheels } from './support/test-wheels.js';
import { ensureTools, type Tools } from './support/tools.js';
import { ensureToolWheelhouse } from './support/wheelhouse.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const testWheelsDir = await mkdtemp(join(tmpdir(), 'pybp wheels-'));
  let index: IndexHandle, wheelhouseDir: string, tools: Tools;
  try {
    await makeTestWheels(testWheelsDir);
    // Downloads from PyPI the first time on a machine (about 30 s), then only checks a marker file.
    wheelhouseDir = await ensureToolWheelhouse();
    tools = await ensureTools();
    index = await startIndex([testWheelsDir, wheelhouseDir]);
  } catch (error) {
    await rm(testWheelsDir, { recursive: true, force: true });
    throw error;
  }

  const provided: TestInfra = { indexUrl: index.url, wheelhouseDir, testWheelsDir, uvPath: tools.uv, poetryPath: tools.poetry };
  for (const [key, value] of Object.entries(provided) as [keyof TestInfra, string][]) project.provide(key, value);

  return async () => {
    await index.close();
    await rm(testWheelsDir, { recursive: true, force: true });
  };
}
