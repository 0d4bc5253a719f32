import chalk from 'chalk';
import type { ErrorData } from '../../engine/index.js';
import { forTerminal } from '../terminal-view.js';

/** An error as plain lines, its text made inert (forTerminal). */
export function errorLines(untrusted: ErrorData): string[] {
  const error = forTerminal(untrusted);
  const lines = [chalk.red.bold(`[Error: ${error.title}]`) + chalk.dim(` (${error.code})`), error.message];
  for (const d of error.details ?? []) lines.push(`  ${d}`);
  if (error.output) {
    lines.push(chalk.dim('last output lines:'));
    for (const line of error.output) lines.push(chalk.dim(`  │ ${line}`));
  }
  lines.push(`${chalk.bold('fix:')} ${error.fix}`);
  return lines;
}
