// What the next build would do with each layer, why, and what making it again
// would cost (estimated from the build history).
import { Box } from 'ink';
import { Text } from './Text.js';
import type { ExplainLayer } from '../../engine/index.js';
import { formatEstimate, packagesLine } from '../format.js';
import { LayerBadge } from './LayerBadge.js';
import { ReasonLine } from './ReasonLine.js';

const ACTION_WIDTH = 8;

/** Layers the next build makes again (whose cost is time). */
export function rebuilds(layers: ExplainLayer[]): ExplainLayer[] {
  return layers.filter((l) => l.estimate !== null);
}

export function ExplainTable({ layers }: { layers: ExplainLayer[] }) {
  const nameWidth = Math.max(8, ...layers.map((l) => l.name.length));
  return (
    <Box flexDirection="column">
      <Text bold>
        {'layer'.padEnd(nameWidth)}  {'next'.padEnd(ACTION_WIDTH)}  cost
      </Text>
      {layers.map((l) => (
        <Box key={l.name} flexDirection="column">
          <Text>
            {l.name.padEnd(nameWidth)}  <LayerBadge action={l.action} tense="plan" width={l.estimate ? ACTION_WIDTH : undefined} />
            {l.estimate ? <Text dimColor>  {formatEstimate({ estimatedMs: l.estimatedMs, lastMs: l.estimate.lastMs })}</Text> : null}
          </Text>
          {l.reasons.map((r, i) => (
            <ReasonLine key={i} reason={r} indent={nameWidth + 2} />
          ))}
          {packagesLine(l) ? (
            <Box paddingLeft={nameWidth + 4}>
              <Text>{packagesLine(l)}</Text>
            </Box>
          ) : null}
          {l.estimate && l.estimatedMs == null ? (
            <Box paddingLeft={nameWidth + 4}>
              <Text dimColor>({l.estimate.note})</Text>
            </Box>
          ) : null}
        </Box>
      ))}
    </Box>
  );
}
