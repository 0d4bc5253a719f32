// The import graph of src/, read with TypeScript's own parser (no type check,
// no resolution beyond pybp's relative `./x.js` specifiers): what the fitness
// tests check the layout's rules against.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export type ImportKind = 'static' | 'type-only' | 'dynamic';

export interface ImportEdge {
  from: string;
  /** The specifier as written (`../core/errors.js`, `node:fs`, `ink`). */
  specifier: string;
  /** The imported src/ file (relative to the root, `.ts`/`.tsx`), or null for a package or a builtin. */
  to: string | null;
  kind: ImportKind;
}

/** Every .ts/.tsx file under `root`, relative to it, sorted. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

/** The imports of every source file under `root` (import and export-from declarations, and import() of a string). */
export function importEdges(root: string): ImportEdge[] {
  const files = sourceFiles(root);
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = readFileSync(join(root, from), 'utf8');
    const sf = ts.createSourceFile(from, text, ts.ScriptTarget.Latest, true, from.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const add = (specifier: string, kind: ImportKind) => edges.push({ from, specifier, to: resolveSpecifier(from, specifier, known), kind });
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) add(st.moduleSpecifier.text, isTypeOnlyImport(st) ? 'type-only' : 'static');
      else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
        add(st.moduleSpecifier.text, st.isTypeOnly ? 'type-only' : 'static');
      }
    }
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0])) {
        add(node.arguments[0].text, 'dynamic');
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return edges;
}

/** `import type {...}`, or `import { type a, type b }` (erased whole), or a bare side-effect import (never type-only). */
function isTypeOnlyImport(st: ts.ImportDeclaration): boolean {
  const clause = st.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function resolveSpecifier(from: string, specifier: string, known: ReadonlySet<string>): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = join(dirname(from), specifier).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) if (known.has(candidate)) return candidate;
  // A relative import of a file that is not there: tsc would fail too; say so in the edge rather than drop it.
  return `${base} (missing)`;
}

/**
 * The import cycles: each strongly connected component of more than one file
 * (or a file importing itself), as the files in it, sorted, using only the
 * edges `include` keeps.
 */
export function importCycles(edges: readonly ImportEdge[], include: (e: ImportEdge) => boolean): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!e.to || !include(e)) continue;
    if (!next.has(e.from)) next.set(e.from, []);
    next.get(e.from)!.push(e.to);
  }
  // Tarjan's algorithm, iterative: a deep chain of imports must not overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const nodes = [...new Set([...next.keys(), ...[...next.values()].flat()])].sort();
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const targets = next.get(frame.node) ?? [];
      if (frame.i < targets.length) {
        const t = targets[frame.i++];
        if (!index.has(t)) {
          index.set(t, counter);
          low.set(t, counter++);
          stack.push(t);
          onStack.add(t);
          work.push({ node: t, i: 0 });
        } else if (onStack.has(t)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(t)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        if (component.length > 1 || targets.includes(frame.node)) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}

/** One path around a cycle, `a.ts -> b.ts -> a.ts`, to make a failure readable. */
export function cyclePath(edges: readonly ImportEdge[], component: readonly string[], include: (e: ImportEdge) => boolean): string {
  const members = new Set(component);
  const start = component[0];
  const seen = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const e of edges) {
      if (e.from !== node || !e.to || !members.has(e.to) || !include(e)) continue;
      if (e.to === start) {
        const path = [start];
        for (let n: string | null = node; n !== null && n !== start; n = seen.get(n) ?? null) path.splice(1, 0, n);
        return [...path, start].join(' -> ');
      }
      if (!seen.has(e.to)) {
        seen.set(e.to, node);
        queue.push(e.to);
      }
    }
  }
  return component.join(', ');
}

export const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');
