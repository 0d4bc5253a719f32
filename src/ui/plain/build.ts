// Build events as plain lines: one line per event, no cursor movement, tool
// output streamed as it comes. For CI and pipes; the same facts as the Ink view.
import { stripVTControlCharacters } from 'node:util';
import chalk from 'chalk';
import type { BuildReport } from '../../engine/index.js';
import type { EngineEvent } from '../../engine/index.js';
import { ACTION_LABEL, formatBuildEnv, formatPaths, formatCommand, formatDuration, formatReason, formatSize, nextRunCommand } from '../format.js';
import { OUTCOME_LABEL } from '../../engine/index.js';
import { summarizeChanges } from '../../engine/index.js';
import { errorLines } from './error.js';
import { eventForTerminal, forTerminal } from '../terminal-view.js';
import { writeGuarded } from './writer.js';
import { blobDoneText, blobFailedText, blobName, formatBytes, formatProgress, formatRate, skippedText, totalsText, transferTitle } from '../transfer-text.js';

/** In CI a long transfer says how far it is this often (a line per blob, never per chunk). */
export const PLAIN_PROGRESS_EVERY_MS = 10_000;

export class PlainBuildPrinter {
  /** Per blob of the running transfer: the last progress line's ten-second mark. */
  private readonly progressMarks = new Map<string, number>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly err: NodeJS.WritableStream,
    /** The words that run this pybp on the user's PATH (commands/self-command.ts), for the next: hint. */
    private readonly pybp: readonly string[] = ['pybp'],
  ) {}

  private line(text = ''): void {
    writeGuarded(this.out, text + '\n');
  }

  onEvent(untrusted: EngineEvent): void {
    const e = eventForTerminal(untrusted);
    switch (e.type) {
      case 'plan': {
        const p = e.plan;
        this.line(`${chalk.bold('pybp build')} ${p.app}`);
        this.line(`package manager: ${p.packageManager}; Python ${p.python.requested} → ${p.python.resolved} (${p.python.origin})`);
        if (p.source) this.line(`interpreter: ${p.source.interpreter ?? p.source.kind}`);
        this.line(`target: ${p.target.distro_name} ${p.target.distro_version} ${p.target.arch}; layers: ${p.layersDir}`);
        this.line(`environment: ${formatBuildEnv(p.environment)}`);
        // Heroku's paths are what Heroku does and go unsaid (the JSON always says); the host's are a difference.
        if (p.paths?.mode === 'host') this.line(`paths: ${formatPaths(p.paths)}`);
        break;
      }
      case 'recovered':
        this.line(chalk.yellow(e.what === 'rolled-back'
          ? 'An earlier build was interrupted: its changes were undone and the layers are as the last successful build left them.'
          : 'An earlier build was interrupted while committing: its commit was completed.'));
        break;
      case 'step-started':
        this.line();
        this.line(chalk.magenta.bold(`[${e.title}]`));
        break;
      case 'info':
        this.line(e.message);
        break;
      case 'layer-decision': {
        const d = e.decision;
        this.line(`${chalk.bold(String(d.name))}: ${ACTION_LABEL[d.action]}`);
        for (const r of d.reasons) this.line(` - ${formatReason(r)}`);
        break;
      }
      case 'command':
        this.line(chalk.dim(`$ ${formatCommand(e.argv)}`));
        break;
      case 'output':
        // uv runs with --color always (as in the buildpack); without colour, drop its escape codes.
        this.line(`  ${chalk.level === 0 ? stripVTControlCharacters(e.line) : e.line}`);
        break;
      case 'layer-finished':
        this.line(chalk.dim(`${e.layer}: ${ACTION_LABEL[e.action].toLowerCase()} in ${formatDuration(e.durationMs)}${e.sizeBytes != null ? `, ${formatSize(e.sizeBytes)}` : ''}`));
        break;
      case 'step-finished':
        if (e.step !== 'python-version') this.line(chalk.dim(e.ok ? `done in ${formatDuration(e.durationMs)}` : `failed after ${formatDuration(e.durationMs)}`));
        break;
      case 'warning':
        writeGuarded(this.err, `\n${chalk.yellow.bold(`[Warning: ${e.warning.title}]`)} ${chalk.dim(`(${e.warning.code})`)}\n${e.warning.message}\n`);
        break;
      case 'error':
        writeGuarded(this.err, '\n' + errorLines(e.error).join('\n') + '\n');
        break;
      case 'cache-transfer-started': {
        this.progressMarks.clear();
        const sizes = e.layers.map((l) => l.bytes);
        const total = sizes.every((b) => b != null) && sizes.length > 0 ? ` (${formatBytes(sizes.reduce<number>((n, b) => n + b!, 0))})` : '';
        const what = e.layers.length === 0 ? 'no layer to take' : `${e.layers.length} layer${e.layers.length === 1 ? '' : 's'}${total}: ${e.layers.map((l) => l.name).join(', ')}`;
        // The restore comes before the build's header; the save after its last step.
        if (e.direction === 'save') this.line();
        this.line(`${chalk.bold(transferTitle(e.direction, e.cache, true))}: ${what}`);
        break;
      }
      case 'cache-blob-progress': {
        // A line only each time the blob passes another ten seconds: a CI log stays short.
        const key = `${e.phase} ${blobName(e.layer)}`;
        const mark = Math.floor(e.elapsedMs / PLAIN_PROGRESS_EVERY_MS);
        if (mark === 0 || (this.progressMarks.get(key) ?? 0) >= mark) break;
        this.progressMarks.set(key, mark);
        const pct = e.bytesTotal ? ` (${Math.floor((100 * e.bytesDone) / e.bytesTotal)}%)` : '';
        const doing = e.phase === 'packing' ? 'packing, ' : '';
        this.line(chalk.dim(`  ${blobName(e.layer)}: ${doing}${formatProgress(e.bytesDone, e.bytesTotal)}${pct}, ${formatRate(e.bytesDone, e.elapsedMs)}`));
        break;
      }
      case 'cache-blob-done':
        // Packing is a step of an image's save, not a move: its upload's line follows.
        if (e.phase === 'packing' && e.ok) break;
        this.line(e.ok ? `  ${blobName(e.layer)}: ${blobDoneText(e)}` : chalk.yellow(`  ${blobName(e.layer)}: ${blobFailedText(e.direction, e.bytes, e.phase)}`));
        break;
      case 'cache-blob-skipped':
        this.line(chalk.dim(`  ${blobName(e.layer)}: ${skippedText(e)}`));
        break;
      case 'cache-transfer-finished': {
        const what = e.direction === 'restore' ? `The restore from ${e.cache}` : `The save to ${e.cache}`;
        this.line(e.ok ? `${transferTitle(e.direction, e.cache, false, e.blobsMoved === 0)}: ${totalsText(e)}` : chalk.yellow(`${what} stopped: ${totalsText(e)}`));
        break;
      }
    }
  }

  finish(untrusted: BuildReport): void {
    const report = forTerminal(untrusted);
    if (report.layers.length > 0) {
      this.line();
      this.line(chalk.bold('Summary'));
      const width = Math.max(...report.layers.map((l) => l.name.length));
      for (const l of report.layers) {
        // A failed build's layers were rolled back or never reached: their action was only the plan.
        const kept = l.outcome === 'done';
        const tail = l.outcome === 'done' ? '' : `  ${OUTCOME_LABEL[l.outcome]}`;
        this.line(`  ${l.name.padEnd(width)}  ${ACTION_LABEL[l.action].padEnd(14)}  ${formatDuration(l.durationMs).padStart(8)}  ${(kept ? formatSize(l.sizeBytes) : '').padStart(7)}${tail}`.trimEnd());
        if (l.packages) this.line(`  ${' '.repeat(width)}  ${summarizeChanges(l.packages)}`);
      }
    }
    this.line();
    const verdict = report.status === 'succeeded' ? chalk.green('Build succeeded') : report.status === 'interrupted' ? chalk.yellow('Build interrupted') : chalk.red('Build failed');
    this.line(`${verdict} in ${formatDuration(report.durationMs)}.`);
    if (report.status === 'succeeded') {
      this.line(`next: ${nextRunCommand(this.pybp, report)} -- <command> runs a command with this build's environment`);
    }
  }
}
