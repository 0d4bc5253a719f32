// `pybp doctor` as plain lines: checks grouped by area, ✓ / ! / ✗, a fix
// under every warning and failure, and a closing summary.
import chalk from 'chalk';
import { CHECK_AREAS, countChecks, type DoctorCheck, type DoctorReport } from '../../engine/doctor/index.js';
import { forTerminal } from '../terminal-view.js';
import { lineWriter } from './writer.js';

const MARK: Record<DoctorCheck['status'], string> = { pass: '✓', warn: '!', fail: '✗' };

function mark(status: DoctorCheck['status']): string {
  if (status === 'pass') return chalk.green(MARK.pass);
  if (status === 'warn') return chalk.yellow(MARK.warn);
  return chalk.red(MARK.fail);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The closing line, e.g. "1 problem, 1 warning. Heroku would fail this build." */
export function doctorSummary(report: DoctorReport): string {
  const { warn, fail } = countChecks(report.checks);
  const counts = fail === 0 && warn === 0 ? 'No problems, no warnings.' : `${plural(fail, 'problem')}, ${plural(warn, 'warning')}.`;
  const verdict = fail > 0 ? 'Heroku would fail this build.' : 'Heroku would build this app.';
  return `${counts} ${verdict}`;
}

/** Continuation lines of a multi-line text, indented under its first line. */
function indent(text: string, pad: string): string {
  return text.split('\n').join(`\n${pad}`);
}

export function printDoctor(untrusted: DoctorReport, out: NodeJS.WritableStream): void {
  const report = forTerminal(untrusted);
  const w = lineWriter(out);
  w(`${chalk.bold('pybp doctor')} ${report.app}`);
  for (const area of CHECK_AREAS) {
    const checks = report.checks.filter((c) => c.area === area);
    if (checks.length === 0) continue;
    w();
    w(chalk.bold(area));
    for (const check of checks) {
      w(`  ${mark(check.status)} ${indent(check.message, '    ')}`);
      if (check.status !== 'pass' && check.fix) w(`    ${chalk.bold('fix:')} ${indent(check.fix, '         ')}`);
    }
  }
  w();
  const summary = doctorSummary(report);
  w(report.ok ? chalk.green(summary) : chalk.red.bold(summary));
}
