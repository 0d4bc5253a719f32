// `pybp explain` as plain lines (no TTY, CI, or piped).
import chalk from 'chalk';
import type { ExplainReport } from '../../engine/index.js';
import { ACTION_PLAN, costSummary, formatBuildEnv, formatPaths, formatDuration, formatSize, formatEstimate, formatReason, sinceHeadline, sinceVerdict } from '../format.js';
import { errorLines } from './error.js';
import { forTerminal } from '../terminal-view.js';
import { lineWriter } from './writer.js';
import { packagesLine } from '../format.js';

export function printExplain(untrusted: ExplainReport, out: NodeJS.WritableStream): void {
  const report = forTerminal(untrusted);
  const w = lineWriter(out);
  w(`${chalk.bold('pybp explain')} ${report.app}`);
  if (report.assumed.length > 0) w(chalk.cyan(`what if: ${report.assumed.join('; ')} (no file is changed)`));
  if (report.since) w(chalk.cyan(sinceHeadline(report.since)));
  if (report.packageManager && report.python) {
    w(`package manager: ${report.packageManager}; Python ${report.python.requested} → ${report.python.resolved} (${report.python.origin})`);
  }
  if (report.source) w(`interpreter: ${report.source.interpreter ?? report.source.kind}${report.source.substituted ? ' (stands in for the resolved version)' : ''}`);
  w(`target: ${report.target.distro_name} ${report.target.distro_version} ${report.target.arch} (${report.target.origin})`);
  w(`layers: ${report.layersDir}`);
  w(`environment: ${formatBuildEnv(report.environment)}`);
  if (report.paths) w(`paths: ${formatPaths(report.paths)}`);
  w();
  const width = Math.max(8, ...report.layers.map((l) => l.name.length));
  for (const layer of report.layers) {
    const cost = layer.estimate ? chalk.dim(`  ${formatEstimate({ estimatedMs: layer.estimatedMs, lastMs: layer.estimate.lastMs })}`) : '';
    w(`${layer.name.padEnd(width)}  ${cost ? ACTION_PLAN[layer.action].padEnd(8) + cost : ACTION_PLAN[layer.action]}`);
    for (const r of layer.reasons) w(`${' '.repeat(width)}    - ${formatReason(r)}`);
    const packages = packagesLine(layer);
    if (packages) w(`${' '.repeat(width)}    ${packages}`);
    if (layer.estimate && layer.estimatedMs == null) w(chalk.dim(`${' '.repeat(width)}    (${layer.estimate.note})`));
  }
  if (report.layers.length === 0 && !report.error) w('(no layers)');
  if (report.layers.length > 0) {
    w();
    w(costSummary(report));
    if (report.since) w(sinceVerdict(report.since, report));
  }
  if (report.cache) {
    w();
    w(chalk.bold(`from ${report.cache.cache}:`) + (report.cache.problem ? ` nothing (${report.cache.problem})` : ''));
    for (const l of report.cache.layers) {
      if (l.take === 'restore') w(`  ${l.name.padEnd(width)}  restore ${formatSize(l.bytes ?? null)}${l.savedMs != null ? `, saves about ${formatDuration(l.savedMs)}` : ''}`);
      else w(`  ${l.name.padEnd(width)}  ${l.take === 'local' ? 'local' : 'not taken'}: ${(l.reasons ?? []).join('; ')}`);
    }
  }
  for (const warning of report.warnings) w(chalk.yellow(`warning (${warning.code}): ${warning.message}`));
  for (const note of report.notes) w(chalk.dim(`note: ${note}`));
  if (report.error) {
    w();
    for (const line of errorLines(report.error)) w(line);
  }
}
