// The plain renderers' only way to the stream: every line passes the last
// guard of the one sanitizer (engine/core/inert-text.ts), which lets pybp's own
// colour codes through and shows anything else that could drive a terminal
// inert, whatever string a printer forgot to pass through forTerminal.
import { inertExceptColour } from '../../engine/index.js';

export type LineWriter = (line?: string) => void;

/** Writes text to the stream through the guard. */
export function writeGuarded(out: NodeJS.WritableStream, text: string): void {
  out.write(inertExceptColour(text));
}

/** A function writing one line (and its newline) to the stream through the guard. */
export function lineWriter(out: NodeJS.WritableStream): LineWriter {
  return (line = '') => writeGuarded(out, line + '\n');
}
