// `pybp doctor` as plain lines: checks grouped by area, ✓ / ! / ✗, a fix
// under every warning and failure, and a closing summary.
import chalk from 'chalk';
import { CHECK_AREAS, countChecks, type DoctorCheck, type DoctorReport } from '../../engine/index.js';
import { forTerminal } from '../terminal-view.js';
import { lineWriter } from './writer.js';

const MARK: Record<DoctorCheck['status'], string> = { pass: '✓', warn: '!', fail: '✗' };
/** A check that could not answer: a warning that keeps the verdict at cannot-tell. */
export const UNCHECKED_MARK = '?';

function mark(check: DoctorCheck): string {
  if (check.status === 'pass') return chalk.green(MARK.pass);
  if (check.status === 'warn') return chalk.yellow(check.unchecked ? UNCHECKED_MARK : MARK.warn);
  return chalk.red(MARK.fail);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The closing line: the counts, then the verdict and why, e.g. "1 problem, 1 warning. Verdict: would fail …". */
export function doctorSummary(report: DoctorReport): string {
  const { warn, fail } = countChecks(report.checks);
  const counts = fail === 0 && warn === 0 ? 'No problems, no warnings.' : `${plural(fail, 'problem')}, ${plural(warn, 'warning')}.`;
  return `${counts} ${verdictLine(report)}`;
}

/** Which of the three verdicts, and why, in one sentence. */
export function verdictLine(report: DoctorReport): string {
  switch (report.verdict) {
    case 'would-fail': {
      const failed = [...new Set(report.checks.filter((c) => c.status === 'fail').map((c) => c.code ?? c.id))];
      return `Verdict: would fail: Heroku would fail this build (${failed.join(', ')}).`;
    }
    case 'cannot-tell':
      return `Verdict: cannot tell: ${plural(report.unchecked.length, 'check')} could not answer, none failed:`;
    case 'would-build':
      return 'Verdict: would build: every check ran, none failed.';
  }
}

/** Under a cannot-tell verdict: each check that could not answer, why, and what would settle it. */
export function uncheckedLines(report: DoctorReport): Array<{ check: string; why: string; settle: string }> {
  return report.verdict === 'cannot-tell' ? report.unchecked : [];
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
      w(`  ${mark(check)} ${indent(check.message, '    ')}`);
      if (check.status !== 'pass' && check.fix) w(`    ${chalk.bold('fix:')} ${indent(check.fix, '         ')}`);
    }
  }
  w();
  const summary = doctorSummary(report);
  w(report.verdict === 'would-build' ? chalk.green(summary) : report.verdict === 'cannot-tell' ? chalk.yellow.bold(summary) : chalk.red.bold(summary));
  for (const u of uncheckedLines(report)) {
    w(`  ${chalk.yellow(UNCHECKED_MARK)} ${u.check}: ${indent(u.why, '    ')}`);
    w(`    ${chalk.bold('settle:')} ${indent(u.settle, '            ')}`);
  }
}
