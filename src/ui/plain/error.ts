import chalk from 'chalk';
import type { ErrorData } from '../../engine/errors.js';

export function errorLines(error: ErrorData): string[] {
  const lines = [chalk.red.bold(`[Error: ${error.title}]`) + chalk.dim(` (${error.code})`), error.message];
  for (const d of error.details ?? []) lines.push(`  ${d}`);
  lines.push(`${chalk.bold('fix:')} ${error.fix}`);
  return lines;
}
