// Tool output in the Ink view. The cleaning itself is the one sanitizer's
// (engine/core/inert-text.ts): inside Ink's layout only colour codes are
// safe, anything that moves the cursor or clears a line would tear the frame.
import chalk from 'chalk';
import { stripVTControlCharacters } from 'node:util';
import { toolOutputLine } from '../../engine/index.js';

/** One line of tool output, reduced to text plus SGR colour codes, everything else inert. */
export const cleanOutputLine = toolOutputLine;

/** Tool output keeps its colours only when pybp is allowed to use colour. */
export function forDisplay(text: string): string {
  return chalk.level === 0 ? stripVTControlCharacters(text) : text;
}
