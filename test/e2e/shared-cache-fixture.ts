// The fixture the shared-cache e2e files share: a real registry on loopback
// (Debian's docker-registry, stopped after the file) and a locked uv app's
// sources, as a fresh checkout has them (no .pybp), in a temp dir that goes
// with the file (makeTempDir).
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { type LoopbackRegistry, startRegistry } from '../support/registry.js';
import { writeToolsConfig } from './pybp.js';

export interface CacheFixture {
  root: string;
  registry: LoopbackRegistry;
  /** The uv app's sources. */
  sources: string;
}

/** Registers the file's beforeAll/afterAll; the fields are set once beforeAll ran. */
export function registryAndUvApp(prefix: string): CacheFixture {
  const fixture = {} as CacheFixture;
  beforeAll(async () => {
    fixture.root = await makeTempDir(prefix);
    fixture.registry = await startRegistry(join(fixture.root, 'registry'));
    const { indexUrl } = testInfra();
    fixture.sources = join(fixture.root, 'sources');
    await makeUvApp(fixture.sources, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(fixture.sources, indexUrl);
  });
  afterAll(async () => {
    await fixture.registry?.stop();
  });
  return fixture;
}

/** A fresh checkout at `dir` of the sources at `from` (whatever was there is gone). */
export async function copyOf(from: string, dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '..'), { recursive: true });
  await cp(from, dir, { recursive: true });
  return dir;
}
