// `pybp history` and `pybp explain --last` as plain lines.
import chalk from 'chalk';
import { type HistoryReport, type LastBuildReport, madeLayers } from '../../engine/index.js';
import type { HistoryBuild } from '../../engine/index.js';
import { OUTCOME_LABEL } from '../../engine/index.js';
import { forTerminal } from '../terminal-view.js';
import { lineWriter } from './writer.js';
import { ACTION_LABEL, formatBuildEnv, formatDuration, formatReason, formatSize, formatWhen } from '../format.js';

export function printHistory(untrusted: HistoryReport, out: NodeJS.WritableStream): void {
  const report = forTerminal(untrusted);
  const w = lineWriter(out);
  w(`${chalk.bold('pybp history')} ${report.app}`);
  w(`layers: ${report.layersDir}`);
  w();
  if (report.builds.length === 0) w('(no builds recorded yet)');
  const idWidth = Math.max(2, ...report.builds.map((b) => String(b.id).length + 1));
  const setupWidth = Math.max(0, ...report.builds.map((b) => describeSetup(b).length));
  for (const b of report.builds) {
    const made = madeLayers(b);
    w(
      `${`#${b.id}`.padStart(idWidth)}  ${formatWhen(b.startedAt)}  ${b.status.padEnd(11)}  ${formatDuration(b.durationMs).padStart(7)}  ` +
        `${describeSetup(b).padEnd(setupWidth)}  ${made.length > 0 ? `rebuilt: ${made.join(', ')}` : b.status === 'succeeded' ? 'all reused' : ''}` +
        (b.error ? chalk.dim(`  (${b.error.code})`) : ''),
    );
  }
  for (const note of report.notes) w(chalk.dim(`note: ${note}`));
}

export function printLastBuild(untrusted: LastBuildReport, out: NodeJS.WritableStream): void {
  const report = forTerminal(untrusted);
  const w = lineWriter(out);
  const b = report.build;
  w(`${chalk.bold('pybp explain')} ${report.app} ${chalk.dim(`— build #${b.id}${b.id === report.newestId ? ' (the last one)' : ''}`)}`);
  w(`started ${formatWhen(b.startedAt)}; ${b.status} after ${formatDuration(b.durationMs)}${b.error ? ` (${b.error.code}: ${b.error.title})` : ''}`);
  if (b.packageManager && b.python) w(`package manager: ${b.packageManager}; Python ${b.python.requested} → ${b.python.resolved} (${b.python.origin})`);
  if (b.python?.interpreter) w(`interpreter: ${b.python.interpreter}`);
  if (b.target) w(`target: ${b.target.distro_name} ${b.target.distro_version} ${b.target.arch}`);
  w(`layers: ${report.layersDir}`);
  if (b.environment) w(`environment: ${formatBuildEnv(b.environment)}`);
  w();
  const width = Math.max(8, ...b.layers.map((l) => l.name.length));
  for (const l of b.layers) {
    w(
      `${l.name.padEnd(width)}  ${ACTION_LABEL[l.action].padEnd(14)}  ${formatDuration(l.durationMs).padStart(7)}  ${(l.outcome === 'done' ? formatSize(l.sizeBytes) : '').padStart(7)}` +
        (l.outcome === 'done' ? '' : chalk.dim(`  ${OUTCOME_LABEL[l.outcome]}`)),
    );
    for (const r of l.reasons) w(`${' '.repeat(width)}    - ${formatReason(r)}`);
  }
  if (b.layers.length === 0) w('(the build stopped before deciding on any layer)');
  for (const note of report.notes) w(chalk.dim(`note: ${note}`));
}

export function describeSetup(b: HistoryBuild): string {
  if (!b.packageManager) return '—';
  return b.python ? `${b.packageManager}, Python ${b.python.resolved}` : b.packageManager;
}
