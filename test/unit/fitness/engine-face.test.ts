// Fitness: src/commands/, src/ui/ and the CLI see the engine through its
// public face, src/engine/index.ts, and never reach into its folders. So a
// move inside the engine changes one file, and what the UI may depend on is
// one list. The engine in turn never imports the UI (the README's import rules).
import { describe, expect, it } from 'vitest';
import { importEdges, srcRoot } from './import-graph.js';

const FACE = 'engine/index.ts';
// The bin's boot path (launcher.ts, code-cache.ts) is left out on purpose: it
// runs before any program loads and takes one path helper, not the engine.
const outside = (file: string) => file.startsWith('commands/') || file.startsWith('ui/') || file === 'cli.ts';

describe('the engine has one public face', () => {
  const edges = importEdges(srcRoot);

  it('the face exists and is what commands and the UI import', () => {
    const intoEngine = edges.filter((e) => outside(e.from) && e.to?.startsWith('engine/'));
    expect(intoEngine.length).toBeGreaterThan(0);
    expect(intoEngine.filter((e) => e.to !== FACE).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('the engine imports nothing of the UI or the commands', () => {
    const back = edges.filter((e) => e.from.startsWith('engine/') && e.to !== null && !e.to.startsWith('engine/'));
    expect(back.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });
});
