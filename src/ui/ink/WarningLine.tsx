// A build warning: title, code, and the message that explains it.
import { Box } from 'ink';
import { Text } from './Text.js';

export interface WarningLineProps {
  warning: { code: string; title?: string; message: string };
  indent?: number;
}

export function WarningLine({ warning, indent = 0 }: WarningLineProps) {
  return (
    <Box flexDirection="column" paddingLeft={indent}>
      <Text>
        <Text color="yellow" bold>
          ! {warning.title ?? warning.code}
        </Text>
        {warning.title ? <Text dimColor> ({warning.code})</Text> : null}
      </Text>
      <Box paddingLeft={2}>
        <Text>{warning.message}</Text>
      </Box>
    </Box>
  );
}
