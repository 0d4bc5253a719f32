// What every renderer shows is first made safe here: the terminal view of a
// report, event or error is a copy in which every string pybp did not write
// itself can no longer drive the terminal (engine/core/inert-text.ts). The
// renderers (plain and Ink, build, explain, doctor, history, errors) take
// their data only through these functions; the plain writer and the Ink
// <Text> guard what is finally written as well.
//
// Strings are one line each (a newline in a name is shown as `\n`), except
// the fields that hold pybp's own multi-line prose (`message`, `fix`,
// `details`), whose line breaks are pybp's; the engine shows a name it
// embeds there inert already. Reasons are one line each wherever they are.
// Tool output keeps its colour codes (toolOutputLine); a command's argv is
// quoted word by word when shown (shellCommand), which shows controls inert.
import type { EngineEvent } from '../engine/index.js';
import { inert, inertLines, toolOutputLine } from '../engine/index.js';

const MULTILINE: ReadonlySet<string> = new Set(['message', 'fix', 'details']);

/** `key`: the property the value sits under (an array's items sit under the array's); `oneLine`: inside reasons. */
function walk(value: unknown, key: string | null, oneLine: boolean): unknown {
  if (typeof value === 'string') return !oneLine && key !== null && MULTILINE.has(key) ? inertLines(value) : inert(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, key, oneLine));
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [walk(k, null, true), walk(v, null, true)]));
  if (value instanceof Set) return new Set([...value].map((v) => walk(v, null, true)));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  // An Error's message is not an own enumerable property.
  if (value instanceof Error && !keys.includes('message')) keys.push('message');
  for (const k of keys) {
    const v = source[k];
    if (k === 'argv' || typeof v === 'function') out[k] = v;
    else if (k === 'output' && Array.isArray(v)) out[k] = v.map((line) => (typeof line === 'string' ? toolOutputLine(line) : walk(line, k, true)));
    else out[k] = walk(v, k, oneLine || k === 'reasons');
  }
  return out;
}

// Each view's original, for what must be built from the real strings: a
// suggested command quotes the real path (shellCommand shows it inert).
const ORIGINALS = new WeakMap<object, object>();

/** A copy of a report (or error, or anything shown) with every string made inert for the terminal. */
export function forTerminal<T>(value: T): T {
  if (value !== null && typeof value === 'object' && ORIGINALS.has(value)) return value;
  const view = walk(value, null, false) as T;
  if (value !== null && typeof value === 'object') ORIGINALS.set(view as object, value);
  return view;
}

/** The value a view was made from (itself when it is not a view), for building suggested commands. */
export function originalOf<T extends object>(view: T): T {
  return (ORIGINALS.get(view) as T | undefined) ?? view;
}

/** An engine event as a renderer may show it: tool output keeps its colours, the rest as forTerminal. */
export function eventForTerminal(e: EngineEvent): EngineEvent {
  if (e.type === 'output') return { ...e, line: toolOutputLine(e.line) };
  return forTerminal(e);
}
