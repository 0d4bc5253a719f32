// Tool output is written by programs that think they own the terminal (uv is
// run with --color always; pip may draw progress with \r). Inside Ink's layout
// only colour codes are safe: anything that moves the cursor or clears a line
// would tear the frame apart.
import chalk from 'chalk';
import { stripVTControlCharacters } from 'node:util';

const OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
const CSI = /\u001b\[([0-?]*)([ -/]*)([@-~])/g;
const OTHER_ESCAPE = /\u001b(?!\[)[@-_]?/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f]/g;

/** One line of tool output, reduced to text plus SGR colour codes. */
export function cleanOutputLine(line: string): string {
  // A progress bar redraws with \r: the text after the last one is what a terminal shows.
  const parts = line.split('\r').filter((p) => p !== '');
  let text = parts.length > 0 ? parts[parts.length - 1] : '';
  text = text.replace(OSC, '');
  text = text.replace(CSI, (seq: string, _params: string, _inter: string, final: string) => (final === 'm' ? seq : ''));
  text = text.replace(OTHER_ESCAPE, '');
  text = text.replace(/\t/g, '    ');
  return text.replace(CONTROL, '');
}

/** Tool output keeps its colours only when pybp is allowed to use colour. */
export function forDisplay(text: string): string {
  return chalk.level === 0 ? stripVTControlCharacters(text) : text;
}
