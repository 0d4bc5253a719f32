// `--json` output: one JSON document, whose strings hold exactly what pybp
// found (a file name with an ESC in it is that name), written so that the
// document itself cannot drive a terminal it is printed to. JSON.stringify
// escapes U+0000–U+001F only; DEL, the C1 controls (U+009B is an 8-bit CSI),
// the bidi overrides and the other characters inert-text.ts shows as escapes
// are written as \uXXXX too. The parsed value is the same.
const UNESCAPED = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** The JSON text of a value, pretty-printed, with a final newline. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNESCAPED, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}
