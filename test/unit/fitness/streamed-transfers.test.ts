// Fitness: the shared cache's transfers are streamed, never held whole. In
// src/engine/cache/ and src/engine/io/registry/, every way of gathering a
// body or a file into one buffer (Buffer.concat, fetch's arrayBuffer/text/
// json/blob, readFile) appears only where the list below says, each bounded
// by what it reads. A new one fails this test until it is shown bounded and
// added here with its reason.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/cache.js';

const WHOLE = /Buffer\.concat\(|\.arrayBuffer\(|\.text\(\)|\.json\(\)|\.blob\(\)|readFile(?:Sync)?\(/g;

/** file → how many such calls it may hold, and why each is bounded. */
const BOUNDED: Record<string, { count: number; why: string }> = {
  'src/engine/io/registry/client.ts': { count: 1, why: 'Answer.bytes: manifests, configs, tokens, error answers, each with a byte cap' },
  'src/engine/io/registry/credentials.ts': { count: 1, why: 'the docker config, after a size check (1 MiB)' },
  'src/engine/cache/digest-stream.ts': { count: 1, why: "MaybeGunzip's sniff of the first two bytes" },
  'src/engine/cache/fingerprint.ts': { count: 1, why: "a layer's env files (small by nature), to fingerprint them by content" },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('shared-cache transfers are streamed', () => {
  it('the pattern catches each way of gathering a whole body', () => {
    for (const line of ['Buffer.concat(chunks)', 'await res.arrayBuffer()', 'await res.text()', 'await res.json()', 'await res.blob()', "await fs.readFile(p, 'utf8')", 'readFileSync(p)']) {
      expect(line.match(WHOLE), line).not.toBeNull();
    }
  });

  it('no file gathers a body or file whole but where the list says it is bounded', () => {
    const found: Record<string, number> = {};
    for (const dir of ['src/engine/cache', 'src/engine/io/registry']) {
      for (const file of sourceFiles(path.join(repoRoot, dir))) {
        const rel = path.relative(repoRoot, file);
        const n = readFileSync(file, 'utf8').match(WHOLE)?.length ?? 0;
        if (n > 0) found[rel] = n;
      }
    }
    expect(found).toEqual(Object.fromEntries(Object.entries(BOUNDED).map(([k, v]) => [k, v.count])));
  });
});
