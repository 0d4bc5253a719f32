// The closing table of a build: every layer with what happened to it, its
// time and size, and the totals.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { LayerAction } from '../../engine/index.js';
import type { LayerOutcome } from '../../engine/index.js';
import { type PackageChanges, summarizeChanges } from '../../engine/index.js';
import { formatDuration, formatSize, totalSize } from '../format.js';
import { BADGE_WIDTH } from './LayerBadge.js';
import { LayerOutcomeRow, SIZE_WIDTH, TIME_WIDTH } from './LayerOutcomeRow.js';

export interface SummaryTableProps {
  /** `outcome` says what became of the layer: a failed build's layers are rolled back or never reached. */
  layers: Array<{ name: string; action: LayerAction; durationMs: number | null; sizeBytes: number | null; outcome: LayerOutcome; packages?: PackageChanges }>;
  /** The whole build's time, for the total row. */
  durationMs: number;
}


export function SummaryTable({ layers, durationMs }: SummaryTableProps) {
  const nameWidth = Math.max(5, ...layers.map((l) => l.name.length));
  // Only what the build kept counts towards the size.
  const size = totalSize(layers.map((l) => (l.outcome === 'done' ? l.sizeBytes : null)));
  return (
    <Box flexDirection="column">
      <Text bold>
        {'layer'.padEnd(nameWidth)}  {'action'.padEnd(BADGE_WIDTH)}  {'time'.padStart(TIME_WIDTH)}  {'size'.padStart(SIZE_WIDTH)}
      </Text>
      {layers.map((l) => {
        return (
          <Box key={l.name} flexDirection="column">
            <LayerOutcomeRow layer={l} nameWidth={nameWidth} />
            {l.packages ? <Text dimColor>{' '.repeat(nameWidth + 2)}{summarizeChanges(l.packages)}</Text> : null}
          </Box>
        );
      })}
      <Text bold>
        {'total'.padEnd(nameWidth)}  {''.padEnd(BADGE_WIDTH)}  {formatDuration(durationMs).padStart(TIME_WIDTH)}  {formatSize(size).padStart(SIZE_WIDTH)}
      </Text>
    </Box>
  );
}
