// `pybp explain` as plain lines (no TTY, CI, or piped).
import chalk from 'chalk';
import type { ExplainReport } from '../../engine/explain.js';
import { ACTION_PLAN, formatDuration, formatReason } from '../format.js';
import { errorLines } from './error.js';

export function printExplain(report: ExplainReport, out: NodeJS.WritableStream): void {
  const w = (line = '') => out.write(line + '\n');
  w(`${chalk.bold('pybp explain')} ${report.app}`);
  if (report.packageManager && report.python) {
    w(`package manager: ${report.packageManager}; Python ${report.python.requested} → ${report.python.resolved} (${report.python.origin})`);
  }
  if (report.source) w(`interpreter: ${report.source.interpreter ?? report.source.kind}${report.source.substituted ? ' (stands in for the resolved version)' : ''}`);
  w(`target: ${report.target.distro_name} ${report.target.distro_version} ${report.target.arch} (${report.target.origin})`);
  w(`layers: ${report.layersDir}`);
  w();
  const width = Math.max(8, ...report.layers.map((l) => l.name.length));
  for (const layer of report.layers) {
    const cost = layer.action !== 'reuse' && layer.lastBuildMs != null ? chalk.dim(`  (last made in ${formatDuration(layer.lastBuildMs)})`) : '';
    w(`${layer.name.padEnd(width)}  ${ACTION_PLAN[layer.action].padEnd(8)}${cost}`);
    for (const r of layer.reasons) w(`${' '.repeat(width)}    - ${formatReason(r)}`);
  }
  if (report.layers.length === 0 && !report.error) w('(no layers)');
  for (const warning of report.warnings) w(chalk.yellow(`warning (${warning.code}): ${warning.message}`));
  for (const note of report.notes) w(chalk.dim(`note: ${note}`));
  if (report.error) {
    w();
    for (const line of errorLines(report.error)) w(line);
  }
}
