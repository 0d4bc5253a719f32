// Fitness: no import cycle among src/ files. Type-only imports count: they are
// erased at run time, but they are still a dependency of one module on
// another, and both cycles the layout review found (executor/build.ts <->
// history/record.ts, executor/layer-handle.ts <-> executor/context.ts) were
// type-only. import() of a string counts too (it is how the commands and the
// Ink views are loaded, and a lazy edge back still ties the two together).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cyclePath, type ImportEdge, importCycles, importEdges, sourceFiles, srcRoot } from './import-graph.js';

const everyImport = (_e: ImportEdge) => true;

describe('import cycles among src/ files', () => {
  it('there are none (static, type-only and import() edges alike)', () => {
    const edges = importEdges(srcRoot);
    const cycles = importCycles(edges, everyImport).map((c) => cyclePath(edges, c, everyImport));
    expect(cycles).toEqual([]);
  });

  it('reads the real graph: every src/ file, and every relative import resolves to one of them', () => {
    const files = sourceFiles(srcRoot);
    const edges = importEdges(srcRoot);
    expect(files.length).toBeGreaterThan(100);
    const internal = edges.filter((e) => e.specifier.startsWith('.'));
    expect(internal.length).toBeGreaterThan(300);
    expect(internal.filter((e) => !e.to || e.to.endsWith('(missing)')).map((e) => `${e.from}: ${e.specifier}`)).toEqual([]);
    // Each kind of edge is seen, so a parser that missed one would show here.
    const kinds = new Set(edges.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['dynamic', 'static', 'type-only']);
    expect(edges).toContainEqual({ from: 'engine/history/record.ts', specifier: '../executor/build-report.js', to: 'engine/executor/build-report.ts', kind: 'type-only' });
  });

  describe('the check itself, on a made-up tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'pybp-fitness-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (file: string, text: string) => {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), text);
    };
    write('a.ts', "import { b } from './x/b.js';\nexport const a = b;\n");
    // Type-only, through an export-from and an inline `type` import: still a cycle.
    write('x/b.ts', "export type { C } from '../c.js';\nexport const b = 1;\n");
    write('c.ts', "import { type A } from './d.js';\nexport type C = A;\n");
    write('d.ts', "export type A = 1;\nexport async function load() { return import('./a.js'); }\n");
    write('e.ts', "import './e.js';\n");
    write('f.ts', "import { readFileSync } from 'node:fs';\nimport { a } from './a.js';\nexport const f = [readFileSync, a];\n");

    it('finds a cycle through type-only and import() edges, and a file importing itself', () => {
      const edges = importEdges(root);
      const cycles = importCycles(edges, everyImport);
      expect(cycles).toEqual([['a.ts', 'c.ts', 'd.ts', 'x/b.ts'], ['e.ts']]);
      expect(cyclePath(edges, cycles[0], everyImport)).toBe('a.ts -> x/b.ts -> c.ts -> d.ts -> a.ts');
      expect(edges.find((e) => e.from === 'f.ts' && e.specifier === 'node:fs')?.to).toBeNull();
    });

    it('finds none once the type-only and import() edges are left out', () => {
      const runtime = (e: ImportEdge) => e.kind === 'static';
      expect(importCycles(importEdges(root), runtime)).toEqual([['e.ts']]);
    });
  });
});
