// What the next build would do with each layer, why, and what making it again
// cost last time.
import { Box, Text } from 'ink';
import type { ExplainLayer } from '../../engine/explain.js';
import { formatDuration } from '../format.js';
import { LayerBadge } from './LayerBadge.js';
import { ReasonLine } from './ReasonLine.js';

const ACTION_WIDTH = 8;

/** Layers the next build makes again (whose cost is time). */
export function rebuilds(layers: ExplainLayer[]): ExplainLayer[] {
  return layers.filter((l) => l.action === 'create' || l.action === 'discard' || l.action === 'rebuild-always');
}

export function ExplainTable({ layers }: { layers: ExplainLayer[] }) {
  const nameWidth = Math.max(8, ...layers.map((l) => l.name.length));
  const remade = new Set(rebuilds(layers));
  return (
    <Box flexDirection="column">
      <Text bold>
        {'layer'.padEnd(nameWidth)}  {'next'.padEnd(ACTION_WIDTH)}  cost (when last made)
      </Text>
      {layers.map((l) => (
        <Box key={l.name} flexDirection="column">
          <Text>
            {l.name.padEnd(nameWidth)}  <LayerBadge action={l.action} tense="plan" width={remade.has(l) ? ACTION_WIDTH : undefined} />
            {remade.has(l) ? <Text dimColor>  {l.lastBuildMs != null ? `~${formatDuration(l.lastBuildMs)}` : 'not recorded'}</Text> : null}
          </Text>
          {l.reasons.map((r, i) => (
            <ReasonLine key={i} reason={r} indent={nameWidth + 2} />
          ))}
        </Box>
      ))}
    </Box>
  );
}
