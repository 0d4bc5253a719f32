// `pybp cache ls` and `pybp cache prune` as plain lines (in a terminal too:
// a list needs no Ink). Paths come from pybp's records and the file system,
// so everything shown goes through forTerminal first and the guarded writer.
import chalk from 'chalk';
import type { CacheItem, Inventory, LayersDirItem } from '../../engine/index.js';
import type { PruneAction, PrunePlan, PruneResult } from '../../engine/index.js';
import { forTerminal } from '../terminal-view.js';
import { formatSize, formatWhen } from '../format.js';
import { lineWriter } from './writer.js';

function sizeText(size: { bytes: number; complete: boolean } | null): string {
  if (!size) return '';
  return `${size.complete ? '' : '≥ '}${formatSize(size.bytes)}`;
}

function stateText(d: LayersDirItem): string {
  switch (d.state.kind) {
    case 'owned':
      return d.state.unknown.length > 0 ? `pybp's, but holds what pybp did not make: ${d.state.unknown.join(', ')}` : '';
    case 'gone':
      return "gone (only pybp's record of it is left; `pybp cache prune` forgets it)";
    case 'not-owned':
      return `not pybp's: ${d.state.why}; pybp never touches it`;
    case 'unreadable':
      return `cannot be read: ${d.state.why}`;
  }
}

function appText(d: LayersDirItem): string {
  if (d.app === null) return 'app: not known (layers given with --layers-dir, by an older pybp)';
  return `app: ${d.app}${d.appExists === false ? chalk.yellow(' (no longer exists)') : ''}`;
}

function usedBy(c: CacheItem): string {
  if (c.keptBecause) return c.keptBecause;
  if (c.usedBy.length > 0) return `python layers of ${c.usedBy.length} layers director${c.usedBy.length === 1 ? 'y' : 'ies'} came from it`;
  return c.python ? 'no layers directory pybp keeps came from it' : '';
}

export function printCacheList(untrusted: Inventory, out: NodeJS.WritableStream): void {
  const inv = forTerminal(untrusted);
  const w = lineWriter(out);
  w(chalk.bold('pybp cache ls'));
  w(`layers directories pybp made (records in ${inv.registry}):`);
  if (inv.layersDirs.length === 0) w('  (none)');
  for (const d of inv.layersDirs) {
    const last = d.lastBuild ? `last build ${formatWhen(d.lastBuild.at)} (${d.lastBuild.status})` : `made ${formatWhen(d.createdAt)}, never built`;
    const state = stateText(d);
    w(`  ${d.layersDir}`);
    w(`      ${[sizeText(d.size), d.state.kind === 'owned' ? last : '', appText(d)].filter(Boolean).join('  ·  ')}`);
    if (state) w(`      ${state}`);
  }
  for (const b of inv.badRecords) w(chalk.dim(`  unreadable record ${b.file}: ${b.why}`));
  const total = inv.layersDirs.reduce((sum, d) => sum + (d.size?.bytes ?? 0), 0);
  if (inv.layersDirs.length > 0) w(`  total: ${formatSize(total)}`);
  w();
  w(`pybp's cache (${inv.cacheDir}):`);
  for (const p of inv.cacheProblems) w(`  ${p.area}/: not listed, never pruned (${p.code}): ${p.message.split('\n')[0]}`);
  if (inv.caches.length === 0 && inv.cacheProblems.length === 0) w('  (empty)');
  const width = Math.max(0, ...inv.caches.map((c) => c.area.length + c.name.length + 1));
  for (const c of inv.caches) {
    const label = c.area === c.name ? c.name : `${c.area}/${c.name}`;
    const note = usedBy(c);
    w(`  ${label.padEnd(width)}  ${sizeText(c.size).padStart(8)}${note ? chalk.dim(`  ${note}`) : ''}`);
  }
  if (inv.caches.length > 0) w(`  total: ${formatSize(inv.caches.reduce((sum, c) => sum + c.size.bytes, 0))}`);
}

function actionLine(a: PruneAction): string {
  switch (a.kind) {
    case 'remove-layers-dir':
      return `layers  ${a.layersDir}  ${formatSize(a.bytes)}  (${a.why})`;
    case 'forget-record':
      return `record  ${a.layersDir}  (${a.why})`;
    case 'remove-cache-entry':
      return `cache   ${a.area === a.name ? a.name : `${a.area}/${a.name}`}  ${formatSize(a.bytes)}  (${a.why})`;
  }
}

export function printPrunePlan(untrusted: PrunePlan, opts: { dryRun: boolean; cacheDir: string }, out: NodeJS.WritableStream): void {
  const plan = forTerminal(untrusted);
  const w = lineWriter(out);
  w(chalk.bold(`pybp cache prune${opts.dryRun ? ' --dry-run' : ''}`));
  if (plan.actions.length === 0) w('Nothing to remove.');
  else {
    w(opts.dryRun ? 'Would remove:' : 'Will remove:');
    for (const a of plan.actions) w(`  ${actionLine(a)}`);
  }
  if (plan.refused.length > 0) {
    w("Refused (not pybp's to remove, left as they are):");
    for (const r of plan.refused) w(`  ${r.layersDir}  (${r.code}) ${r.reason}`);
  }
  for (const note of plan.notes) w(chalk.dim(`note: ${note}`));
  if (opts.dryRun && plan.actions.length > 0) w('Dry run: nothing was removed.');
}

export function printPruneResult(untrusted: PruneResult, out: NodeJS.WritableStream): void {
  const r = forTerminal(untrusted);
  const w = lineWriter(out);
  const what = r.action.kind === 'remove-cache-entry' ? `${r.action.area}/${r.action.name}` : r.action.layersDir;
  if (r.outcome === 'done') w(`${r.action.kind === 'forget-record' ? 'forgot' : 'removed'} ${what}`);
  else w(`${r.outcome} ${what}${r.code ? ` (${r.code})` : ''}: ${r.reason ?? ''}`);
}

export function printPruneSummary(untrusted: PruneResult[], out: NodeJS.WritableStream): void {
  const results = forTerminal(untrusted);
  const w = lineWriter(out);
  const done = results.filter((r) => r.outcome === 'done');
  const freed = done.reduce((sum, r) => sum + (r.action.kind === 'remove-layers-dir' ? (r.action.bytes ?? 0) : r.action.kind === 'remove-cache-entry' ? r.action.freesBytes : 0), 0);
  const other = results.length - done.length;
  w(`Done: ${done.length} removed${other > 0 ? `, ${other} not (see above)` : ''}; about ${formatSize(freed)} freed.`);
}
