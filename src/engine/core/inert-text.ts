// Text pybp did not write (file names, Procfile commands, config keys, git
// refs, tool output, a tampered history) must never drive the terminal. One
// sanitizer for all of it: every character that a terminal could take as an
// instruction, or that hides or reorders what is shown, becomes a visible
// escape (`\x1b`, `\n`, `\u202e`), so the text is shown, inert, on the line it
// belongs to. The renderers apply it at their boundary (ui/terminal-view.ts
// to the data, the plain writer and the Ink <Text> to what they write), and
// the engine applies it where it embeds such a name in a message, so a name
// with a newline cannot start a line of its own.
//
// What counts:
// - C0 controls (U+0000–U+001F: NUL, BEL, BS, TAB, LF, CR, ESC ...) and DEL:
//   ESC starts every CSI/OSC/DCS sequence (OSC 52 writes the clipboard), CR
//   and BS overwrite what was printed;
// - C1 controls (U+0080–U+009F): U+009B is an 8-bit CSI, U+009D an OSC;
// - bidirectional overrides, embeddings, isolates and marks (U+202A–U+202E,
//   U+2066–U+2069, U+200E, U+200F, U+061C): they reorder what is shown
//   (CVE-2021-42574, "Trojan Source");
// - line and paragraph separators (U+2028, U+2029, U+0085 is C1): a line
//   break to some terminals and editors;
// - zero-width characters and BOM (U+200B–U+200D, U+2060, U+FEFF) and
//   U+FFF9–U+FFFB: invisible, they make two different names look the same.

// One character class, built once. `\n` is handled separately by the two entry points.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;
const UNSAFE_TEST = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\x1b' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text on one line with every control, escape and invisible character shown as an escape (`\x1b]52;…`, `a\nb`). */
export function inert(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** As `inert`, but `\n` stays a line break: for pybp's own multi-line messages, whose embedded names are already `inert`. */
export function inertLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, visible);
}

/** Whether `inert` would change the text. */
export function hasUnsafe(text: string): boolean {
  return UNSAFE_TEST.test(text);
}

// An SGR sequence (colours, bold, dim): the only escape a renderer itself writes in plain output.
const SGR = /\u001b\[[0-9;:]*m/y;

/**
 * A composed line of plain output, as written: pybp's own SGR colour codes
 * (chalk) pass, `\n` stays a line break, everything else unsafe is shown
 * inert, an ESC that starts any other sequence included. The data in it has
 * been through `inert` already (ui/terminal-view.ts); this is the last guard
 * at the stream, so that a string no renderer thought of still cannot move
 * the cursor, set a title or write the clipboard.
 */
export function inertExceptColour(text: string): string {
  if (!UNSAFE_TEST.test(text)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\u001b') {
      SGR.lastIndex = i;
      const m = SGR.exec(text);
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    out += ch === '\n' ? ch : ch.replace(UNSAFE, visible);
    i += 1;
  }
  return out;
}

// Tool output (pip, uv, Poetry: programs that think they own the terminal; uv
// is run with --color always, pip draws progress with \r).
const OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
const CSI = /\u001b\[([0-?]*)([ -/]*)([@-~])/g;
const OTHER_ESCAPE = /\u001b(?!\[)[@-_]?/g;
const C0_BUT_ESC = /[\u0000-\u0008\u000a-\u001a\u001c-\u001f\u007f]/g;

/**
 * One line of a tool's output, reduced to its text plus SGR colour codes:
 * a progress bar's redraws (`\r`) leave the text a terminal would show last;
 * hyperlinks and other OSC strings, cursor moves, line clears, bells and
 * backspaces are dropped (inside Ink's layout they would tear the frame
 * apart, and they are noise in a log); a tab is spaces; whatever is left
 * that could still drive the terminal (an ESC that starts no sequence above,
 * a C1 control, a bidi override) is shown inert.
 */
export function toolOutputLine(line: string): string {
  const parts = line.split('\r').filter((p) => p !== '');
  let text = parts.length > 0 ? parts[parts.length - 1] : '';
  text = text.replace(OSC, '');
  text = text.replace(CSI, (seq: string, params: string, inter: string, final: string) => (final === 'm' && inter === '' && /^[0-9;:]*$/.test(params) ? seq : ''));
  text = text.replace(OTHER_ESCAPE, '');
  text = text.replace(/\t/g, '    ');
  return inertExceptColour(text.replace(C0_BUT_ESC, ''));
}
