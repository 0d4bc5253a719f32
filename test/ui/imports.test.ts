// Ink and React cost ~400 ms to import: only src/ui/ink/ may import them, and
// commands reach src/ui/ink/ only through a dynamic import, so `--json`,
// plain output and `--help` never load them.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cache.js';

const src = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const STATIC_IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gm;

function staticImports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)].map((m) => m[1]);
}

describe('where Ink and React are imported', () => {
  const files = sourceFiles(src).map((f) => ({ file: f, rel: relative(src, f) }));

  it('only src/ui/ink/ imports ink, ink-spinner or react', () => {
    const offenders = files
      .filter(({ rel }) => !rel.startsWith(join('ui', 'ink')))
      .filter(({ file }) => staticImports(file).some((m) => m === 'ink' || m === 'ink-spinner' || m === 'react' || m.startsWith('react/')));
    expect(offenders.map((f) => f.rel)).toEqual([]);
  });

  it('nothing outside src/ui/ink/ imports it statically', () => {
    const offenders = files
      .filter(({ rel }) => !rel.startsWith(join('ui', 'ink')))
      .filter(({ file }) => staticImports(file).some((m) => m.includes('ui/ink/')));
    expect(offenders.map((f) => f.rel)).toEqual([]);
  });

  it('the engine imports nothing from the UI', () => {
    const offenders = files
      .filter(({ rel }) => rel.startsWith('engine'))
      .filter(({ file }) => staticImports(file).some((m) => m.includes('/ui/')));
    expect(offenders.map((f) => f.rel)).toEqual([]);
  });

  it('build, explain and doctor load the Ink renderer dynamically', () => {
    for (const command of ['build', 'explain', 'doctor']) {
      const text = readFileSync(join(src, 'commands', `${command}.ts`), 'utf8');
      expect(text, command).toMatch(/await import\('\.\.\/ui\/ink\/render\.js'\)/);
    }
  });
});
