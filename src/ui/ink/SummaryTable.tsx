// The closing table of a build: every layer with what happened to it, its
// time and size, and the totals.
import { Box, Text } from 'ink';
import type { LayerAction } from '../../engine/layers/types.js';
import { ACTION_LABEL, formatDuration, formatSize, totalSize } from '../format.js';
import { BADGE_WIDTH, LayerBadge } from './LayerBadge.js';

export interface SummaryTableProps {
  layers: Array<{ name: string; action: LayerAction; durationMs: number | null; sizeBytes: number | null }>;
  /** The whole build's time, for the total row. */
  durationMs: number;
  /**
   * False when the build stopped early: a layer without a time was never
   * reached, and its action is only what was planned.
   */
  complete?: boolean;
}

const TIME_WIDTH = 8;
const SIZE_WIDTH = 8;

export function SummaryTable({ layers, durationMs, complete = true }: SummaryTableProps) {
  const nameWidth = Math.max(5, ...layers.map((l) => l.name.length));
  const size = totalSize(layers.map((l) => l.sizeBytes));
  return (
    <Box flexDirection="column">
      <Text bold>
        {'layer'.padEnd(nameWidth)}  {'action'.padEnd(BADGE_WIDTH)}  {'time'.padStart(TIME_WIDTH)}  {'size'.padStart(SIZE_WIDTH)}
      </Text>
      {layers.map((l) => {
        const reached = complete || l.durationMs != null;
        return (
          <Text key={l.name}>
            {l.name.padEnd(nameWidth)}{'  '}
            {reached ? <LayerBadge action={l.action} width={BADGE_WIDTH} /> : <Text dimColor>{ACTION_LABEL[l.action].padEnd(BADGE_WIDTH)}</Text>}
            {'  '}
            {cell(formatDuration(l.durationMs), TIME_WIDTH)}  {cell(formatSize(l.sizeBytes), SIZE_WIDTH)}
            {reached ? null : <Text dimColor>  not reached</Text>}
          </Text>
        );
      })}
      <Text bold>
        {'total'.padEnd(nameWidth)}  {''.padEnd(BADGE_WIDTH)}  {formatDuration(durationMs).padStart(TIME_WIDTH)}  {formatSize(size).padStart(SIZE_WIDTH)}
      </Text>
    </Box>
  );
}

function cell(text: string, width: number): string {
  return (text || '—').padStart(width);
}
