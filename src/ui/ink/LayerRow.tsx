// A layer under its step: name, badge, time and size once it is done, and
// every reason for the decision.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { LayerAction, Reason } from '../../engine/index.js';
import { formatDuration, formatSize } from '../format.js';
import { BADGE_WIDTH, LayerBadge } from './LayerBadge.js';
import { ReasonLine } from './ReasonLine.js';

export const NAME_WIDTH = 10;

export interface LayerRowProps {
  name: string;
  action: LayerAction;
  reasons: Reason[];
  durationMs?: number | null;
  sizeBytes?: number | null;
  tense?: 'done' | 'plan';
  indent?: number;
}

export function LayerRow({ name, action, reasons, durationMs, sizeBytes, tense = 'done', indent = 0 }: LayerRowProps) {
  const facts = [formatDuration(durationMs), formatSize(sizeBytes)].filter((f) => f !== '').join(' · ');
  return (
    <Box flexDirection="column" paddingLeft={indent}>
      <Text>
        <Text bold>{name.padEnd(NAME_WIDTH)}</Text> <LayerBadge action={action} tense={tense} width={facts ? BADGE_WIDTH : undefined} />
        {facts ? <Text dimColor>  {facts}</Text> : null}
      </Text>
      {reasons.map((r, i) => (
        <ReasonLine key={i} reason={r} indent={NAME_WIDTH + 1} />
      ))}
    </Box>
  );
}
