// The running tool's output: a window of its last lines while it runs (the
// subprocess-output pattern of Ink's examples), every line when it failed.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { OutputLine } from './build-state.js';
import { forDisplay } from './terminal-text.js';

export const LIVE_LINES = 8;

export interface OutputBoxProps {
  lines: OutputLine[];
  /** `live`: the last `maxLines`, one row each; `full`: everything, wrapped. */
  mode: 'live' | 'full';
  maxLines?: number;
  indent?: number;
}

export function OutputBox({ lines, mode, maxLines = LIVE_LINES, indent = 2 }: OutputBoxProps) {
  if (lines.length === 0) return null;
  const shown = mode === 'live' ? lines.slice(-maxLines) : lines;
  const hidden = lines.length - shown.length;
  return (
    <Box
      flexDirection="column"
      marginLeft={indent}
      paddingLeft={1}
      borderStyle="single"
      borderTop={false}
      borderRight={false}
      borderBottom={false}
      borderDimColor
    >
      {hidden > 0 ? <Text dimColor>… {hidden} earlier line{hidden === 1 ? '' : 's'}</Text> : null}
      {shown.map((line, i) => (
        <Text key={hidden + i} colourCodes={!line.command} dimColor={line.command} wrap={mode === 'live' ? 'truncate-end' : 'wrap'}>
          {forDisplay(line.text) || ' '}
        </Text>
      ))}
    </Box>
  );
}
