// Last-resort error printing for commands (the renderers print errors they get as events).
import { toErrorData } from '../engine/index.js';
import { jsonText } from '../ui/json-text.js';
import { forTerminal } from '../ui/terminal-view.js';
import { writeGuarded } from '../ui/plain/writer.js';

export function printFatal(err: unknown, opts: { json?: boolean; debug?: boolean }): void {
  const data = toErrorData(err);
  if (opts.json) {
    process.stdout.write(jsonText({ error: data }));
  } else {
    const shown = forTerminal(data);
    let text = `\n[Error: ${shown.title}] (${shown.code})\n${shown.message}\n`;
    for (const line of shown.details ?? []) text += `  ${line}\n`;
    text += `fix: ${shown.fix}\n`;
    writeGuarded(process.stderr, text);
  }
  if (opts.debug && err instanceof Error && err.stack) writeGuarded(process.stderr, err.stack + '\n');
}
