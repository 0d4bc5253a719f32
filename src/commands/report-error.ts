// Last-resort error printing for commands (the renderers print errors they get as events).
import { toErrorData } from '../engine/core/errors.js';

export function printFatal(err: unknown, opts: { json?: boolean; debug?: boolean }): void {
  const data = toErrorData(err);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ error: data }, null, 2) + '\n');
  } else {
    process.stderr.write(`\n[Error: ${data.title}] (${data.code})\n${data.message}\n`);
    for (const line of data.details ?? []) process.stderr.write(`  ${line}\n`);
    process.stderr.write(`fix: ${data.fix}\n`);
  }
  if (opts.debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
}
