// Every command pybp suggests (a fix, the `next:` line, a `$ …` line) is
// quoted by this one function, so it can be pasted into a shell as printed
// and runs on exactly the names pybp meant, whatever they hold: spaces, `$`,
// quotes, a leading `~`, or control characters (which would also be unsafe
// to print raw).

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/;

/**
 * One word for a POSIX shell: as is when it has only characters no shell
 * treats specially; else in single quotes (`'it'\''s'`); and when it holds a
 * control or invisible character, as an ANSI-C string (`$'a\nb'`, bash, zsh,
 * ksh and POSIX.1-2024 sh), so what is printed is inert and still the name.
 */
export function shellQuote(word: string): string {
  if (PLAIN.test(word)) return word;
  if (!CONTROL.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const ch of word) {
    const code = ch.codePointAt(0)!;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (CONTROL.test(ch)) out += code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** A command line as a shell accepts it back: each word quoted by `shellQuote`. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
