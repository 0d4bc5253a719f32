// One doctor check: ✓ passed, ! warning, ✗ failure; a fix under anything
// that is not a pass.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { DoctorCheck } from '../../engine/index.js';

const MARK = {
  pass: { symbol: '✓', color: 'green' },
  warn: { symbol: '!', color: 'yellow' },
  fail: { symbol: '✗', color: 'red' },
} as const;

export function CheckRow({ check, indent = 2 }: { check: DoctorCheck; indent?: number }) {
  // A check that could not answer is a warning marked `?`: it keeps the verdict at cannot-tell.
  const mark = check.unchecked ? { symbol: '?', color: 'yellow' } : MARK[check.status];
  return (
    <Box flexDirection="column" paddingLeft={indent}>
      <Box>
        <Box width={2} flexShrink={0}>
          <Text color={mark.color} bold>
            {mark.symbol}
          </Text>
        </Box>
        <Text>
          {check.message}
          {check.code && check.status !== 'pass' ? <Text dimColor> ({check.code})</Text> : null}
        </Text>
      </Box>
      {check.fix && check.status !== 'pass' ? (
        <Box paddingLeft={4}>
          <Text>
            <Text color="green" bold>
              fix:
            </Text>{' '}
            {check.fix}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}
