// Heroku's Procfile format: one `<process type>: <command>` per line, the
// process type (letters, digits, `_`, `-`) starting the line. Lines that don't
// match are ignored, as Heroku ignores them; a later line for the same type wins.

const PROCESS_LINE = /^([A-Za-z0-9_-]+):[ \t]*(.*?)[ \t]*$/;

/** Process type → command, in file order. */
export function parseProcfile(text: string): Map<string, string> {
  const processes = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = PROCESS_LINE.exec(line);
    if (m) processes.set(m[1], m[2]);
  }
  return processes;
}
