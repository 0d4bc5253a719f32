// One reason for a layer decision: what changed (`field: old → new`) and the
// sentence that says it in words.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { Reason } from '../../engine/index.js';
import { reasonChange } from '../format.js';

export interface ReasonLineProps {
  reason: Reason;
  indent?: number;
}

export function ReasonLine({ reason, indent = 0 }: ReasonLineProps) {
  const change = reasonChange(reason);
  return (
    <Box paddingLeft={indent}>
      <Box width={2} flexShrink={0}>
        <Text dimColor>↳</Text>
      </Box>
      <Text>
        {change ? (
          <>
            <Text color="yellow">{change}</Text>
            <Text dimColor> — {reason.message}</Text>
          </>
        ) : (
          <Text dimColor>{reason.message}</Text>
        )}
        {reason.pybpOnly ? <Text color="magenta"> [pybp only]</Text> : null}
      </Text>
    </Box>
  );
}
