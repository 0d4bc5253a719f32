// A Ctrl-C is not a failure of the app: say where the build stopped and that
// nothing half-made was kept.
import { Box } from 'ink';
import { Text } from './Text.js';

export interface InterruptedNoticeProps {
  /** The title of the step that was running, or null if none had started. */
  step: string | null;
  fix?: string;
}

export function InterruptedNotice({ step, fix }: InterruptedNoticeProps) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text color="yellow" bold>
        Build interrupted {step ? `during “${step}”` : 'before any step started'}
      </Text>
      <Text>The layers were rolled back: they are as the last successful build left them.</Text>
      {fix ? <Text dimColor>{fix}</Text> : null}
    </Box>
  );
}
