// bench/RESULTS.md: the latest run only, with the machine it ran on.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fmtMs, type PairResult } from './measure.js';

export interface Machine {
  cores: number;
  memory: string;
  cpu: string;
  node: string;
  os: string;
}

export function describeMachine(): Machine {
  let distro = '';
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // Not Linux, or no os-release: the kernel line still says what it is.
  }
  return {
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: [distro, `${os.type()} ${os.release()} ${os.arch()}`].filter(Boolean).join(', '),
  };
}

export interface BenchResult {
  id: string;
  title: string;
  /** What each side runs, in a sentence or a command line. */
  a: string;
  b: string;
  /** Target for the ratio A/B: met when ratio <= target. */
  target: number;
  result: PairResult;
  warmups: number;
  /** Extra lines under the table (e.g. pybp's phase times). */
  notes?: string[];
  /** pybp's own time: its wall time minus the tool's and Node's bare start, all from the same rounds. */
  split?: SplitRow[];
  /**
   * More A sides measured in the same rounds against the same B (bench 6: each way of a
   * cold CI build against one warm rebuild), each a row of its own in both tables.
   * `target: null` is a figure given for context, with no target.
   */
  moreRows?: MoreRow[];
  /** Extra markdown lines in the section, after the table (bench 6's bytes moved and save check). */
  extraLines?: string[];
}

export interface MoreRow {
  title: string;
  medianA: number;
  medianB: number;
  target: number | null;
}

export function rowMet(row: { medianA: number; medianB: number; target: number | null }): boolean | null {
  return row.target === null ? null : row.medianA / row.medianB <= row.target;
}

function rowCells(row: { medianA: number; medianB: number; target: number | null }): string {
  const ok = rowMet(row);
  return `${fmtMs(row.medianA)} | ${fmtMs(row.medianB)} | ${(row.medianA / row.medianB).toFixed(2)}× | ${row.target === null ? '–' : `≤ ${row.target.toFixed(2)}×`} | ${ok === null ? '–' : ok ? 'yes' : '**no**'}`;
}

export interface SplitRow {
  label: string;
  wall: number;
  tool: number;
  toolName: string;
  node: number;
  own: number;
  target: number;
}

function splitTable(rows: SplitRow[]): string[] {
  return [
    "pybp's own time (medians of the same rounds: pybp's wall time minus the tool's minus Node's bare start):",
    '',
    `| build | pybp build (wall) | ${rows[0].toolName} | node -e 0 | pybp's own | target | met? |`,
    '|---|---:|---:|---:|---:|---:|:---:|',
    ...rows.map((r) => `| ${r.label} | ${fmtMs(r.wall)} | ${fmtMs(r.tool)} | ${fmtMs(r.node)} | ${fmtMs(r.own)} | < ${fmtMs(r.target)} | ${r.own < r.target ? 'yes' : '**no**'} |`),
    '',
  ];
}

export function met(r: BenchResult): boolean {
  return r.result.ratio <= r.target;
}

export function renderResults(results: BenchResult[], meta: { date: Date; machine: Machine; wallMs: number; command: string }): string {
  const m = meta.machine;
  const lines = [
    '# pybp benchmarks',
    '',
    `Written by \`${meta.command}\`; every run overwrites this file. Speed targets live here, never in tests.`,
    '',
    `- Date: ${meta.date.toISOString()}`,
    `- Machine: ${m.cores} cores, ${m.memory} memory, CPU ${m.cpu}`,
    `- Node ${m.node}; OS ${m.os}`,
    `- Wall time of the whole bench: ${fmtMs(meta.wallMs)}`,
    '',
    'Each benchmark runs its two sides alternately (A, B, A, B, ...) in one run, after warm-ups that are not counted;',
    'the ratio is median A / median B, and a target is met when the ratio is at most the target.',
    '',
    '| benchmark | median A | median B | ratio A/B | target | met? |',
    '|---|---:|---:|---:|---:|:---:|',
    ...results.flatMap((r) => [
      `| ${r.id}. ${r.title} | ${fmtMs(r.result.medianA)} | ${fmtMs(r.result.medianB)} | ${r.result.ratio.toFixed(2)}× | ≤ ${r.target.toFixed(2)}× | ${met(r) ? 'yes' : '**no**'} |`,
      ...(r.moreRows ?? []).map((m) => `| ${r.id}. ${m.title} | ${rowCells(m)} |`),
    ]),
    '',
  ];
  for (const r of results) {
    lines.push(
      `## ${r.id}. ${r.title}`,
      '',
      `- A: ${r.a}`,
      `- B: ${r.b}`,
      `- ${r.warmups} warm-up round(s), ${r.result.a.length} measured rounds.`,
      '',
      ...(r.moreRows?.length
        ? [
            '| A | median A | median B | ratio A/B | target | met? |',
            '|---|---:|---:|---:|---:|:---:|',
            `| ${r.title} | ${fmtMs(r.result.medianA)} | ${fmtMs(r.result.medianB)} | ${r.result.ratio.toFixed(2)}× | ≤ ${r.target.toFixed(2)}× | ${met(r) ? 'yes' : '**no**'} |`,
            ...r.moreRows.map((m) => `| ${m.title} | ${rowCells(m)} |`),
          ]
        : [
            '| median A | median B | ratio A/B | target | met? |',
            '|---:|---:|---:|---:|:---:|',
            `| ${fmtMs(r.result.medianA)} | ${fmtMs(r.result.medianB)} | ${r.result.ratio.toFixed(2)}× | ≤ ${r.target.toFixed(2)}× | ${met(r) ? 'yes' : '**no**'} |`,
          ]),
      '',
      ...(r.extraLines?.length ? [...r.extraLines, ''] : []),
      `Median A − median B: ${fmtMs(r.result.medianA - r.result.medianB)}.`,
      '',
      `Rounds (ms), A: ${r.result.a.map((x) => x.toFixed(0)).join(', ')}`,
      '',
      `Rounds (ms), B: ${r.result.b.map((x) => x.toFixed(0)).join(', ')}`,
      '',
      ...(r.split?.length ? splitTable(r.split) : []),
      ...(r.result.also.length ? r.result.also.map((x) => `Rounds (ms), ${x.label}: ${x.rounds.map((v) => v.toFixed(0)).join(', ')}`).flatMap((l) => [l, '']) : []),
      ...(r.notes?.length ? [...r.notes, ''] : []),
    );
  }
  return lines.join('\n');
}

export async function writeResults(file: string, text: string): Promise<void> {
  await writeFile(file, text);
}
